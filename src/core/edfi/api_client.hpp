// edfi::ApiClient — everything a command needs to talk to one Ed-Fi API: discovery (URLs, version,
// ODS or DMS layout), OAuth (token manager as http::Auth), dependency-ordered endpoints filtered by
// namespace/overrides/selectors, data URLs for every mode, the OpenAPI model (downloaded and parsed
// once per run, cached under {state_dir}/cache) and the configured request engine.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/config/config.hpp"
#include "core/http/engine.hpp"

namespace lightbeam::schema {
class SpecModel;
}

namespace lightbeam::edfi {

enum class Layout { ods, dms };  // ODS: {base}/data/v3[/{instance}][/{year}]; DMS: [/{qualifiers}]/data

// Where everything lives, after discovery (explicit config URLs win over discovered ones).
struct ApiUrls {
  std::string base;                    // edfi_api.base_url as configured
  std::string data;                    // data root incl. mode qualifiers, no trailing '/'
  std::string oauth;
  std::string dependencies;
  std::string open_api_metadata;       // the spec list (may be empty when both spec URLs are set)
  std::string resources_spec;          // filled once the spec list was read (or from config)
  std::string descriptors_spec;
  Layout layout = Layout::ods;
  std::string api_version;             // discovery "version" (empty if absent)
  std::string data_standard_version;   // dataModels[name=Ed-Fi].version (empty if absent)
  std::string change_queries;          // discovery urls.changeQueries (empty: the API has no change queries)
};

// One endpoint in dependency order (only entries whose operations contain Create).
struct EndpointEntry {
  std::string name;                    // e.g. "students"
  std::string ns;                      // project/namespace segment, e.g. "ed-fi"
  int order = 0;                       // dependency order from the API (1-based)
  bool descriptor = false;             // name ends with "Descriptors"
};

// One descriptor value of the API (validate's remote descriptor check; cached like the Python tool).
struct DescriptorValue {
  std::string descriptor;              // e.g. "gradeLevelDescriptor" (the endpoint, singular)
  std::string ns;                      // the value's `namespace`, e.g. "uri://ed-fi.org/GradeLevelDescriptor"
  std::string code_value;
  std::string short_description;
  std::string description;
};

struct ClientOptions {
  bool wipe = false;                   // -w: ignore and refresh the metadata cache
  bool use_cache = true;               // false: never read or write {state_dir}/cache
  // send/validate/fetch/count: list ed-fi/schoolYearTypes first when the dependencies omit it (DMS does,
  // yet accepts POSTs of school years), so a schoolYearTypes file can be loaded before what references
  // it, and the school years can be read back.
  bool load_school_years = false;
};

class ApiClient {
 public:
  ApiClient(const config::Config& config, ClientOptions options = {});
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  // Discovery happens on first use of any accessor below (or explicitly here). Throws Error with
  // the URL and what to check when the API cannot be reached or answers non-JSON.
  void connect();

  const ApiUrls& urls();

  // Every endpoint of the configured namespace (plus namespace_overrides), in dependency order.
  const std::vector<EndpointEntry>& all_endpoints();
  // all_endpoints() filtered by -s/-e (data::apply_selectors semantics: order kept; a selector entry
  // that matches nothing is a warning while another matches; no entry matching, or nothing left,
  // is an Error).
  std::vector<EndpointEntry> select_endpoints(const std::vector<std::string>& selectors,
                                              const std::vector<std::string>& excludes);
  std::vector<std::string> select_endpoint_names(const std::vector<std::string>& selectors,
                                                 const std::vector<std::string>& excludes);

  // Namespace segment of an endpoint (config namespace unless namespace_overrides names it).
  std::string namespace_of(const std::string& endpoint) const;
  // {data}/{ns}/{endpoint} — no trailing slash, no query.
  std::string data_url(const std::string& endpoint);
  // {data}/{ns}/{endpoint}/{id}
  std::string item_url(const std::string& endpoint, const std::string& id);

  // The OpenAPI documents (resources, descriptors) and the model built from them. Loaded once.
  const nlohmann::json& resources_spec();
  const nlohmann::json& descriptors_spec();
  const schema::SpecModel& spec_model();
  // The `limit` parameter's maximum for an endpoint's GET from the spec; 0 when unknown.
  long max_page_size(const std::string& endpoint);
  // The query parameters GET /{ns}/{endpoint} takes, per the API's OpenAPI document (empty when it
  // does not describe the endpoint).
  std::vector<std::string> query_parameter_names(const std::string& endpoint);

  // The OAuth token manager (implements http::Auth); fetches its first token lazily.
  std::shared_ptr<http::Auth> auth();
  // Fetches the first token now (Python's do_oauth() at the start of a command): wrong credentials
  // end the run with their error even when no data request would follow.
  void authenticate();
  // Engine configured from config.connection with auth(); one per client, reused.
  http::Engine& engine();

  // Every descriptor value of the API (all *Descriptors endpoints of the namespace), paged with
  // the engine; cached under {state_dir}/cache for 2,629,800 s unless wiped.
  const std::vector<DescriptorValue>& descriptor_values();

  // Change queries: GET {urls.changeQueries}/availableChangeVersions → newestChangeVersion. Throws
  // Error naming the API when it has no change queries (no urls.changeQueries in its discovery
  // document, as ODS/API 5.x–7.x with the feature off; or a 404 there), or the answer is not one.
  std::uint64_t newest_change_version();

  const config::Config& config() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lightbeam::edfi
