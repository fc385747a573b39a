// fetch's output bytes: Python's json.dumps(json.loads(text)) for the same text. The expected
// strings were printed by CPython 3.11's json module.
#include <gtest/gtest.h>

#include <string>

#include "core/data/python_json.hpp"

namespace {

std::string dumps(const std::string& text) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(text);
  simdjson::ondemand::document doc;
  EXPECT_EQ(parser.iterate(padded).get(doc), simdjson::SUCCESS);
  simdjson::ondemand::value value;
  EXPECT_EQ(doc.get_value().get(value), simdjson::SUCCESS);
  std::string out;
  EXPECT_TRUE(lightbeam::data::append_python_json(out, value)) << text;
  return out;
}

}  // namespace

TEST(PythonJson, SeparatorsAndNesting) {
  EXPECT_EQ(dumps(R"({"a":1,"b":[1,2.5,{"c":null}],"d":true,"e":{},"f":[]})"),
            R"({"a": 1, "b": [1, 2.5, {"c": null}], "d": true, "e": {}, "f": []})");
}

TEST(PythonJson, NumbersAsPythonsRepr) {
  EXPECT_EQ(dumps("[1.0, 100.0, 1e16, 1e15, 0.0001, 0.00001, 1.5e-7, -0.0, 123456789.125, 1E2, 3.14159, 2.5e+300, "
                  "18446744073709551615, -9223372036854775808, 0.1, 1e22, 5e-324]"),
            "[1.0, 100.0, 1e+16, 1000000000000000.0, 0.0001, 1e-05, 1.5e-07, -0.0, 123456789.125, 100.0, 3.14159, "
            "2.5e+300, 18446744073709551615, -9223372036854775808, 0.1, 1e+22, 5e-324]");
  EXPECT_EQ(dumps(R"({"big": 123456789012345678901234567890})"), R"({"big": 123456789012345678901234567890})");
}

TEST(PythonJson, EnsureAsciiEscapes) {
  EXPECT_EQ(dumps("{\"s\":\"Caf\\u00e9 \xE2\x98\x83 \\ud83d\\ude00 tab\\t nl\\n quote\\\" bs\\\\ ctl\\u0001 del\\u007f /\"}"),
            R"({"s": "Caf\u00e9 \u2603 \ud83d\ude00 tab\t nl\n quote\" bs\\ ctl\u0001 del\u007f /"})");
}
