// Where the data files installed with the programs (metadata/...) are found at run time.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace lightbeam {

// The places `relative` (e.g. "metadata") is looked for, in order: <exe dir>/../share/lightbeam/<relative>
// (`make install`, the .deb) and <source dir>/<relative> (a binary run from its build directory).
// An empty `exe` leaves the first out.
std::vector<std::filesystem::path> share_candidates(const std::filesystem::path& exe,
                                                    const std::filesystem::path& source_dir,
                                                    const std::string& relative);

// The first of share_candidates(/proc/self/exe, the source tree, relative) that exists. Otherwise
// throws Error("no <what> found (looked in A and B); <hint>").
std::filesystem::path find_share_path(const std::string& relative, const std::string& what, const std::string& hint);

}  // namespace lightbeam
