// Installed data lookup (see share_dir.hpp).
#include "core/share_dir.hpp"

#include <system_error>

#include "core/error.hpp"

namespace lightbeam {

namespace fs = std::filesystem;

std::vector<fs::path> share_candidates(const fs::path& exe, const fs::path& source_dir, const std::string& relative) {
  std::vector<fs::path> out;
  // /proc/self/exe has its links resolved, so ".." is the real parent of bin/.
  if (!exe.empty()) out.push_back((exe.parent_path() / ".." / "share" / "lightbeam" / relative).lexically_normal());
  out.push_back((source_dir / relative).lexically_normal());
  return out;
}

fs::path find_share_path(const std::string& relative, const std::string& what, const std::string& hint) {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) exe.clear();
  auto candidates = share_candidates(exe, LIGHTBEAM_SOURCE_DIR, relative);
  std::string looked;
  for (const auto& c : candidates) {
    if (fs::exists(c, ec)) return c;
    looked += (looked.empty() ? "" : " and ") + c.string();
  }
  throw Error("no " + what + " found (looked in " + looked + "); " + hint);
}

}  // namespace lightbeam
