// Fuzz target: the streaming JSONL reader (core/data/jsonl_reader) and its per-line UTF-8 and
// JSON checks, on arbitrary file contents: BOM, CR/LF mixes, blank and unterminated lines, lines
// longer than the buffer (so refills and growth run), invalid UTF-8, bad JSON.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/data/jsonl_reader.hpp"
#include "core/error.hpp"
#include "fuzz_check.hpp"
#include "fuzz_temp_file.hpp"

using lightbeam::data::JsonlReader;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto& file = lightbeam::fuzz::temp_file(".jsonl");
  lightbeam::fuzz::write_temp_file(file, bytes);

  // The lines as the reader's contract describes them, split the simple way: by '\n', one
  // trailing '\r' dropped, a UTF-8 BOM dropped on line 1, blank (whitespace-only) lines skipped.
  std::vector<std::pair<std::size_t, std::string_view>> expected;
  std::size_t number = 0;
  for (std::size_t pos = 0; pos < bytes.size();) {
    std::size_t nl = bytes.find('\n', pos);
    std::string_view text = bytes.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? bytes.size() : nl + 1;
    ++number;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (number == 1 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    if (text.find_first_not_of(" \t\r\f\v") != std::string_view::npos) expected.emplace_back(number, text);
  }

  static simdjson::dom::parser parser;  // reused, as the commands reuse theirs
  // The smallest buffer (the reader rounds it up to 4 KiB), so longer inputs refill and grow it.
  JsonlReader reader(file, 1);
  std::size_t index = 0;
  while (auto line = reader.next()) {
    FUZZ_CHECK(index < expected.size(), "extra line %zu", line->number);
    FUZZ_CHECK(line->number == expected[index].first, "line %zu returned, expected line %zu", line->number,
               expected[index].first);
    FUZZ_CHECK(line->text == expected[index].second, "line %zu: text differs from the simple split", line->number);
    ++index;

    const bool utf8 = lightbeam::data::valid_utf8(line->text);
    simdjson::dom::element doc;
    std::string error;
    if (lightbeam::data::parse_line(parser, file, *line, doc, error)) {
      FUZZ_CHECK(error.empty(), "parsed line %zu with error '%s'", line->number, error.c_str());
      FUZZ_CHECK(utf8, "line %zu parsed as JSON but is not UTF-8", line->number);
    } else {
      const std::string prefix = lightbeam::data::where(file, line->number);
      FUZZ_CHECK(error.rfind(prefix, 0) == 0, "error '%s' does not start with '%s'", error.c_str(), prefix.c_str());
      FUZZ_CHECK(error.find('\n') == std::string::npos, "error is not one line: %s", error.c_str());
    }
  }
  FUZZ_CHECK(index == expected.size(), "%zu lines returned, expected %zu", index, expected.size());
  FUZZ_CHECK(!reader.next(), "next() after end of file returned a line");
  return 0;
}
