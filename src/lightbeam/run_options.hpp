// "What the user said" on the command line, parsed by main.cpp (CLI11) and handed to a command
// together with the loaded Config.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/config/config.hpp"

namespace lightbeam {

struct CliOptions {
  std::string command;                       // count, fetch, validate, send, validate+send, delete, truncate, create, convert
  std::string config_file;                   // -c; empty = ./lightbeam.yaml then ./lightbeam.yml
  std::vector<std::string> selector;         // -s, comma list split; empty = all
  std::vector<std::string> exclude;          // -e
  std::vector<std::string> keep_keys;        // -k
  std::vector<std::string> drop_keys;        // -d
  std::string query_json = "{}";             // -q
  std::string params_json;                   // -p (values are secrets)
  bool wipe = false;                         // -w
  bool force = false;                        // -f
  std::optional<std::string> older_than;     // -o / -t
  std::optional<std::string> newer_than;     // -n
  std::vector<int> resend_status_codes;      // -r
  std::string results_file;                  // --results-file
  std::vector<std::pair<std::string, std::string>> overrides;  // --set KEY VALUE
  std::vector<std::string> paths;            // convert: the XML interchange files and folders
  std::optional<std::uint64_t> min_change_version;  // fetch --min-change-version (change queries)
  std::optional<std::uint64_t> max_change_version;  // fetch --max-change-version
  bool incremental = false;                  // fetch --incremental: since the last fetch's newest change version
  bool deletes = false;                      // fetch --deletes: also {endpoint}.deletes.jsonl and .keyChanges.jsonl
};

struct RunContext {
  config::Config config;
  CliOptions options;
};

}  // namespace lightbeam
