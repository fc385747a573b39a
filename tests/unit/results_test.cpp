// Results collector: counters, grouping, both layouts, atomic write, the log summary.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "core/error.hpp"
#include "core/report/results.hpp"
#include "support/process.hpp"

using lightbeam::report::Layout;
using lightbeam::report::Results;
using lightbeam::report::RunInfo;
using nlohmann::ordered_json;

namespace {

RunInfo info() {
  RunInfo i;
  i.command = "send";
  i.config_file = "lightbeam.yaml";
  i.data_dir = "./data/";
  i.api_url = "http://127.0.0.1:1/api";
  i.namespace_ = "ed-fi";
  i.namespace_overrides = {{"tpdm", {"candidates"}}};
  return i;
}

void fill(Results& r) {
  r.begin_endpoint("schools");
  r.record_success("students", 201);
  r.record_success("students", 200);
  r.record_success("students", 201);
  r.record_failure("students", 400, "bad (at $.x)", "./students.jsonl", 9);
  r.record_failure("students", 400, "bad (at $.x)", "./students.jsonl", 3);
  r.record_failure("students", 400, "bad (at $.x)", "./students.jsonl", 5);
  r.record_failure("students", 409, "409: conflict", "./students.jsonl", 7);
  r.record_skipped("students");
}

}  // namespace

TEST(Results, CurrentLayout) {
  Results r(info());
  fill(r);
  auto doc = r.to_json(Layout::current);
  std::vector<std::string> keys;
  for (auto& [k, v] : doc.items()) keys.push_back(k);
  std::vector<std::string> expected{"started_at", "working_dir", "config_file", "data_dir", "api_url", "namespace",
                                    "namespace_overrides", "resources", "command", "completed_at", "runtime_sec",
                                    "total_records_processed", "total_records_skipped", "total_records_failed"};
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(doc["command"], "send");
  EXPECT_EQ(doc["namespace_overrides"]["tpdm"][0], "candidates");
  EXPECT_EQ(doc["resources"].begin().key(), "schools");  // first-use order
  EXPECT_EQ(doc["resources"]["schools"]["records_processed"], 0);
  EXPECT_FALSE(doc["resources"]["schools"].contains("failures"));
  const auto& s = doc["resources"]["students"];
  EXPECT_EQ(s["records_processed"], 8);
  EXPECT_EQ(s["records_skipped"], 1);
  EXPECT_EQ(s["records_failed"], 4);
  EXPECT_EQ(s["successes"], ordered_json::parse(R"([{"status_code":201,"count":2},{"status_code":200,"count":1}])"));
  ASSERT_EQ(s["failures"].size(), 2u);
  EXPECT_EQ(s["failures"][0], ordered_json::parse(R"J({"status_code":400,"message":"bad (at $.x)",
      "file":"./students.jsonl","line_numbers":[3,5,9],"count":3})J"));
  EXPECT_EQ(s["failures"][1]["status_code"], 409);
  EXPECT_EQ(doc["total_records_processed"], 8);
  EXPECT_EQ(doc["total_records_failed"], 4);
  EXPECT_FALSE(doc.contains("interrupted"));
  EXPECT_TRUE(r.to_json(Layout::current, true)["interrupted"].get<bool>());
  EXPECT_EQ(doc["started_at"].get<std::string>().size(), std::string("2023-06-08T17:18:25.053207").size());
}

TEST(Results, RenderPutsLineNumbersOnOneLineAndEscapesLikePython) {
  Results r(info());
  fill(r);
  r.record_failure("students", 400, "caf\xc3\xa9", "./s.jsonl", 2);
  std::string text = Results::render(r.to_json(Layout::current));
  EXPECT_NE(text.find("\"line_numbers\":[3,5,9]"), std::string::npos) << text;
  EXPECT_NE(text.find("caf\\u00e9"), std::string::npos);
  EXPECT_NE(text.find("\n    \"started_at\""), std::string::npos);
  EXPECT_EQ(ordered_json::parse(text)["total_records_processed"], 9);
}

TEST(Results, LegacyLayout) {
  Results r(info());
  fill(r);
  auto doc = r.to_json(Layout::legacy);
  const auto& s = doc["resources"]["students"];
  EXPECT_FALSE(s.contains("failures"));
  const auto& fs = s["failed_statuses"];
  EXPECT_EQ(fs["400"]["count"], 3);
  EXPECT_EQ(fs["400"]["bad (at $.x)"]["files"]["./students.jsonl"]["line_numbers"], "3,5,9");
  EXPECT_EQ(fs["400"]["bad (at $.x)"]["files"]["./students.jsonl"]["count"], 3);
  EXPECT_EQ(fs["409"]["409: conflict"]["files"]["./students.jsonl"]["line_numbers"], "7");
  EXPECT_EQ(std::prev(fs["400"].end()).key(), "count");
  EXPECT_EQ(s["records_failed"], 4);
}

TEST(Results, MethodFailuresForValidate) {
  Results r(info());
  r.record_method_failure("schools", "schema", "missing x", "./schools.jsonl", 2);
  r.record_method_failure("schools", "uniqueness", "dup", "./schools.jsonl", 2, /*count_record=*/false);
  r.add_counts("schools", 3, 0, 0);
  auto doc = r.to_json(Layout::current);
  const auto& s = doc["resources"]["schools"];
  EXPECT_EQ(s["records_processed"], 4);
  EXPECT_EQ(s["records_failed"], 1);
  EXPECT_EQ(s["failures"][0]["method"], "schema");
  EXPECT_FALSE(s["failures"][0].contains("status_code"));
  EXPECT_EQ(s["failures"][1]["method"], "uniqueness");
}

TEST(Results, AtomicWriteCreatesParentsAndLeavesNoTemp) {
  lightbeam::testing::TempDir dir;
  Results r(info());
  fill(r);
  auto path = dir / "out/nested/results.json";
  r.write(path, Layout::current);
  auto doc = ordered_json::parse(lightbeam::testing::read_file(path));
  EXPECT_EQ(doc["total_records_processed"], 8);
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(path.parent_path())) (void)e, ++files;
  EXPECT_EQ(files, 1);
  lightbeam::testing::write_file(dir / "plainfile", "x");
  try {
    r.write(dir / "plainfile/results.json", Layout::current);
    FAIL() << "expected an Error";
  } catch (const lightbeam::Error& e) {
    EXPECT_NE(std::string(e.what()).find("plainfile"), std::string::npos) << e.what();
  }
}

TEST(Results, LogSummaryListsTenReasonsThenOthers) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  auto logger = std::make_shared<spdlog::logger>("results_test", sink);
  logger->set_pattern("%v");
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);
  Results r(info());
  for (int i = 0; i < 12; ++i)
    for (int k = 0; k <= i; ++k) r.record_failure("students", 400, "reason " + std::to_string(i), "f", k + 1);
  r.record_success("students", 201);
  r.log_summary("students");
  spdlog::set_default_logger(previous);
  std::string text = out.str();
  EXPECT_NE(text.find("  (final status counts: {400: 78, 201: 1}) "), std::string::npos) << text;
  EXPECT_NE(text.find("  (reason: [reason 0]; instances: 1)"), std::string::npos) << text;
  EXPECT_NE(text.find("  (reason: [reason 9]; instances: 10)"), std::string::npos);
  EXPECT_EQ(text.find("reason 10]"), std::string::npos);
  EXPECT_NE(text.find("  (... and 2 others)"), std::string::npos);
  auto reasons = r.reasons("students");
  ASSERT_EQ(reasons.size(), 12u);
  EXPECT_EQ(reasons[11].second, 12u);
}
