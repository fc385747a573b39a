// Streaming JSONL reader (see jsonl_reader.hpp).
#include "core/data/jsonl_reader.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/error.hpp"

namespace lightbeam::data {
namespace {

bool is_blank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != '\v') return false;
  return true;
}

}  // namespace

JsonlReader::JsonlReader(const std::filesystem::path& path, std::size_t buffer_size) : path_(path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw Error("cannot read data file " + path.string() + ": it is a directory");
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw Error("cannot read data file " + path.string() + ": " + std::strerror(errno));
  buffer_.resize(std::max<std::size_t>(buffer_size, 4096) + simdjson::SIMDJSON_PADDING);
}

JsonlReader::~JsonlReader() {
  if (fd_ >= 0) ::close(fd_);
}

bool JsonlReader::fill() {
  // Keep the unconsumed tail at the front, grow only when one line fills the whole buffer.
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  std::size_t capacity = buffer_.size() - simdjson::SIMDJSON_PADDING;
  if (end_ == capacity) {
    capacity *= 2;
    buffer_.resize(capacity + simdjson::SIMDJSON_PADDING);
  }
  for (;;) {
    ssize_t n = ::read(fd_, buffer_.data() + end_, capacity - end_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error("cannot read data file " + path_.string() + ": " + std::strerror(errno));
    if (n == 0) return false;
    end_ += static_cast<std::size_t>(n);
    return true;
  }
}

std::optional<Line> JsonlReader::next() {
  for (;;) {
    const char* base = buffer_.data();
    const void* nl = begin_ + scanned_ < end_ ? std::memchr(base + begin_ + scanned_, '\n', end_ - begin_ - scanned_) : nullptr;
    std::string_view text;
    if (nl != nullptr) {
      const char* p = static_cast<const char*>(nl);
      text = std::string_view(base + begin_, static_cast<std::size_t>(p - (base + begin_)));
      begin_ = static_cast<std::size_t>(p - base) + 1;
    } else if (!eof_) {
      scanned_ = end_ - begin_;
      if (!fill()) eof_ = true;
      continue;
    } else if (begin_ < end_) {  // last line without a newline
      text = std::string_view(base + begin_, end_ - begin_);
      begin_ = end_;
    } else {
      return std::nullopt;
    }
    scanned_ = 0;
    ++line_number_;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (line_number_ == 1 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    if (is_blank(text)) continue;
    return Line{line_number_, text};
  }
}

bool valid_utf8(std::string_view text) { return simdjson::validate_utf8(text.data(), text.size()); }

std::string where(const std::filesystem::path& file, std::size_t line) {
  return file.string() + ":" + std::to_string(line) + ": ";
}

std::string_view json_lines_hint(std::string_view t) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; };
  while (!t.empty() && space(t.front())) t.remove_prefix(1);
  while (!t.empty() && space(t.back())) t.remove_suffix(1);
  if (t.empty()) return {};
  const char first = t.front(), last = t.back();
  if (t == "[" || t == "]" || t == "{" || t == "}" || last == ',' || last == '{' || last == '[' || first == '"')
    return "; each line must be one whole JSON object: is the file pretty-printed JSON instead of JSON Lines?";
  return {};
}

bool parse_line(simdjson::dom::parser& parser, const std::filesystem::path& file, const Line& line,
                simdjson::dom::element& out, std::string& error) {
  auto result = parser.parse(line.text.data(), line.text.size(), false);
  if (result.error() == simdjson::SUCCESS) {
    out = result.value_unsafe();
    return true;
  }
  if (result.error() == simdjson::UTF8_ERROR || !valid_utf8(line.text))
    error = where(file, line.number) + "invalid UTF-8";
  else
    error = where(file, line.number) + "invalid JSON (" + simdjson::error_message(result.error()) +
            std::string(json_lines_hint(line.text)) + ")";
  return false;
}

}  // namespace lightbeam::data
