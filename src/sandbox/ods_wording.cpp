#include "sandbox/ods_wording.hpp"

#include <algorithm>
#include <cctype>

namespace lightbeam::sandbox {

namespace {

// "$.addresses[0].city" → "city"
std::string last_segment(const std::string& key) {
  std::string s = key;
  while (!s.empty() && s.back() == ']') s.erase(s.rfind('['));
  auto dot = s.rfind('.');
  return dot == std::string::npos ? s : s.substr(dot + 1);
}

std::string reword_validation(const std::string& key, const std::string& message) {
  std::string name = last_segment(key);
  if (name.empty() || message.rfind(name + " ", 0) != 0) return message;
  std::string pascal = name;
  pascal[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(pascal[0])));
  std::string rest = message.substr(name.size());
  // " Value should be at most 60 characters" → " must be at most 60 characters in length."
  const std::string lead = " Value should be at ";
  if (rest.rfind(lead, 0) == 0 && rest.ends_with(" characters")) {
    std::string bound = rest.substr(lead.size(), rest.size() - lead.size() - std::string(" characters").size());
    auto space = bound.find(' ');
    std::string which = bound.substr(0, space), digits = space == std::string::npos ? "" : bound.substr(space + 1);
    bool number = !digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
    if ((which == "most" || which == "least") && number) rest = " must be at " + which + " " + digits + " characters in length.";
  }
  return pascal + rest;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
}

}  // namespace

void apply_ods_wording(Problem& p) {
  if (p.validation_errors.is_object())
    for (auto& [key, messages] : p.validation_errors.items())
      if (messages.is_array())
        for (auto& m : messages)
          if (m.is_string()) m = reword_validation(key, m.get<std::string>());
  if (p.type == "urn:ed-fi:api:method-not-allowed")
    for (auto& e : p.errors)
      if (e.is_string()) {
        std::string text = e.get<std::string>();
        replace_all(text, "'upsert'", "\"upsert\"");
        replace_all(text, "'id'", "\"id\"");
        e = text;
      }
  if (p.type == "urn:ed-fi:api:bad-request:data-validation-failed:key-change-not-supported") {
    replace_all(p.detail, " resource cannot be changed.", " data cannot be changed.");
    replace_all(p.detail, "recreate the resource item instead.", "recreate the item instead.");
  }
}

}  // namespace lightbeam::sandbox
