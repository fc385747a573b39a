// Data-file discovery: which files under data_dir hold an endpoint's payloads.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace lightbeam::data {

// Files `{data_dir}/{name}.{jsonl,ndjson,json}` and `{data_dir}/{name}/*.{jsonl,ndjson,json}`
// where name is the endpoint as given, Capitalised (first letter), lower and UPPER case. A file
// found through several spellings is listed once (canonical paths compared). Sorted by path text.
// Throws lightbeam::Error when data_dir is missing or not a directory.
std::vector<std::filesystem::path> find_files(const std::filesystem::path& data_dir, const std::string& endpoint);

// Throws lightbeam::Error naming data_dir when it does not exist or is not a directory.
void require_data_dir(const std::filesystem::path& data_dir);

// One warning line per entry of data_dir that looks like data but that no endpoint will read:
// a `.jsonl`/`.ndjson`/`.json` name or an endpoint folder's such entry that is not a regular file
// (a directory, FIFO, socket, device, dangling symlink, symlink loop: find_files skips them, and
// never opens them), and a data file or folder whose name matches none of `endpoints` (compared
// case-insensitively). Hidden entries (`.git`) are left alone. Sorted by path; never throws for an
// entry (no `filesystem error` text).
std::vector<std::string> data_dir_warnings(const std::filesystem::path& data_dir, const std::vector<std::string>& endpoints);

}  // namespace lightbeam::data
