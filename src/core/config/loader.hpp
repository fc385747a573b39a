// Loading lightbeam.yaml into config::Config: YAML with line marks, ${VAR}/$VAR expansion (with
// -p params overriding the environment), --set overrides with autocast, type/range checks,
// unknown-key warnings, and a redacted dump for DEBUG logs.
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config/config.hpp"

namespace lightbeam::config {

using Overrides = std::vector<std::pair<std::string, std::string>>;

// Loads and checks the config file. params_json is the -p JSON object ("" = none); overrides are
// the --set KEY VALUE pairs, applied after loading. Throws lightbeam::Error with
// "<file>:<line>: <key> ..." messages. Warnings (unknown keys) go to `warnings` when given, else
// to spdlog::warn.
Config load(const std::string& path, const std::string& params_json, const Overrides& overrides);
Config load(const std::string& path, const std::string& params_json, const Overrides& overrides,
            std::vector<std::string>* warnings);

// The -p/--params JSON object as NAME -> text (numbers and booleans as their JSON text).
// "" = none. Throws Error without echoing the text (it holds secrets).
std::map<std::string, std::string> parse_params(const std::string& params_json);

// The config file to use: `given` when not empty (it must exist), else ./lightbeam.yaml then
// ./lightbeam.yml. Throws Error when none is found.
std::string find_config_file(const std::string& given);

// Every known dotted key (e.g. "connection.pool_size"), for --set checks and suggestions.
const std::vector<std::string>& known_keys();

// The config as "key: <JSON value>" lines with client_secret and every value that came from
// -p replaced by "***" (for DEBUG logging).
std::string dump_redacted(const Config& config);

// "<config_file>:<line>: " for a dotted key set in the file (else "<config_file>: "), so other
// parts can report a bad value where the user wrote it.
std::string where(const Config& config, const std::string& key);

// `text` with every secret of the config (client_secret, -p values) replaced by "***".
std::string redact(std::string_view text, const Config& config);

}  // namespace lightbeam::config
