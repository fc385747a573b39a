// Runs every case of the JSON-Schema-Test-Suite files in ../shared/testsuites/json-schema-draft4/
// through the compiled validator (strict formats, `id` resolution on). Excluded cases are listed
// below with the reason; everything else must pass.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.hpp"
#include "core/schema/compiled_schema.hpp"

namespace fs = std::filesystem;
using lightbeam::schema::CompiledSchema;
using lightbeam::schema::CompileOptions;
using nlohmann::json;

namespace {

fs::path suite_dir() { return fs::path(SHARED_DIR) / "testsuites" / "json-schema-draft4"; }

// "<file>/<group description>" -> why it is not run.
const std::map<std::string, std::string>& excluded() {
  static const std::map<std::string, std::string> k{
      {"ref.json/remote ref, containing refs itself",
       "needs the draft-04 meta-schema from http://json-schema.org (a remote document; we never fetch schemas)"},
  };
  return k;
}

}  // namespace

TEST(JsonSchemaSuite, EveryCasePasses) {
  if (!fs::is_directory(suite_dir())) GTEST_SKIP() << "JSON-Schema suite not found at " << suite_dir() << " (needs ../shared)";
  size_t files = 0, cases = 0, passed = 0, skipped = 0;
  simdjson::dom::parser parser;
  std::vector<fs::path> paths;
  for (const auto& e : fs::directory_iterator(suite_dir()))
    if (e.path().extension() == ".json") paths.push_back(e.path());
  std::sort(paths.begin(), paths.end());
  for (const auto& path : paths) {
    ++files;
    std::ifstream in(path);
    json groups = json::parse(in);
    for (const auto& group : groups) {
      std::string key = path.filename().string() + "/" + group["description"].get<std::string>();
      if (excluded().count(key)) {
        skipped += group["tests"].size();
        std::cout << "[ excluded ] " << key << ": " << excluded().at(key) << "\n";
        continue;
      }
      CompileOptions opt;
      opt.resolve_ids = true;
      opt.where = key;
      std::optional<CompiledSchema> schema;
      try {
        schema.emplace(CompiledSchema::compile(group["schema"], lightbeam::schema::pointer_resolver(group["schema"]), opt));
      } catch (const lightbeam::Error& e) {
        ADD_FAILURE() << key << ": does not compile: " << e.what();
        continue;
      }
      for (const auto& t : group["tests"]) {
        ++cases;
        std::string text = t["data"].dump();
        simdjson::dom::element doc;
        ASSERT_EQ(parser.parse(text).get(doc), simdjson::SUCCESS) << text;
        bool expected = t["valid"].get<bool>();
        bool fast = schema->is_valid(doc);
        auto errors = schema->all_errors(doc);
        auto first = schema->first_error(doc);
        EXPECT_EQ(fast, expected) << key << " / " << t["description"].get<std::string>() << " data " << text;
        // The collecting path must agree with the fast path.
        EXPECT_EQ(errors.empty(), fast) << key << " / " << t["description"].get<std::string>();
        EXPECT_EQ(first.has_value(), !fast) << key << " / " << t["description"].get<std::string>();
        if (fast == expected) ++passed;
      }
    }
  }
  std::cout << "JSON-Schema suite: " << files << " files, " << cases << " cases run, " << passed << " passed, " << skipped
            << " excluded\n";
  EXPECT_GE(files, 18u);
  EXPECT_EQ(passed, cases);
}
