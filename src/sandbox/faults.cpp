// Fault injection: deterministic per-request draws (splitmix64 of seed and request number) and a
// token-bucket rate limit.
#include "sandbox/faults.hpp"

#include <algorithm>

namespace lightbeam::sandbox {

namespace {
std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
}  // namespace

Faults::Faults(const Options& o)
    : seed_(o.seed), fail_rate_(o.fail_rate), reset_rate_(o.reset_rate), hang_rate_(o.hang_rate), rate_limit_(o.rate_limit),
      fail_status_(o.fail_status), latency_ms_(o.latency_ms) {
  bucket_ = std::max(1.0, rate_limit_);
  bucket_time_ = std::chrono::steady_clock::now();
}

double Faults::draw(std::uint64_t n, std::uint64_t salt) const {
  return static_cast<double>(splitmix64(seed_ * 0x100000001b3ULL ^ splitmix64(n + salt)) >> 11) * 0x1.0p-53;
}

Faults::Action Faults::decide() {
  if (rate_limit_ > 0) {
    std::lock_guard lock(bucket_mutex_);
    auto now = std::chrono::steady_clock::now();
    double elapsed = std::chrono::duration<double>(now - bucket_time_).count();
    bucket_time_ = now;
    bucket_ = std::min(std::max(1.0, rate_limit_), bucket_ + elapsed * rate_limit_);
    if (bucket_ < 1.0) return Action::rate_limited;
    bucket_ -= 1.0;
  }
  if (fail_rate_ <= 0 && reset_rate_ <= 0 && hang_rate_ <= 0) return Action::none;
  std::uint64_t n = counter_.fetch_add(1);
  if (reset_rate_ > 0 && draw(n, 0x5151) < reset_rate_) return Action::reset;
  if (hang_rate_ > 0 && draw(n, 0x4a96) < hang_rate_) return Action::hang;
  if (fail_rate_ > 0 && draw(n, 0xfa11) < fail_rate_) return Action::fail;
  return Action::none;
}

}  // namespace lightbeam::sandbox
