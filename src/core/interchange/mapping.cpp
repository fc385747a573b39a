#include "core/interchange/mapping.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <string>
#include <vector>

namespace lightbeam::interchange {
namespace {

using schema::ObjectModel;
using schema::Property;
using schema::PropertyKind;
using schema::iequals;

constexpr std::string_view k_descriptor = "Descriptor";

bool fits(const Property& p, Shape shape) {
  switch (p.kind) {
    case PropertyKind::scalar:
    case PropertyKind::descriptor:
      return shape == Shape::text;
    case PropertyKind::reference:
    case PropertyKind::object:
      return shape == Shape::complex;
    case PropertyKind::array:
      return p.object ? true : shape == Shape::text;
  }
  return false;
}

// Rules 1 and 2.
const Property* by_name(const ObjectModel& m, std::string_view name, Shape shape) {
  for (const auto& p : m.properties)
    if (iequals(p.name, name) && fits(p, shape)) return &p;
  for (const auto& p : m.properties) {
    std::string_view n = p.name;
    if (n.size() == name.size() + k_descriptor.size() && iequals(n.substr(0, name.size()), name) &&
        iequals(n.substr(name.size()), k_descriptor) && fits(p, shape))
      return &p;
  }
  return nullptr;
}

bool is_upper(char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; }
bool is_lower(char c) { return std::islower(static_cast<unsigned char>(c)) != 0; }

// Whether element `name` is one item of the array property `array`: the property's singular
// ("addresses" → address, "categories" → category, "races" → race, "matrices" → matrix) is the element's name or its last words
// behind role words (ImmunizationDate is one of `dates`, EducationOrganizationIdentificationCode one of
// `identificationCodes`), never a part of it ("Name" is not one of `otherNames`). Returns the length of
// the singular that matched (0: none), so the array that names more of the element wins. Property names, unlike
// schema names, read the same in every API generation.
size_t names_item(std::string_view array, std::string_view name) {
  auto ends_with_word = [&](std::string_view singular) -> size_t {
    if (singular.empty() || singular.size() > name.size()) return 0;
    const size_t at = name.size() - singular.size();
    return iequals(name.substr(at), singular) && (at == 0 || is_upper(name[at])) ? singular.size() : 0;
  };
  auto strip = [&](std::string_view suffix) {
    return array.size() > suffix.size() && iequals(array.substr(array.size() - suffix.size()), suffix)
               ? array.substr(0, array.size() - suffix.size())
               : std::string_view{};
  };
  if (std::string_view stem = strip("ies"); !stem.empty())
    if (size_t n = ends_with_word(std::string(stem) + "y")) return n;
  if (std::string_view stem = strip("ices"); !stem.empty())  // matrices
    if (size_t n = ends_with_word(std::string(stem) + "ix")) return n;
  return std::max(ends_with_word(strip("es")), ends_with_word(strip("s")));
}

// The role words of a reference property: its name before the target's name ("classOf" of
// classOfSchoolYearTypeReference, "" of schoolYearTypeReference).
std::string_view role_of(const Property& p) {
  const std::string suffix = p.reference->target_resource + "Reference";
  std::string_view n = p.name;
  if (n.size() >= suffix.size() && iequals(n.substr(n.size() - suffix.size()), suffix)) return n.substr(0, n.size() - suffix.size());
  return {};
}

Match without_stripping(const ObjectModel& m, std::string_view name, Shape shape) {
  if (const Property* p = by_name(m, name, shape)) {
    if (p->kind == PropertyKind::array && p->object && shape == Shape::text) {
      if (const Property* inner = by_name(*p->object, name, shape)) return {Match::Kind::array_item, p, inner};
    } else {
      return {p->kind == PropertyKind::array ? Match::Kind::array_item : Match::Kind::property, p, nullptr};
    }
  }
  std::vector<std::pair<size_t, const Property*>> arrays;  // 3: the array naming most of the element first
  for (const auto& p : m.properties)
    if (p.kind == PropertyKind::array && p.object)
      if (size_t n = names_item(p.name, name)) arrays.emplace_back(n, &p);
  std::stable_sort(arrays.begin(), arrays.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [n, pp] : arrays) {
    const Property& p = *pp;
    if (shape == Shape::complex) return {Match::Kind::array_item, &p, nullptr};
    // A text element is the item's one property of that name (GradeLevel → gradeLevels[].gradeLevelDescriptor);
    // a role-named one keeps its role on the array only (AppropriateGradeLevel → appropriateGradeLevels[].gradeLevelDescriptor).
    if (const Property* inner = by_name(*p.object, name, shape)) return {Match::Kind::array_item, &p, inner};
    Match in_item = resolve(*p.object, name, shape);
    if (in_item.kind == Match::Kind::property) return {Match::Kind::array_item, &p, in_item.property};
  }
  Match wrap;
  for (const auto& p : m.properties) {  // 4: prefer the item's required property (its identity)
    if (p.kind != PropertyKind::array || !p.object) continue;
    if (const Property* inner = by_name(*p.object, name, shape)) {
      if (inner->required) return {Match::Kind::array_wrap, &p, inner};
      if (wrap.kind == Match::Kind::none) wrap = {Match::Kind::array_wrap, &p, inner};
    }
  }
  if (wrap.kind != Match::Kind::none) return wrap;
  if (shape == Shape::text)  // 5: the element is the reference's role (if any) and its one field
    for (const auto& p : m.properties)
      if (p.kind == PropertyKind::reference && p.reference && p.reference->fields.size() == 1 &&
          iequals(std::string(role_of(p)) + p.reference->fields[0].name, name))
        return {Match::Kind::single_field_reference, &p, nullptr};
  return {};
}

// Where each PascalCase word after the first begins ("IEPPlacementMeeting" → 3, 12).
}  // namespace

std::vector<size_t> word_starts(std::string_view name) {
  std::vector<size_t> out;
  for (size_t i = 1; i < name.size(); ++i) {
    bool lower_to_upper = is_upper(name[i]) && !is_upper(name[i - 1]);
    bool acronym_end = is_upper(name[i]) && is_upper(name[i - 1]) && i + 1 < name.size() && is_lower(name[i + 1]);
    if (lower_to_upper || acronym_end) out.push_back(i);
  }
  return out;
}

Match resolve(const ObjectModel& m, std::string_view name, Shape shape) {
  Match found = without_stripping(m, name, shape);
  if (found.kind != Match::Kind::none) return found;
  for (size_t start : word_starts(name)) {  // 6
    found = without_stripping(m, name.substr(start), shape);
    if (found.kind != Match::Kind::none) return found;
  }
  if (shape == Shape::complex) return {Match::Kind::flatten, nullptr, nullptr};  // 7
  return {};
}

std::optional<nlohmann::json> typed_value(std::string_view text, std::string_view type) {
  if (type == "integer") {
    // SchoolYearType ("2021-2022") names a school year by its two calendar years; the API by the ending one.
    if (text.size() == 9 && text[4] == '-') text = text.substr(5);
    long long v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
    return nlohmann::json(v);
  }
  if (type == "number") {
    // An integer literal stays an integer ("2" → 2, as the API returns it); others become doubles.
    long long whole = 0;
    if (auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), whole);
        ec == std::errc() && ptr == text.data() + text.size())
      return nlohmann::json(whole);
    std::string s(text);
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size()) return std::nullopt;
    return nlohmann::json(v);
  }
  if (type == "boolean") {
    if (text == "true" || text == "1") return nlohmann::json(true);
    if (text == "false" || text == "0") return nlohmann::json(false);
    return std::nullopt;
  }
  return nlohmann::json(std::string(text));
}

}  // namespace lightbeam::interchange
