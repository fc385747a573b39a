// Python's json.dumps() output (see python_json.hpp).
#include "core/data/python_json.hpp"

#include <charconv>
#include <cstdio>
#include <cstring>

namespace lightbeam::data {

namespace {

void append_u_escape(std::string& out, unsigned unit) {
  static const char* const hex = "0123456789abcdef";  // Python writes lower-case hex
  char buf[6] = {'\\', 'u', hex[(unit >> 12) & 0xF], hex[(unit >> 8) & 0xF], hex[(unit >> 4) & 0xF], hex[unit & 0xF]};
  out.append(buf, sizeof buf);
}

// The code point of the UTF-8 sequence at s[i] (advancing i); U+FFFD for a broken sequence
// (simdjson has validated the document's UTF-8, so that does not happen for its strings).
unsigned next_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  int len = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xE ? 3 : (b0 >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + static_cast<std::size_t>(len) > s.size()) {
    ++i;
    return 0xFFFD;
  }
  unsigned cp = len == 1 ? b0 : b0 & (0x7F >> len);
  for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) & 0x3F);
  i += static_cast<std::size_t>(len);
  return cp;
}

}  // namespace

void append_python_string(std::string& out, std::string_view s) {
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c >= 0x20 && c <= 0x7E) {  // printable ASCII: as it is, but for the two JSON specials
      if (c == '"' || c == '\\') out += '\\';
      out += c;
      ++i;
      continue;
    }
    switch (c) {
      case '\n': out += "\\n"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      case '\b': out += "\\b"; ++i; continue;
      case '\f': out += "\\f"; ++i; continue;
      default: break;
    }
    const unsigned cp = next_code_point(s, i);
    if (cp > 0xFFFF) {  // UTF-16 surrogate pair, as Python's ensure_ascii
      const unsigned v = cp - 0x10000;
      append_u_escape(out, 0xD800 | (v >> 10));
      append_u_escape(out, 0xDC00 | (v & 0x3FF));
    } else {
      append_u_escape(out, cp);
    }
  }
  out += '"';
}

void append_python_float(std::string& out, double d) {
  // The shortest digits that round-trip (what repr() uses), then repr()'s layout: fixed notation
  // when the decimal point falls within -4 < decpt <= 16, else d.ddde±XX; ".0" after an integer.
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<std::size_t>(r.ptr - buf));  // e.g. "-1.5e+16", "1e-05"
  std::string sign;
  if (!sci.empty() && sci[0] == '-') {
    sign = "-";
    sci.remove_prefix(1);
  }
  const std::size_t e_at = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_at))
    if (c != '.') digits += c;
  int exponent = 0;
  std::from_chars(sci.data() + e_at + 1 + (sci[e_at + 1] == '+' ? 1 : 0), sci.data() + sci.size(), exponent);
  const int decpt = exponent + 1;  // digits d1 d2 ... with the point after decpt of them
  const int n = static_cast<int>(digits.size());
  out += sign;
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-decpt), '0');
      out += digits;
    } else if (decpt < n) {
      out.append(digits, 0, static_cast<std::size_t>(decpt));
      out += '.';
      out.append(digits, static_cast<std::size_t>(decpt));
    } else {
      out += digits;
      out.append(static_cast<std::size_t>(decpt - n), '0');
      out += ".0";
    }
    return;
  }
  out += digits[0];
  if (n > 1) {
    out += '.';
    out.append(digits, 1);
  }
  char e[16];
  std::snprintf(e, sizeof e, "e%c%02d", exponent < 0 ? '-' : '+', exponent < 0 ? -exponent : exponent);
  out += e;
}

bool append_python_json(std::string& out, simdjson::ondemand::value value) {
  simdjson::ondemand::json_type type;
  if (value.type().get(type)) return false;
  switch (type) {
    case simdjson::ondemand::json_type::object: {
      simdjson::ondemand::object object;
      if (value.get_object().get(object)) return false;
      out += '{';
      bool first = true;
      for (auto field : object) {
        std::string_view key;
        if (field.unescaped_key().get(key)) return false;
        if (!first) out += ", ";
        first = false;
        append_python_string(out, key);
        out += ": ";
        simdjson::ondemand::value v;
        if (field.value().get(v) || !append_python_json(out, v)) return false;
      }
      out += '}';
      return true;
    }
    case simdjson::ondemand::json_type::array: {
      simdjson::ondemand::array array;
      if (value.get_array().get(array)) return false;
      out += '[';
      bool first = true;
      for (auto element : array) {
        simdjson::ondemand::value v;
        if (element.get(v)) return false;
        if (!first) out += ", ";
        first = false;
        if (!append_python_json(out, v)) return false;
      }
      out += ']';
      return true;
    }
    case simdjson::ondemand::json_type::string: {
      std::string_view s;
      if (value.get_string().get(s)) return false;
      append_python_string(out, s);
      return true;
    }
    case simdjson::ondemand::json_type::number: {
      simdjson::ondemand::number_type kind{};
      char buf[32];
      const bool typed = value.get_number_type().get(kind) == simdjson::SUCCESS;
      if (typed && kind == simdjson::ondemand::number_type::floating_point_number) {
        double v = 0;
        if (value.get_double().get(v)) return false;
        append_python_float(out, v);
        return true;
      }
      if (typed && kind == simdjson::ondemand::number_type::signed_integer) {
        int64_t v = 0;
        if (value.get_int64().get(v) == simdjson::SUCCESS) {
          out.append(buf, static_cast<std::size_t>(std::to_chars(buf, buf + sizeof buf, v).ptr - buf));
          return true;
        }
      } else if (typed && kind == simdjson::ondemand::number_type::unsigned_integer) {
        uint64_t v = 0;
        if (value.get_uint64().get(v) == simdjson::SUCCESS) {
          out.append(buf, static_cast<std::size_t>(std::to_chars(buf, buf + sizeof buf, v).ptr - buf));
          return true;
        }
      }
      // An integer beyond 64 bits: Python keeps it exactly, so do we, as written.
      std::string_view raw = value.raw_json_token();
      while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t'))
        raw.remove_suffix(1);
      if (raw.empty() || raw.find_first_not_of("-0123456789") != std::string_view::npos) return false;
      out += raw;
      return true;
    }
    case simdjson::ondemand::json_type::boolean: {
      bool b = false;
      if (value.get_bool().get(b)) return false;
      out += b ? "true" : "false";
      return true;
    }
    case simdjson::ondemand::json_type::null: {
      bool null = false;
      if (value.is_null().get(null) || !null) return false;
      out += "null";
      return true;
    }
    default: return false;
  }
}

}  // namespace lightbeam::data
