#include "core/state/untracked.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>

#include "core/error.hpp"

namespace lightbeam::state {

StateLocation::StateLocation(const std::string& state_dir) {
  if (!state_dir.empty()) {
    path_ = state_dir;
    return;
  }
  std::error_code ec;
  std::filesystem::path tmp = std::filesystem::temp_directory_path(ec);
  if (ec) tmp = "/tmp";
  std::string pattern = (tmp / "lightbeam-untracked.XXXXXX").string();
  if (!mkdtemp(pattern.data()))
    throw Error("cannot create a temporary folder in " + tmp.string() + " (" + std::strerror(errno) +
                "); set TMPDIR to a writable folder or give state_dir in the config file");
  path_ = pattern;
  scratch_ = true;
}

StateLocation::~StateLocation() {
  if (!scratch_) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace lightbeam::state
