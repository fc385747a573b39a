// No `state_dir` in the YAML: as in the Python tool, nothing is tracked between runs (every run sends
// every payload). The commands still keep their in-run bookkeeping in a StateStore; it lives in a
// private temporary folder that is removed when the command ends.
#pragma once
#include <filesystem>
#include <string>

namespace lightbeam::state {

class StateLocation {
 public:
  // state_dir as configured; empty = not configured.
  explicit StateLocation(const std::string& state_dir);
  ~StateLocation();
  StateLocation(const StateLocation&) = delete;
  StateLocation& operator=(const StateLocation&) = delete;

  const std::filesystem::path& path() const { return path_; }
  bool tracked() const { return !scratch_; }

 private:
  std::filesystem::path path_;
  bool scratch_ = false;
};

}  // namespace lightbeam::state
