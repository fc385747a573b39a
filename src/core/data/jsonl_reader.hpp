// Streaming JSONL reader: large buffered reads, 1-based line numbers, CRLF, a UTF-8 BOM on the
// first line, blank lines (skipped but counted), lines of any length, a last line without a
// newline. Plus per-line UTF-8 and JSON checks that never throw on bad data.
#pragma once
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

namespace lightbeam::data {

struct Line {
  std::size_t number = 0;  // 1-based line number in the file
  std::string_view text;   // without CR/LF (and without the BOM on line 1); valid until next()
};

class JsonlReader {
 public:
  // Opens the file; throws lightbeam::Error naming it when it cannot be opened.
  explicit JsonlReader(const std::filesystem::path& path, std::size_t buffer_size = 1 << 20);
  ~JsonlReader();
  JsonlReader(const JsonlReader&) = delete;
  JsonlReader& operator=(const JsonlReader&) = delete;

  // The next non-blank line, or nullopt at end of file. Throws Error on a read error.
  // line.text.data() + line.text.size() is followed by at least simdjson::SIMDJSON_PADDING
  // readable bytes, so it can be parsed without a copy (see parse_line).
  std::optional<Line> next();

  const std::filesystem::path& path() const { return path_; }

 private:
  bool fill();  // reads more bytes; false at EOF

  std::filesystem::path path_;
  int fd_ = -1;
  std::string buffer_;
  std::size_t begin_ = 0;  // first unconsumed byte
  std::size_t end_ = 0;    // one past the last valid byte
  std::size_t scanned_ = 0;  // bytes from begin_ already searched for a newline
  std::size_t line_number_ = 0;
  bool eof_ = false;
};

// True when text is valid UTF-8.
bool valid_utf8(std::string_view text);

// "file:line: " prefix used by every per-line message.
std::string where(const std::filesystem::path& file, std::size_t line);

// For a line that is not valid JSON: a hint when it looks like a piece of pretty-printed JSON
// (`[`, `{`, `"key": value,`, a line ending in a comma), else "".
std::string_view json_lines_hint(std::string_view text);

// Parses one line of a JsonlReader (padding guaranteed) as JSON. On success returns true and
// sets `out`; otherwise returns false and sets `error` to "file:line: invalid UTF-8" or
// "file:line: invalid JSON (<reason>)". Never throws for bad data.
bool parse_line(simdjson::dom::parser& parser, const std::filesystem::path& file, const Line& line,
                simdjson::dom::element& out, std::string& error);

}  // namespace lightbeam::data
