// Small text helpers the sandbox routes share: URL path segments, digit-only segments and
// case-insensitive names.
#pragma once
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "core/schema/spec_model.hpp"

namespace lightbeam::sandbox {

inline std::string lower(std::string_view s) { return schema::to_lower(s); }

inline std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

inline bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace lightbeam::sandbox
