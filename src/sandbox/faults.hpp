// Fault injection for client tests: failures (5xx/429), dropped or unanswered requests, latency and a rate
// limit, decided per data request from --seed so a run is reproducible.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>

#include "sandbox/options.hpp"

namespace lightbeam::sandbox {

class Faults {
 public:
  enum class Action { none, fail, reset, hang, rate_limited };
  explicit Faults(const Options& options);

  // Called once per data request, in arrival order.
  Action decide();
  int latency_ms() const { return latency_ms_; }
  int fail_status() const { return fail_status_; }
  void reset_counter() { counter_ = 0; }

 private:
  double draw(std::uint64_t n, std::uint64_t salt) const;
  std::uint64_t seed_;
  double fail_rate_, reset_rate_, hang_rate_, rate_limit_;
  int fail_status_, latency_ms_;
  std::atomic<std::uint64_t> counter_{0};
  std::mutex bucket_mutex_;
  double bucket_ = 0;
  std::chrono::steady_clock::time_point bucket_time_;
};

}  // namespace lightbeam::sandbox
