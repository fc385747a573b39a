// End to end: the real `lightbeam truncate` empties selected endpoints of a real edfi-sandbox
// (both flavours), pages through ids while records that cannot be deleted stay, and clears state.
#include <string>

#include <gtest/gtest.h>

#include "support/e2e.hpp"

namespace lightbeam::testing {
namespace {

class TruncateFlavours : public ::testing::TestWithParam<std::string> {};

TEST_P(TruncateFlavours, SendThenTruncateEmptiesOnlyTheSelectedEndpointsAndClearsTheirState) {
  Sandbox sandbox({"--flavor", GetParam()});
  Work w(sandbox.base_url(), ConfigOptions().with(k_force_delete));
  ASSERT_NO_FATAL_FAILURE(w.send_data({2, 25}));
  ASSERT_EQ(w.state_rows("students"), 25u);

  auto r = w.run("truncate", {"-s", "studentSchoolAssociations,students"});
  ASSERT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_NE(r.err.find("TRUNCATING ALL DATA from endpoint studentSchoolAssociations"), std::string::npos) << r.err;
  EXPECT_EQ(documents(sandbox.base_url(), "studentSchoolAssociations"), 0);
  EXPECT_EQ(documents(sandbox.base_url(), "students"), 0);
  EXPECT_EQ(documents(sandbox.base_url(), "schools"), 2);
  EXPECT_EQ(documents(sandbox.base_url(), "gradeLevelDescriptors"), 2);
  EXPECT_EQ(w.state_rows("students"), 0u);
  EXPECT_EQ(w.state_rows("studentSchoolAssociations"), 0u);
  EXPECT_EQ(w.state_rows("schools"), 2u);
  auto res = w.results_json();
  EXPECT_EQ(res["command"], "truncate");
  EXPECT_EQ(res["total_records_processed"], 50);
  EXPECT_EQ(res["resources"]["students"]["successes"][0]["count"], 25);

  // A second send re-sends everything of the truncated endpoints (state was cleared).
  auto again = w.run("send", {"-s", "students"});
  EXPECT_EQ(again.exit_code, 0) << diag(again);
  EXPECT_EQ(documents(sandbox.base_url(), "students"), 25);
}

INSTANTIATE_TEST_SUITE_P(Flavours, TruncateFlavours, ::testing::Values("dms", "ods"));

TEST(Truncate, EmptyEndpointIsFine) {
  Sandbox sandbox;
  Work w(sandbox.base_url(), ConfigOptions().with(k_force_delete));
  auto r = w.run("truncate", {"-s", "students"});
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  auto res = w.results_json();
  EXPECT_EQ(res["total_records_processed"], 0);
  EXPECT_TRUE(res["resources"].contains("students")) << res.dump(2);
}

TEST(Truncate, RecordsStillReferencedStayAndPagingStillReachesEveryOtherRecord) {
  Sandbox sandbox;
  Work w;
  // Small pages so deleting while paging is exercised: 20 schools, 5 of them referenced.
  w.write_config(sandbox.base_url(), ConfigOptions().with(k_force_delete).with("fetch:\n  page_size: 3\n"));
  ASSERT_NO_FATAL_FAILURE(w.send_data({20, 5}));
  ASSERT_EQ(documents(sandbox.base_url(), "schools"), 20);

  auto r = w.run("truncate", {"-s", "schools"});
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_EQ(documents(sandbox.base_url(), "schools"), 5);  // the referenced ones
  EXPECT_EQ(documents(sandbox.base_url(), "studentSchoolAssociations"), 5);
  auto res = w.results_json();
  const auto& s = res["resources"]["schools"];
  EXPECT_EQ(s["records_processed"], 20) << res.dump(2);
  EXPECT_EQ(s["records_failed"], 5);
  EXPECT_EQ(s["failures"][0]["status_code"], 409);
  EXPECT_NE(s["failures"][0]["message"].get<std::string>().find("StudentSchoolAssociation"), std::string::npos);
}

TEST(Truncate, WithoutSelectorItWarnsAndEmptiesEveryEndpoint) {
  Sandbox sandbox;
  Work w(sandbox.base_url(), ConfigOptions().with(k_force_delete));
  ASSERT_NO_FATAL_FAILURE(w.send_data({2, 5}));
  auto r = w.run("truncate");
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_NE(r.err.find("no selector"), std::string::npos) << r.err;
  EXPECT_EQ(sandbox_stats(sandbox.base_url())["documents_total"], 0);
}

// Issue 15 Bad #1: `-s "$UNSET"` with force_delete emptied every endpoint.
TEST(Truncate, EmptySelectorDeletesNothing) {
  Sandbox sandbox;
  Work w(sandbox.base_url(), ConfigOptions().with(k_force_delete));
  ASSERT_NO_FATAL_FAILURE(w.send_data({2, 5}));
  const auto before = sandbox_stats(sandbox.base_url())["documents_total"].get<long long>();
  for (auto value : {"", " ", ","}) {
    auto r = w.run("truncate", {"-s", value});
    EXPECT_EQ(r.exit_code, 1) << diag(r);
    EXPECT_NE(r.err.find("-s/--selector is empty"), std::string::npos) << r.err;
  }
  EXPECT_EQ(sandbox_stats(sandbox.base_url())["documents_total"].get<long long>(), before);
}

TEST(Truncate, OnATerminalItAsksWithTheTruncateWording) {
  Sandbox sandbox;
  Work w(sandbox.base_url());  // no force_delete
  ASSERT_NO_FATAL_FAILURE(w.send_data({2, 3}));
  auto r = run_on_terminal({"truncate", "-c", w.config.string(), "-s", "students,studentSchoolAssociations"},
                           "yes\n", w.dir.path());
  ASSERT_NE(r.exit_code, -1) << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Type \"yes\" to confirm you want to TRUNCATE ALL DATA payloads for the selected endpoints? "),
            std::string::npos)
      << r.out;
  EXPECT_EQ(documents(sandbox.base_url(), "students"), 0);
  EXPECT_EQ(documents(sandbox.base_url(), "schools"), 2);
}

// Issue 13 item 4: `echo yes | lightbeam truncate` works, as Python's input() reads any stdin;
// no input at all is Python's refusal, exit 1, nothing deleted.
TEST(Truncate, ConfirmationFromAPipeAndNoInputRefuses) {
  Sandbox sandbox;
  Work w(sandbox.base_url());  // no force_delete
  ASSERT_NO_FATAL_FAILURE(w.send_data({2, 5}));
  const std::vector<std::string> args{"-s", "students,studentSchoolAssociations"};
  auto refused = w.run("truncate", args);  // stdin at its end at once, as </dev/null
  EXPECT_EQ(refused.exit_code, 1) << diag(refused);
  EXPECT_NE(refused.err.find("\nYou did not type \"yes\" - exiting.\n"), std::string::npos) << refused.err;
  EXPECT_EQ(documents(sandbox.base_url(), "students"), 5);
  EXPECT_EQ(w.state_rows("students"), 5u);

  RunOptions ro;
  ro.stdin_data = "yes\n";
  auto r = w.run("truncate", args, ro);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_EQ(documents(sandbox.base_url(), "students"), 0);
  EXPECT_EQ(documents(sandbox.base_url(), "studentSchoolAssociations"), 0);
  EXPECT_EQ(w.state_rows("students"), 0u);
}

}  // namespace
}  // namespace lightbeam::testing
