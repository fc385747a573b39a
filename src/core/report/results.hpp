// The structured results file of `send` and `validate` (the Python lightbeam's layout): per
// endpoint counters, successes by status, failures grouped by status|method + message + file
// with sorted line numbers; written atomically. Also the per-endpoint log summary.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace lightbeam::config {
struct Config;
}

namespace lightbeam::report {

// Top-level fields that describe the run (the Python tool's names).
struct RunInfo {
  std::string command;        // "send", "validate", ...
  std::string config_file;
  std::string data_dir;
  std::string api_url;        // edfi_api.base_url
  std::string namespace_;
  std::map<std::string, std::vector<std::string>> namespace_overrides;
  std::string working_dir;    // empty = current directory at construction
};

// The RunInfo of `command` run with `config` (loaded from `config_file`).
RunInfo run_info(const config::Config& config, const std::string& command, const std::string& config_file);

enum class Layout {
  current,  // resources.<ep>.{successes:[{status_code,count}], failures:[{status_code|method,message,file,line_numbers,count}]}
  legacy,   // resources.<ep>.failed_statuses.<status>.<message>.files.<file>.{line_numbers:"1,2",count} (README)
};

// "legacy" → legacy, anything else ("current", "") → current.
Layout parse_layout(std::string_view results_format);

// Collects outcomes as they arrive. Not thread-safe: call from one thread (the engine calls its
// completion callback on the caller's thread). Memory: counters per endpoint and one vector of
// line numbers per failure group — never one object per record.
class Results {
 public:
  explicit Results(RunInfo info);
  ~Results();
  Results(const Results&) = delete;
  Results& operator=(const Results&) = delete;

  // Makes the endpoint appear in the file (with zero counts) even if no record is recorded.
  void begin_endpoint(const std::string& endpoint);

  // send: one call per input line. Each counts the line as processed.
  void record_skipped(const std::string& endpoint);
  void record_success(const std::string& endpoint, int status_code);
  void record_failure(const std::string& endpoint, int status_code, std::string_view message,
                      const std::string& file, std::size_t line);
  // One failed line with several messages (an Ed-Fi 7.2+ / DMS body, report::failure_messages):
  // one failure entry per message, each with the line, as the Python tool groups them; the line
  // counts as one failed record.
  void record_failure(const std::string& endpoint, int status_code, const std::vector<std::string>& messages,
                      const std::string& file, std::size_t line);

  // validate: a failure found by a validation method ("schema", "descriptors", "uniqueness",
  // "references", ...). count_record=false only groups it (use it when the same line already
  // counted as failed through another method); counters are then left to add_counts.
  void record_method_failure(const std::string& endpoint, std::string_view method, std::string_view message,
                             const std::string& file, std::size_t line, bool count_record = true);
  // Raw counter adjustments (e.g. a validated line without failures: add_counts(ep, 1, 0, 0)).
  void add_counts(const std::string& endpoint, std::size_t processed, std::size_t skipped, std::size_t failed);

  struct Counts {
    std::size_t processed = 0, skipped = 0, failed = 0;
  };
  Counts counts(const std::string& endpoint) const;
  Counts totals() const;
  // Every status seen for the endpoint with its count, in first-seen order (successes and failures).
  std::vector<std::pair<int, std::size_t>> status_counts(const std::string& endpoint) const;
  // Distinct failure messages with their counts, in first-seen order ("<status>|<method>: ..." not added).
  std::vector<std::pair<std::string, std::size_t>> reasons(const std::string& endpoint) const;

  // Logs the endpoint's final status counts and at most 10 reasons, then "... and N others"
  // (the Python tool's lines).
  void log_summary(const std::string& endpoint) const;

  // The document as written (completed_at / runtime_sec computed now).
  nlohmann::ordered_json to_json(Layout layout, bool interrupted = false) const;
  // Atomic write (temp file in the same directory + rename); parent directories are created.
  // Throws lightbeam::Error naming the file when it cannot be written.
  void write(const std::filesystem::path& path, Layout layout, bool interrupted = false) const;

  // The JSON text as written: indent 4, ASCII-escaped like Python's json.dumps, and (current
  // layout) each line_numbers array on one line, as the Python tool does.
  static std::string render(const nlohmann::ordered_json& doc);
  // write() for a document the caller extended (delete/truncate add skip reasons): rendered, then
  // written atomically in the same way.
  static void write_document(const std::filesystem::path& path, const nlohmann::ordered_json& doc);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Python's `datetime.now().isoformat(timespec='microseconds')` (local time, no zone).
std::string iso_local_micros(std::chrono::system_clock::time_point t);

}  // namespace lightbeam::report
