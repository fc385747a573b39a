// Request counters for the stats endpoint.
#include "sandbox/stats.hpp"

namespace lightbeam::sandbox {

void Stats::record(const std::string& method, const std::string& route, int status) {
  std::string s = std::to_string(status);
  std::lock_guard lock(mutex_);
  ++total_;
  ++by_method_[method];
  ++by_status_[s];
  ++by_route_[method + " " + route][s];
}

void Stats::record_fault(const std::string& kind) {
  std::lock_guard lock(mutex_);
  ++faults_[kind];
}

nlohmann::json Stats::to_json() const {
  std::lock_guard lock(mutex_);
  nlohmann::json j;
  j["total"] = total_;
  j["by_method"] = by_method_;
  j["by_status"] = by_status_;
  j["by_route"] = nlohmann::json::object();
  for (auto& [route, statuses] : by_route_) j["by_route"][route] = statuses;
  j["faults"] = faults_;
  return j;
}

void Stats::clear() {
  std::lock_guard lock(mutex_);
  total_ = 0;
  by_method_.clear();
  by_status_.clear();
  by_route_.clear();
  faults_.clear();
}

}  // namespace lightbeam::sandbox
