// Data-file discovery (see discovery.hpp).
#include "core/data/discovery.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <system_error>

#include "core/error.hpp"

namespace lightbeam::data {
namespace fs = std::filesystem;
namespace {

constexpr const char* k_extensions[] = {".jsonl", ".ndjson", ".json"};

bool has_data_extension(const fs::path& p) {
  const std::string ext = p.extension().string();
  return std::any_of(std::begin(k_extensions), std::end(k_extensions), [&](const char* e) { return ext == e; });
}

std::vector<std::string> spellings(const std::string& endpoint) {
  std::vector<std::string> out{endpoint};
  auto add = [&](std::string s) {
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(std::move(s));
  };
  std::string cap = endpoint;
  if (!cap.empty()) cap[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(cap[0])));
  add(cap);
  std::string lower = endpoint, upper = endpoint;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  add(lower);
  add(upper);
  return out;
}

bool is_regular(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

}  // namespace

void require_data_dir(const fs::path& data_dir) {
  std::error_code ec;
  if (!fs::exists(data_dir, ec))
    throw Error("data_dir " + data_dir.string() + " does not exist; set data_dir in the config file to the folder of JSONL files");
  if (!fs::is_directory(data_dir, ec))
    throw Error("data_dir " + data_dir.string() + " is not a directory; set data_dir in the config file to the folder of JSONL files");
}

std::vector<fs::path> find_files(const fs::path& data_dir, const std::string& endpoint) {
  require_data_dir(data_dir);
  std::vector<fs::path> candidates;
  for (const auto& name : spellings(endpoint)) {
    for (const char* ext : k_extensions) {
      fs::path file = data_dir / (name + ext);
      if (is_regular(file)) candidates.push_back(file);
    }
    fs::path dir = data_dir / name;
    std::error_code ec;
    if (fs::is_directory(dir, ec)) {
      for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (has_data_extension(it->path()) && is_regular(it->path())) candidates.push_back(it->path());
      }
      if (ec) throw Error("cannot list " + dir.string() + ": " + ec.message());
    }
  }
  // Case-insensitive file systems (and symlinks) make several spellings name one file.
  std::set<fs::path> seen;
  std::vector<fs::path> out;
  for (auto& p : candidates) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(p, ec);
    if (ec) canonical = p;
    if (seen.insert(canonical).second) out.push_back(p);
  }
  // Plain string order: top-level files before the sub-folder's ("." sorts before "/").
  std::sort(out.begin(), out.end(), [](const fs::path& a, const fs::path& b) { return a.string() < b.string(); });
  return out;
}

}  // namespace lightbeam::data
