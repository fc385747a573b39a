// Write-body normalisation: coercion (§7.1–7.3), pruning (§7.5), schema rules and messages (§7.4, §7.6).
#include "sandbox/normalize.hpp"

#include <charconv>
#include <cmath>
#include <ctime>
#include <vector>

#include <fmt/format.h>

namespace lightbeam::sandbox {

using nlohmann::json;
using schema::ObjectModel;
using schema::Property;
using schema::PropertyKind;

void add_error(json& errors, const std::string& key, const std::string& message) {
  auto& list = errors[key];
  if (!list.is_array()) list = json::array();
  list.push_back(message);
}

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim_view(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool padded(std::string_view s) { return !s.empty() && (is_space(s.front()) || is_space(s.back())); }

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

const char* json_type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "integer";
    case json::value_t::number_float: {
      double d = v.get<double>();
      return std::floor(d) == d && std::isfinite(d) ? "integer" : "number";
    }
    case json::value_t::string: return "string";
    case json::value_t::array: return "array";
    default: return "object";
  }
}

std::optional<json> parse_number(std::string_view text, bool integer_only) {
  text = trim_view(text);
  if (text.empty()) return std::nullopt;
  bool has_fraction = text.find_first_of(".eE") != std::string_view::npos;
  if (!has_fraction) {
    long long v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec == std::errc() && p == text.data() + text.size()) return json(v);
    if (integer_only) return std::nullopt;
  }
  double d = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (ec != std::errc() || p != text.data() + text.size() || !std::isfinite(d)) return std::nullopt;
  if (integer_only) {
    if (std::floor(d) != d) return std::nullopt;
    return json(static_cast<long long>(d));
  }
  return json(d);
}

enum class StringRule { none, identity, required };

struct Walker {
  const schema::Endpoint& endpoint;
  json& errors;
  schema::Coercion coercion;

  void error(const std::string& name, const std::string& message) { add_error(errors, "$." + name, name + " " + message); }
  void error_text(const std::string& name, const std::string& message) { add_error(errors, "$." + name, message); }

  // Returns false when the value was rejected (already reported).
  bool scalar(const std::string& name, const std::string& type, const std::string& format, const json* schema,
              json& v, StringRule rule, bool top_level) {
    if (type == "boolean") {
      if (v.is_boolean()) return true;
      const bool ods = coercion == schema::Coercion::ods;
      if (v.is_number()) {
        double n = v.get<double>();
        if (ods || n == 0 || n == 1) {  // Newtonsoft: any non-zero number is true
          v = n != 0;
          return true;
        }
      } else if (v.is_string()) {
        std::string t = schema::to_lower(trim_view(v.get_ref<const std::string&>()));
        if (t == "true" || (!ods && t == "1")) {
          v = true;
          return true;
        }
        if (t == "false" || (!ods && t == "0")) {
          v = false;
          return true;
        }
        if (ods) {
          error_text(name, fmt::format("Could not convert string to boolean: {}. Path '{}'.",
                                       v.get_ref<const std::string&>(), name));
          return false;
        }
      }
      error(name, fmt::format("Value is \"{}\" but should be \"boolean\"", json_type_name(v)));
      return false;
    }
    if (type == "integer" || type == "number") {
      bool integer = type == "integer";
      if (v.is_string()) {
        if (auto n = parse_number(v.get_ref<const std::string&>(), integer)) v = *n;
      } else if (integer && v.is_number_float()) {
        double d = v.get<double>();
        if (std::floor(d) == d && std::isfinite(d)) v = static_cast<long long>(d);
      }
      if (!v.is_number() || (integer && v.is_number_float())) {
        error(name, fmt::format("Value is \"{}\" but should be \"{}\"", json_type_name(v), type));
        return false;
      }
      if (schema) {
        double d = v.get<double>();
        if (auto it = schema->find("minimum"); it != schema->end() && it->is_number() && d < it->get<double>()) {
          error(name, fmt::format("Value {} is less than minimum {}", v.dump(), it->dump()));
          return false;
        }
        if (auto it = schema->find("maximum"); it != schema->end() && it->is_number() && d > it->get<double>()) {
          error(name, fmt::format("Value {} is greater than maximum {}", v.dump(), it->dump()));
          return false;
        }
      }
      return true;
    }
    // string. Newtonsoft reads a number or boolean into a plain string as its text; the date and
    // time converters want a string token.
    if ((v.is_number() || v.is_boolean()) && coercion == schema::Coercion::ods && format.empty()) v = v.dump();
    if (!v.is_string()) {
      error(name, fmt::format("Value is \"{}\" but should be \"string\"", json_type_name(v)));
      return false;
    }
    std::string& s = v.get_ref<std::string&>();
    if (endpoint.is_descriptor && top_level) {
      if (name == "codeValue" || name == "shortDescription") {
        s = std::string(trim_view(s));
      } else if (name == "namespace" && padded(s)) {
        error(name, "cannot contain leading or trailing spaces.");
        return false;
      }
    } else if (rule == StringRule::identity || rule == StringRule::required) {
      if (s.empty()) {
        if (top_level)
          error(name, "is required and should not be left empty.");
        else
          error(name, "cannot contain leading or trailing spaces.");
        return false;
      }
      if (rule == StringRule::identity ? padded(s) : trim_view(s).empty()) {
        error(name, "cannot contain leading or trailing spaces.");
        return false;
      }
    }
    if (format == "date") {
      auto d = parse_date(s);
      if (!d) {
        error(name, "Value does not match format \"date\"");
        return false;
      }
      s = *d;
    } else if (format == "date-time") {
      auto d = parse_date_time(s);
      if (!d) {
        error(name, "Value does not match format \"date-time\"");
        return false;
      }
      s = *d;
    } else if (format == "time") {
      auto d = parse_time(s);
      if (!d) {
        error(name, "Value does not match format \"time\"");
        return false;
      }
      s = *d;
    }
    if (schema) {
      std::size_t len = utf8_length(s);
      if (auto it = schema->find("minLength"); it != schema->end() && it->is_number() && len < it->get<std::size_t>()) {
        error(name, fmt::format("Value should be at least {} characters", it->get<std::size_t>()));
        return false;
      }
      if (auto it = schema->find("maxLength"); it != schema->end() && it->is_number() && len > it->get<std::size_t>()) {
        error(name, fmt::format("Value should be at most {} characters", it->get<std::size_t>()));
        return false;
      }
    }
    return true;
  }

  static void prune_array(json& arr) {
    json kept = json::array();
    for (auto& item : arr)
      if (!item.is_null() && !(item.is_object() && item.empty())) kept.push_back(std::move(item));
    arr = std::move(kept);
  }

  void reference(const Property& p, const schema::Reference& ref, json& obj, const std::string& full_path) {
    if (!obj.is_object()) {
      error(p.name, fmt::format("Value is \"{}\" but should be \"object\"", json_type_name(obj)));
      return;
    }
    for (auto it = obj.begin(); it != obj.end();) {
      bool known = false;
      for (auto& f : ref.fields) known |= f.name == it.key();
      if (!known || it->is_null())
        it = obj.erase(it);
      else
        ++it;
    }
    for (auto& r : ref.required)
      if (!obj.contains(r)) add_error(errors, full_path + "." + r, r + " is required.");
    for (auto& f : ref.fields) {
      auto it = obj.find(f.name);
      if (it == obj.end()) continue;
      scalar(f.name, f.type.empty() ? "string" : f.type, f.format, nullptr, *it,
             f.is_descriptor ? StringRule::none : StringRule::identity, false);
    }
  }

  void object(const ObjectModel& m, json& obj, const std::string& full_path, bool top_level,
              const std::vector<schema::JsonPath>* item_identity) {
    // Pruning: unknown properties, nulls, empty arrays and arrays of empty objects (§7.5).
    for (auto it = obj.begin(); it != obj.end();) {
      const Property* p = m.find(it.key());
      if (!p || it->is_null()) {
        it = obj.erase(it);
        continue;
      }
      if (it->is_array()) {
        prune_array(*it);
        if (it->empty()) {
          it = obj.erase(it);
          continue;
        }
      }
      ++it;
    }
    for (const Property& p : m.properties) {
      auto it = obj.find(p.name);
      if (it == obj.end()) {
        if (p.required) add_error(errors, full_path + "." + p.name, p.name + " is required.");
        continue;
      }
      json& v = *it;
      std::string child_path = full_path + "." + p.name;
      switch (p.kind) {
        case PropertyKind::scalar:
        case PropertyKind::descriptor: {
          StringRule rule = StringRule::none;
          if (p.kind == PropertyKind::scalar) {
            bool item_id = false;
            if (item_identity)
              for (auto& path : *item_identity) item_id |= path.segments.size() == 1 && path.segments[0] == p.name;
            if ((top_level && p.identity) || item_id)
              rule = StringRule::identity;
            else if (p.required)
              rule = StringRule::required;
          }
          scalar(p.name, p.type.empty() ? "string" : p.type, p.format, p.schema, v, rule, top_level);
          break;
        }
        case PropertyKind::reference:
          if (p.reference) reference(p, *p.reference, v, child_path);
          break;
        case PropertyKind::object:
          if (!v.is_object()) {
            error(p.name, fmt::format("Value is \"{}\" but should be \"object\"", json_type_name(v)));
          } else if (p.object) {
            object(*p.object, v, child_path, false, nullptr);
          }
          break;
        case PropertyKind::array: {
          if (!v.is_array()) {
            error(p.name, fmt::format("Value is \"{}\" but should be \"array\"", json_type_name(v)));
            break;
          }
          if (v.size() < p.min_items) {
            error(p.name, fmt::format("Value should have at least {} items", p.min_items));
            break;
          }
          for (std::size_t i = 0; i < v.size(); ++i) {
            json& item = v[i];
            std::string item_path = child_path + "[" + std::to_string(i) + "]";
            if (p.object) {
              if (!item.is_object()) {
                error(p.name, fmt::format("Value is \"{}\" but should be \"object\"", json_type_name(item)));
                continue;
              }
              object(*p.object, item, item_path, false, &p.item_identity);
            } else {
              scalar(p.name, p.type.empty() ? "string" : p.type, p.format, nullptr, item, StringRule::none, false);
            }
          }
          break;
        }
      }
    }
  }
};

bool digits(std::string_view s, std::size_t n) {
  if (s.size() != n) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

int to_int(std::string_view s) {
  int v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

bool valid_ymd(int y, int m, int d) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  int max = days[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 1 : 0);
  return d <= max;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

struct Ymd {
  int y, m, d;
};

std::optional<Ymd> parse_ymd(std::string_view s) {
  for (char sep : {'-', '/'}) {
    auto parts = split(s, sep);
    if (parts.size() != 3) continue;
    if (digits(parts[0], 4) && (parts[1].size() == 1 || parts[1].size() == 2) &&
        (parts[2].size() == 1 || parts[2].size() == 2) && digits(parts[1], parts[1].size()) &&
        digits(parts[2], parts[2].size())) {
      if (sep == '-' && (parts[1].size() != 2 || parts[2].size() != 2)) return std::nullopt;
      Ymd r{to_int(parts[0]), to_int(parts[1]), to_int(parts[2])};
      if (valid_ymd(r.y, r.m, r.d)) return r;
      return std::nullopt;
    }
    if (sep == '/') {
      // M/d/yyyy, MM/dd/yyyy, M/d/yy (US first), then day-first.
      auto ok = [](std::string_view p) { return (p.size() == 1 || p.size() == 2) && digits(p, p.size()); };
      if (!ok(parts[0]) || !ok(parts[1]) || !(digits(parts[2], 4) || digits(parts[2], 2))) return std::nullopt;
      int y = to_int(parts[2]);
      if (parts[2].size() == 2) y += y < 30 ? 2000 : 1900;
      int a = to_int(parts[0]), b = to_int(parts[1]);
      if (valid_ymd(y, a, b)) return Ymd{y, a, b};
      if (valid_ymd(y, b, a)) return Ymd{y, b, a};
      return std::nullopt;
    }
  }
  return std::nullopt;
}

// Parses "H:mm[:ss[.fff]][ AM|PM]" into seconds of day.
std::optional<int> parse_hms(std::string_view s) {
  s = trim_view(s);
  int add_hours = -1;
  std::string lower = schema::to_lower(s);
  if (lower.size() > 2 && (lower.ends_with("am") || lower.ends_with("pm"))) {
    add_hours = lower.ends_with("pm") ? 12 : 0;
    s = trim_view(s.substr(0, s.size() - 2));
  }
  auto dot = s.find('.');
  if (dot != std::string_view::npos) {
    if (!digits(s.substr(dot + 1), s.size() - dot - 1) || dot + 1 == s.size()) return std::nullopt;
    s = s.substr(0, dot);
  }
  auto parts = split(s, ':');
  if (parts.size() < 2 || parts.size() > 3) return std::nullopt;
  for (auto& p : parts)
    if (p.empty() || p.size() > 2 || !digits(p, p.size())) return std::nullopt;
  int h = to_int(parts[0]), m = to_int(parts[1]), sec = parts.size() == 3 ? to_int(parts[2]) : 0;
  if (add_hours >= 0) {
    if (h < 1 || h > 12) return std::nullopt;
    h = h % 12 + add_hours;
  }
  if (h > 23 || m > 59 || sec > 59) return std::nullopt;
  return h * 3600 + m * 60 + sec;
}

}  // namespace

void normalize_document(const schema::Endpoint& endpoint, json& doc, json& errors, schema::Coercion coercion) {
  if (!endpoint.body) return;
  Walker w{endpoint, errors, coercion};
  w.object(*endpoint.body, doc, "$", true, nullptr);
}

std::optional<std::string> parse_date(std::string_view text) {
  auto r = parse_ymd(text);
  if (!r) return std::nullopt;
  return fmt::format("{:04}-{:02}-{:02}", r->y, r->m, r->d);
}

std::optional<std::string> parse_date_time(std::string_view text) {
  std::string_view s = trim_view(text);
  if (s.empty()) return std::nullopt;
  std::size_t split_at = s.find_first_of("T ");
  std::string_view date_part = s.substr(0, split_at);
  auto ymd = parse_ymd(date_part);
  if (!ymd) return std::nullopt;
  long long seconds = 0;
  long long offset = 0;
  if (split_at != std::string_view::npos) {
    std::string_view rest = trim_view(s.substr(split_at + 1));
    // zone: Z or ±HH:MM / ±HHMM at the end
    if (!rest.empty() && (rest.back() == 'Z' || rest.back() == 'z')) {
      rest.remove_suffix(1);
    } else {
      auto pos = rest.find_last_of("+-");
      if (pos != std::string_view::npos && pos > 0) {
        std::string_view zone = rest.substr(pos + 1);
        std::string z;
        for (char c : zone)
          if (c != ':') z += c;
        if (!digits(z, 4) && !digits(z, 2)) return std::nullopt;
        int zh = to_int(std::string_view(z).substr(0, 2)), zm = z.size() == 4 ? to_int(std::string_view(z).substr(2)) : 0;
        if (zh > 14 || zm > 59) return std::nullopt;
        offset = (zh * 3600 + zm * 60) * (rest[pos] == '-' ? -1 : 1);
        rest = rest.substr(0, pos);
      }
    }
    auto hms = parse_hms(rest);
    if (!hms) return std::nullopt;
    seconds = *hms;
  }
  std::tm tm{};
  tm.tm_year = ymd->y - 1900;
  tm.tm_mon = ymd->m - 1;
  tm.tm_mday = ymd->d;
  time_t t = timegm(&tm) + seconds - offset;
  std::tm out{};
  gmtime_r(&t, &out);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", out.tm_year + 1900, out.tm_mon + 1, out.tm_mday, out.tm_hour,
                     out.tm_min, out.tm_sec);
}

std::optional<std::string> parse_time(std::string_view text) {
  auto hms = parse_hms(text);
  if (!hms) return std::nullopt;
  return fmt::format("{:02}:{:02}:{:02}", *hms / 3600, *hms / 60 % 60, *hms % 60);
}

std::string now_utc() {
  time_t t = std::time(nullptr);
  std::tm out{};
  gmtime_r(&t, &out);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", out.tm_year + 1900, out.tm_mon + 1, out.tm_mday, out.tm_hour,
                     out.tm_min, out.tm_sec);
}

}  // namespace lightbeam::sandbox
