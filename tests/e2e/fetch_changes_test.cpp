// End-to-end: `lightbeam fetch` with change queries against the real edfi-sandbox, both flavours:
// --min/--max-change-version windows (and the same in -q), --incremental remembering the newest
// change version per endpoint and API, --deletes writing the deletes and key changes, and a clear
// error from an API without change queries.
#include <gtest/gtest.h>

#include "sandbox/sandbox_client.hpp"
#include "support/e2e.hpp"

namespace {

using namespace lightbeam::testing;
using sandbox_test::Api;
using sandbox_test::Response;
namespace fs = std::filesystem;

class FetchChanges : public ::testing::TestWithParam<std::string> {
 protected:
  std::uint64_t newest() const {
    Response r = sandbox_test::http("GET", api.host() + (api.flavor() == "ods" ? "/api" : "") +
                                               "/changeQueries/v1/availableChangeVersions",
                                    "", {"Authorization: Bearer " + api.token()});
    return r.json_body().value("newestChangeVersion", std::uint64_t{0});
  }
  std::vector<std::string> unique_ids(const fs::path& file) const {
    std::vector<std::string> out;
    for (auto& line : lines_of(read_file(file))) out.push_back(nlohmann::json::parse(line)["studentUniqueId"]);
    return out;
  }
  ProcessResult fetch(std::vector<std::string> args) const {
    std::vector<std::string> all = {"fetch", "-c", w.config.string(), "-s", "students"};
    all.insert(all.end(), args.begin(), args.end());
    return run_lightbeam(all);
  }
  Api api{GetParam()};
  Work w{api.base()};
  fs::path students = w.data / "students.jsonl";
};

}  // namespace

TEST_P(FetchChanges, WindowFromOptionsOrQueryKeepsOnlyWhatChangedInIt) {
  api.create("/ed-fi/students", sandbox_test::student("s1"));
  api.create("/ed-fi/students", sandbox_test::student("s2"));
  std::uint64_t cv2 = newest();
  api.create("/ed-fi/students", sandbox_test::student("s3"));

  auto after = fetch({"--min-change-version", std::to_string(cv2 + 1)});
  ASSERT_EQ(after.exit_code, 0) << diag(after);
  EXPECT_EQ(unique_ids(students), std::vector<std::string>{"s3"});
  auto upto = fetch({"--max-change-version", std::to_string(cv2)});
  ASSERT_EQ(upto.exit_code, 0) << diag(upto);
  EXPECT_EQ(unique_ids(students), (std::vector<std::string>{"s1", "s2"}));
  // Upstream #94: the same window through -q.
  auto query = fetch({"-q", "{\"minChangeVersion\": " + std::to_string(cv2) + "}"});
  ASSERT_EQ(query.exit_code, 0) << diag(query);
  EXPECT_EQ(unique_ids(students), (std::vector<std::string>{"s2", "s3"}));
  // A window with no changes leaves an empty file, not the previous run's records.
  auto none = fetch({"--min-change-version", std::to_string(newest() + 1)});
  ASSERT_EQ(none.exit_code, 0) << diag(none);
  ASSERT_TRUE(fs::exists(students));
  EXPECT_EQ(read_file(students), "");

  auto reversed = fetch({"--min-change-version", "5", "--max-change-version", "4"});
  EXPECT_EQ(reversed.exit_code, 1);
  EXPECT_NE(reversed.err.find("--min-change-version 5 is above --max-change-version 4"), std::string::npos) << reversed.err;
  auto bad = fetch({"--min-change-version", "soon"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("--min-change-version must be a change version, a whole number 0 or more"), std::string::npos)
      << bad.err;
}

TEST_P(FetchChanges, IncrementalFetchesOnlyWhatChangedSinceTheLastRunAndForceStartsOver) {
  std::string s1 = api.create("/ed-fi/students", sandbox_test::student("s1"));
  api.create("/ed-fi/students", sandbox_test::student("s2"));
  auto first = fetch({"--incremental"});
  ASSERT_EQ(first.exit_code, 0) << diag(first);
  EXPECT_EQ(unique_ids(students), (std::vector<std::string>{"s1", "s2"}));

  auto quiet = fetch({"--incremental"});
  ASSERT_EQ(quiet.exit_code, 0) << diag(quiet);
  EXPECT_EQ(read_file(students), "");  // nothing changed

  nlohmann::json changed = sandbox_test::student("s1");
  changed["firstName"] = "Renamed";
  if (api.flavor() == "dms") changed["id"] = s1;
  ASSERT_EQ(api.put("/ed-fi/students/" + s1, changed).status, 204);
  api.create("/ed-fi/students", sandbox_test::student("s3"));
  auto changes = fetch({"--incremental"});
  ASSERT_EQ(changes.exit_code, 0) << diag(changes);
  EXPECT_EQ(unique_ids(students), (std::vector<std::string>{"s1", "s3"}));
  EXPECT_EQ(nlohmann::json::parse(lines_of(read_file(students))[0])["firstName"], "Renamed");

  auto all = fetch({"--incremental", "-f"});
  ASSERT_EQ(all.exit_code, 0) << diag(all);
  EXPECT_EQ(unique_ids(students), (std::vector<std::string>{"s1", "s2", "s3"}));
  // The memory is per endpoint URL, in the state directory.
  auto memory = nlohmann::json::parse(read_file(w.state / "fetch-change-versions.json"));
  ASSERT_EQ(memory.size(), 1u) << memory.dump();
  EXPECT_EQ(memory.begin().value(), newest());
}

TEST_P(FetchChanges, DeletesAndKeyChangesAreWrittenBesideTheRecords) {
  sandbox_test::seed_school(api);
  api.create("/ed-fi/students", sandbox_test::student("s1"));
  std::string gone = api.create("/ed-fi/students", sandbox_test::student("s2"));
  std::string enrollment = api.create("/ed-fi/studentSchoolAssociations", sandbox_test::ssa("s1", 255901, "2024-08-20"));
  std::uint64_t start = newest();
  ASSERT_EQ(api.del("/ed-fi/students/" + gone).status, 204);
  nlohmann::json moved = sandbox_test::ssa("s1", 255901, "2024-09-03");
  if (api.flavor() == "dms") moved["id"] = enrollment;
  ASSERT_EQ(api.put("/ed-fi/studentSchoolAssociations/" + enrollment, moved).status, 204);

  auto r = run_lightbeam({"fetch", "-c", w.config.string(), "-s", "students,studentSchoolAssociations", "--deletes",
                          "--min-change-version", std::to_string(start + 1)});
  ASSERT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_EQ(read_file(students), "");  // no student changed in the window: only one was deleted
  auto deletes = lines_of(read_file(w.data / "students.deletes.jsonl"));
  ASSERT_EQ(deletes.size(), 1u);
  auto item = nlohmann::json::parse(deletes[0]);
  EXPECT_EQ(item["id"], gone);
  EXPECT_EQ(item["keyValues"], (nlohmann::json{{"studentUniqueId", "s2"}}));
  EXPECT_EQ(read_file(w.data / "students.keyChanges.jsonl"), "");
  auto keys = lines_of(read_file(w.data / "studentSchoolAssociations.keyChanges.jsonl"));
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(keys[0])["newKeyValues"]["entryDate"], "2024-09-03");
  EXPECT_EQ(nlohmann::json::parse(keys[0])["oldKeyValues"]["entryDate"], "2024-08-20");
  EXPECT_EQ(lines_of(read_file(w.data / "studentSchoolAssociations.jsonl")).size(), 1u);  // updated in the window
}

TEST(FetchChangesUnsupported, AnApiWithoutChangeQueriesIsOneClearErrorAndPlainFetchStillWorks) {
  Sandbox sandbox({"--flavor", "ods", "--no-change-queries"});
  seed(sandbox.base_url(), "gradeLevelDescriptors", descriptors("GradeLevelDescriptor", 3, "G"));
  Work w(sandbox.base_url());
  for (std::vector<std::string> option : {std::vector<std::string>{"--min-change-version", "1"},
                                          std::vector<std::string>{"--incremental"}, std::vector<std::string>{"--deletes"}}) {
    std::vector<std::string> args = {"fetch", "-c", w.config.string(), "-s", "gradeLevelDescriptors"};
    args.insert(args.end(), option.begin(), option.end());
    auto r = run_lightbeam(args);
    EXPECT_EQ(r.exit_code, 255) << option[0] << " " << diag(r);
    EXPECT_NE(r.err.find("does not offer change queries"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(w.data / "gradeLevelDescriptors.jsonl"));
  }
  auto plain = run_lightbeam({"fetch", "-c", w.config.string(), "-s", "gradeLevelDescriptors"});
  ASSERT_EQ(plain.exit_code, 0) << diag(plain);
  EXPECT_EQ(lines_of(read_file(w.data / "gradeLevelDescriptors.jsonl")).size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(Flavors, FetchChanges, ::testing::Values("dms", "ods"));
