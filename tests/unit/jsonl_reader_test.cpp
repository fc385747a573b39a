// JSONL reader: line numbers, CRLF, BOM, blank lines, huge lines, truncated last line, and the
// per-line UTF-8/JSON checks (never a crash).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/data/jsonl_reader.hpp"
#include "core/error.hpp"
#include "support/process.hpp"

using lightbeam::Error;
using lightbeam::data::JsonlReader;
using lightbeam::data::Line;
using lightbeam::testing::TempDir;
using lightbeam::testing::write_file;
using ::testing::HasSubstr;

namespace {
struct Got {
  std::size_t number;
  std::string text;
  bool operator==(const Got& o) const { return number == o.number && text == o.text; }
};
std::ostream& operator<<(std::ostream& os, const Got& g) { return os << g.number << ":" << g.text; }

std::vector<Got> read_all(const std::filesystem::path& p, std::size_t buffer = 1 << 20) {
  JsonlReader r(p, buffer);
  std::vector<Got> out;
  while (auto line = r.next()) out.push_back({line->number, std::string(line->text)});
  return out;
}
}  // namespace

TEST(JsonlReader, NumbersLinesAndSkipsBlankOnes) {
  TempDir d;
  write_file(d / "a.jsonl", "{\"a\":1}\n\n   \n\t\n{\"b\":2}\n");
  EXPECT_EQ(read_all(d / "a.jsonl"), (std::vector<Got>{{1, "{\"a\":1}"}, {5, "{\"b\":2}"}}));
}

TEST(JsonlReader, CrlfBomAndTruncatedLastLine) {
  TempDir d;
  write_file(d / "a.jsonl", "\xEF\xBB\xBF{\"a\":1}\r\n\r\n{\"b\":2}\r\n{\"c\":3}");
  EXPECT_EQ(read_all(d / "a.jsonl"), (std::vector<Got>{{1, "{\"a\":1}"}, {3, "{\"b\":2}"}, {4, "{\"c\":3}"}}));
}

TEST(JsonlReader, BomOnlyOnFirstLineIsStripped) {
  TempDir d;
  write_file(d / "a.jsonl", "{}\n\xEF\xBB\xBF{}\n");
  auto got = read_all(d / "a.jsonl");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].text, "\xEF\xBB\xBF{}");
}

TEST(JsonlReader, EmptyFile) {
  TempDir d;
  write_file(d / "a.jsonl", "");
  EXPECT_TRUE(read_all(d / "a.jsonl").empty());
}

TEST(JsonlReader, LinesLongerThanTheBufferAndAcrossReads) {
  TempDir d;
  std::string content;
  std::vector<Got> expected;
  for (std::size_t i = 1; i <= 300; ++i) {
    std::string text = "{\"k\":\"" + std::string(i * 37 % 9000, 'x') + "\"}";
    content += text + (i % 3 ? "\n" : "\r\n");
    expected.push_back({i, text});
  }
  write_file(d / "a.jsonl", content);
  EXPECT_EQ(read_all(d / "a.jsonl", 4096), expected);
}

TEST(JsonlReader, TenMegabyteLine) {
  TempDir d;
  const std::string big = "{\"k\":\"" + std::string(10 * 1024 * 1024, 'y') + "\"}";
  write_file(d / "a.jsonl", "{}\n" + big + "\n{\"z\":1}\n");
  JsonlReader r(d / "a.jsonl");
  simdjson::dom::parser parser;
  std::vector<std::size_t> sizes;
  while (auto line = r.next()) {
    simdjson::dom::element doc;
    std::string error;
    ASSERT_TRUE(lightbeam::data::parse_line(parser, r.path(), *line, doc, error)) << error;
    sizes.push_back(line->text.size());
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{2, big.size(), 7}));
}

TEST(JsonlReader, InvalidJsonAndUtf8GivePerLineErrors) {
  TempDir d;
  write_file(d / "a.jsonl", "{\"a\":1}\n{\"a\":\n{\"s\":\"\xC3\x28\"}\n[1,2]\n{\"a\":1}}\n");
  JsonlReader r(d / "a.jsonl");
  simdjson::dom::parser parser;
  std::vector<std::string> errors;
  int ok = 0;
  while (auto line = r.next()) {
    simdjson::dom::element doc;
    std::string error;
    if (lightbeam::data::parse_line(parser, r.path(), *line, doc, error))
      ++ok;
    else
      errors.push_back(error);
  }
  EXPECT_EQ(ok, 2);  // line 1 and the array on line 4 (callers decide whether arrays are payloads)
  ASSERT_EQ(errors.size(), 3u);
  const std::string f = (d / "a.jsonl").string();
  EXPECT_THAT(errors[0], HasSubstr(f + ":2: invalid JSON ("));
  EXPECT_EQ(errors[1], f + ":3: invalid UTF-8");
  EXPECT_THAT(errors[2], HasSubstr(f + ":5: invalid JSON ("));
  EXPECT_FALSE(lightbeam::data::valid_utf8("\xC3\x28"));
  EXPECT_TRUE(lightbeam::data::valid_utf8("h\xC3\xA9llo"));
}

TEST(JsonlReader, MissingOrUnreadableFileNamesIt) {
  TempDir d;
  try {
    JsonlReader r(d / "missing.jsonl");
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot read data file " + (d / "missing.jsonl").string()));
  }
  EXPECT_THROW(JsonlReader r(d.path()), Error);
  if (geteuid() == 0) GTEST_SKIP() << "running as root: file permissions do not stop reads";
  write_file(d / "locked.jsonl", "{}\n");
  chmod((d / "locked.jsonl").c_str(), 0);
  EXPECT_THROW(JsonlReader r(d / "locked.jsonl"), Error);
}
