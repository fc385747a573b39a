// schema::json_from_dom / parse_json_fast must build exactly the tree nlohmann::json::parse builds
// (number kinds, duplicate keys, escapes), since the OpenAPI model is now loaded through them.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "core/schema/json_from_dom.hpp"
#include "support/process.hpp"

namespace {

using nlohmann::json;
using lightbeam::schema::parse_json_fast;

// Same value and, recursively, the same number kinds (unsigned / integer / float).
void expect_identical(const json& a, const json& b, const std::string& where) {
  ASSERT_EQ(a.type(), b.type()) << where;
  if (a.is_object()) {
    ASSERT_EQ(a.size(), b.size()) << where;
    for (auto it = a.begin(); it != a.end(); ++it) {
      ASSERT_TRUE(b.contains(it.key())) << where << "/" << it.key();
      expect_identical(it.value(), b.at(it.key()), where + "/" + it.key());
    }
  } else if (a.is_array()) {
    ASSERT_EQ(a.size(), b.size()) << where;
    for (size_t i = 0; i < a.size(); ++i) expect_identical(a[i], b[i], where + "/" + std::to_string(i));
  } else {
    ASSERT_EQ(a, b) << where;
  }
}

TEST(JsonFromDom, MatchesNlohmannOnEdgeCases) {
  const char* cases[] = {
      R"({"a": 1, "b": -1, "c": 1.5, "d": 1e2, "e": 18446744073709551615, "f": -9223372036854775808})",
      R"({"k": 1, "k": 2, "z": [true, false, null, "x"]})",
      R"(["\u00e9\ud83d\ude00", "tab\tnew\nline", "q\"uote", {}, [], 0, -0.5, 0.0])",
      R"({"nested": {"deeper": {"deepest": [1, [2, [3, {"x": "y"}]]]}}})",
      R"("just a string")",
      R"(42)",
  };
  for (const char* text : cases) {
    auto fast = parse_json_fast(text);
    ASSERT_TRUE(fast.has_value()) << text;
    expect_identical(json::parse(text), *fast, text);
    EXPECT_EQ(json::parse(text).dump(), fast->dump()) << text;
  }
}

TEST(JsonFromDom, RejectsWhatSimdjsonRejectsSoTheCallerFallsBack) {
  EXPECT_FALSE(parse_json_fast("{\"a\": ").has_value());
  EXPECT_FALSE(parse_json_fast("{\"a\": 1} trailing").has_value());
  EXPECT_FALSE(parse_json_fast("").has_value());
}

TEST(JsonFromDom, Ds52SpecsConvertIdentically) {
  if (!lightbeam::testing::have_ds52_specs()) GTEST_SKIP() << "DS 5.2 specs not found in ../shared; skipped";
  for (const char* name : {"resources-spec.json", "descriptors-spec.json"}) {
    std::ifstream in(lightbeam::testing::ds52_specs_dir() / name, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    auto fast = parse_json_fast(text);
    ASSERT_TRUE(fast.has_value()) << name;
    json slow = json::parse(text);
    expect_identical(slow, *fast, name);
    EXPECT_EQ(slow.dump(), fast->dump()) << name;
  }
}

}  // namespace
