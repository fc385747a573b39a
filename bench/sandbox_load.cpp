// Load generator for edfi-sandbox (libcurl multi, keep-alive): loads descriptors, schools and
// students, then POSTs distinct valid studentSchoolAssociations over N concurrent connections and
// reports requests/s and p50/p99 latency.
//
//   sandbox_load BASE_URL [--connections N] [--requests M] [--students S] [--setup-only] [--skip-setup]
#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

std::size_t sink(char* ptr, std::size_t size, std::size_t n, void* user) {
  static_cast<std::string*>(user)->append(ptr, size * n);
  return size * n;
}

std::string simple(const std::string& method, const std::string& url, const std::string& body,
                   const std::vector<std::string>& headers, const std::string& userpwd = "", long* status = nullptr) {
  CURL* c = curl_easy_init();
  std::string out;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (!body.empty()) curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
  curl_slist* list = nullptr;
  for (auto& h : headers) list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  if (!userpwd.empty()) curl_easy_setopt(c, CURLOPT_USERPWD, userpwd.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
  curl_easy_perform(c);
  long s = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &s);
  if (status) *status = s;
  curl_slist_free_all(list);
  curl_easy_cleanup(c);
  return out;
}

struct Result {
  double seconds = 0;
  std::vector<double> latencies_ms;
  std::map<long, long> statuses;
};

// Sends `count` POSTs produced by make_body(i) to url over `connections` keep-alive handles.
Result run(const std::string& url, const std::string& token, std::size_t count, int connections,
           const std::function<std::string(std::size_t)>& make_body) {
  Result result;
  result.latencies_ms.reserve(count);
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(connections));
  std::string auth = "Authorization: Bearer " + token;
  curl_slist* headers = curl_slist_append(nullptr, auth.c_str());
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Expect:");
  struct Slot {
    CURL* easy;
    std::string body, out;
    Clock::time_point start;
  };
  std::vector<Slot> slots(static_cast<std::size_t>(connections));
  std::size_t next = 0, done = 0;
  auto submit = [&](Slot& s) {
    s.body = make_body(next++);
    s.out.clear();
    curl_easy_setopt(s.easy, CURLOPT_POSTFIELDS, s.body.c_str());
    curl_easy_setopt(s.easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(s.body.size()));
    s.start = Clock::now();
    curl_multi_add_handle(multi, s.easy);
  };
  for (auto& s : slots) {
    s.easy = curl_easy_init();
    curl_easy_setopt(s.easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(s.easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(s.easy, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(s.easy, CURLOPT_WRITEDATA, &s.out);
    curl_easy_setopt(s.easy, CURLOPT_PRIVATE, &s);
    curl_easy_setopt(s.easy, CURLOPT_TCP_NODELAY, 1L);
  }
  auto t0 = Clock::now();
  for (auto& s : slots)
    if (next < count) submit(s);
  int running = 0;
  while (done < count) {
    curl_multi_perform(multi, &running);
    int msgs = 0;
    while (CURLMsg* m = curl_multi_info_read(multi, &msgs)) {
      if (m->msg != CURLMSG_DONE) continue;
      Slot* s = nullptr;
      curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&s));
      long status = 0;
      curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
      result.latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - s->start).count());
      ++result.statuses[m->data.result == CURLE_OK ? status : 0];
      curl_multi_remove_handle(multi, m->easy_handle);
      ++done;
      if (next < count) submit(*s);
    }
    if (done < count) curl_multi_poll(multi, nullptr, 0, 100, nullptr);
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  for (auto& s : slots) curl_easy_cleanup(s.easy);
  curl_slist_free_all(headers);
  curl_multi_cleanup(multi);
  return result;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

void report(const std::string& what, int connections, const Result& r) {
  std::string statuses;
  for (auto& [s, n] : r.statuses) statuses += fmt::format("{}{}x{}", statuses.empty() ? "" : " ", n, s);
  std::printf("%-28s connections=%-3d requests=%-7zu %8.0f req/s  p50=%.2f ms  p99=%.2f ms  statuses: %s\n", what.c_str(),
              connections, r.latencies_ms.size(), static_cast<double>(r.latencies_ms.size()) / r.seconds,
              percentile(r.latencies_ms, 0.50), percentile(r.latencies_ms, 0.99), statuses.c_str());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: sandbox_load BASE_URL [--connections N] [--requests M] [--students S] [--skip-setup]\n");
    return 2;
  }
  std::string base = argv[1];
  int connections = 8;
  std::size_t requests = 50000, students = 2000;
  bool skip_setup = false;
  std::string label = "studentSchoolAssociations";
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--connections") connections = std::atoi(next().c_str());
    else if (a == "--requests") requests = std::strtoull(next().c_str(), nullptr, 10);
    else if (a == "--students") students = std::strtoull(next().c_str(), nullptr, 10);
    else if (a == "--skip-setup") skip_setup = true;
    else if (a == "--label") label = next();
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  json discovery = json::parse(simple("GET", base, "", {}), nullptr, false);
  if (!discovery.is_object() || !discovery.contains("urls")) {
    std::fprintf(stderr, "sandbox_load: %s did not answer with a discovery document\n", base.c_str());
    return 1;
  }
  std::string data = discovery["urls"]["dataManagementApi"];
  if (data.back() == '/') data.pop_back();
  std::string oauth = discovery["urls"]["oauth"];
  json tok = json::parse(simple("POST", oauth, "grant_type=client_credentials", {}, "populated:populatedSecret"), nullptr, false);
  if (!tok.is_object() || !tok.contains("access_token")) {
    std::fprintf(stderr, "sandbox_load: no token from %s\n", oauth.c_str());
    return 1;
  }
  std::string token = tok["access_token"];
  const int schools = 10;
  if (!skip_setup) {
    std::vector<std::string> h{"Authorization: Bearer " + token, "Content-Type: application/json"};
    for (auto [ep, ns, code] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {"gradeLevelDescriptors", "GradeLevelDescriptor", "Ninth grade"},
             {"educationOrganizationCategoryDescriptors", "EducationOrganizationCategoryDescriptor", "School"}})
      simple("POST", data + "/ed-fi/" + ep, json{{"namespace", "uri://ed-fi.org/" + ns}, {"codeValue", code}, {"shortDescription", code}}.dump(), h);
    for (int s = 0; s < schools; ++s)
      simple("POST", data + "/ed-fi/schools",
             json{{"schoolId", 255901 + s},
                  {"nameOfInstitution", "School " + std::to_string(s)},
                  {"gradeLevels", {{{"gradeLevelDescriptor", "uri://ed-fi.org/GradeLevelDescriptor#Ninth grade"}}}},
                  {"educationOrganizationCategories",
                   {{{"educationOrganizationCategoryDescriptor", "uri://ed-fi.org/EducationOrganizationCategoryDescriptor#School"}}}}}
                 .dump(),
             h);
    Result st = run(data + "/ed-fi/students", token, students, connections, [](std::size_t i) {
      return json{{"studentUniqueId", fmt::format("S{:07}", i)}, {"firstName", "Ada"}, {"lastSurname", "Lovelace"}, {"birthDate", "2009-05-01"}}
          .dump();
    });
    report("students (setup)", connections, st);
  }
  // Distinct (student, school, entryDate) triples: student i % S, school (i / S) % 10, date (i / S / 10).
  Result r = run(data + "/ed-fi/studentSchoolAssociations", token, requests, connections, [&](std::size_t i) {
    std::size_t student = i % students, rest = i / students;
    int school = static_cast<int>(rest % schools);
    std::size_t day = rest / schools;
    int year = 2000 + static_cast<int>(day / 336), doy = static_cast<int>(day % 336);
    int month = doy / 28 + 1, dom = doy % 28 + 1;
    return fmt::format(
        R"({{"studentReference":{{"studentUniqueId":"S{:07}"}},"schoolReference":{{"schoolId":{}}},"entryDate":"{:04}-{:02}-{:02}","entryGradeLevelDescriptor":"uri://ed-fi.org/GradeLevelDescriptor#Ninth grade"}})",
        student, 255901 + school, year, month, dom);
  });
  report(label, connections, r);
  curl_global_cleanup();
  long ok = r.statuses[201] + r.statuses[200];
  return ok == static_cast<long>(requests) ? 0 : 1;
}
