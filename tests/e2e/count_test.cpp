// End-to-end: the real `lightbeam count` against the real edfi-sandbox, both flavours, our own
// metadata and DS 5.2: console rows, results file, selectors, errors, and what the server saw.
#include <gtest/gtest.h>

#include "support/e2e.hpp"

namespace {

using namespace lightbeam::testing;

class CountTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::string flavor() const { return GetParam(); }
};

TEST_P(CountTest, PrintsNonZeroEndpointsInDependencyOrder) {
  Sandbox sandbox({"--flavor", flavor()});
  ASSERT_EQ(seed(sandbox.base_url(), "sexDescriptors", descriptors("SexDescriptor", 2)), (std::vector<long>{201, 201}));
  ASSERT_EQ(seed(sandbox.base_url(), "gradeLevelDescriptors", descriptors("GradeLevelDescriptor", 3)),
            (std::vector<long>{201, 201, 201}));
  Work w(sandbox.base_url());
  long tokens_before = sandbox_stats(sandbox.base_url())["tokens_issued"].get<long>();
  auto r = run_lightbeam({"count", "-c", w.config.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Both are order-1 descriptors: the API lists them by resource name within an order. The school
  // years an ODS holds from the start (the ods flavour's default template) come first, though the
  // dependencies do not list them.
  const std::string years = flavor() == "ods" ? "60\tschoolYearTypes\n" : "";
  EXPECT_EQ(r.out, "Records\tEndpoint\n" + years + "3\tgradeLevelDescriptors\n2\tsexDescriptors\n");
  EXPECT_EQ(r.err.find(k_test_secret), std::string::npos);

  // One count request per endpoint of the API's dependencies, each exactly once.
  auto stats = sandbox_stats(sandbox.base_url());
  long gets = data_requests(stats, "GET");
  EXPECT_GE(gets, 30);  // our metadata: 14 resources (schoolYearTypes excluded) + 20 descriptors
  EXPECT_EQ(route_count(stats, "GET /ed-fi/gradeLevelDescriptors"), 1);
  EXPECT_EQ(route_count(stats, "GET /ed-fi/schools"), 1);
  EXPECT_EQ(stats["tokens_issued"].get<long>() - tokens_before, 1);
}

TEST_P(CountTest, ResultsFileGetsEveryEndpointWithTheConfiguredSeparator) {
  Sandbox sandbox({"--flavor", flavor()});
  seed(sandbox.base_url(), "gradeLevelDescriptors", descriptors("GradeLevelDescriptor", 4));
  Work w(sandbox.base_url(), ConfigOptions().with("count:\n  separator: \",\"\n"));
  auto results = w.dir / "out" / "counts.tsv";
  auto r = run_lightbeam({"count", "-c", w.config.string(), "--results-file", results.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  auto lines = lines_of(read_file(results));
  ASSERT_GE(lines.size(), 31u);
  EXPECT_EQ(lines[0], "Records,Endpoint");
  long gets = data_requests(sandbox_stats(sandbox.base_url()), "GET");
  EXPECT_EQ(static_cast<long>(lines.size()) - 1, gets);  // every endpoint, zeros included
  int zeros = 0;
  bool found = false;
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].rfind("0,", 0) == 0) ++zeros;
    if (lines[i] == "4,gradeLevelDescriptors") found = true;
  }
  EXPECT_TRUE(found);
  const int years = flavor() == "ods" ? 1 : 0;  // the ods flavour's 60 school years
  EXPECT_EQ(zeros, static_cast<int>(lines.size()) - 2 - years);
}

TEST_P(CountTest, SelectorsLimitTheRequests) {
  Sandbox sandbox({"--flavor", flavor()});
  seed(sandbox.base_url(), "gradeLevelDescriptors", descriptors("GradeLevelDescriptor", 1));
  Work w(sandbox.base_url());
  auto r = run_lightbeam({"count", "-c", w.config.string(), "-s", "grade*,schools", "-e", "schools"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Records\tEndpoint\n1\tgradeLevelDescriptors\n");
  auto stats = sandbox_stats(sandbox.base_url());
  EXPECT_EQ(data_requests(stats, "GET"), 1);

  auto bad = run_lightbeam({"count", "-c", w.config.string(), "-s", "nosuchthing"});
  EXPECT_EQ(bad.exit_code, 255);
  EXPECT_NE(bad.err.find("nosuchthing"), std::string::npos) << bad.err;
}

TEST_P(CountTest, FailingEndpointsAreReportedWithStatusAndExitOne) {
  Sandbox sandbox({"--flavor", flavor(), "--fail-rate", "1", "--fail-status", "500"});
  Work w(sandbox.base_url(), ConfigOptions().pool(4).retries(1, 0.01));
  auto r = run_lightbeam({"count", "-c", w.config.string(), "-s", "schools,students"});
  EXPECT_EQ(r.exit_code, 255);
  EXPECT_EQ(r.out, "Records\tEndpoint\n");
  EXPECT_NE(r.err.find("Unable to load counts for schools: HTTP 500"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Unable to load counts for students: HTTP 500"), std::string::npos) << r.err;
  // num_retries 1: two attempts per endpoint, then it is reported (no loop).
  auto stats = sandbox_stats(sandbox.base_url());
  EXPECT_EQ(route_count(stats, "GET fault"), 4) << stats.dump();
}

TEST_P(CountTest, EveryEndpointOfDs52) {
  if (!have_ds52_specs()) GTEST_SKIP() << "DS 5.2 specs not found in ../shared/edfi/ds-5.2";
  Sandbox sandbox({"--flavor", flavor(), "--specs", ds52_specs_dir().string()});
  seed(sandbox.base_url(), "gradeLevelDescriptors", descriptors("GradeLevelDescriptor", 2));
  Work w(sandbox.base_url());
  auto results = w.dir / "counts.tsv";
  auto r = run_lightbeam({"count", "-c", w.config.string(), "--results-file", results.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = lines_of(read_file(results));
  // 153 resources + 229 descriptors of DS 5.2 minus schoolYearTypes, in ed-fi (TPDM is another namespace).
  EXPECT_GT(lines.size(), 300u);
  EXPECT_EQ(static_cast<long>(lines.size()) - 1, data_requests(sandbox_stats(sandbox.base_url()), "GET"));
  EXPECT_NE(std::find(lines.begin(), lines.end(), "2\tgradeLevelDescriptors"), lines.end());
  // Dependency order: descriptors (order 1) before schools before studentSchoolAssociations.
  auto pos = [&](const std::string& name) {
    for (size_t i = 0; i < lines.size(); ++i)
      if (lines[i] == "0\t" + name) return static_cast<long>(i);
    return -1L;
  };
  EXPECT_LT(pos("academicSubjectDescriptors"), pos("schools"));
  EXPECT_LT(pos("schools"), pos("studentSchoolAssociations"));
  EXPECT_GT(pos("schools"), 0);
}

INSTANTIATE_TEST_SUITE_P(Flavors, CountTest, ::testing::Values("dms", "ods"));

}  // namespace
