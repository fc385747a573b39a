// edfi::ApiClient: discovery, OAuth, endpoint order, data URLs, OpenAPI documents and model,
// descriptor values (see api_client.hpp). Metadata is fetched lazily, once per run.
#include "core/edfi/api_client.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <simdjson.h>
#include <set>
#include <sstream>
#include <thread>

#include "core/data/selector.hpp"
#include "core/edfi/metadata_cache.hpp"
#include "core/edfi/oauth.hpp"
#include "core/edfi/pager.hpp"
#include "core/edfi/urls.hpp"
#include "core/error.hpp"
#include "core/report/reasons.hpp"
#include "core/schema/json_from_dom.hpp"
#include "core/schema/spec_model.hpp"

namespace lightbeam::edfi {

namespace {

int current_year() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  return tm.tm_year + 1900;
}

// A short description of a body that should have been JSON, for error messages.
std::string describe_body(const http::Outcome& o) {
  std::string_view b = o.body;
  size_t i = 0;
  while (i < b.size() && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) ++i;
  if (i == b.size()) return "an empty body";
  std::string start = report::linearize(b.substr(i, std::min<size_t>(60, b.size() - i)));
  bool html = b[i] == '<' || o.content_type.find("html") != std::string::npos;
  return std::string(html ? "HTML" : "text") + " starting with \"" + start + "\"";
}

std::string tls_hint(const std::string& error) {
  std::string lower = schema::to_lower(error);
  if (lower.find("ssl") != std::string::npos || lower.find("certificate") != std::string::npos ||
      lower.find("tls") != std::string::npos)
    return "; for an API with a self-signed certificate set connection.verify_ssl: false";
  return "";
}

std::string ends_with_s_removed(const std::string& name) {
  return !name.empty() && name.back() == 's' ? name.substr(0, name.size() - 1) : name;
}

// CSV (RFC 4180 quoting) for the descriptor-values cache, compatible with Python's csv module.
std::string csv_field(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

bool parse_csv(const std::string& text, std::vector<std::vector<std::string>>& rows) {
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, in_field = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field += c;
      }
      continue;
    }
    if (c == '"' && field.empty()) {
      quoted = true;
      in_field = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      in_field = true;
    } else if (c == '\r') {
      continue;
    } else if (c == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
      in_field = false;
    } else {
      field += c;
      in_field = true;
    }
  }
  if (quoted) return false;
  if (in_field || !field.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return true;
}

// The query parameters of GET /{ns}/{endpoint} in an OpenAPI document (`$ref`s resolved), or none
// when the document does not have the path.
std::vector<simdjson::dom::element> get_query_parameters(simdjson::dom::element root, const std::string& ns,
                                                         const std::string& endpoint) {
  std::vector<simdjson::dom::element> out;
  std::string path("/");
  path.append(ns).append("/").append(endpoint);
  simdjson::dom::object paths;
  if (root["paths"].get_object().get(paths)) return out;
  simdjson::dom::element item;
  if (paths[path].get(item)) {
    bool found = false;
    for (auto field : paths)
      if (schema::iequals(field.key, path)) {
        item = field.value;
        found = true;
      }
    if (!found) return out;
  }
  simdjson::dom::array parameters;
  if (item["get"]["parameters"].get_array().get(parameters)) return out;
  for (simdjson::dom::element param : parameters) {
    std::string_view ref;
    if (param["$ref"].get_string().get(ref) == simdjson::SUCCESS) {
      if (ref.rfind("#/", 0) != 0) continue;
      simdjson::dom::element target;
      if (root.at_pointer(ref.substr(1)).get(target)) continue;
      param = target;
    }
    std::string_view in;
    if (param["in"].get_string().get(in) == simdjson::SUCCESS && in != "query") continue;
    out.push_back(param);
  }
  return out;
}

// The `maximum` of the `limit` parameter of GET /{ns}/{endpoint} (OpenAPI 3 `schema.maximum`,
// Swagger 2 `maximum`); 0 when the document does not say.
long limit_maximum(simdjson::dom::element root, const std::string& ns, const std::string& endpoint) {
  for (simdjson::dom::element param : get_query_parameters(root, ns, endpoint)) {
    std::string_view name;
    if (param["name"].get_string().get(name) || name != "limit") continue;
    simdjson::dom::element schema_or_param = param;
    simdjson::dom::element schema;
    if (param["schema"].get(schema) == simdjson::SUCCESS) schema_or_param = schema;
    double maximum = 0;
    if (schema_or_param["maximum"].get_double().get(maximum)) {
      int64_t as_int = 0;
      if (schema_or_param["maximum"].get_int64().get(as_int)) return 0;
      return static_cast<long>(as_int);
    }
    return static_cast<long>(maximum);
  }
  return 0;
}

}  // namespace

struct ApiClient::Impl {
  config::Config config;
  ClientOptions options;
  MetadataCache cache;
  std::unique_ptr<http::Engine> meta_engine;  // metadata GETs: no auth, quick failure on transport errors
  bool connected = false;
  ApiUrls urls;
  std::optional<std::vector<EndpointEntry>> endpoints;
  // The OpenAPI documents: raw text (downloaded or cached) with a simdjson DOM for quick lookups
  // (page-size maximum); the nlohmann trees and the SpecModel are built only when asked for.
  struct SpecText {
    std::string text;
    std::unique_ptr<simdjson::dom::parser> parser;
    simdjson::dom::element dom;
  };
  std::optional<SpecText> resources_text, descriptors_text;
  std::optional<nlohmann::json> resources, descriptors;
  std::unique_ptr<schema::SpecModel> model;
  std::shared_ptr<TokenManager> auth;
  std::unique_ptr<http::Engine> engine;
  std::optional<std::vector<DescriptorValue>> descriptor_values;

  Impl(const config::Config& c, ClientOptions o)
      : config(c),
        options(o),
        cache(std::filesystem::path(c.state_dir) / "cache", o.use_cache && !c.state_dir.empty(), o.wipe) {
    http::EngineOptions mo = http::options_from_config(config.connection);
    mo.pool_size = 2;
    mo.retry_transport_errors = false;  // an unreachable API should fail in seconds, not minutes
    mo.num_retries = std::min(mo.num_retries, 3);
    meta_engine = std::make_unique<http::Engine>(mo);
  }

  http::Outcome get(const std::string& url) {
    http::Request r;
    r.url = url;
    r.headers = {"Accept: application/json"};
    return meta_engine->perform(std::move(r));
  }

  [[noreturn]] void fail_transport(const std::string& what, const std::string& url, const http::Outcome& o,
                                   const std::string& hint) {
    throw Error("could not connect to " + url + " (" + report::transport_reason(o.error) + ")" + tls_hint(o.error) +
                ": " + hint + (what.empty() ? "" : " [" + what + "]"));
  }

  void connect() {
    if (connected) return;
    const auto& api = config.edfi_api;
    if (api.version != 3)
      throw Error("edfi_api.version " + std::to_string(api.version) +
                  " is not supported: lightbeam only supports Ed-Fi API version 3 (ODS/API 5+ and the DMS)");
    urls = ApiUrls{};
    urls.base = api.base_url;
    urls.oauth = api.oauth_url;
    urls.dependencies = api.dependencies_url;
    urls.open_api_metadata = api.open_api_metadata_url;
    if (!api.resources_swagger_url.empty() && !api.descriptors_swagger_url.empty()) {
      urls.resources_spec = api.resources_swagger_url;
      urls.descriptors_spec = api.descriptors_swagger_url;
    }
    bool all_explicit = !urls.oauth.empty() && !urls.dependencies.empty() &&
                        (!urls.open_api_metadata.empty() || !urls.resources_spec.empty());

    spdlog::debug("fetching base_url {}...", api.base_url);
    http::Outcome o = get(api.base_url);
    nlohmann::json doc;
    if (o.transport_failed()) {
      if (!all_explicit)
        fail_transport("", api.base_url, o, "check edfi_api.base_url and that the API is running");
      spdlog::warn("could not reach {} ({}); using the configured URLs", api.base_url,
                   report::transport_reason(o.error));
    } else {
      doc = nlohmann::json::parse(o.body, nullptr, false);
      bool usable = o.status >= 200 && o.status < 300 && doc.is_object();
      if (!usable && !all_explicit) {
        if (o.status < 200 || o.status >= 300)
          throw Error("could not load the discovery document at " + api.base_url + " (" +
                      report::reduce_reason(static_cast<int>(o.status), o.body) +
                      "): check edfi_api.base_url, or set edfi_api.oauth_url, dependencies_url and "
                      "open_api_metadata_url explicitly");
        throw Error("could not parse response from " + api.base_url + " (expected the Ed-Fi discovery JSON document, got " +
                    describe_body(o) +
                    "): check edfi_api.base_url, or set edfi_api.oauth_url, dependencies_url and "
                    "open_api_metadata_url explicitly");
      }
      if (usable) {
        std::vector<std::string> missing = apply_discovery(doc, urls);
        if (!missing.empty() && !all_explicit) {
          std::string list;
          for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
          spdlog::warn("the discovery document at {} has no {}; using the default locations under base_url "
                       "(set edfi_api.oauth_url, dependencies_url, resources_swagger_url and "
                       "descriptors_swagger_url if they differ)",
                       api.base_url, list);
        }
      }
    }
    int year = current_year();
    if (!api.mode.empty() && (api.mode == "year_specific" || api.mode == "instance_year_specific") && !api.year)
      spdlog::warn("edfi_api.year is not set for mode {}; using the current year {}", api.mode, year);
    std::string discovered_data = urls.data;
    urls.data = build_data_url(api, discovered_data, urls.layout, year);
    apply_default_urls(api, urls, year);
    spdlog::debug("data URL {} ({} layout), oauth {}, dependencies {}", urls.data,
                  urls.layout == Layout::dms ? "DMS" : "ODS", urls.oauth, urls.dependencies);
    connected = true;
  }

  const std::vector<EndpointEntry>& load_endpoints() {
    if (endpoints) return *endpoints;
    connect();
    const std::string& url = urls.dependencies;
    spdlog::debug("fetching resource dependencies from {}...", url);
    http::Outcome o = get(url);
    if (o.transport_failed()) fail_transport("", url, o, "check edfi_api.dependencies_url / base_url");
    if (o.status != 200 && o.status != 201)
      throw Error("Unable to load dependencies from " + url + " (" + report::reduce_reason(static_cast<int>(o.status), o.body) +
                  "): check edfi_api.dependencies_url");
    nlohmann::json doc = nlohmann::json::parse(o.body, nullptr, false);
    if (!doc.is_array())
      throw Error("the dependencies at " + url + " are not a JSON array (got " + describe_body(o) +
                  "): check edfi_api.dependencies_url");
    struct Row {
      std::string ns, name;
      long order;
      size_t position;
    };
    std::vector<Row> rows;
    size_t position = 0;
    for (const auto& e : doc) {
      ++position;
      if (!e.is_object() || !e.contains("resource") || !e["resource"].is_string() || !e.contains("operations") ||
          !e["operations"].is_array())
        throw Error("the dependencies at " + url + ": entry " + std::to_string(position) +
                    " is not {\"resource\", \"order\", \"operations\"}");
      bool create = false;
      for (const auto& op : e["operations"])
        if (op.is_string() && op.get<std::string>() == "Create") create = true;
      if (!create) continue;
      long order = 0;
      if (e.contains("order") && e["order"].is_number()) order = e["order"].get<long>();
      std::string resource = e["resource"].get<std::string>();
      if (!resource.empty() && resource.front() == '/') resource.erase(0, 1);
      size_t slash = resource.find('/');
      if (slash == std::string::npos || slash + 1 >= resource.size()) {
        spdlog::warn("the dependencies at {}: entry {} names '{}', not /namespace/endpoint; skipped", url, position,
                     e["resource"].get<std::string>());
        continue;
      }
      rows.push_back({resource.substr(0, slash), resource.substr(slash + 1), order, position});
    }
    std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.order < b.order; });
    std::vector<EndpointEntry> out;
    std::set<std::string> seen;
    for (const auto& r : rows) {
      bool wanted = r.ns == config.namespace_;
      if (auto it = config.namespace_overrides.find(r.ns); it != config.namespace_overrides.end())
        wanted = wanted || std::find(it->second.begin(), it->second.end(), r.name) != it->second.end();
      // An endpoint moved to another namespace by an override is not taken from the default one.
      if (r.ns == config.namespace_ && namespace_of(r.name) != r.ns) wanted = false;
      if (!wanted || !seen.insert(r.name).second) continue;
      EndpointEntry entry;
      entry.name = r.name;
      entry.ns = r.ns;
      entry.order = static_cast<int>(r.order);
      entry.descriptor = r.name.size() > 11 && r.name.compare(r.name.size() - 11, 11, "Descriptors") == 0;
      out.push_back(std::move(entry));
    }
    if (out.empty())
      throw Error("the dependencies at " + url + " list no endpoint in namespace '" + config.namespace_ +
                  "': check `namespace` in the config");
    bool listed = std::any_of(out.begin(), out.end(), [](const EndpointEntry& e) { return e.name == "schoolYearTypes"; });
    if (options.load_school_years && !listed && namespace_of("schoolYearTypes") == "ed-fi") {
      spdlog::debug("the dependencies do not list schoolYearTypes; a schoolYearTypes file goes first");
      out.insert(out.begin(), EndpointEntry{"schoolYearTypes", "ed-fi", out.front().order - 1, false});
    }
    spdlog::debug("{} endpoints in dependency order", out.size());
    endpoints = std::move(out);
    return *endpoints;
  }

  std::string namespace_of(const std::string& endpoint) const {
    for (const auto& [ns, names] : config.namespace_overrides)
      if (std::find(names.begin(), names.end(), endpoint) != names.end()) return ns;
    return config.namespace_;
  }

  // Checks one OpenAPI document (JSON object with `definitions` or `components.schemas`) and
  // keeps its DOM; throws a clear Error naming the URL.
  static SpecText check_spec(std::string body, const std::string& type, const std::string& url,
                             const std::string& content_type) {
    SpecText spec;
    spec.parser = std::make_unique<simdjson::dom::parser>();
    spec.text = std::move(body);
    simdjson::dom::object root;
    if (spec.parser->parse(spec.text).get(spec.dom) || spec.dom.get_object().get(root)) {
      http::Outcome fake;
      fake.body = spec.text;
      fake.content_type = content_type;
      throw Error("the " + type + " OpenAPI document at " + url + " is not JSON (got " + describe_body(fake) +
                  "): check edfi_api." + type + "_swagger_url");
    }
    simdjson::dom::object defs, components, schemas;
    bool has_defs = root["definitions"].get_object().get(defs) == simdjson::SUCCESS;
    bool has_components = root["components"].get_object().get(components) == simdjson::SUCCESS &&
                          components["schemas"].get_object().get(schemas) == simdjson::SUCCESS;
    if (!has_defs && !has_components)
      throw Error("the " + type + " OpenAPI document at " + url +
                  " has neither `definitions` nor `components.schemas`: is it an Ed-Fi OpenAPI document? "
                  "(check edfi_api." + type + "_swagger_url)");
    return spec;
  }

  void resolve_spec_urls() {
    if (!urls.resources_spec.empty() && !urls.descriptors_spec.empty()) return;
    const std::string& url = urls.open_api_metadata;
    if (url.empty())
      throw Error("the OpenAPI documents of the API were not discoverable: set edfi_api.resources_swagger_url and "
                  "edfi_api.descriptors_swagger_url");
    spdlog::debug("fetching the OpenAPI metadata list from {}...", url);
    http::Outcome o = get(url);
    if (o.transport_failed()) fail_transport("", url, o, "check edfi_api.open_api_metadata_url");
    nlohmann::json doc = nlohmann::json::parse(o.body, nullptr, false);
    if (o.status != 200 || !doc.is_array())
      throw Error("Unable to load the OpenAPI metadata list from " + url + " (" +
                  (o.status != 200 ? report::reduce_reason(static_cast<int>(o.status), o.body)
                                   : "expected a JSON array, got " + describe_body(o)) +
                  "): check edfi_api.open_api_metadata_url, or set edfi_api.resources_swagger_url and "
                  "descriptors_swagger_url");
    for (const auto& section : doc) {
      if (!section.is_object() || !section.contains("name") || !section["name"].is_string() ||
          !section.contains("endpointUri") || !section["endpointUri"].is_string())
        continue;
      std::string name = schema::to_lower(section["name"].get<std::string>());
      if (name == "resources" && urls.resources_spec.empty()) urls.resources_spec = section["endpointUri"];
      if (name == "descriptors" && urls.descriptors_spec.empty()) urls.descriptors_spec = section["endpointUri"];
    }
    if (urls.resources_spec.empty() || urls.descriptors_spec.empty())
      throw Error("the OpenAPI metadata list at " + url +
                  " has no Resources and Descriptors sections: set edfi_api.resources_swagger_url and "
                  "descriptors_swagger_url");
  }

  // Loads (cache or download) the documents not loaded yet among `which` (1 = resources,
  // 2 = descriptors): fetch's page-size check needs only its endpoints' document. A document not
  // asked for is still downloaded, checked and cached when the cache has no fresh copy of it (so
  // the cache ends up as before), but a fresh cached copy is not read and parsed for nothing.
  void load_specs(int which = 3) {
    if (model) return;
    if (resources_text) which &= ~1;
    if (descriptors_text) which &= ~2;
    if (!which) return;
    connect();
    resolve_spec_urls();
    struct Spec {
      std::string type, url, cache_name;
      std::optional<SpecText> doc;
    };
    Spec specs[2] = {{"resources", urls.resources_spec, "", std::nullopt},
                     {"descriptors", urls.descriptors_spec, "", std::nullopt}};
    std::vector<http::Request> downloads;
    for (size_t i = 0; i < 2; ++i) {
      Spec& s = specs[i];
      s.cache_name = "swagger-" + s.type + "-" + md5_hex(s.url) + ".json";
      if (!(which & (1 << i))) {
        bool loaded = i == 0 ? resources_text.has_value() : descriptors_text.has_value();
        if (loaded || cache.fresh(s.cache_name)) continue;
        which |= 1 << i;  // not cached yet: fetched, checked and cached as always
      }
      if (auto cached = cache.read(s.cache_name)) {
        try {
          s.doc = check_spec(std::move(*cached), s.type, cache.path_of(s.cache_name).string(), "");
        } catch (const Error& e) {
          cache.discard(s.cache_name, e.what());
        }
      }
      if (!s.doc) {
        http::Request r;
        r.url = s.url;
        r.headers = {"Accept: application/json"};
        r.tag = i;
        downloads.push_back(std::move(r));
      }
    }
    if (!downloads.empty()) {
      spdlog::debug("fetching {} OpenAPI document(s)...", downloads.size());
      for (auto& o : meta_engine->run_all(std::move(downloads))) {
        Spec& s = specs[o.tag];
        if (o.transport_failed()) fail_transport("", s.url, o, "check edfi_api." + s.type + "_swagger_url");
        if (o.status != 200)
          throw Error("Unable to load the " + s.type + " OpenAPI document from " + s.url + " (" +
                      report::reduce_reason(static_cast<int>(o.status), o.body) + "): check edfi_api." + s.type +
                      "_swagger_url");
        s.doc = check_spec(std::move(o.body), s.type, s.url, o.content_type);
        cache.write(s.cache_name, s.doc->text);
      }
    }
    if (which & 1) resources_text = std::move(specs[0].doc);
    if (which & 2) descriptors_text = std::move(specs[1].doc);
  }

  // nlohmann trees of the documents, parsed on first request (once).
  void parse_trees() {
    if (resources || model) return;
    load_specs();
    // Converted from the simdjson DOMs load_specs() already holds (a fraction of nlohmann's own
    // parser's cost), the two documents on two threads.
    std::exception_ptr other_error;
    std::thread other([&] {
      try {
        descriptors = schema::json_from_dom(descriptors_text->dom);
      } catch (...) {
        other_error = std::current_exception();
      }
    });
    try {
      resources = schema::json_from_dom(resources_text->dom);
    } catch (...) {
      other.join();
      throw;
    }
    other.join();
    if (other_error) std::rethrow_exception(other_error);
  }

  const schema::SpecModel& load_model() {
    if (model) return *model;
    parse_trees();
    model = std::make_unique<schema::SpecModel>(schema::SpecModel::from_documents(
        std::move(*resources), std::move(*descriptors), "the OpenAPI documents of " + config.edfi_api.base_url));
    resources.reset();
    descriptors.reset();
    // The dependencies should only name endpoints the documents define.
    if (endpoints) {
      std::vector<std::string> unknown;
      for (const auto& e : *endpoints)
        if (!model->find(e.ns, e.name)) unknown.push_back("/" + e.ns + "/" + e.name);
      if (!unknown.empty()) {
        std::string list;
        for (size_t i = 0; i < unknown.size() && i < 10; ++i) list += (i ? ", " : "") + unknown[i];
        if (unknown.size() > 10) list += ", ... and " + std::to_string(unknown.size() - 10) + " others";
        spdlog::warn("the dependencies at {} name {} endpoint(s) the OpenAPI documents do not define: {}",
                     urls.dependencies, unknown.size(), list);
      }
    }
    return *model;
  }

  const nlohmann::json& resources_doc() {
    if (model) return model->resources_document();
    parse_trees();
    return *resources;
  }
  const nlohmann::json& descriptors_doc() {
    if (model) return model->descriptors_document();
    parse_trees();
    return *descriptors;
  }

  http::Engine& get_engine() {
    if (!engine) {
      connect();
      if (!auth)
        auth = std::make_shared<TokenManager>(urls.oauth, config.edfi_api.client_id, config.edfi_api.client_secret,
                                              http::options_from_config(config.connection));
      engine = std::make_unique<http::Engine>(http::options_from_config(config.connection), auth);
    }
    return *engine;
  }
};

ApiClient::ApiClient(const config::Config& config, ClientOptions options)
    : impl_(std::make_unique<Impl>(config, options)) {}

ApiClient::~ApiClient() = default;

void ApiClient::connect() { impl_->connect(); }

const ApiUrls& ApiClient::urls() {
  impl_->connect();
  return impl_->urls;
}

const std::vector<EndpointEntry>& ApiClient::all_endpoints() { return impl_->load_endpoints(); }

std::vector<EndpointEntry> ApiClient::select_endpoints(const std::vector<std::string>& selectors,
                                                       const std::vector<std::string>& excludes) {
  const auto& all = all_endpoints();
  std::vector<std::string> names;
  names.reserve(all.size());
  for (const auto& e : all) names.push_back(e.name);
  std::vector<std::string> unmatched;
  std::vector<std::string> chosen = data::apply_selectors(names, selectors, excludes, &unmatched);
  // An -s entry that matches nothing while others do is dropped, as in the Python tool, and an -e
  // entry that matches nothing is most likely a typo (`truncate -e studnets` would then delete
  // students): say so, once per run (validate+send selects twice).
  static std::set<std::string> warned;
  for (const auto& s : unmatched)
    if (warned.insert("-s " + s).second)
      spdlog::warn("-s/--selector \"{}\" matches no endpoint, so it selects nothing; check the spelling", s);
  for (const auto& x : excludes)
    if (std::none_of(names.begin(), names.end(), [&](const std::string& n) { return data::wildcard_match(x, n); }) &&
        warned.insert(x).second)
      spdlog::warn("-e/--exclude \"{}\" matches no endpoint, so it excludes nothing; check the spelling", x);
  if (chosen.empty()) throw Error("selector filtering left no endpoints to process; check your selector for typos?");
  std::set<std::string> keep(chosen.begin(), chosen.end());
  std::vector<EndpointEntry> out;
  for (const auto& e : all)
    if (keep.count(e.name)) out.push_back(e);
  return out;
}

std::vector<std::string> ApiClient::select_endpoint_names(const std::vector<std::string>& selectors,
                                                          const std::vector<std::string>& excludes) {
  std::vector<std::string> out;
  for (auto& e : select_endpoints(selectors, excludes)) out.push_back(std::move(e.name));
  return out;
}

std::string ApiClient::namespace_of(const std::string& endpoint) const { return impl_->namespace_of(endpoint); }

std::string ApiClient::data_url(const std::string& endpoint) {
  impl_->connect();
  return url_join(impl_->urls.data, namespace_of(endpoint)) + "/" + endpoint;
}

std::string ApiClient::item_url(const std::string& endpoint, const std::string& id) {
  return data_url(endpoint) + "/" + id;
}

const nlohmann::json& ApiClient::resources_spec() { return impl_->resources_doc(); }
const nlohmann::json& ApiClient::descriptors_spec() { return impl_->descriptors_doc(); }
const schema::SpecModel& ApiClient::spec_model() { return impl_->load_model(); }

namespace {
// The OpenAPI document that describes `endpoint` (descriptors or resources), loaded on first use.
template <class Impl>
const auto& spec_of(Impl& impl, const std::string& endpoint) {
  bool descriptor = endpoint.size() > 11 && endpoint.compare(endpoint.size() - 11, 11, "Descriptors") == 0;
  impl.load_specs(descriptor ? 2 : 1);
  return descriptor ? *impl.descriptors_text : *impl.resources_text;
}
}  // namespace

long ApiClient::max_page_size(const std::string& endpoint) {
  const auto& spec = spec_of(*impl_, endpoint);
  return limit_maximum(spec.dom, namespace_of(endpoint), endpoint);
}

std::vector<std::string> ApiClient::query_parameter_names(const std::string& endpoint) {
  const auto& spec = spec_of(*impl_, endpoint);
  std::vector<std::string> names;
  for (simdjson::dom::element param : get_query_parameters(spec.dom, namespace_of(endpoint), endpoint)) {
    std::string_view name;
    if (param["name"].get_string().get(name) == simdjson::SUCCESS) names.emplace_back(name);
  }
  return names;
}

std::shared_ptr<http::Auth> ApiClient::auth() {
  impl_->get_engine();
  return impl_->auth;
}

void ApiClient::authenticate() { (void)auth()->authorization_header(); }

http::Engine& ApiClient::engine() { return impl_->get_engine(); }

const std::vector<DescriptorValue>& ApiClient::descriptor_values() {
  if (impl_->descriptor_values) return *impl_->descriptor_values;
  impl_->connect();
  std::string cache_name = "descriptor-values-" + md5_hex(impl_->config.edfi_api.base_url) + ".csv";
  if (auto cached = impl_->cache.read(cache_name)) {
    std::vector<std::vector<std::string>> rows;
    bool ok = parse_csv(*cached, rows) && !rows.empty() && rows[0].size() == 5;
    if (ok) {
      std::vector<DescriptorValue> values;
      for (size_t i = 1; i < rows.size() && ok; ++i) {
        if (rows[i].size() != 5) {
          ok = false;
          break;
        }
        values.push_back({rows[i][0], rows[i][1], rows[i][2], rows[i][3], rows[i][4]});
      }
      if (ok) {
        impl_->descriptor_values = std::move(values);
        return *impl_->descriptor_values;
      }
    }
    impl_->cache.discard(cache_name, "not the expected 5-column CSV");
  }
  std::vector<PagedEndpoint> targets;
  for (const auto& e : all_endpoints())
    if (e.descriptor) targets.push_back({e.name, data_url(e.name), ""});
  std::vector<DescriptorValue> values;
  std::vector<std::string> failures;
  PageEvents events;
  events.on_page = [&](size_t i, uint64_t, std::string&& body) -> long {
    nlohmann::json page = nlohmann::json::parse(body, nullptr, false);
    if (!page.is_array()) return -1;
    std::string descriptor = ends_with_s_removed(targets[i].endpoint);
    for (const auto& v : page) {
      if (!v.is_object()) continue;
      auto str = [&](const char* key) {
        auto it = v.find(key);
        return it != v.end() && it->is_string() ? it->get<std::string>() : std::string();
      };
      values.push_back({descriptor, str("namespace"), str("codeValue"), str("shortDescription"), str("description")});
    }
    return static_cast<long>(page.size());
  };
  events.on_error = [&](size_t i, const http::Outcome& o, const std::string& what) {
    std::string reason = o.transport_failed() ? report::transport_reason(o.error)
                         : o.error.empty()     ? report::reduce_reason(static_cast<int>(o.status), o.body)
                                               : o.error;
    failures.push_back(targets[i].endpoint + " (" + what + "): " + reason);
  };
  long page_size = std::max(1, impl_->config.fetch.page_size);
  fetch_pages(engine(), targets, page_size, events);
  if (!failures.empty())
    throw Error("could not load the descriptor values of the API: " + failures.front() +
                (failures.size() > 1 ? " (and " + std::to_string(failures.size() - 1) + " more)" : ""));
  std::string csv = "descriptor,namespace,codeValue,shortDescription,description\n";
  for (const auto& v : values)
    csv += csv_field(v.descriptor) + "," + csv_field(v.ns) + "," + csv_field(v.code_value) + "," +
           csv_field(v.short_description) + "," + csv_field(v.description) + "\n";
  impl_->cache.write(cache_name, csv);
  impl_->descriptor_values = std::move(values);
  return *impl_->descriptor_values;
}

std::uint64_t ApiClient::newest_change_version() {
  impl_->connect();
  const std::string& base = impl_->urls.change_queries;
  const std::string api = impl_->config.edfi_api.base_url;
  if (base.empty())
    throw Error("the API at " + api + " does not offer change queries (its discovery document has no "
                "urls.changeQueries): --min-change-version, --max-change-version, --incremental and --deletes need "
                "an Ed-Fi ODS/API 5.x–7.x with change queries enabled, or the DMS");
  const std::string url = url_join(base, "availableChangeVersions");
  http::Request r;
  r.url = url;
  r.headers = {"Accept: application/json"};
  http::Outcome o = std::move(engine().run_all({std::move(r)}).front());
  if (o.transport_failed()) throw Error("no answer from " + url + " (" + report::transport_reason(o.error) + ")");
  if (o.status == 404)
    throw Error("the API at " + api + " does not offer change queries (" + url + " answered 404): leave out the "
                "change-version options");
  if (o.status != 200)
    throw Error("could not read the change versions from " + url + " (" +
                report::reduce_reason(static_cast<int>(o.status), o.body) + ")");
  nlohmann::json doc = nlohmann::json::parse(o.body, nullptr, false);
  auto it = doc.is_object() ? doc.find("newestChangeVersion") : doc.end();
  if (!doc.is_object() || it == doc.end() || !it->is_number_unsigned())
    throw Error(url + " did not answer an object with a newestChangeVersion number");
  return it->get<std::uint64_t>();
}

const config::Config& ApiClient::config() const { return impl_->config; }

}  // namespace lightbeam::edfi
