// Timestamp parsing for -o/-n (see timestamp.hpp).
#include "core/config/timestamp.hpp"

#include <cctype>
#include <ctime>
#include <string>

namespace lightbeam::config {
namespace {

// Reads exactly `digits` digits at s[pos]; advances pos.
bool read_int(std::string_view s, std::size_t& pos, int digits, int& out) {
  if (pos + static_cast<std::size_t>(digits) > s.size()) return false;
  out = 0;
  for (int i = 0; i < digits; ++i) {
    char c = s[pos + static_cast<std::size_t>(i)];
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    out = out * 10 + (c - '0');
  }
  pos += static_cast<std::size_t>(digits);
  return true;
}

bool days_in_month_ok(int y, int m, int d) {
  static const int k_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  int max = k_days[m - 1];
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) max = 29;
  return d <= max;
}

}  // namespace

std::optional<double> parse_timestamp(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  std::size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  double fraction = 0;
  if (!read_int(text, pos, 4, year)) return std::nullopt;
  if (pos >= text.size() || (text[pos] != '-' && text[pos] != '/')) return std::nullopt;
  const char date_sep = text[pos++];
  if (!read_int(text, pos, 2, month)) return std::nullopt;
  if (pos >= text.size() || text[pos] != date_sep) return std::nullopt;
  ++pos;
  if (!read_int(text, pos, 2, day) || !days_in_month_ok(year, month, day)) return std::nullopt;
  bool have_offset = false;
  int offset_seconds = 0;
  if (pos < text.size()) {
    if (text[pos] != 'T' && text[pos] != ' ') return std::nullopt;
    ++pos;
    if (!read_int(text, pos, 2, hour)) return std::nullopt;
    if (pos < text.size() && text[pos] == ':') {
      ++pos;
      if (!read_int(text, pos, 2, minute)) return std::nullopt;
      if (pos < text.size() && text[pos] == ':') {
        ++pos;
        if (!read_int(text, pos, 2, second)) return std::nullopt;
        if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
          ++pos;
          double scale = 0.1;
          std::size_t start = pos;
          while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
            fraction += (text[pos] - '0') * scale;
            scale /= 10;
            ++pos;
          }
          if (pos == start) return std::nullopt;
        }
      }
    }
    if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
    if (pos < text.size()) {
      if (text[pos] == 'Z' || text[pos] == 'z') {
        have_offset = true;
        ++pos;
      } else if (text[pos] == '+' || text[pos] == '-') {
        const int sign = text[pos] == '-' ? -1 : 1;
        ++pos;
        int oh = 0, om = 0;
        if (!read_int(text, pos, 2, oh)) return std::nullopt;
        if (pos < text.size() && text[pos] == ':') ++pos;
        if (pos < text.size() && !read_int(text, pos, 2, om)) return std::nullopt;
        if (oh > 23 || om > 59) return std::nullopt;
        have_offset = true;
        offset_seconds = sign * (oh * 3600 + om * 60);
      }
    }
    if (pos != text.size()) return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  std::time_t t;
  if (have_offset) {
    t = timegm(&tm) - offset_seconds;
  } else {
    tm.tm_isdst = -1;  // local time, like dateutil's naive datetime .timestamp()
    t = std::mktime(&tm);
  }
  return static_cast<double>(t) + fraction;
}

}  // namespace lightbeam::config
