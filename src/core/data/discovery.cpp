// Data-file discovery (see discovery.hpp).
#include "core/data/discovery.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>
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

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// What a path is when it is not a regular file, as "it is ...; what to do"; "" for a regular file.
// Follows symlinks; never opens the file (a FIFO would block).
std::string not_a_file(const fs::path& p) {
  std::error_code ec;
  const fs::file_status link = fs::symlink_status(p, ec);
  ec.clear();
  const fs::file_status target = fs::status(p, ec);
  const bool symlink = fs::is_symlink(link);
  if (symlink && ec == std::errc::too_many_symbolic_link_levels)
    return "it is a symlink loop; fix or remove the link";
  if (symlink && (target.type() == fs::file_type::not_found || ec == std::errc::no_such_file_or_directory))
    return "it is a symlink whose target does not exist; fix or remove the link";
  if (ec) return "it cannot be read (" + ec.message() + "); check its permissions";
  switch (target.type()) {
    case fs::file_type::regular: return "";
    case fs::file_type::directory: return "it is a directory, not a file; put the data in a file of that name";
    case fs::file_type::fifo: return "it is a FIFO (named pipe), not a file; lightbeam reads only regular files: write the data to a file";
    case fs::file_type::socket: return "it is a socket, not a file; lightbeam reads only regular files";
    case fs::file_type::block:
    case fs::file_type::character: return "it is a device, not a file; lightbeam reads only regular files";
    default: return "it is not a regular file; lightbeam reads only regular files";
  }
}

}  // namespace

void require_data_dir(const fs::path& data_dir_as_written) {
  // "data/" names the entry "data" (a trailing slash would turn a file or a dangling link into
  // "does not exist"); messages show the path as written.
  const fs::path data_dir = data_dir_as_written.has_filename() ? data_dir_as_written : data_dir_as_written.parent_path();
  const std::string shown = data_dir_as_written.string();
  std::error_code ec;
  if (fs::is_symlink(fs::symlink_status(data_dir, ec)) && !fs::exists(data_dir, ec)) {
    const bool loop = ec == std::errc::too_many_symbolic_link_levels;
    throw Error("data_dir " + shown + (loop ? " is a symlink loop" : " is a symlink whose target does not exist") +
                "; fix the link or set data_dir in the config file to the folder of JSONL files");
  }
  if (!fs::exists(data_dir, ec))
    throw Error("data_dir " + shown + " does not exist; set data_dir in the config file to the folder of JSONL files");
  if (!fs::is_directory(data_dir, ec))
    throw Error("data_dir " + shown + " is not a directory; set data_dir in the config file to the folder of JSONL files");
}

std::vector<std::string> data_dir_warnings(const fs::path& data_dir, const std::vector<std::string>& endpoints) {
  std::vector<std::pair<std::string, std::string>> out;  // (path, line), sorted by path
  auto known = [&](const std::string& name) {
    return std::any_of(endpoints.begin(), endpoints.end(), [&](const std::string& e) { return iequals(e, name); });
  };
  auto warn = [&](const fs::path& p, const std::string& what) { out.emplace_back(p.string(), "ignoring " + p.string() + ": " + what); };
  auto unknown = [&](const fs::path& p, const std::string& name) {
    warn(p, "the API has no endpoint named " + name + " (check the file name)");
  };
  std::error_code ec;
  for (fs::directory_iterator it(data_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path p = it->path();
    if (p.filename().string().front() == '.') continue;  // hidden (.git, .lightbeam): never data
    const bool data_name = has_data_extension(p);
    const std::string problem = not_a_file(p);
    std::error_code dec;
    const bool folder = fs::is_directory(p, dec);
    if (data_name) {
      if (!problem.empty()) warn(p, problem);
      else if (!known(p.stem().string())) unknown(p, p.stem().string());
      continue;
    }
    const std::string name = p.filename().string();
    const std::string ext = p.extension().string();
    if (!folder && problem.empty() && known(p.stem().string()) &&
        std::any_of(std::begin(k_extensions), std::end(k_extensions), [&](const char* e) { return iequals(ext, e); })) {
      // students.JSONL: named for an endpoint, but only lower-case extensions are read.
      warn(p, "the extension " + ext + " is not read (only .jsonl, .ndjson and .json, in lower case); rename the file");
      continue;
    }
    if (!folder) {
      // A link named like an endpoint folder that leads nowhere.
      if (known(name) && !problem.empty() && problem.find("symlink") != std::string::npos) warn(p, problem);
      continue;
    }
    if (!known(name)) {
      unknown(p, name);
      continue;
    }
    std::error_code fec;
    for (fs::directory_iterator f(p, fec); !fec && f != end; f.increment(fec))
      if (has_data_extension(f->path()))
        if (std::string what = not_a_file(f->path()); !what.empty()) warn(f->path(), what);
    if (fec) warn(p, "the folder cannot be listed (" + fec.message() + ")");
  }
  std::sort(out.begin(), out.end());
  std::vector<std::string> lines;
  for (auto& [path, line] : out) lines.push_back(std::move(line));
  return lines;
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
