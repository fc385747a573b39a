// Endpoint selectors and excludes (-s/-e) and key filters (-k/-d): comma lists whose entries may
// begin and/or end with `*`.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace lightbeam::data {

// True when name matches pattern: "*" matches all, "abc*" prefix, "*abc" suffix, "*abc*"
// substring, else equality.
bool wildcard_match(std::string_view pattern, std::string_view name);

// True when name matches any of the patterns.
bool matches_any(const std::vector<std::string>& patterns, std::string_view name);

// "a, b,c" -> {"a","b","c"} (trimmed, empty entries dropped).
std::vector<std::string> split_list(std::string_view comma_list);

// Endpoints (input order kept) matching any selector (empty selectors = all) and no exclude.
// Selector entries that match no endpoint go to `unmatched` (when given): as in the Python tool,
// they are dropped while another entry matches; when none matches, lightbeam::Error names them.
std::vector<std::string> apply_selectors(const std::vector<std::string>& endpoints,
                                         const std::vector<std::string>& selectors,
                                         const std::vector<std::string>& excludes,
                                         std::vector<std::string>* unmatched = nullptr);

}  // namespace lightbeam::data
