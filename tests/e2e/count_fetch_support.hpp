// Shared helpers of the count / fetch / client-fault end-to-end tests: a lightbeam.yaml writer,
// seeding the sandbox through our own client, and reading the sandbox's stats.
#pragma once
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/edfi/api_client.hpp"
#include "core/http/engine.hpp"
#include "support/process.hpp"

namespace lightbeam::testing {

inline const char* k_test_secret = "populatedSecret";

// A lightbeam.yaml for `base_url`; `extra` lines are appended verbatim (YAML at top level, so
// later keys override: pass whole sections, e.g. "connection:\n  pool_size: 2").
inline std::filesystem::path write_config(const TempDir& dir, const std::string& base_url,
                                          const std::string& connection = "", const std::string& extra = "",
                                          const std::string& secret = k_test_secret) {
  std::string yaml = "state_dir: " + (dir / "state").string() + "\n" + "data_dir: " + (dir / "data").string() +
                     "\n" + "namespace: ed-fi\n" + "edfi_api:\n  base_url: " + base_url +
                     "\n  client_id: populated\n  client_secret: " + secret + "\n" +
                     (connection.empty() ? "connection:\n  pool_size: 8\n  timeout: 10\n  num_retries: 3\n"
                                           "  backoff_factor: 0.05\n  verify_ssl: false\n"
                                         : connection) +
                     extra + "log_level: INFO\n";
  auto path = dir / "lightbeam.yaml";
  write_file(path, yaml);
  std::filesystem::create_directories(dir / "data");
  return path;
}

inline config::Config client_config(const std::string& base_url) {
  config::Config c;
  c.state_dir = "";
  c.edfi_api.base_url = base_url;
  c.edfi_api.client_id = "populated";
  c.edfi_api.client_secret = k_test_secret;
  c.connection.verify_ssl = false;
  c.connection.num_retries = 2;
  c.connection.backoff_factor = 0.05;
  return c;
}

// POSTs the documents to the endpoint (in order, one at a time so insertion order is theirs);
// returns the statuses.
inline std::vector<long> seed(const std::string& base_url, const std::string& endpoint,
                              const std::vector<nlohmann::json>& docs) {
  config::Config c = client_config(base_url);
  c.connection.pool_size = 1;
  edfi::ClientOptions options;
  options.use_cache = false;
  edfi::ApiClient client(c, options);
  std::vector<http::Request> requests;
  for (const auto& d : docs) {
    http::Request r;
    r.method = "POST";
    r.url = client.data_url(endpoint);
    r.body = d.dump();
    requests.push_back(std::move(r));
  }
  std::vector<long> statuses;
  for (auto& o : client.engine().run_all(std::move(requests))) statuses.push_back(o.status);
  return statuses;
}

inline std::vector<nlohmann::json> descriptors(const std::string& type, int n, const std::string& prefix = "C") {
  std::vector<nlohmann::json> out;
  for (int i = 0; i < n; ++i)
    out.push_back({{"namespace", "uri://ed-fi.org/" + type}, {"codeValue", prefix + std::to_string(i)},
                   {"shortDescription", prefix + std::to_string(i)}, {"description", "value " + std::to_string(i)}});
  return out;
}

// The sandbox's /_sandbox/stats (at the server root, whatever the flavour's base path).
inline nlohmann::json sandbox_stats(const std::string& base_url) {
  size_t host_end = base_url.find('/', base_url.find("//") + 2);
  std::string root = host_end == std::string::npos ? base_url : base_url.substr(0, host_end);
  http::EngineOptions o;
  o.pool_size = 1;
  http::Engine engine(o);
  http::Request r;
  r.url = root + "/_sandbox/stats";
  auto outcome = engine.perform(r);
  return nlohmann::json::parse(outcome.body, nullptr, false);
}

// Requests the sandbox saw for "METHOD /ns/endpoint" (all statuses).
inline long route_count(const nlohmann::json& stats, const std::string& route) {
  if (!stats.is_object() || !stats.contains("requests")) return 0;
  const auto& by_route = stats["requests"]["by_route"];
  if (!by_route.contains(route)) return 0;
  long n = 0;
  for (auto& [status, count] : by_route[route].items()) n += count.get<long>();
  return n;
}

// Data requests (routes "METHOD /ed-fi/..." or "/tpdm/...") with the given method.
inline long data_requests(const nlohmann::json& stats, const std::string& method) {
  if (!stats.is_object() || !stats.contains("requests")) return 0;
  long n = 0;
  for (auto& [route, statuses] : stats["requests"]["by_route"].items())
    if (route.rfind(method + " /ed-fi/", 0) == 0 || route.rfind(method + " /tpdm/", 0) == 0)
      for (auto& [status, count] : statuses.items()) n += count.get<long>();
  return n;
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

}  // namespace lightbeam::testing
