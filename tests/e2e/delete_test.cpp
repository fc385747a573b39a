// End to end: `lightbeam send` fills a real edfi-sandbox, then the real `lightbeam delete` removes
// payloads by natural key — in both API flavours — and we check what the API and the state hold.
#include <signal.h>

#include <string>

#include <gtest/gtest.h>

#include "support/e2e.hpp"

namespace lightbeam::testing {
namespace {

class DeleteFlavours : public ::testing::TestWithParam<std::string> {};

TEST_P(DeleteFlavours, SendThenDeleteRemovesOnlyTheSelectedEndpoints) {
  Sandbox sandbox({"--flavor", GetParam()});
  Work w(sandbox.base_url(), ConfigOptions().with(k_force_delete));
  ASSERT_NO_FATAL_FAILURE(w.send_data({2, 20}));
  ASSERT_EQ(documents(sandbox.base_url(), "studentSchoolAssociations"), 20);
  ASSERT_EQ(w.state_rows("students"), 20u);

  // As the Python tool: payloads the state shows as sent are only deleted with -f (or -o/-n/-r).
  auto skipped = w.run("delete", {"-s", "studentSchoolAssociations,students"});
  EXPECT_EQ(skipped.exit_code, 0) << diag(skipped);  // Python's delete has no exit(99)
  EXPECT_EQ(documents(sandbox.base_url(), "students"), 20);
  EXPECT_NE(skipped.err.find("use -f"), std::string::npos) << skipped.err;

  auto deleted = w.run("delete", {"-f", "-s", "studentSchoolAssociations,students"});
  ASSERT_EQ(deleted.exit_code, 0) << diag(deleted);
  // Reverse dependency order: enrollments first, or the students would be referenced (409).
  EXPECT_LT(deleted.err.find("deleting data from endpoint studentSchoolAssociations"),
            deleted.err.find("deleting data from endpoint students"));
  EXPECT_EQ(documents(sandbox.base_url(), "studentSchoolAssociations"), 0);
  EXPECT_EQ(documents(sandbox.base_url(), "students"), 0);
  EXPECT_EQ(documents(sandbox.base_url(), "schools"), 2);  // not selected: untouched
  EXPECT_EQ(documents(sandbox.base_url(), "gradeLevelDescriptors"), 2);

  auto r = w.results_json();
  EXPECT_EQ(r["command"], "delete");
  EXPECT_EQ(r["total_records_processed"], 40);
  EXPECT_EQ(r["total_records_failed"], 0);
  EXPECT_EQ(r["resources"]["students"]["successes"][0]["status_code"], 204);
  EXPECT_EQ(r["resources"]["students"]["successes"][0]["count"], 20);
  // State rows of deleted payloads are gone; the others stay.
  EXPECT_EQ(w.state_rows("students"), 0u);
  EXPECT_EQ(w.state_rows("studentSchoolAssociations"), 0u);
  EXPECT_EQ(w.state_rows("schools"), 2u);
}

INSTANTIATE_TEST_SUITE_P(Flavours, DeleteFlavours, ::testing::Values("dms", "ods"));

TEST(Delete, StillReferencedRecordIsReported409AndNothingElseChanges) {
  Sandbox sandbox;
  Work w(sandbox.base_url(), ConfigOptions().with(k_force_delete));
  ASSERT_NO_FATAL_FAILURE(w.send_data({2, 6}));

  auto r = w.run("delete", {"-f", "-s", "schools"});
  EXPECT_EQ(r.exit_code, 0) << diag(r);  // every payload refused (409), yet Python's status: 0
  EXPECT_NE(r.err.find("StudentSchoolAssociation"), std::string::npos) << r.err;
  auto res = w.results_json();
  const auto& f = res["resources"]["schools"]["failures"];
  ASSERT_EQ(f.size(), 1u) << res.dump(2);
  EXPECT_EQ(f[0]["status_code"], 409);
  EXPECT_NE(f[0]["message"].get<std::string>().find("StudentSchoolAssociation"), std::string::npos);
  EXPECT_EQ(f[0]["line_numbers"], json::array({1, 2}));
  EXPECT_EQ(documents(sandbox.base_url(), "schools"), 2);
  EXPECT_EQ(documents(sandbox.base_url(), "studentSchoolAssociations"), 6);
  EXPECT_EQ(documents(sandbox.base_url(), "students"), 6);
  EXPECT_EQ(w.state_rows("schools"), 2u);  // failed deletes keep their state rows
}

TEST(Delete, SecondDeleteFindsNothingAndSkipsEverything) {
  Sandbox sandbox;
  Work w(sandbox.base_url(), ConfigOptions().with(k_force_delete));
  ASSERT_NO_FATAL_FAILURE(w.send_data({2, 10}));
  auto first = w.run("delete", {"-f", "-s", "studentSchoolAssociations"});
  ASSERT_EQ(first.exit_code, 0) << diag(first);
  EXPECT_EQ(w.state_rows("studentSchoolAssociations"), 0u);

  // The state no longer knows these payloads, so they are looked up again (no -f needed) and not found.
  auto second = w.run("delete", {"-s", "studentSchoolAssociations"});
  EXPECT_EQ(second.exit_code, 0) << diag(second);
  auto res = w.results_json();
  const auto& ssa = res["resources"]["studentSchoolAssociations"];
  EXPECT_EQ(ssa["records_processed"], 10);
  EXPECT_EQ(ssa["records_skipped"], 10);
  EXPECT_EQ(ssa["records_failed"], 0);
  ASSERT_EQ(ssa["skipped_reasons"].size(), 1u) << res.dump(2);
  EXPECT_EQ(ssa["skipped_reasons"][0]["message"], "payload not found in API");
  EXPECT_EQ(ssa["skipped_reasons"][0]["count"], 10);
  EXPECT_NE(second.err.find("payload not found in API"), std::string::npos);
  EXPECT_EQ(w.state_rows("studentSchoolAssociations"), 0u);
  EXPECT_EQ(documents(sandbox.base_url(), "students"), 10);
}

TEST(Delete, ServerErrorsAreRetriedUntilEveryRecordIsDeleted) {
  Sandbox sandbox({"--fail-rate", "0.3", "--fail-status", "503", "--retry-after", "0", "--seed", "7"});
  Work w(sandbox.base_url(), ConfigOptions().retries(12, 0.01).with(k_force_delete));
  ASSERT_NO_FATAL_FAILURE(w.send_data({2, 40}));
  ASSERT_EQ(documents(sandbox.base_url(), "studentSchoolAssociations"), 40);

  auto r = w.run("delete", {"-f", "-s", "studentSchoolAssociations"});
  ASSERT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_EQ(documents(sandbox.base_url(), "studentSchoolAssociations"), 0);
  auto res = w.results_json();
  EXPECT_EQ(res["total_records_failed"], 0);
  EXPECT_EQ(res["resources"]["studentSchoolAssociations"]["successes"][0]["count"], 40);
}

// Issue 13 item 4: the answer is read from standard input whatever it is, as Python's input().
TEST(Delete, ConfirmationIsReadFromAPipeAndNoInputRefuses) {
  Sandbox sandbox;
  Work w(sandbox.base_url());  // no force_delete
  ASSERT_NO_FATAL_FAILURE(w.send_data({2, 4}));
  const std::vector<std::string> args{"-f", "-s", "studentSchoolAssociations,students"};
  for (const char* answer : {"", "no\n", "YES\n"}) {
    RunOptions ro;
    ro.stdin_data = answer;  // "": end of input at once, as </dev/null in a pipeline
    auto r = w.run("delete", args, ro);
    EXPECT_EQ(r.exit_code, 1) << answer << diag(r);
    // Python's exit('You did not type "yes" - exiting.'): the text alone on stderr, not a log line.
    EXPECT_NE(r.err.find("\nYou did not type \"yes\" - exiting.\n"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("ERROR"), std::string::npos) << r.err;
    EXPECT_EQ(documents(sandbox.base_url(), "studentSchoolAssociations"), 4);
  }
  RunOptions yes;
  yes.stdin_data = "yes\n";  // echo yes | lightbeam delete ...
  auto r = w.run("delete", args, yes);
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  // Python's prompt: the first endpoint after a bullet, the others after dashes, reverse order.
  EXPECT_NE(r.out.find("Preparing to delete the following endpoints:\n\t \u2022 studentSchoolAssociations\n\t - students\n"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(documents(sandbox.base_url(), "studentSchoolAssociations"), 0);
  EXPECT_EQ(documents(sandbox.base_url(), "students"), 0);
}

TEST(Delete, OnATerminalOnlyATypedYesDeletes) {
  Sandbox sandbox;
  Work w(sandbox.base_url());  // no force_delete: ask
  ASSERT_NO_FATAL_FAILURE(w.send_data({2, 4}));
  const std::vector<std::string> args{"delete", "-c", w.config.string(), "-f", "-s", "studentSchoolAssociations"};

  auto no = run_on_terminal(args, "no\n", w.dir.path());
  ASSERT_NE(no.exit_code, -1) << no.err;
  EXPECT_EQ(no.exit_code, 1) << no.err;
  EXPECT_NE(no.out.find("Preparing to delete the following endpoints:"), std::string::npos) << no.out;
  EXPECT_NE(no.out.find("studentSchoolAssociations"), std::string::npos) << no.out;
  EXPECT_NE(no.out.find("Type \"yes\" to confirm you want to delete payloads for the selected endpoints? "),
            std::string::npos)
      << no.out;
  EXPECT_NE(no.err.find("You did not type \"yes\" - exiting."), std::string::npos) << no.err;
  EXPECT_EQ(documents(sandbox.base_url(), "studentSchoolAssociations"), 4);

  auto yes = run_on_terminal(args, "yes\n", w.dir.path());
  EXPECT_EQ(yes.exit_code, 0) << yes.err;
  EXPECT_EQ(documents(sandbox.base_url(), "studentSchoolAssociations"), 0);
}

TEST(Delete, DataDirWithoutFilesForTheSelectionIsAnError) {
  Sandbox sandbox;
  Work w(sandbox.base_url(), ConfigOptions().with(k_force_delete));
  auto r = w.run("delete", {"-s", "students"});
  EXPECT_EQ(r.exit_code, 255);  // Python's logger.critical → SystemExit(-1)
  EXPECT_NE(r.err.find("has no *.jsonl files for selected endpoints"), std::string::npos) << r.err;
}

TEST(Delete, InterruptedDeleteRemovesStateOnlyForConfirmedDeletes) {
  Sandbox sandbox({"--latency-ms", "20"});
  Work w(sandbox.base_url(), ConfigOptions().retries(2, 0.05).with(k_force_delete));
  ASSERT_NO_FATAL_FAILURE(w.send_data({2, 300}, {"-s", "*Descriptors,schools,students"}));
  ASSERT_EQ(documents(sandbox.base_url(), "students"), 300);

  {
    Background bg({"delete", "-c", w.config.string(), "-f", "-s", "students", "--results-file", w.results.string()},
                  w.dir.path());
    wait_until_at_most(sandbox.base_url(), "students", 250);
    bg.signal(SIGINT);
    const int rc = bg.wait();
    EXPECT_EQ(rc, 130) << bg.err();
  }
  const long left = documents(sandbox.base_url(), "students");
  EXPECT_GT(left, 0);  // it stopped early
  EXPECT_LT(left, 300);
  // After a graceful stop the state matches the API exactly: a row per record still there.
  EXPECT_EQ(static_cast<long>(w.state_rows("students")), left);
  EXPECT_EQ(w.results_json().value("interrupted", false), true) << w.results_json().dump(2);

  {
    Background bg({"delete", "-c", w.config.string(), "-f", "-s", "students"}, w.dir.path());
    wait_until_at_most(sandbox.base_url(), "students", left - 20);
    bg.signal(SIGKILL);
    bg.wait();
  }
  const long after_kill = documents(sandbox.base_url(), "students");
  // kill -9: rows are only ever removed after a confirmed delete, so at least one row per record left.
  EXPECT_GE(static_cast<long>(w.state_rows("students")), after_kill);

  auto rerun = w.run("delete", {"-f", "-s", "students"});
  EXPECT_TRUE(rerun.exit_code == 0 || rerun.exit_code == 99) << diag(rerun);
  EXPECT_EQ(documents(sandbox.base_url(), "students"), 0);
  EXPECT_EQ(w.state_rows("students"), 0u);
}

}  // namespace
}  // namespace lightbeam::testing
