// `send` of an endpoint whose records reference records of the same endpoint (learningStandards'
// parentLearningStandardReference): with pool_size requests in flight, a child must not be POSTed
// before its parent's POST has been answered, or it gets 409 and is left out of the API.
#include <gtest/gtest.h>

#include <string>

#include "support/e2e.hpp"

namespace {

using namespace lightbeam::testing;

std::string learning_standard(const std::string& id, const std::string& parent = "") {
  json doc = {{"learningStandardId", id},
              {"description", "Standard " + id},
              {"namespace", "uri://example.org/standards"},
              {"contentStandard", {{"title", "Example standards"}}},
              {"gradeLevels", {{{"gradeLevelDescriptor", "uri://ed-fi.org/GradeLevelDescriptor#Ninth grade"}}}},
              {"academicSubjects", {{{"academicSubjectDescriptor", "uri://ed-fi.org/AcademicSubjectDescriptor#Mathematics"}}}}};
  if (!parent.empty()) doc["parentLearningStandardReference"] = {{"learningStandardId", parent}};
  return doc.dump();
}

class SelfReferenceTest : public ::testing::TestWithParam<const char*> {};

TEST_P(SelfReferenceTest, ChainDeeperThanPoolSizeLoadsWhole) {
  if (!have_ds52_specs()) GTEST_SKIP() << "DS 5.2 specs not found in metadata/ds-5.2 or ../shared/edfi/ds-5.2";
  Sandbox sandbox({"--flavor", GetParam(), "--specs", ds52_specs_dir().string()});
  Work w(sandbox.base_url(), ConfigOptions().pool(4));
  write_file(w.data / "gradeLevelDescriptors.jsonl", descriptor_line("GradeLevelDescriptor", "Ninth grade") + "\n");
  write_file(w.data / "academicSubjectDescriptors.jsonl",
             descriptor_line("AcademicSubjectDescriptor", "Mathematics") + "\n");
  // A chain of 40 written children first: every record comes before the parent it references.
  const int depth = 40;
  std::string lines;
  for (int i = depth - 1; i >= 1; --i) lines += learning_standard("LS." + std::to_string(i), "LS." + std::to_string(i - 1)) + "\n";
  lines += learning_standard("LS.0") + "\n";
  // A parent that exists nowhere: one 409, counted once.
  lines += learning_standard("ORPHAN", "MISSING") + "\n";
  // A reference cycle: neither can be created first; both are sent (409 each), no hang.
  lines += learning_standard("CYCLE.A", "CYCLE.B") + "\n";
  lines += learning_standard("CYCLE.B", "CYCLE.A") + "\n";
  write_file(w.data / "learningStandards.jsonl", lines);

  auto r = w.run("send");
  ASSERT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_EQ(documents(sandbox.base_url(), "learningStandards"), depth) << diag(r);
  auto res = w.results_json()["resources"]["learningStandards"];
  EXPECT_EQ(res["records_processed"], depth + 3) << res.dump();
  EXPECT_EQ(res["records_failed"], 3) << res.dump();
  ASSERT_EQ(res["failures"].size(), 1u) << res.dump();
  EXPECT_EQ(res["failures"][0]["status_code"], 409) << res.dump();
  EXPECT_EQ(res["failures"][0]["count"], 3) << res.dump();
  EXPECT_EQ(res["failures"][0]["line_numbers"], json::array({depth + 1, depth + 2, depth + 3})) << res.dump();
  // Every record was POSTed exactly once.
  EXPECT_EQ(posts(sandbox_stats(sandbox.base_url()), "learningStandards"), depth + 3);

  // Nothing is held back again on a re-run: every payload is skipped.
  auto again = w.run("send");
  EXPECT_EQ(again.exit_code, 99) << diag(again);
}

INSTANTIATE_TEST_SUITE_P(Flavors, SelfReferenceTest, ::testing::Values("dms", "ods"));

}  // namespace
