// Hand-written date/time/date-time checks (RFC 3339 strict, or as lenient as an Ed-Fi API).
#include "core/schema/formats.hpp"

namespace lightbeam::schema {
namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly n ASCII digits at s[pos..]; advances pos.
bool digits(std::string_view s, size_t& pos, int n, int& out) {
  if (pos + static_cast<size_t>(n) > s.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[pos + static_cast<size_t>(i)];
    if (!digit(c)) return false;
    v = v * 10 + (c - '0');
  }
  pos += static_cast<size_t>(n);
  out = v;
  return true;
}

// Reads 1..max ASCII digits.
bool some_digits(std::string_view s, size_t& pos, int max, int& out, int& count) {
  int v = 0;
  count = 0;
  while (pos < s.size() && digit(s[pos]) && count < max) {
    v = v * 10 + (s[pos] - '0');
    ++pos;
    ++count;
  }
  out = v;
  return count > 0;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool valid_ymd(int y, int m, int d) {
  static constexpr int k_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  int max = k_days[m - 1] + ((m == 2 && leap(y)) ? 1 : 0);
  return d <= max;
}

// full-date at s[pos..]: yyyy-MM-dd
bool iso_date(std::string_view s, size_t& pos) {
  int y, m, d;
  if (!digits(s, pos, 4, y)) return false;
  if (pos >= s.size() || s[pos] != '-') return false;
  ++pos;
  if (!digits(s, pos, 2, m)) return false;
  if (pos >= s.size() || s[pos] != '-') return false;
  ++pos;
  if (!digits(s, pos, 2, d)) return false;
  return valid_ymd(y, m, d);
}

// Slash date (Ed-Fi coercion): a/b/yyyy or a/b/yy, US order first then day-first.
bool slash_date(std::string_view s, size_t& pos) {
  int a, b, y, na, nb, ny;
  if (!some_digits(s, pos, 2, a, na)) return false;
  if (pos >= s.size() || s[pos] != '/') return false;
  ++pos;
  if (!some_digits(s, pos, 2, b, nb)) return false;
  if (pos >= s.size() || s[pos] != '/') return false;
  ++pos;
  if (!some_digits(s, pos, 4, y, ny)) return false;
  if (ny != 2 && ny != 4) return false;
  if (ny == 2) y += (y < 50 ? 2000 : 1900);
  return valid_ymd(y, a, b) || valid_ymd(y, b, a);
}

// ISO date with '/' separators (2021/09/28), accepted by Ed-Fi for date-times.
bool iso_slash_date(std::string_view s, size_t& pos) {
  int y, m, d, nm, nd;
  if (!digits(s, pos, 4, y)) return false;
  if (pos >= s.size() || s[pos] != '/') return false;
  ++pos;
  if (!some_digits(s, pos, 2, m, nm)) return false;
  if (pos >= s.size() || s[pos] != '/') return false;
  ++pos;
  if (!some_digits(s, pos, 2, d, nd)) return false;
  return valid_ymd(y, m, d);
}

// Strict RFC 3339 full-time at s[pos..] to the end: HH:MM:SS[.frac](Z|+HH:MM|-HH:MM).
bool rfc_time(std::string_view s, size_t pos) {
  int h, mi, se;
  if (!digits(s, pos, 2, h)) return false;
  if (pos >= s.size() || s[pos] != ':') return false;
  ++pos;
  if (!digits(s, pos, 2, mi)) return false;
  if (pos >= s.size() || s[pos] != ':') return false;
  ++pos;
  if (!digits(s, pos, 2, se)) return false;
  if (h > 23 || mi > 59 || se > 60) return false;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < s.size() && digit(s[pos])) ++pos;
    if (pos == start) return false;
  }
  if (pos >= s.size()) return false;
  int off_minutes = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int sign = s[pos] == '+' ? 1 : -1;
    ++pos;
    int oh, om;
    if (!digits(s, pos, 2, oh)) return false;
    if (pos >= s.size() || s[pos] != ':') return false;
    ++pos;
    if (!digits(s, pos, 2, om)) return false;
    if (oh > 23 || om > 59) return false;
    off_minutes = sign * (oh * 60 + om);
  } else {
    return false;
  }
  if (pos != s.size()) return false;
  if (se == 60) {
    // A leap second exists only at 23:59:60 UTC.
    int utc = ((h * 60 + mi - off_minutes) % 1440 + 1440) % 1440;
    if (utc != 23 * 60 + 59) return false;
  }
  return true;
}

// Lenient (Ed-Fi) time at s[pos..] to the end: H[H]:MM[:SS[.frac]] [AM|PM] [Z|z|+HH:MM|-HH:MM|+HHMM].
bool lenient_time(std::string_view s, size_t pos) {
  int h, mi, se = 0, n;
  if (!some_digits(s, pos, 2, h, n)) return false;
  if (pos >= s.size() || s[pos] != ':') return false;
  ++pos;
  if (!digits(s, pos, 2, mi)) return false;
  if (pos < s.size() && s[pos] == ':') {
    ++pos;
    if (!digits(s, pos, 2, se)) return false;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      size_t start = pos;
      while (pos < s.size() && digit(s[pos])) ++pos;
      if (pos == start) return false;
    }
  }
  if (mi > 59 || se > 59) return false;
  size_t save = pos;
  while (pos < s.size() && s[pos] == ' ') ++pos;
  if (pos + 2 <= s.size()) {
    char a = static_cast<char>(s[pos] | 0x20), m = static_cast<char>(s[pos + 1] | 0x20);
    if ((a == 'a' || a == 'p') && m == 'm') {
      if (h < 1 || h > 12) return false;
      pos += 2;
      save = pos;
    }
  }
  pos = save;
  if (h > 23) return false;
  if (pos == s.size()) return true;
  if (s[pos] == 'Z' || s[pos] == 'z') return pos + 1 == s.size();
  if (s[pos] == '+' || s[pos] == '-') {
    ++pos;
    int oh, om;
    if (!digits(s, pos, 2, oh)) return false;
    if (pos < s.size() && s[pos] == ':') ++pos;
    if (!digits(s, pos, 2, om)) return false;
    return pos == s.size() && oh <= 23 && om <= 59;
  }
  return false;
}

}  // namespace

Format parse_format(std::string_view name) {
  if (name == "date") return Format::date;
  if (name == "time") return Format::time;
  if (name == "date-time") return Format::date_time;
  if (name == "double") return Format::double_;
  return Format::none;
}

std::string_view format_name(Format f) {
  switch (f) {
    case Format::date: return "date";
    case Format::time: return "time";
    case Format::date_time: return "date-time";
    case Format::double_: return "double";
    case Format::none: break;
  }
  return "";
}

bool is_valid_date(std::string_view s, FormatMode mode) {
  size_t pos = 0;
  if (iso_date(s, pos) && pos == s.size()) return true;
  if (mode == FormatMode::strict) return false;
  pos = 0;
  return slash_date(s, pos) && pos == s.size();
}

bool is_valid_time(std::string_view s, FormatMode mode) {
  if (rfc_time(s, 0)) return true;
  return mode == FormatMode::edfi && lenient_time(s, 0);
}

bool is_valid_date_time(std::string_view s, FormatMode mode) {
  size_t pos = 0;
  if (mode == FormatMode::strict) {
    if (!iso_date(s, pos)) return false;
    if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't')) return false;
    return rfc_time(s, pos + 1);
  }
  // Ed-Fi: a date (ISO, yyyy/MM/dd or slash), alone or followed by 'T' or spaces and a time.
  bool ok = iso_date(s, pos);
  if (!ok) {
    pos = 0;
    ok = iso_slash_date(s, pos);
  }
  if (!ok) {
    pos = 0;
    ok = slash_date(s, pos);
  }
  if (!ok) return false;
  if (pos == s.size()) return true;
  if (s[pos] == 'T' || s[pos] == 't') return rfc_time(s, pos + 1) || lenient_time(s, pos + 1);
  if (s[pos] != ' ') return false;
  while (pos < s.size() && s[pos] == ' ') ++pos;
  return rfc_time(s, pos) || lenient_time(s, pos);
}

bool check_format(Format f, std::string_view s, FormatMode mode) {
  switch (f) {
    case Format::date: return is_valid_date(s, mode);
    case Format::time: return is_valid_time(s, mode);
    case Format::date_time: return is_valid_date_time(s, mode);
    case Format::double_:
    case Format::none: break;
  }
  return true;
}

}  // namespace lightbeam::schema
