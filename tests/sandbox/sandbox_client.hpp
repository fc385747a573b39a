// Test helper for the sandbox conformance tests: a small libcurl client and a fixture that starts
// edfi-sandbox (the real binary) in one flavour, fetches a token and talks to its data URLs.
#pragma once
#include <curl/curl.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace sandbox_test {

using nlohmann::json;

struct Response {
  long status = 0;  // 0 = transport failure
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
  std::string error;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  bool has_header(const std::string& name) const { return headers.count(name) > 0; }
  json json_body() const { return json::parse(body, nullptr, false); }
};

inline std::size_t write_cb(char* ptr, std::size_t size, std::size_t n, void* user) {
  static_cast<std::string*>(user)->append(ptr, size * n);
  return size * n;
}

inline std::size_t header_cb(char* ptr, std::size_t size, std::size_t n, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  std::string line(ptr, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.pop_back();
    (*headers)[name] = value;
  } else if (line.rfind("HTTP/", 0) == 0) {
    headers->clear();
  }
  return size * n;
}

inline Response http(const std::string& method, const std::string& url, const std::string& body = "",
                     const std::vector<std::string>& headers = {}, bool send_body = false) {
  Response r;
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  if (!body.empty() || send_body || method == "POST" || method == "PUT" || method == "PATCH") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_slist* list = nullptr;
  bool has_type = false;
  for (auto& h : headers) {
    list = curl_slist_append(list, h.c_str());
    if (h.rfind("Content-Type", 0) == 0) has_type = true;
  }
  if (!has_type && (method == "POST" || method == "PUT")) list = curl_slist_append(list, "Content-Type: application/json");
  list = curl_slist_append(list, "Expect:");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
  CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK)
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
  else
    r.error = curl_easy_strerror(rc);
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  return r;
}

// One running sandbox plus a token.
class Api {
 public:
  explicit Api(const std::string& flavor = "dms", std::vector<std::string> args = {}) : flavor_(flavor) {
    args.push_back("--flavor");
    args.push_back(flavor);
    sandbox_ = std::make_unique<lightbeam::testing::Sandbox>(args);
    base_ = sandbox_->base_url();
    std::string host = base_.substr(0, base_.find('/', 7));
    host_ = host;
    data_ = flavor == "ods" ? host + "/api/data/v3" : host + "/data";
    oauth_ = flavor == "ods" ? host + "/api/oauth/token" : host + "/oauth/token";
    token_ = fetch_token();
  }

  std::string fetch_token(const std::string& user = "populated:populatedSecret") const {
    Response r = http("POST", oauth_, "grant_type=client_credentials",
                      {"Content-Type: application/x-www-form-urlencoded", "Authorization: Basic " + base64(user)});
    auto j = r.json_body();
    if (r.status != 200 || !j.contains("access_token")) return "";
    return j["access_token"].get<std::string>();
  }

  static std::string base64(const std::string& in) {
    static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned val = 0;
    int bits = -6;
    for (unsigned char c : in) {
      val = (val << 8) + c;
      bits += 8;
      while (bits >= 0) {
        out.push_back(t[(val >> bits) & 0x3F]);
        bits -= 6;
      }
    }
    if (bits > -6) out.push_back(t[((val << 8) >> (bits + 8)) & 0x3F]);
    while (out.size() % 4) out.push_back('=');
    return out;
  }

  Response call(const std::string& method, const std::string& path, const std::string& body = "",
                std::vector<std::string> headers = {}) const {
    headers.push_back("Authorization: Bearer " + token_);
    return http(method, data_ + path, body, headers);
  }
  Response get(const std::string& path, std::vector<std::string> headers = {}) const { return call("GET", path, "", headers); }
  Response post(const std::string& path, const json& body, std::vector<std::string> headers = {}) const {
    return call("POST", path, body.dump(), headers);
  }
  Response put(const std::string& path, const json& body, std::vector<std::string> headers = {}) const {
    return call("PUT", path, body.dump(), headers);
  }
  Response del(const std::string& path, std::vector<std::string> headers = {}) const { return call("DELETE", path, "", headers); }

  // POSTs and expects 200/201; returns the id from Location.
  std::string create(const std::string& path, const json& body) const {
    Response r = post(path, body);
    EXPECT_TRUE(r.status == 201 || r.status == 200) << path << " " << r.status << " " << r.body;
    std::string loc = r.header("location");
    return loc.substr(loc.rfind('/') + 1);
  }

  json stats() const { return http("GET", host_ + "/_sandbox/stats").json_body(); }

  const std::string& base() const { return base_; }
  const std::string& host() const { return host_; }
  const std::string& data() const { return data_; }
  const std::string& oauth() const { return oauth_; }
  const std::string& token() const { return token_; }
  const std::string& flavor() const { return flavor_; }
  lightbeam::testing::Sandbox& sandbox() { return *sandbox_; }

 private:
  std::string flavor_, base_, host_, data_, oauth_, token_;
  std::unique_ptr<lightbeam::testing::Sandbox> sandbox_;
};

// Problem-details assertions (edfi-api-behavior.md §8.1).
inline void expect_problem(const Response& r, long status, const std::string& type, const std::string& title,
                           const std::string& detail = "") {
  EXPECT_EQ(r.status, status) << r.body;
  json j = r.json_body();
  ASSERT_TRUE(j.is_object()) << r.body;
  EXPECT_EQ(j.value("type", ""), type) << r.body;
  EXPECT_EQ(j.value("title", ""), title) << r.body;
  EXPECT_EQ(j.value("status", 0), status) << r.body;
  if (!detail.empty()) {
    EXPECT_EQ(j.value("detail", ""), detail) << r.body;
  }
  EXPECT_TRUE(j.contains("correlationId"));
  EXPECT_TRUE(j["errors"].is_array()) << r.body;
}

// A DMS message as the ods flavour words it (sandbox/ods_wording.hpp): ODS/API 7.3 names the
// property a message starts with in PascalCase (its C# property) and double-quotes "upsert" and "id".
inline std::string worded(const std::string& flavor, std::string message) {
  if (flavor != "ods" || message.empty()) return message;
  message[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(message[0])));
  for (const char* word : {"upsert", "id"})
    for (std::size_t at; (at = message.find(std::string("'") + word + "'")) != std::string::npos;)
      message.replace(at, std::string(word).size() + 2, std::string("\"") + word + "\"");
  return message;
}

// Descriptors and education organizations most tests need (our own metadata/ set).
inline json descriptor(const std::string& type, const std::string& code) {
  return {{"namespace", "uri://ed-fi.org/" + type}, {"codeValue", code}, {"shortDescription", code}};
}

inline void seed_school(const Api& api, int school_id = 255901) {
  api.create("/ed-fi/gradeLevelDescriptors", descriptor("GradeLevelDescriptor", "Ninth grade"));
  api.create("/ed-fi/educationOrganizationCategoryDescriptors", descriptor("EducationOrganizationCategoryDescriptor", "School"));
  api.create("/ed-fi/schools", json{{"schoolId", school_id},
                                    {"nameOfInstitution", "Grand Bend High School"},
                                    {"gradeLevels", {{{"gradeLevelDescriptor", "uri://ed-fi.org/GradeLevelDescriptor#Ninth grade"}}}},
                                    {"educationOrganizationCategories",
                                     {{{"educationOrganizationCategoryDescriptor",
                                        "uri://ed-fi.org/EducationOrganizationCategoryDescriptor#School"}}}}});
}

inline json student(const std::string& id) {
  return {{"studentUniqueId", id}, {"firstName", "Ada"}, {"lastSurname", "Lovelace"}, {"birthDate", "2009-05-01"}};
}

inline json ssa(const std::string& student_id, int school_id = 255901, const std::string& entry = "2024-08-20") {
  return {{"studentReference", {{"studentUniqueId", student_id}}},
          {"schoolReference", {{"schoolId", school_id}}},
          {"entryDate", entry},
          {"entryGradeLevelDescriptor", "uri://ed-fi.org/GradeLevelDescriptor#Ninth grade"}};
}

}  // namespace sandbox_test
