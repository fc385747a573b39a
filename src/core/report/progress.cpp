// Send progress (see progress.hpp).
#include "core/report/progress.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

namespace lightbeam::report {
namespace {

std::string format_counts(const std::vector<std::pair<int, std::size_t>>& statuses) {
  std::string s = "{";
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(statuses[i].first) + ": " + std::to_string(statuses[i].second);
  }
  return s + "}";
}

std::string format_duration(double seconds) {
  if (seconds < 0 || seconds > 99 * 3600) return "?";
  long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

}  // namespace

Progress::Progress(Mode mode, double log_interval_seconds) : mode_(mode), log_interval_(log_interval_seconds) {
  if (mode_ == Mode::automatic) mode_ = ::isatty(STDERR_FILENO) ? Mode::live : Mode::log;
}

Progress::~Progress() { clear(); }

void Progress::start(const std::string& label, std::uintmax_t total_bytes) {
  clear();
  label_ = label;
  total_bytes_ = total_bytes;
  started_ = last_ = std::chrono::steady_clock::now();
}

void Progress::update(std::size_t done, std::size_t lines_read, std::uintmax_t bytes_read,
                      const std::vector<std::pair<int, std::size_t>>& statuses) {
  if (mode_ == Mode::off) return;
  auto now = std::chrono::steady_clock::now();
  double since = std::chrono::duration<double>(now - last_).count();
  if (since < (mode_ == Mode::live ? 0.2 : log_interval_)) return;
  last_ = now;
  draw(done, lines_read, bytes_read, statuses);
}

// Lines in all the files: the lines read so far scaled by the bytes not read yet (the average
// line length of what was read), never fewer than were read. Dividing `done` by the fraction of
// bytes read instead undercounted by the requests in flight: "1 of ~24" for 200 lines.
std::size_t estimated_total(std::size_t lines_read, std::uintmax_t bytes_read, std::uintmax_t total_bytes) {
  if (bytes_read == 0 || lines_read == 0) return 0;
  if (bytes_read >= total_bytes) return lines_read;
  const double est = static_cast<double>(lines_read) * static_cast<double>(total_bytes) / static_cast<double>(bytes_read);
  return std::max(lines_read, static_cast<std::size_t>(est + 0.5));
}

void Progress::draw(std::size_t done, std::size_t lines_read, std::uintmax_t bytes_read,
                    const std::vector<std::pair<int, std::size_t>>& statuses) {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  const std::size_t total_est = std::max(done, estimated_total(lines_read, bytes_read, total_bytes_));
  const double fraction = total_est > 0 ? static_cast<double>(done) / static_cast<double>(total_est) : 0;
  std::string eta = rate > 0 ? format_duration(static_cast<double>(total_est - done) / rate) : "?";
  if (mode_ == Mode::live) {
    std::fprintf(stderr, "\r\033[K%s: %zu/~%zu (%.0f%%), %.0f rec/s, ETA %s, %s", label_.c_str(), done, total_est,
                 fraction * 100, rate, eta.c_str(), format_counts(statuses).c_str());
    std::fflush(stderr);
    drawn_ = true;
  } else {
    spdlog::info("  ({}: {} of ~{} payloads ({:.0f}%), {:.0f}/s, ETA {}; status counts: {})", label_, done, total_est,
                 fraction * 100, rate, eta, format_counts(statuses));
  }
}

void Progress::clear() {
  if (mode_ == Mode::live && drawn_) {
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
    drawn_ = false;
  }
}

void Progress::update_counts(std::size_t done, long total, std::size_t failed, std::size_t skipped) {
  if (mode_ == Mode::off) return;
  const auto now = std::chrono::steady_clock::now();
  if (std::chrono::duration<double>(now - last_).count() < (mode_ == Mode::live ? 0.2 : log_interval_)) return;
  last_ = now;
  const double elapsed = std::chrono::duration<double>(now - started_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  const std::string of = total >= 0 ? fmt::format("/{}", total) : "";
  std::string eta;
  if (total > 0 && rate > 0 && static_cast<long>(done) < total)
    eta = fmt::format(", ETA {:.0f} s", static_cast<double>(total - static_cast<long>(done)) / rate);
  const std::string text =
      fmt::format("{}: {}{} done ({:.0f}/s{}), {} failed, {} skipped", label_, done, of, rate, eta, failed, skipped);
  if (mode_ == Mode::live) {
    std::fprintf(stderr, "\r\033[K%s", text.c_str());
    std::fflush(stderr);
    drawn_ = true;
  } else {
    spdlog::info("{}", text);
  }
}

}  // namespace lightbeam::report
