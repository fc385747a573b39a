// Regression tests for what fuzzing found (docs/fuzzing.md): hostile or odd input gives a clear,
// one-line lightbeam::Error quickly instead of a crash, a hang or gigabytes of memory. The raw
// reproducers also live in fuzz/corpus/ (replayed by the fuzz_replay.* tests).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "core/config/loader.hpp"
#include "core/error.hpp"
#include "core/state/pickle_import.hpp"
#include "support/process.hpp"

using lightbeam::state::parse_state_pickle;
using lightbeam::testing::TempDir;
using lightbeam::testing::write_file;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

std::string pickle_error(const std::string& bytes) {
  try {
    parse_state_pickle(bytes, "/x/state/students.dat");
  } catch (const lightbeam::Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

// BINPUT with index 100,000,000 used to resize the memo array to 10^8 values (about 8 GB).
TEST(FuzzFindings, PickleLargeMemoIndexIsCheap) {
  auto entries = parse_state_pickle(std::string("\x80\x02}r\x00\xe1\xf5\x05.", 9), "t");  // an empty dict
  EXPECT_TRUE(entries.empty());
  EXPECT_THAT(pickle_error(std::string("\x80\x02}r\x00\xe1\xf5\x05j\x01\xe1\xf5\x05.", 14)),
              HasSubstr("memo index 100000001 was never stored"));
}

// Each BINGET BINGET TUPLE2 MEMOIZE (6 bytes) doubled a value: 60 of them asked for 2^60 copies.
TEST(FuzzFindings, PickleMemoCopiesAreBounded) {
  std::string bytes("\x80\x04}N\x85\x94", 6);
  for (int i = 0; i < 60; ++i) bytes += std::string{'h', static_cast<char>(i), 'h', static_cast<char>(i), '\x86', '\x94'};
  bytes += "0.";
  const std::string error = pickle_error(bytes);
  EXPECT_THAT(error, HasSubstr("/x/state/students.dat"));
  EXPECT_THAT(error, HasSubstr("too many memo references"));
}

// TUPLE1 repeated nests a value once per byte; copying and destroying it recursed past the stack.
TEST(FuzzFindings, PickleDeepTuplesAreAnError) {
  const std::string bytes = std::string("\x80\x04}N", 4) + std::string(200000, '\x85') + "0.";
  EXPECT_THAT(pickle_error(bytes), HasSubstr("tuples nested too deeply"));
}

// A quoted YAML value with "\n" was echoed raw, splitting the error over two lines.
TEST(FuzzFindings, ConfigErrorsStayOneLine) {
  TempDir dir;
  const auto file = dir / "lightbeam.yaml";
  write_file(file, "log_level: \"DE\\nBUG\"\nnamespace_overrides:\n  \"a\\rb\": {x: 1}\n\"un\\tknown\": 1\n");
  try {
    lightbeam::config::load(file.string(), "", {});
    ADD_FAILURE() << "no error";
  } catch (const lightbeam::Error& e) {
    const std::string message = e.what();
    EXPECT_THAT(message, Not(HasSubstr("\n")));
    EXPECT_THAT(message, HasSubstr(":1: log_level must be one of ERROR, WARNING, INFO, DEBUG, got \"DE\\nBUG\""));
  }
  write_file(file, "state_dir: ./st\n\"un\\tknown\\nkey\": 1\n");
  std::vector<std::string> warnings;
  lightbeam::config::load(file.string(), "", {}, &warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("unknown key un\\tknown\\nkey is ignored"));
}

// A value with invalid UTF-8 made the DEBUG config dump throw json's type_error 316.
TEST(FuzzFindings, ConfigDumpOfInvalidUtf8) {
  TempDir dir;
  const auto file = dir / "lightbeam.yaml";
  write_file(file, "state_dir: \"st\xff\xfe\"\nnamespace_overrides:\n  \"ed\xff\": [a\xc3\x28]\n");
  const auto cfg = lightbeam::config::load(file.string(), "", {});
  std::string dump;
  ASSERT_NO_THROW(dump = lightbeam::config::dump_redacted(cfg));
  EXPECT_THAT(dump, HasSubstr("state_dir: \"st\xef\xbf\xbd\xef\xbf\xbd\""));  // U+FFFD for each bad byte
}

// Nested YAML aliases ("billion laughs"): 545 bytes expanded to 10^9 values and hung the loader.
TEST(FuzzFindings, ConfigAliasExpansionIsBounded) {
  TempDir dir;
  const auto file = dir / "lightbeam.yaml";
  std::string yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    yaml += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) yaml += (k ? ", *a" : "*a") + std::to_string(i - 1);
    yaml += "]\n";
  }
  write_file(file, yaml + "connection:\n  pool_size: *a8\n");
  try {
    lightbeam::config::load(file.string(), "", {});
    ADD_FAILURE() << "no error";
  } catch (const lightbeam::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr(":11: connection.pool_size holds more than 10000 values"));
  }
  // An alias of a small value still works.
  write_file(file, "p: &p 4\nconnection:\n  pool_size: *p\n");
  EXPECT_EQ(lightbeam::config::load(file.string(), "", {}).connection.pool_size, 4);
}

// A STACK_GLOBAL name holding "\n" was echoed raw in "unsupported object ...": a two-line error.
TEST(FuzzFindings, PickleErrorsStayOneLine) {
  const std::string bytes("\x80\x04\x8c\x03o\ns\x8c\x07sy\rstem\x93)R.", 21);
  const std::string error = pickle_error(bytes);
  EXPECT_THAT(error, HasSubstr("unsupported object o\\x0as sy\\x0dstem"));
  EXPECT_THAT(error, Not(HasSubstr("\n")));
}
