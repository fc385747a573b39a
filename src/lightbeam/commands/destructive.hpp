// What `delete` and `truncate` share: the typed "yes" confirmation, a graceful stop on the first
// SIGINT/SIGTERM, skip reasons kept next to report::Results (which only counts skips), the results
// file. (Progress is report::Progress.)
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/config.hpp"
#include "core/report/results.hpp"
#include "core/state/state_store.hpp"
#include "lightbeam/run_options.hpp"

namespace lightbeam::commands::destructive {

// The Python tool's prompt: lists the endpoints on stdout, then asks
// `Type "yes" to confirm you want to <verbiage> payloads for the selected endpoints? `.
// Returns when force_delete is set or "yes" was read from standard input (a terminal or a pipe:
// `echo yes | lightbeam delete` works, as in Python). Throws Refusal (Python's `You did not type
// "yes" - exiting.`, exit 1) for any other answer and at end of input (</dev/null in CI).
void confirm(const config::Config& config, const std::vector<std::string>& endpoints, std::string_view verbiage);

// Installs SIGINT/SIGTERM handlers for its lifetime: the first signal only sets a flag (the
// command stops pulling work, waits for the requests in flight and reports), the second one
// kills the process at once (default action). Previous handlers are restored on destruction.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
  static bool requested();
};

// Why payloads were skipped (not found, several matches, ...), grouped like failures: per endpoint,
// message and file with line numbers. report::Results counts skips but keeps no reasons.
class SkipReasons {
 public:
  void add(const std::string& endpoint, const std::string& message, const std::string& file, std::size_t line);
  // Reasons with counts, in first-seen order.
  std::vector<std::pair<std::string, std::size_t>> reasons(const std::string& endpoint) const;
  // "  (skipped: N payload not found in API)" lines, at most 10 then "... and N others".
  void log(const std::string& endpoint) const;
  // Adds resources.<ep>.skipped_reasons to a results document (current: array of {message, file,
  // line_numbers, count}; legacy: {message: {files: {file: {line_numbers: "1,2", count}}}}).
  void merge_into(nlohmann::ordered_json& doc, report::Layout layout) const;

 private:
  struct Group {
    std::string message;
    std::string file;
    std::vector<std::uint32_t> lines;
  };
  struct Endpoint {
    std::vector<Group> groups;
    std::map<std::pair<std::string, std::string>, std::size_t> index;
  };
  std::vector<std::string> order_;
  std::map<std::string, Endpoint> endpoints_;
};

// -f/-o/-n/-r → the state criteria (timestamps parsed as the Python tool does; Error when invalid).
state::ResendCriteria criteria_from(const CliOptions& options);

// Writes --results-file (when given) atomically, with the skip reasons merged in.
void write_results(const RunContext& ctx, const report::Results& results, const SkipReasons& skips,
                   bool interrupted);

// One delete/truncate run: its results and skip reasons, with SIGINT/SIGTERM caught for its lifetime.
class Run {
 public:
  Run(const RunContext& ctx, const std::string& command);
  // True once SIGINT/SIGTERM asked the run to stop.
  static bool stopped() { return InterruptGuard::requested(); }
  // Logs "finished processing endpoint <name>!", the endpoint's summary and its skip reasons.
  void endpoint_done(const std::string& name) const;
  // Writes the results file; then 130 after logging `interrupted_hint` (a warning) when the run was
  // stopped by a signal, else 0 (Python's status whatever was deleted, skipped or refused).
  int finish(const std::string& interrupted_hint) const;

  report::Results results;
  SkipReasons skips;

 private:
  const RunContext& ctx_;
  InterruptGuard guard_;
};

// The one-line value of a JSON scalar as a query-string value (strings unquoted, booleans
// true/false); nullopt for null, objects and arrays.
std::optional<std::string> query_value(const nlohmann::json& value);

}  // namespace lightbeam::commands::destructive
