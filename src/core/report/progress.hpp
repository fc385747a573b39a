// Send progress: on a terminal one live line on stderr (endpoint, done/total, records/s, ETA,
// counts by status), redrawn a few times a second; otherwise an INFO log line every few
// seconds. Never both.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace lightbeam::report {

// Estimated lines of files of total_bytes of which lines_read lines (bytes_read bytes) are read;
// exact once everything is read, never below lines_read; 0 before anything is read.
std::size_t estimated_total(std::size_t lines_read, std::uintmax_t bytes_read, std::uintmax_t total_bytes);

class Progress {
 public:
  enum class Mode { automatic, live, log, off };
  explicit Progress(Mode mode = Mode::automatic, double log_interval_seconds = 5.0);
  ~Progress();

  // A new endpoint (or group of endpoints) starts; total_bytes of its files gives the ETA.
  void start(const std::string& label, std::uintmax_t total_bytes);
  // Cheap to call per outcome: redraws at most every 200 ms (live) or log interval (log). `done`:
  // payloads finished; `lines_read`/`bytes_read`: what has been read of the files so far (ahead
  // of `done` by the requests in flight), which gives the estimated total.
  void update(std::size_t done, std::size_t lines_read, std::uintmax_t bytes_read,
              const std::vector<std::pair<int, std::size_t>>& statuses);
  // Clears the live line (call before logging, and at the end of an endpoint).
  void clear();

  bool live() const { return mode_ == Mode::live; }

  // Progress by record counts, for commands with no bytes to measure (delete, truncate): the line
  // "<label>: done[/total] done (R/s[, ETA S s]), F failed, S skipped" (total < 0: unknown), with
  // the same throttle and the same live-line/INFO-log choice as update().
  void update_counts(std::size_t done, long total, std::size_t failed, std::size_t skipped);

 private:
  void draw(std::size_t done, std::size_t lines_read, std::uintmax_t bytes_read,
            const std::vector<std::pair<int, std::size_t>>& statuses);

  Mode mode_;
  double log_interval_;
  std::string label_;
  std::uintmax_t total_bytes_ = 0;
  std::chrono::steady_clock::time_point started_, last_;
  bool drawn_ = false;
};

}  // namespace lightbeam::report
