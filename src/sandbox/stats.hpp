// Request counters for GET /_sandbox/stats: by method, by route ("POST /ed-fi/students") and status.
#pragma once
#include <map>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace lightbeam::sandbox {

class Stats {
 public:
  void record(const std::string& method, const std::string& route, int status);
  void record_fault(const std::string& kind);
  // {"total", "by_method": {M: n}, "by_status": {S: n}, "by_route": {"M route": {S: n}}, "faults": {kind: n}}
  nlohmann::json to_json() const;
  void clear();

 private:
  mutable std::mutex mutex_;
  long total_ = 0;
  std::map<std::string, long> by_method_, by_status_, faults_;
  std::map<std::string, std::map<std::string, long>> by_route_;
};

}  // namespace lightbeam::sandbox
