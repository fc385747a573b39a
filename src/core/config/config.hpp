// The configuration model: "what the user said" in lightbeam.yaml, after loading, expansion,
// --set overrides and checks. Plain data with the documented defaults; nothing here does I/O.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lightbeam::config {

struct EdfiApi {
  std::string base_url = "https://localhost/api";
  // Empty = take from the discovery document, else built from base_url as the Python tool does.
  std::string oauth_url;
  std::string dependencies_url;
  std::string descriptors_swagger_url;
  std::string resources_swagger_url;
  std::string open_api_metadata_url;
  int version = 3;
  std::string mode;  // "" (auto), sandbox, shared_instance, district_specific, year_specific, instance_year_specific
  std::optional<int> year;          // `year` (README) or `school_year`
  std::string district_id;
  std::string instance_code;
  std::string client_id;
  std::string client_secret;        // secret: never logged
};

struct Connection {
  int pool_size = 8;
  double timeout = 60;              // seconds: connect timeout and total request timeout
  int num_retries = 10;
  double backoff_factor = 1.5;
  std::vector<int> retry_statuses{429, 500, 501, 503, 504};
  bool verify_ssl = true;
};

struct CountOptions {
  std::string separator = "\t";
};

struct FetchOptions {
  int page_size = 100;
};

struct ReferencesValidation {
  std::optional<long> max_failures;         // stop checking references after this many failures
  std::vector<std::string> selector;        // endpoints whose references are (or are not) checked
  std::string behavior = "exclude";         // exclude|include: how `selector` is applied
  bool remote = true;                       // look unresolved references up in the API
};

struct ValidateOptions {
  std::vector<std::string> methods{"schema", "descriptors", "uniqueness"};  // "*"/all expanded
  ReferencesValidation references;
};

struct Config {
  std::string config_file;          // path as given (or found)
  // "~" expanded by the loader; empty = not in the YAML: no state tracking (Python's behaviour).
  std::string state_dir;
  std::string data_dir = "./";
  std::string namespace_ = "ed-fi";
  std::map<std::string, std::vector<std::string>> namespace_overrides;
  EdfiApi edfi_api;
  Connection connection;
  CountOptions count;
  FetchOptions fetch;
  ValidateOptions validate;
  bool force_delete = false;
  std::string log_level = "INFO";   // ERROR, WARNING, INFO, DEBUG
  bool show_stacktrace = false;
  std::string results_format = "current";  // current|legacy

  // Filled by the loader (not YAML keys).
  std::map<std::string, int> key_lines;      // dotted key -> 1-based line in config_file (where it was set)
  std::vector<std::string> secret_values;    // client_secret and -p values: never printed (see loader.hpp redact)
  std::vector<std::string> redacted_keys;    // dotted keys whose value came (partly) from -p
};

}  // namespace lightbeam::config
