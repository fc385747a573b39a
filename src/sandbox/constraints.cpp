// Decimal precision and equality constraints (edfi-api-behavior.md §4.9, §5 step 11, §8.2 #14): the
// optional table, its validation against the spec model, and the two step-11 checks.
#include "sandbox/constraints.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/error.hpp"
#include "sandbox/normalize.hpp"
#include "sandbox/store.hpp"

namespace lightbeam::sandbox {

using nlohmann::json;
using schema::Endpoint;
using schema::ObjectModel;
using schema::Property;
using schema::PropertyKind;

namespace {

constexpr const char* k_table_name = "constraints.json";

std::optional<ConstraintPath> parse_path(const std::string& text) {
  if (text.size() < 3 || text.rfind("$.", 0) != 0) return std::nullopt;
  ConstraintPath p;
  p.text = text;
  std::size_t i = 2;
  while (i <= text.size()) {
    std::size_t j = text.find('.', i);
    if (j == std::string::npos) j = text.size();
    std::string seg = text.substr(i, j - i);
    ConstraintPath::Segment s;
    if (seg.size() > 3 && seg.ends_with("[*]")) {
      s.each = true;
      seg.resize(seg.size() - 3);
    }
    if (seg.empty() || seg.find_first_of("[]*$") != std::string::npos) return std::nullopt;
    s.name = std::move(seg);
    p.segments.push_back(std::move(s));
    i = j + 1;
  }
  return p;
}

// The JSON type of the scalar the path ends on ("number", "integer", "string", "boolean"), or an
// explanation of why the path does not name one.
struct Leaf {
  std::string type;
  std::string error;
};

Leaf leaf_of(const Endpoint& ep, const ConstraintPath& path) {
  const ObjectModel* m = ep.body;
  for (std::size_t i = 0; i < path.segments.size(); ++i) {
    const auto& seg = path.segments[i];
    bool last = i + 1 == path.segments.size();
    if (!m) return {{}, fmt::format("'{}' is not inside an object", seg.name)};
    const Property* p = m->find(seg.name);
    if (!p) return {{}, fmt::format("{} has no property '{}'", m->schema_name, seg.name)};
    if (p->kind == PropertyKind::array) {
      if (!seg.each) return {{}, fmt::format("'{}' is a collection: write '{}[*]'", seg.name, seg.name)};
      if (!p->object) return {{}, fmt::format("'{}' is a collection of scalars", seg.name)};
      if (last) return {{}, fmt::format("the path ends on the collection '{}' instead of a value", seg.name)};
      m = p->object;
      continue;
    }
    if (seg.each) return {{}, fmt::format("'{}' is not a collection: drop the [*]", seg.name)};
    switch (p->kind) {
      case PropertyKind::object:
        if (last) return {{}, fmt::format("the path ends on the object '{}' instead of a value", seg.name)};
        m = p->object;
        break;
      case PropertyKind::reference: {
        if (i + 2 != path.segments.size() || path.segments[i + 1].each || !p->reference)
          return {{}, fmt::format("'{}' is a reference: name one of its fields after it", seg.name)};
        for (auto& f : p->reference->fields)
          if (f.name == path.segments[i + 1].name) return {f.type.empty() ? "string" : f.type, {}};
        return {{}, fmt::format("{} has no field '{}'", p->reference->schema_name, path.segments[i + 1].name)};
      }
      case PropertyKind::scalar:
      case PropertyKind::descriptor:
        if (!last) return {{}, fmt::format("'{}' is a value, not an object", seg.name)};
        return {p->type.empty() ? "string" : p->type, {}};
      case PropertyKind::array:
        break;
    }
  }
  return {{}, "empty path"};
}

std::string json_text(const json& v) {
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  if (v.is_number_unsigned()) return std::to_string(v.get<unsigned long long>());
  return v.dump();
}

// Splits a decimal number text into its integer digits (no leading zeros) and fraction digits
// (no trailing zeros), ignoring the sign. Returns false when it is not a number.
bool split_decimal(const std::string& text, std::string& int_part, std::string& frac_part) {
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
  std::string digits;
  long long point = -1;  // number of digits before the point
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      digits += c;
    } else if (c == '.' && point < 0) {
      point = static_cast<long long>(digits.size());
    } else {
      break;
    }
  }
  if (digits.empty()) return false;
  if (point < 0) point = static_cast<long long>(digits.size());
  if (i < text.size()) {
    if (text[i] != 'e' && text[i] != 'E') return false;
    ++i;
    bool negative = false;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
    if (i == text.size()) return false;
    long long exp = 0;
    for (; i < text.size(); ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      exp = std::min<long long>(exp * 10 + (text[i] - '0'), 100000);
    }
    point += negative ? -exp : exp;
  }
  // Place the point: pad with zeros on either side as needed.
  long long n = static_cast<long long>(digits.size());
  if (point <= 0) {
    int_part.clear();
    frac_part = std::string(static_cast<std::size_t>(-point), '0') + digits;
  } else if (point >= n) {
    int_part = digits + std::string(static_cast<std::size_t>(point - n), '0');
    frac_part.clear();
  } else {
    int_part = digits.substr(0, static_cast<std::size_t>(point));
    frac_part = digits.substr(static_cast<std::size_t>(point));
  }
  int_part.erase(0, std::min(int_part.find_first_not_of('0'), int_part.size()));
  while (!frac_part.empty() && frac_part.back() == '0') frac_part.pop_back();
  return true;
}

}  // namespace

void ConstraintPath::collect(const json& doc, std::vector<const json*>& out) const {
  // Depth-first over the segments; an explicit stack keeps document order.
  struct Frame {
    const json* node;
    std::size_t seg;
  };
  std::vector<Frame> stack{{&doc, 0}};
  while (!stack.empty()) {
    Frame f = stack.back();
    stack.pop_back();
    if (f.seg == segments.size()) {
      out.push_back(f.node);
      continue;
    }
    if (!f.node->is_object()) continue;
    auto it = f.node->find(segments[f.seg].name);
    if (it == f.node->end()) continue;
    if (segments[f.seg].each) {
      if (!it->is_array()) continue;
      for (std::size_t k = it->size(); k-- > 0;) stack.push_back({&(*it)[k], f.seg + 1});
    } else {
      stack.push_back({&*it, f.seg + 1});
    }
  }
}

std::string decimal_max_text(int precision, int scale) {
  int int_digits = precision - scale;
  std::string out = int_digits > 0 ? std::string(static_cast<std::size_t>(int_digits), '9') : "0";
  if (scale > 0) out += "." + std::string(static_cast<std::size_t>(scale), '9');
  return out;
}

bool decimal_within(const std::string& number_text, int precision, int scale) {
  std::string vi, vf;
  if (!split_decimal(number_text, vi, vf)) return false;
  std::string mi(static_cast<std::size_t>(std::max(precision - scale, 0)), '9');
  std::string mf(static_cast<std::size_t>(scale), '9');
  // Same-length digit strings compare like the numbers they spell.
  std::size_t li = std::max(vi.size(), mi.size()), lf = std::max(vf.size(), mf.size());
  auto pad = [&](const std::string& i, const std::string& f) {
    return std::string(li - i.size(), '0') + i + f + std::string(lf - f.size(), '0');
  };
  return pad(vi, vf) <= pad(mi, mf);
}

std::filesystem::path Constraints::choose_file(const std::string& specs_dir, const std::string& explicit_file) {
  if (!explicit_file.empty()) return explicit_file;
  std::filesystem::path beside = std::filesystem::path(specs_dir) / k_table_name;
  std::error_code ec;
  if (std::filesystem::is_regular_file(beside, ec)) return beside;
  return {};
}

Constraints::Constraints(const schema::SpecModel& model, const std::filesystem::path& file) : file_(file) {
  auto same_group = [](const EqualityGroup& a, const EqualityGroup& b) {
    if (a.paths.size() != b.paths.size()) return false;
    for (std::size_t i = 0; i < a.paths.size(); ++i)
      if (a.paths[i].text != b.paths[i].text) return false;
    return true;
  };
  auto sort_group = [](EqualityGroup& g) {
    std::sort(g.paths.begin(), g.paths.end(), [](auto& a, auto& b) { return a.text < b.text; });
  };
  // Identity-reference unification (§4.3) is the same rule as an equality constraint.
  for (const Endpoint* ep : model.endpoints()) {
    for (auto& group : ep->unification_groups) {
      EqualityGroup g;
      for (auto& p : group)
        if (auto parsed = parse_path("$." + p.dotted)) g.paths.push_back(std::move(*parsed));
      if (g.paths.size() < 2) continue;
      sort_group(g);
      by_endpoint_[ep].equality.push_back(std::move(g));
    }
  }
  if (file.empty()) return;

  std::string where = file.string();
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw Error(fmt::format("cannot read the constraints table {}; check the path given to --constraints", where));
  std::stringstream buffer;
  buffer << in.rdbuf();
  json table = json::parse(buffer.str(), nullptr, false);
  if (table.is_discarded() || !table.is_object())
    throw Error(fmt::format("constraints table {} is not a JSON object; see docs/sandbox-constraints.md for the format",
                            where));
  auto fail = [&](const std::string& key, const std::string& what) {
    throw Error(fmt::format("constraints table {}: {}: {}; see docs/sandbox-constraints.md", where, key, what));
  };
  static const std::set<std::string> k_known{"description", "sources", "decimals", "equalityConstraints"};
  for (auto& [key, value] : table.items())
    if (!k_known.count(key))
      fail(key, "unknown key (expected description, sources, decimals, equalityConstraints)");
  auto endpoint_of = [&](const std::string& section, const std::string& resource) {
    const Endpoint* ep = model.find_path(resource);
    if (!ep || ep->is_descriptor)
      fail(section + " \"" + resource + "\"",
           "no such resource in the loaded specs (keys are endpoint paths such as \"/ed-fi/staffs\")");
    return ep;
  };

  if (auto it = table.find("decimals"); it != table.end()) {
    if (!it->is_object()) fail("decimals", "must be an object: resource path -> {JSON path -> {precision, scale}}");
    for (auto& [resource, rules] : it->items()) {
      const Endpoint* ep = endpoint_of("decimals", resource);
      std::string key = "decimals \"" + resource + "\"";
      if (!rules.is_object()) fail(key, "must be an object: JSON path -> {\"precision\": P, \"scale\": S}");
      for (auto& [path_text, spec] : rules.items()) {
        std::string rule_key = key + " \"" + path_text + "\"";
        auto path = parse_path(path_text);
        if (!path) fail(rule_key, "not a JSON path of the form $.name, $.collection[*].name");
        Leaf leaf = leaf_of(*ep, *path);
        if (!leaf.error.empty()) fail(rule_key, leaf.error);
        if (leaf.type != "number") fail(rule_key, "is a " + leaf.type + " property, not a decimal (number)");
        auto p = spec.find("precision"), s = spec.find("scale");
        if (!spec.is_object() || p == spec.end() || s == spec.end() || !p->is_number_integer() ||
            !s->is_number_integer() || spec.size() != 2)
          fail(rule_key, "expects {\"precision\": <total digits>, \"scale\": <digits after the point>}");
        int precision = p->get<int>(), scale = s->get<int>();
        if (precision < 1 || precision > 38 || scale < 0 || scale > precision)
          fail(rule_key, fmt::format("precision {} / scale {} out of range (1 <= precision <= 38, 0 <= scale <= precision)",
                                     precision, scale));
        by_endpoint_[ep].decimals.push_back({std::move(*path), precision, scale, decimal_max_text(precision, scale)});
      }
    }
  }

  if (auto it = table.find("equalityConstraints"); it != table.end()) {
    if (!it->is_object()) fail("equalityConstraints", "must be an object: resource path -> [[JSON path, JSON path, ...], ...]");
    for (auto& [resource, groups] : it->items()) {
      const Endpoint* ep = endpoint_of("equalityConstraints", resource);
      std::string key = "equalityConstraints \"" + resource + "\"";
      if (!groups.is_array()) fail(key, "must be a list of path groups, e.g. [[\"$.a.schoolId\", \"$.b.schoolId\"]]");
      for (std::size_t gi = 0; gi < groups.size(); ++gi) {
        std::string group_key = fmt::format("{}[{}]", key, gi);
        const json& list = groups[gi];
        if (!list.is_array() || list.size() < 2) fail(group_key, "a group lists at least two JSON paths");
        EqualityGroup g;
        for (auto& item : list) {
          if (!item.is_string()) fail(group_key, "paths are strings");
          auto path = parse_path(item.get<std::string>());
          if (!path) fail(group_key + " \"" + item.get<std::string>() + "\"", "not a JSON path of the form $.a.b or $.c[*].d");
          Leaf leaf = leaf_of(*ep, *path);
          if (!leaf.error.empty()) fail(group_key + " \"" + path->text + "\"", leaf.error);
          g.paths.push_back(std::move(*path));
        }
        sort_group(g);
        auto& existing = by_endpoint_[ep].equality;
        if (std::none_of(existing.begin(), existing.end(), [&](auto& e) { return same_group(e, g); }))
          existing.push_back(std::move(g));
        ++table_equality_;
      }
    }
  }
}

std::size_t Constraints::decimal_count() const {
  std::size_t n = 0;
  for (auto& [ep, c] : by_endpoint_) n += c.decimals.size();
  return n;
}

std::size_t Constraints::equality_count() const { return table_equality_; }

std::optional<Problem> Constraints::check_decimals(const Endpoint& ep, const json& doc) const {
  auto it = by_endpoint_.find(&ep);
  if (it == by_endpoint_.end() || it->second.decimals.empty()) return std::nullopt;
  json errors = json::object();
  std::vector<const json*> values;
  for (const DecimalRule& rule : it->second.decimals) {
    values.clear();
    rule.path.collect(doc, values);
    for (const json* v : values) {
      // As DMS: one message per offending value; the key is the rule's path as written.
      if (!v->is_number()) {
        add_error(errors, rule.path.text, "Value is not a valid decimal.");
      } else if (!decimal_within(json_text(*v), rule.precision, rule.scale)) {
        add_error(errors, rule.path.text,
                  fmt::format("{} must be between -{} and {}.", rule.path.text.substr(2), rule.max_text, rule.max_text));
      }
    }
  }
  if (errors.empty()) return std::nullopt;
  return data_validation(errors);
}

std::optional<Problem> Constraints::check_equality(const Endpoint& ep, const json& doc) const {
  auto it = by_endpoint_.find(&ep);
  if (it == by_endpoint_.end() || it->second.equality.empty()) return std::nullopt;
  json errors = json::object();
  std::vector<const json*> found;
  for (const EqualityGroup& group : it->second.equality) {
    // Distinct values in the order of the sorted paths, document order within a path (§8.2 #14).
    std::vector<std::string> values;
    for (const ConstraintPath& path : group.paths) {
      found.clear();
      path.collect(doc, found);
      for (const json* v : found) {
        std::string c = canonical(*v, false);
        if (std::find(values.begin(), values.end(), c) == values.end()) values.push_back(std::move(c));
      }
    }
    if (values.size() < 2) continue;
    std::string list;
    for (auto& v : values) list += (list.empty() ? "'" : ", '") + v + "'";
    for (const ConstraintPath& path : group.paths)
      add_error(errors, path.text,
                fmt::format("All values supplied for '{}' must match. Review all references (including those higher up "
                            "in the resource's data) and align the following conflicting values: {}",
                            path.segments.back().name, list));
  }
  if (errors.empty()) return std::nullopt;
  return data_validation(errors);
}

}  // namespace lightbeam::sandbox
