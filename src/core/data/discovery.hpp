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

}  // namespace lightbeam::data
