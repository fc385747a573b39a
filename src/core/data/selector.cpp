// Selectors and key filters (see selector.hpp).
#include "core/data/selector.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace lightbeam::data {

bool wildcard_match(std::string_view pattern, std::string_view name) {
  if (pattern == "*") return true;
  const bool lead = pattern.size() > 1 && pattern.front() == '*';
  const bool trail = pattern.size() > 1 && pattern.back() == '*';
  std::string_view core = pattern;
  if (lead) core.remove_prefix(1);
  if (trail) core.remove_suffix(1);
  if (lead && trail) return name.find(core) != std::string_view::npos;
  if (lead) return name.size() >= core.size() && name.substr(name.size() - core.size()) == core;
  if (trail) return name.substr(0, core.size()) == core;
  return name == pattern;
}

bool matches_any(const std::vector<std::string>& patterns, std::string_view name) {
  for (const auto& p : patterns)
    if (wildcard_match(p, name)) return true;
  return false;
}

std::vector<std::string> split_list(std::string_view comma_list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= comma_list.size()) {
    std::size_t comma = comma_list.find(',', start);
    if (comma == std::string_view::npos) comma = comma_list.size();
    std::string_view item = comma_list.substr(start, comma - start);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    start = comma + 1;
  }
  return out;
}

std::vector<std::string> apply_selectors(const std::vector<std::string>& endpoints,
                                         const std::vector<std::string>& selectors,
                                         const std::vector<std::string>& excludes,
                                         std::vector<std::string>* unmatched) {
  std::vector<std::string> missing;
  for (const auto& s : selectors)
    if (std::none_of(endpoints.begin(), endpoints.end(), [&](const std::string& e) { return wildcard_match(s, e); }))
      missing.push_back(s);
  if (!missing.empty() && missing.size() == selectors.size()) {
    std::string names;
    for (const auto& s : missing) names += (names.empty() ? "\"" : ", \"") + s + "\"";
    throw Error("selector " + names + (missing.size() == 1 ? " matches" : " match") +
                " no endpoint; check the spelling (endpoint names are like \"students\" or \"schoolTypeDescriptors\") "
                "or use a * wildcard");
  }
  if (unmatched) *unmatched = std::move(missing);
  std::vector<std::string> out;
  for (const auto& e : endpoints) {
    if (!selectors.empty() && !matches_any(selectors, e)) continue;
    if (matches_any(excludes, e)) continue;
    out.push_back(e);
  }
  return out;
}

}  // namespace lightbeam::data
