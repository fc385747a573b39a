// edfi-sandbox HTTP routes: discovery and metadata (both URL layouts), OAuth, the data operations
// with the request checks of edfi-api-behavior.md §1/§5 that run before the store, fault injection,
// stats, and the response headers of §9.
#include "sandbox/server.hpp"

#include <httplib.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/schema/dependencies.hpp"
#include "sandbox/auth.hpp"
#include "sandbox/authorization.hpp"
#include "sandbox/constraints.hpp"
#include "sandbox/cursor_paging.hpp"
#include "sandbox/faults.hpp"
#include "sandbox/json_body.hpp"
#include "sandbox/normalize.hpp"
#include "sandbox/ods_wording.hpp"
#include "sandbox/problem.hpp"
#include "sandbox/stats.hpp"
#include "sandbox/store.hpp"
#include "sandbox/spec_render.hpp"
#include "sandbox/template.hpp"

namespace lightbeam::sandbox {

using nlohmann::json;
using schema::Endpoint;

namespace {

constexpr const char* k_json = "application/json; charset=utf-8";
constexpr const char* k_problem_json = "application/problem+json";

std::string lower(std::string_view s) { return schema::to_lower(s); }

bool is_uuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string correlation_id() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return fmt::format("{:016x}", rng());
}

// Finds the accepted socket behind this request (same peer and local port) and drops it with a
// reset: httplib does not expose the socket to handlers.
void drop_connection(const httplib::Request& req) {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  int max_fd = static_cast<int>(std::min<rlim_t>(lim.rlim_cur, 65536));
  for (int fd = 3; fd < max_fd; ++fd) {
    sockaddr_storage peer{}, local{};
    socklen_t len = sizeof peer, llen = sizeof local;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) continue;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &llen) != 0) continue;
    auto port_of = [](const sockaddr_storage& a) {
      if (a.ss_family == AF_INET) return static_cast<int>(ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port));
      if (a.ss_family == AF_INET6) return static_cast<int>(ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port));
      return -1;
    };
    if (port_of(peer) != req.remote_port || port_of(local) != req.local_port) continue;
    linger l{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    shutdown(fd, SHUT_RDWR);
    return;
  }
}

}  // namespace

struct Server::Impl {
  Options options;
  schema::SpecModel model;
  Store store;
  Constraints constraints;  // §5 step 11: decimals, equality constraints, key unification
  Auth auth;
  Authorization authz;
  Faults faults;
  Stats stats;
  json dependencies;
  httplib::Server http;
  int port = 0;
  std::mutex spec_cache_mutex;
  std::map<std::string, std::string> spec_cache;  // "<host>|resources" → rendered document
  TemplateLoad template_load;
  std::mutex hang_mutex;  // --hang-rate: unanswered requests wait on hang_cv until stop()
  std::condition_variable hang_cv;
  bool stopping = false;

  Impl(Options o, schema::SpecModel m)
      : options(std::move(o)),
        model(std::move(m)),
        store(model, options.db, options.seed),
        constraints(model, Constraints::choose_file(options.specs_dir, options.constraints_file)),
        auth(options.clients, options.token_ttl),
        authz(model, options),
        faults(options),
        dependencies(schema::dependencies_to_json(schema::compute_dependencies(model))) {
    // A template seeds a new database only, as a real one is created from it once.
    if (store.size() == 0) load_seed();
  }

  void load_seed() {
    template_load = load_template(options.template_name, options.templates_dir, model, store);
  }

  bool ods() const { return options.flavor == Flavor::ods; }
  std::string base_path() const { return ods() ? "/api" : ""; }
  std::string data_path() const { return ods() ? "/api/data/v3" : "/data"; }

  static std::string host_of(const httplib::Request& req, int port) {
    std::string host = req.get_header_value("Host");
    if (host.empty()) host = "127.0.0.1:" + std::to_string(port);
    return "http://" + host;
  }
  std::string root(const httplib::Request& req) const { return host_of(req, port) + base_path(); }
  std::string data_root(const httplib::Request& req) const { return host_of(req, port) + data_path(); }

  // ---- responses ----------------------------------------------------------------------------

  void send(httplib::Response& res, int status, const std::string& body, const char* type = k_json) {
    res.status = status;
    if (body.empty() && (status == 204 || status == 304 || status == 404 || status == 201 || status == 200))
      res.set_content("", type ? type : k_json);
    else
      res.set_content(body, type);
  }

  // ODS ≥ 7.2 echoes the caller's correlation id (the correlation-id header, else the correlationId
  // query parameter) in problem bodies; DMS generates one (its header is not configured here).
  std::string correlation_of(const httplib::Request& req) const {
    if (ods()) {
      std::string header = req.get_header_value("correlation-id");
      if (!header.empty()) return header;
      for (auto& [name, value] : req.params)
        if (lower(name) == "correlationid" && !value.empty()) return value;
    }
    return correlation_id();
  }

  void send_problem(const httplib::Request& req, httplib::Response& res, const Problem& p,
                    const std::string& resource_name = {}) {
    res.status = p.status;
    if (options.errors == ErrorStyle::legacy) {
      std::string message = p.legacy_message;
      if (message.empty()) {
        if (!p.validation_errors.empty()) {
          auto first = p.validation_errors.begin();
          std::string text = first->is_array() && !first->empty() ? first->front().get<std::string>() : "";
          message = resource_name.empty() ? text : fmt::format("Validation of '{}' failed.\n\t{}", resource_name, text);
        } else if (!p.errors.empty()) {
          message = p.errors.front().get<std::string>();
        } else {
          message = p.detail;
        }
      }
      res.set_content(json{{"message", message}}.dump(-1, ' ', false, json::error_handler_t::replace), k_json);
      return;
    }
    Problem worded = p;
    if (ods()) apply_ods_wording(worded);
    json body = {{"detail", worded.detail}, {"type", worded.type}, {"title", worded.title}, {"status", worded.status},
                 {"correlationId", correlation_of(req)}};
    if (!worded.omit_validation_errors) body["validationErrors"] = worded.validation_errors;
    body["errors"] = worded.errors;
    res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), p.problem_content_type ? k_problem_json : k_json);
  }

  void record(const httplib::Request& req, const std::string& route, const httplib::Response& res) {
    stats.record(req.method, route, res.status);
  }

  // ---- discovery and metadata ---------------------------------------------------------------

  json data_models() const {
    std::set<std::string> projects;
    for (auto* ep : model.endpoints()) projects.insert(ep->project);
    json models = json::array();
    for (auto& p : projects) {
      if (p == "ed-fi")
        models.push_back({{"name", "Ed-Fi"}, {"version", "5.2.0"}, {"informationalVersion", "The Ed-Fi Data Standard v5.2.0"}});
      else if (p == "tpdm")
        models.push_back({{"name", "TPDM"}, {"version", "1.1.0"}, {"informationalVersion", ""}});
      else
        models.push_back({{"name", p}, {"version", "1.0.0"}, {"informationalVersion", ""}});
    }
    std::sort(models.begin(), models.end(), [](const json& a, const json& b) { return a["name"] < b["name"]; });
    return models;
  }

  json discovery(const httplib::Request& req) const {
    std::string r = root(req);
    if (ods()) {
      return {{"version", "7.1"},
              {"informationalVersion", "7.1 (edfi-sandbox)"},
              {"suite", "3"},
              {"build", "7.1.0"},
              {"dataModels", data_models()},
              {"urls",
               {{"dependencies", r + "/metadata/data/v3/dependencies"},
                {"openApiMetadata", r + "/metadata/"},
                {"oauth", r + "/oauth/token"},
                {"dataManagementApi", r + "/data/v3/"},
                {"xsdMetadata", r + "/metadata/xsd"}}}};
    }
    return {{"version", "1.0.0"},
            {"applicationName", "Ed-Fi API"},
            {"informationalVersion", "edfi-sandbox (Ed-Fi Data Management Service behaviour)"},
            {"dataModels", data_models()},
            {"urls",
             {{"dependencies", r + "/metadata/dependencies"},
              {"openApiMetadata", r + "/metadata/specifications"},
              {"oauth", r + "/oauth/token"},
              {"tokenInfo", r + "/oauth/token_info"},
              {"dataManagementApi", r + "/data"},
              {"changeQueries", r + "/changeQueries/v1/"},
              {"xsdMetadata", r + "/metadata/xsd"}}}};
  }

  json specifications(const httplib::Request& req) const {
    std::string r = root(req);
    if (ods()) {
      return json::array({{{"name", "Resources"}, {"endpointUri", r + "/metadata/data/v3/resources/swagger.json"}, {"prefix", ""}},
                          {{"name", "Descriptors"}, {"endpointUri", r + "/metadata/data/v3/descriptors/swagger.json"}, {"prefix", ""}}});
    }
    return json::array(
        {{{"name", "Resources"}, {"endpointUri", r + "/metadata/specifications/resources-spec.json"}, {"prefix", ""}},
         {{"name", "Descriptors"}, {"endpointUri", r + "/metadata/specifications/descriptors-spec.json"}, {"prefix", ""}},
         {{"name", "Discovery"}, {"endpointUri", r + "/metadata/specifications/discovery-spec.json"}, {"prefix", "Other"}}});
  }

  const std::string& spec_document(const httplib::Request& req, bool descriptors) {
    std::string key = host_of(req, port) + (descriptors ? "|d" : "|r");
    std::lock_guard lock(spec_cache_mutex);
    auto it = spec_cache.find(key);
    if (it != spec_cache.end()) return it->second;
    SpecRenderOptions ro;
    ro.data_url = data_root(req);
    ro.ods_names = ods();
    ro.swagger2 = options.openapi == 2;
    std::string text = render_spec(descriptors ? model.descriptors_document() : model.resources_document(), ro).dump();
    return spec_cache[key] = std::move(text);
  }

  // Returns true when the request was a metadata/discovery route (answered).
  bool metadata_route(const httplib::Request& req, httplib::Response& res) {
    std::string path = req.path;
    std::string base = base_path();
    if (ods() && (path == "/" || path.empty())) path = base;
    if (path.size() > 1 && path.back() == '/') path.pop_back();
    if (!base.empty() && path.rfind(base, 0) != 0) return false;
    std::string rel = path.substr(base.size());  // "" (root), "/metadata", ...
    if (req.method != "GET" && req.method != "HEAD") return false;
    if (rel.empty() || rel == "/") {
      send(res, 200, discovery(req).dump());
    } else if (rel == "/metadata") {
      if (ods()) {
        send(res, 200, specifications(req).dump());
      } else {
        std::string r = root(req);
        send(res, 200,
             json{{"dependencies", r + "/metadata/dependencies"}, {"specifications", r + "/metadata/specifications"},
                  {"xsdMetadata", r + "/metadata/xsd"}}
                 .dump());
      }
    } else if (!ods() && rel == "/metadata/specifications") {
      send(res, 200, specifications(req).dump());
    } else if (!ods() && rel == "/metadata/specifications/resources-spec.json") {
      send(res, 200, spec_document(req, false));
    } else if (!ods() && rel == "/metadata/specifications/descriptors-spec.json") {
      send(res, 200, spec_document(req, true));
    } else if (!ods() && rel == "/metadata/specifications/discovery-spec.json") {
      send(res, 200, json{{"openapi", "3.0.1"}, {"info", {{"title", "Ed-Fi Discovery API"}, {"version", "1"}}}, {"paths", json::object()}}.dump());
    } else if (!ods() && rel == "/metadata/dependencies") {
      send(res, 200, dependencies.dump());
    } else if (rel == "/metadata/xsd") {
      send(res, 200, "[]");
    } else if (rel == "/health") {
      send(res, 200, json{{"status", "Healthy"}}.dump());
    } else if (ods() && rel.rfind("/metadata/data/v3", 0) == 0) {
      auto segs = split_path(rel.substr(std::string("/metadata/data/v3").size()));
      segs.erase(std::remove(segs.begin(), segs.end(), std::string()), segs.end());
      if (!segs.empty() && all_digits(segs.front())) segs.erase(segs.begin());  // year-specific layout
      std::string tail;
      for (auto& s : segs) tail += "/" + s;
      if (tail == "/dependencies")
        send(res, 200, dependencies.dump());
      else if (tail == "/resources/swagger.json")
        send(res, 200, spec_document(req, false));
      else if (tail == "/descriptors/swagger.json")
        send(res, 200, spec_document(req, true));
      else
        return false;
    } else {
      return false;
    }
    record(req, rel.empty() ? "/" : rel, res);
    return true;
  }

  // ---- OAuth --------------------------------------------------------------------------------

  void oauth_error(const httplib::Request& req, httplib::Response& res, int status, const std::string& error, const std::string& description) {
    if (ods()) {
      res.status = status;
      res.set_content(json{{"error", error}, {"error_description", description}}.dump(), k_json);
      return;
    }
    Problem p;
    p.status = status;
    p.problem_content_type = true;
    if (status == 401) {
      p.type = "urn:ed-fi:api:unauthorized";
      p.title = error;
      p.detail = description;
    } else {
      p.type = k_type::bad_request;
      p.title = "Bad Request";
      p.detail = description;
    }
    send_problem(req, res, p);
  }

  void token(const httplib::Request& req, httplib::Response& res) {
    std::string id, secret;
    bool have_basic = false;
    std::string authz = req.get_header_value("Authorization");
    if (authz.size() > 6 && lower(authz.substr(0, 6)) == "basic ") {
      auto decoded = base64_decode(authz.substr(6));
      if (decoded) {
        auto colon = decoded->find(':');
        if (colon != std::string::npos) {
          id = url_decode(decoded->substr(0, colon));
          secret = url_decode(decoded->substr(colon + 1));
          have_basic = true;
        }
      }
    }
    // grant_type (and, ods only, client_id/client_secret) from a form or JSON body.
    std::string grant_type, form_id, form_secret;
    std::string ctype = lower(req.get_header_value("Content-Type"));
    if (ctype.find("json") != std::string::npos) {
      json body = json::parse(req.body, nullptr, false);
      if (body.is_object()) {
        if (body.contains("grant_type") && body["grant_type"].is_string()) grant_type = body["grant_type"];
        if (body.contains("client_id") && body["client_id"].is_string()) form_id = body["client_id"];
        if (body.contains("client_secret") && body["client_secret"].is_string()) form_secret = body["client_secret"];
      }
    } else {
      httplib::Params params;
      httplib::detail::parse_query_text(req.body, params);
      for (auto& [k, v] : params) {
        if (k == "grant_type") grant_type = v;
        if (k == "client_id") form_id = v;
        if (k == "client_secret") form_secret = v;
      }
    }
    if (!have_basic) {
      if (ods() && !form_id.empty()) {
        id = form_id;
        secret = form_secret;
      } else {
        if (ods())
          oauth_error(req, res, 401, "invalid_client", "Client credentials are missing.");
        else
          oauth_error(req, res, 400, "invalid_request", "Malformed Authorization header");
        return;
      }
    }
    if (lower(grant_type) != "client_credentials") {
      oauth_error(req, res, 400, "unsupported_grant_type", "Unsupported grant type");
      return;
    }
    if (!auth.check_client(id, secret)) {
      oauth_error(req, res, 401, "invalid_client", "Invalid client or Invalid client credentials");
      return;
    }
    std::string t = auth.issue(id);
    send(res, 200,
         json{{"access_token", t}, {"expires_in", options.token_ttl}, {"token_type", ods() ? "bearer" : "Bearer"}}.dump());
  }

  // Returns an empty string when the bearer token is fine, else the 401 reason.
  std::string check_token(const httplib::Request& req) const {
    if (!req.has_header("Authorization")) return "Authorization header is missing.";
    std::string h = req.get_header_value("Authorization");
    auto space = h.find(' ');
    std::string scheme = lower(h.substr(0, space));
    if (scheme.empty()) return "Invalid Authorization header.";
    if (scheme != "bearer") return "Unknown Authorization header scheme.";
    std::string token = space == std::string::npos ? "" : h.substr(space + 1);
    while (!token.empty() && token.front() == ' ') token.erase(0, 1);
    while (!token.empty() && token.back() == ' ') token.pop_back();
    if (token.empty()) return "Missing Authorization header bearer token value.";
    if (!auth.valid(token)) return "Invalid token";
    return {};
  }

  // ---- authorization (§5 step 13, §8.2 #31/#32) ---------------------------------------------

  // The client whose bearer token the request carries (check_token has accepted it).
  std::string client_id(const httplib::Request& req) const {
    std::string h = req.get_header_value("Authorization");
    auto space = h.find(' ');
    std::string token = space == std::string::npos ? "" : h.substr(space + 1);
    while (!token.empty() && token.front() == ' ') token.erase(0, 1);
    while (!token.empty() && token.back() == ' ') token.pop_back();
    return auth.client_of(token).value_or("");
  }

  // #31 on the stored document `id` (GET by id, PUT, DELETE); a missing document is left to the
  // handler's 404.
  std::optional<Problem> existing_denied(const std::string& client, const Endpoint& ep, const std::string& id) const {
    if (!authz.namespace_restricted(client, ep)) return std::nullopt;
    ReadOutcome r = store.get(ep, id, "");
    if (r.status != 200) return std::nullopt;
    return authz.check_existing(client, ep, json::parse(r.body));
  }

  // GET by id and DELETE: the claim set right after routing (as DMS), then the stored namespace.
  std::optional<Problem> item_denied(const httplib::Request& req, const Endpoint& ep, const std::string& id) const {
    if (!authz.enabled()) return std::nullopt;
    std::string client = client_id(req);
    if (auto p = authz.check_resource(client, ep)) return p;
    return existing_denied(client, ep, id);
  }

  // ---- data ---------------------------------------------------------------------------------

  void handle_data(const httplib::Request& req, httplib::Response& res, const std::string& rel) {
    std::string route = "/data" + rel;
    // Faults first: they stand for the infrastructure in front of the API.
    if (faults.latency_ms() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(faults.latency_ms()));
    switch (faults.decide()) {
      case Faults::Action::none: break;
      case Faults::Action::rate_limited: {
        stats.record_fault("rate_limited");
        res.set_header("Retry-After", std::to_string(options.retry_after));
        Problem p;
        p.status = 429;
        p.type = "urn:ed-fi:api:too-many-requests";
        p.title = "Too Many Requests";
        p.detail = "The request rate limit was exceeded. Retry after the number of seconds in the Retry-After header.";
        send_problem(req, res, p);
        record(req, "fault", res);
        return;
      }
      case Faults::Action::fail: {
        stats.record_fault("failed");
        if (faults.fail_status() == 429 || faults.fail_status() == 503)
          res.set_header("Retry-After", std::to_string(options.retry_after));
        // 500 is the §8.2 #34 body exactly; other statuses say they were injected.
        Problem p = system_error();
        if (faults.fail_status() != 500) {
          p.status = faults.fail_status();
          p.title = p.status == 429 ? "Too Many Requests" : "System Error";
          p.detail = "An injected fault (edfi-sandbox --fail-rate).";
          p.legacy_message.clear();
        }
        send_problem(req, res, p);
        record(req, "fault", res);
        return;
      }
      case Faults::Action::reset:
        stats.record_fault("reset");
        drop_connection(req);
        res.status = 499;
        return;
      case Faults::Action::hang: {
        // Counted on arrival, so a test can count the attempts a client made. Held until the
        // server stops (httplib's stop() waits for its handlers); the client's timeout ends it
        // on the other side, and the thread is freed when the server stops.
        stats.record_fault("hung");
        std::unique_lock lock(hang_mutex);
        hang_cv.wait(lock, [this] { return stopping; });
        drop_connection(req);
        res.status = 499;
        return;
      }
    }
    std::string reason = check_token(req);
    if (!reason.empty()) {
      res.set_header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      send_problem(req, res, authentication_failed(reason));
      record(req, "unauthenticated", res);
      return;
    }
    auto segs = split_path(rel.substr(1));
    if (segs.size() > 1 && segs.back().empty()) segs.pop_back();  // one trailing slash
    if (ods() && segs.size() >= 3 && all_digits(segs[0])) segs.erase(segs.begin());  // /data/v3/{year}/...
    if (segs.size() < 2 || segs.size() > 3 || std::any_of(segs.begin(), segs.end(), [](auto& s) { return s.empty(); })) {
      send_problem(req, res, not_found_route());
      record(req, "not-found", res);
      return;
    }
    if (ods() && segs.size() == 3 && lower(segs[2]) == "partitions" && req.method == "GET") {
      const Endpoint* ep = model.find(segs[0], segs[1]);
      if (!ep) {
        send_problem(req, res, not_found_route());
        record(req, "not-found", res);
        return;
      }
      query(req, res, *ep, true);
      record(req, ep->path + "/partitions", res);
      return;
    }
    if (segs.size() == 3 && !is_uuid(segs[2])) {
      send_problem(req, res, data_validation({{"$.id", {fmt::format("The value '{}' is not valid.", segs[2])}}}));
      record(req, "bad-id", res);
      return;
    }
    const Endpoint* ep = model.find(segs[0], segs[1]);
    if (!ep) {
      send_problem(req, res, not_found_route());
      record(req, "not-found", res);
      return;
    }
    bool item = segs.size() == 3;
    std::string id = item ? lower(segs[2]) : "";
    route = ep->path + (item ? "/{id}" : "");
    const std::string& m = req.method;
    auto not_allowed = [&](const std::string& error) {
      res.set_header("Allow", item ? "GET, PUT, DELETE" : "GET, POST");
      send_problem(req, res, method_not_allowed(error));
    };
    if (m == "GET") {
      item ? get_item(req, res, *ep, id) : query(req, res, *ep);
    } else if (m == "POST" && !item) {
      write(req, res, *ep, "");
    } else if (m == "PUT" && item) {
      write(req, res, *ep, id);
    } else if (m == "DELETE" && item) {
      remove(req, res, *ep, id);
    } else if (m == "POST") {
      not_allowed(
          "Resource items can only be updated using PUT. To 'upsert' an item in the resource collection using POST, remove "
          "the 'id' from the route.");
    } else if (m == "PUT") {
      not_allowed(
          "Resource collections cannot be replaced. To 'upsert' an item in the collection, use POST. To update a specific "
          "item, use PUT and include the 'id' in the route.");
    } else if (m == "DELETE") {
      not_allowed(
          "Resource collections cannot be deleted. To delete a specific item, use DELETE and include the 'id' in the route.");
    } else {
      not_allowed(fmt::format("The endpoint of the request does not support the '{}' method.", m));
    }
    record(req, route, res);
  }

  std::string location(const httplib::Request& req, const Endpoint& ep, const std::string& id) const {
    return data_root(req) + "/" + ep.project + "/" + ep.name + "/" + id;
  }

  void get_item(const httplib::Request& req, httplib::Response& res, const Endpoint& ep, const std::string& id) {
    if (auto denied = item_denied(req, ep, id)) {
      send_problem(req, res, *denied);
      return;
    }
    ReadOutcome r = store.get(ep, id, req.get_header_value("If-None-Match"));
    if (r.status == 404) {
      res.status = 404;
      return;
    }
    res.set_header("ETag", "\"" + r.etag + "\"");
    res.set_header("Vary", "Accept");
    if (r.status == 304) {
      res.status = 304;
      return;
    }
    send(res, 200, r.body);
  }

  // GET collection; with `partitions` GET /{resource}/partitions (ods cursor paging).
  void query(const httplib::Request& req, httplib::Response& res, const Endpoint& ep, bool partitions = false) {
    std::size_t offset = 0;
    std::size_t limit = ods() ? 25 : static_cast<std::size_t>(options.page_max);
    limit = std::min<std::size_t>(limit, static_cast<std::size_t>(options.page_max));
    bool total_count = false, has_offset = false;
    std::string offset_error, limit_error, total_error;
    std::optional<std::string> page_token, page_size, number;
    bool allow_small = false;
    std::vector<QueryFilter> filters;
    std::vector<std::string> unknown;
    json value_errors = json::object();
    // ODS 7.3 words the paging errors differently from DMS (and from its own 7.1, --errors legacy).
    bool ods_texts = ods() || options.errors == ErrorStyle::legacy;
    for (auto& [name, value] : req.params) {
      std::string n = lower(name);
      if (n == "offset") {
        has_offset = true;
        long long v = -1;
        bool ok = all_digits(value) && value.size() < 18;
        if (ok) v = std::stoll(value);
        if (!ok || v < 0)
          offset_error = ods_texts ? "Offset cannot be a negative value."
                                   : "Offset must be a numeric value greater than or equal to 0.";
        else
          offset = static_cast<std::size_t>(v);
      } else if (n == "limit") {
        bool ok = all_digits(value) && value.size() < 18 && std::stoll(value) <= options.page_max;
        if (!ok)
          limit_error = ods_texts
                            ? fmt::format("Limit must be a value between 0 and {}.", options.page_max)
                            : fmt::format("Limit must be omitted or set to a numeric value between 0 and {}.", options.page_max);
        else
          limit = static_cast<std::size_t>(std::stoll(value));
      } else if (n == "totalcount") {
        std::string v = lower(value);
        if (v == "true")
          total_count = true;
        else if (v == "false")
          total_count = false;
        else
          total_error = "TotalCount must be a boolean value.";
      } else if (n == "minchangeversion" || n == "maxchangeversion") {
        // accepted, no change tracking in the sandbox
      } else if (ods() && n == "correlationid") {
        // the ODS's request tracing parameter, accepted on every route
      } else if (ods() && n == "pagetoken") {
        page_token = value;
      } else if (ods() && n == "pagesize") {
        page_size = value;
      } else if (ods() && partitions && n == "number") {
        number = value;
      } else if (ods() && partitions && n == "allowsmallpartitions") {
        allow_small = lower(value) == "true";
      } else if (n == "id") {
        filters.push_back({nullptr, lower(value)});
      } else {
        const schema::QueryField* f = ep.find_query_field(name);
        if (!f) {
          unknown.push_back(name);
          continue;
        }
        std::optional<std::string> v;
        if (f->type == "number") {
          char* end = nullptr;
          std::strtod(value.c_str(), &end);
          if (!value.empty() && end && *end == '\0') v = value;
        } else if (f->type == "boolean") {
          std::string b = lower(value);
          if (b == "true" || b == "false") v = b;
        } else if (f->type == "date") {
          v = parse_date(value);
          if (!v) {
            if (auto dt = parse_date_time(value)) v = dt->substr(0, 10);
          }
        } else if (f->type == "date-time") {
          v = parse_date_time(value);
        } else if (f->type == "time") {
          v = parse_time(value);
        } else {
          v = value;
        }
        if (!v)
          add_error(value_errors, "$." + f->path.dotted, fmt::format("The value '{}' is not valid for {}.", value, name));
        else
          filters.push_back({f, *v});
      }
    }
    // Listed in the order offset, limit, totalCount whatever the order in the URL, then cursor paging's.
    json paging_errors = json::array();
    for (auto* e : {&offset_error, &limit_error, &total_error})
      if (!e->empty()) paging_errors.push_back(*e);
    std::optional<SeqRange> range;
    std::size_t page = limit;
    if (page_token) {
      range = cursor_paging::decode_token(*page_token);
      if (!range) paging_errors.push_back("The page token provided was invalid.");
      if (has_offset)
        paging_errors.push_back(
            "Both offset and pageToken parameters were provided, but they support alternative paging approaches and cannot "
            "be used together.");
      if (total_count) paging_errors.push_back("Total count cannot be determined while using cursor paging (when pageToken is specified).");
    } else if (page_size) {
      paging_errors.push_back("PageToken is required when pageSize is specified.");
    }
    if (page_size) {
      bool ok = all_digits(*page_size) && page_size->size() < 18 && std::stoll(*page_size) <= options.page_max;
      if (ok)
        page = static_cast<std::size_t>(std::stoll(*page_size));
      else
        paging_errors.push_back(fmt::format("PageSize must be a value between 0 and {}.", options.page_max));
    }
    std::optional<std::size_t> partition_number;
    if (number) {
      bool ok = all_digits(*number) && number->size() < 4 && std::stoul(*number) >= 1 &&
                std::stoul(*number) <= cursor_paging::k_max_partitions;
      if (ok)
        partition_number = std::stoul(*number);
      else
        paging_errors.push_back(fmt::format("Number of partitions must be between 1 and {}.", cursor_paging::k_max_partitions));
    }
    if (!paging_errors.empty()) {
      Problem p;
      p.status = 400;
      p.type = "urn:ed-fi:api:bad-request:parameter-validation-failed";
      p.title = "Parameter Validation Failed";
      p.detail = ods() ? "The request construction was invalid." : "Parameters supplied to the request were invalid.";
      p.errors = paging_errors;
      send_problem(req, res, p);
      return;
    }
    if (!unknown.empty()) {
      send_problem(req, res, bad_request(fmt::format("The query field '{}' is not valid for this resource.", unknown.front())));
      return;
    }
    if (!value_errors.empty()) {
      send_problem(req, res, data_validation(value_errors));
      return;
    }
    // Authorization after query validation (as DMS); namespace-secured resources are filtered.
    std::function<bool(const json&)> visible;
    if (authz.enabled()) {
      std::string client = client_id(req);
      if (auto denied = authz.check_resource(client, ep)) {
        send_problem(req, res, *denied);
        return;
      }
      if (authz.namespace_restricted(client, ep))
        visible = [this, client, &ep](const json& doc) { return authz.visible(client, ep, doc); };
    }
    if (partitions) {
      auto seqs = store.matching(ep, filters, visible);
      std::size_t count = cursor_paging::partition_count(seqs.size(), partition_number, allow_small,
                                                         static_cast<std::size_t>(options.page_max));
      send(res, 200, json{{"pageTokens", cursor_paging::partition_tokens(seqs, count)}}.dump());
      return;
    }
    std::size_t total = 0;
    std::uint64_t last_seq = 0;
    std::string body = range ? store.query(ep, filters, 0, page, total, visible, *range, &last_seq)
                             : store.query(ep, filters, offset, limit, total, visible);
    if (total_count) res.set_header("Total-Count", std::to_string(total));
    // The rest of the partition, while this page was not empty.
    if (range && last_seq != 0 && last_seq < range->last)
      res.set_header("Next-Page-Token", cursor_paging::encode_token({last_seq + 1, range->last}));
    res.set_header("Vary", "Accept");
    send(res, 200, body);
  }

  static bool content_type_ok(const std::string& header) {
    if (header.empty()) return true;
    std::string t = lower(header.substr(0, header.find(';')));
    while (!t.empty() && t.back() == ' ') t.pop_back();
    return t == "application/json" || t == "text/json" || t.rfind("application/vnd.ed-fi.", 0) == 0;
  }

  void write(const httplib::Request& req, httplib::Response& res, const Endpoint& ep, const std::string& url_id) {
    bool is_put = !url_id.empty();
    if (!content_type_ok(req.get_header_value("Content-Type"))) {
      Problem p;
      p.status = 415;
      p.type = "urn:ed-fi:api:unsupported-media-type";
      p.title = "Unsupported Media Type";
      p.detail = "The value specified in the 'Content-Type' header is not supported by this host.";
      p.errors.push_back(p.detail);
      p.problem_content_type = true;
      send_problem(req, res, p);
      return;
    }
    if (std::all_of(req.body.begin(), req.body.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; })) {
      send_problem(req, res, bad_request("A non-empty request body is required."));
      return;
    }
    ParsedBody parsed = parse_body(req.body);
    if (!parsed.duplicate_path.empty()) {
      send_problem(req, res, data_validation({{parsed.duplicate_path, {"An item with the same key has already been added."}}}));
      return;
    }
    if (!parsed.parse_error.empty()) {
      send_problem(req, res, data_validation({{"$.", {parsed.parse_error}}}));
      return;
    }
    json& doc = parsed.value;
    if (!doc.is_object()) {
      send_problem(req, res, data_validation({{"$.", {"The request body must be a JSON object."}}}), ep.resource_name);
      return;
    }
    std::optional<std::string> body_id;
    for (auto it = doc.begin(); it != doc.end();) {
      if (lower(it.key()) == "id") {
        if (!is_put) {
          Problem p = data_validation(json::object());
          p.detail = "The request data was constructed incorrectly.";
          p.errors.push_back(
              "Resource identifiers cannot be assigned by the client. The 'id' property should not be included in the "
              "request body.");
          send_problem(req, res, p);
          return;
        }
        if (it.key() == "id") body_id = it->is_string() ? it->get<std::string>() : it->dump();
        it = doc.erase(it);
      } else {
        ++it;
      }
    }
    json errors = json::object();
    // ODS takes the id from the URL; DMS requires it in the body too.
    if (is_put && !body_id && !ods()) add_error(errors, "$.id", "id is required.");
    normalize_document(ep, doc, errors, ods() ? schema::Coercion::ods : schema::Coercion::dms);
    if (!errors.empty()) {
      send_problem(req, res, data_validation(errors), ep.resource_name);
      return;
    }
    if (auto p = constraints.check_decimals(ep, doc)) {
      send_problem(req, res, *p, ep.resource_name);
      return;
    }
    if (is_put && body_id && lower(*body_id) != url_id) {
      send_problem(req, res, bad_request("Request body id must match the id in the url."));
      return;
    }
    if (auto p = constraints.check_equality(ep, doc)) {
      send_problem(req, res, *p, ep.resource_name);
      return;
    }
    if (auto p = duplicate_items(ep, doc)) {
      send_problem(req, res, *p, ep.resource_name);
      return;
    }
    // Step 13: authorization (claim set, then the namespace of the body, then of the stored document).
    if (authz.enabled()) {
      std::string client = client_id(req);
      std::optional<Problem> denied = authz.check_resource(client, ep);
      if (!denied) denied = authz.check_proposed(client, ep, doc);
      if (!denied && is_put) denied = existing_denied(client, ep, url_id);
      if (denied) {
        send_problem(req, res, *denied);
        return;
      }
    }
    Preconditions pre{req.get_header_value("If-Match"), req.get_header_value("If-None-Match")};
    WriteOutcome out = is_put ? store.put(ep, url_id, std::move(doc), pre) : store.post(ep, std::move(doc), pre);
    if (out.problem) {
      send_problem(req, res, *out.problem, ep.resource_name);
      return;
    }
    res.status = out.status;
    res.set_header("Location", location(req, ep, out.id));
    res.set_header("ETag", "\"" + out.etag + "\"");
  }

  static void find_duplicates(const schema::ObjectModel& m, const json& obj, const std::string& path, json& errors) {
    for (auto& p : m.properties) {
      if (p.kind == schema::PropertyKind::object && p.object) {
        auto it = obj.find(p.name);
        if (it != obj.end() && it->is_object()) find_duplicates(*p.object, *it, path + "." + p.name, errors);
      }
      if (p.kind != schema::PropertyKind::array || !p.object) continue;
      auto it = obj.find(p.name);
      if (it == obj.end() || !it->is_array()) continue;
      std::string array_path = path + "." + p.name;
      if (!p.item_identity.empty()) {
        std::set<std::string> seen;
        for (std::size_t i = 0; i < it->size(); ++i) {
          std::string key;
          for (auto& ip : p.item_identity) {
            const json* v = ip.find_in((*it)[i]);
            key += (v ? canonical(*v, ip.segments.back().ends_with("Descriptor")) : std::string("\x01")) + '\x1f';
          }
          if (!seen.insert(key).second) {
            std::size_t n = i + 1, mod100 = n % 100;
            const char* suffix = "th";
            if (mod100 < 11 || mod100 > 13) suffix = n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
            add_error(errors, array_path,
                      fmt::format("The {}{} item of the {} has the same identifying values as another item earlier in the list.",
                                  n, suffix, p.name));
            break;
          }
        }
      }
      for (auto& item : *it)
        if (item.is_object()) find_duplicates(*p.object, item, array_path, errors);
    }
  }

  std::optional<Problem> duplicate_items(const Endpoint& ep, const json& doc) const {
    if (!ep.body) return std::nullopt;
    json errors = json::object();
    find_duplicates(*ep.body, doc, "$", errors);
    if (errors.empty()) return std::nullopt;
    return data_validation(errors);
  }

  void remove(const httplib::Request& req, httplib::Response& res, const Endpoint& ep, const std::string& id) {
    if (auto denied = item_denied(req, ep, id)) {
      send_problem(req, res, *denied);
      return;
    }
    WriteOutcome out = store.remove(ep, id, {req.get_header_value("If-Match"), ""});
    if (out.problem) {
      send_problem(req, res, *out.problem, ep.resource_name);
      return;
    }
    res.status = out.status;
  }

  // ---- sandbox control ----------------------------------------------------------------------

  json stats_json() {
    json j;
    j["requests"] = stats.to_json();
    auto counts = store.counts();
    j["documents"] = counts;
    std::size_t total = 0;
    for (auto& [k, v] : counts) total += v;
    j["documents_total"] = total;
    j["tokens_issued"] = auth.issued();
    j["flavor"] = ods() ? "ods" : "dms";
    return j;
  }

  // ---- dispatch -----------------------------------------------------------------------------

  void handle(const httplib::Request& req, httplib::Response& res) {
    try {
      res.set_header("X-Content-Type-Options", "nosniff");
      res.set_header("Referrer-Policy", "no-referrer");
      const std::string& path = req.path;
      if (path == "/_sandbox/stats" && req.method == "GET") {
        send(res, 200, stats_json().dump());
        return;
      }
      if (path == "/_sandbox/reset" && req.method == "POST") {
        store.clear();
        load_seed();  // back to the state after start-up
        stats.clear();
        faults.reset_counter();
        send(res, 200, json{{"reset", true}}.dump());
        return;
      }
      std::string oauth = base_path() + "/oauth/token";
      if (path == oauth || path == oauth + "/") {
        if (req.method == "POST")
          token(req, res);
        else {
          res.set_header("Allow", "POST");
          send_problem(req, res, method_not_allowed(fmt::format("The endpoint of the request does not support the '{}' method.", req.method)));
        }
        record(req, "/oauth/token", res);
        return;
      }
      std::string dp = data_path();
      if (path.rfind(dp + "/", 0) == 0 || path == dp) {
        handle_data(req, res, path.size() > dp.size() ? path.substr(dp.size()) : "/");
        return;
      }
      if (metadata_route(req, res)) return;
      send_problem(req, res, not_found_route());
      record(req, "not-found", res);
    } catch (const std::exception& e) {
      spdlog::error("internal error on {} {}: {}", req.method, req.path, e.what());
      res.headers.erase("Location");
      res.headers.erase("ETag");
      send_problem(req, res, system_error());
      record(req, "error", res);
    }
  }
};

Server::Server(Options options, schema::SpecModel model) : impl_(std::make_unique<Impl>(std::move(options), std::move(model))) {
  auto& http = impl_->http;
  int threads = impl_->options.threads > 0 ? impl_->options.threads : 128;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  http.set_keep_alive_max_count(1000000);
  http.set_keep_alive_timeout(30);
  http.set_read_timeout(30);
  http.set_payload_max_length(10 * 1024 * 1024);
  http.set_tcp_nodelay(true);
  auto handler = [this](const httplib::Request& req, httplib::Response& res) { impl_->handle(req, res); };
  http.Get(".*", handler);
  http.Post(".*", handler);
  http.Put(".*", handler);
  http.Patch(".*", handler);
  http.Delete(".*", handler);
  http.Options(".*", handler);
  // A POST/PUT/PATCH without Content-Length or chunked encoding has an empty body (RFC 9112 §6.3);
  // httplib would wait for the connection to close instead, so such requests are answered here,
  // before it reads content.
  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if ((req.method == "POST" || req.method == "PUT" || req.method == "PATCH" || req.method == "DELETE") &&
        !req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) {
      impl_->handle(req, res);
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 413 && res.body.empty()) {
      Problem p;
      p.status = 413;
      p.type = "urn:ed-fi:api:request-entity-too-large";
      p.title = "Payload Too Large";
      p.detail = "The request body is larger than the 10 MB limit.";
      p.problem_content_type = true;
      impl_->send_problem(req, res, p);
    }
  });
}

Server::~Server() = default;

int Server::bind() {
  auto& impl = *impl_;
  if (impl.options.port == 0) {
    impl.port = impl.http.bind_to_any_port(impl.options.host);
  } else {
    impl.port = impl.http.bind_to_port(impl.options.host, impl.options.port) ? impl.options.port : -1;
  }
  if (impl.port <= 0)
    throw Error(fmt::format("cannot listen on {}:{} (port in use or not allowed); pick another --port or use --port 0",
                            impl.options.host, impl.options.port));
  return impl.port;
}

std::string Server::base_url() const {
  return fmt::format("http://{}:{}{}", impl_->options.host, impl_->port, impl_->base_path());
}

std::string Server::template_summary() const {
  const TemplateLoad& t = impl_->template_load;
  if (t.loaded == 0 && t.failed == 0) return "";
  std::string text = fmt::format("{} documents from template {}", t.loaded, impl_->options.template_name);
  if (!impl_->options.templates_dir.empty()) text += " in " + impl_->options.templates_dir;  // which copy: installed or source
  if (t.failed > 0) {
    text += fmt::format(" ({} not loaded", t.failed);
    for (auto& f : t.first_failures) text += "; " + f;
    text += ")";
  }
  return text;
}

void Server::run() { impl_->http.listen_after_bind(); }

void Server::stop() {
  {
    std::lock_guard lock(impl_->hang_mutex);
    impl_->stopping = true;
  }
  impl_->hang_cv.notify_all();
  impl_->http.stop();
}

}  // namespace lightbeam::sandbox
