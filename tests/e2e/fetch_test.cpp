// End-to-end: the real `lightbeam fetch` against the real edfi-sandbox, both flavours: JSONL files in
// the API's order, compact lines, paging, -q/-k/-d, page-size maximum, errors never leaving half files.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "support/e2e.hpp"

namespace {

using namespace lightbeam::testing;
namespace fs = std::filesystem;

class FetchTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::string flavor() const { return GetParam(); }
};

std::vector<std::string> leftovers(const fs::path& dir) {
  std::vector<std::string> out;
  for (auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp-") != std::string::npos) out.push_back(e.path().string());
  return out;
}

TEST_P(FetchTest, WritesOneCompactObjectPerLineInApiOrder) {
  Sandbox sandbox({"--flavor", flavor()});
  seed(sandbox.base_url(), "gradeLevelDescriptors", descriptors("GradeLevelDescriptor", 7, "G"));
  seed(sandbox.base_url(), "sexDescriptors", descriptors("SexDescriptor", 2, "S"));
  Work w(sandbox.base_url(), ConfigOptions().with("fetch:\n  page_size: 2\n"));
  auto r = run_lightbeam({"fetch", "-c", w.config.string(), "-s", "*Descriptors"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = lines_of(read_file(w.data / "gradeLevelDescriptors.jsonl"));
  ASSERT_EQ(lines.size(), 7u);
  for (size_t i = 0; i < lines.size(); ++i) {
    auto doc = nlohmann::json::parse(lines[i]);
    EXPECT_EQ(doc["codeValue"], "G" + std::to_string(i));  // insertion order = API order
    EXPECT_TRUE(doc.contains("id"));
    // Python's json.dumps(row) bytes: ", " and ": " separators, nothing else added (issue 13 item 10).
    EXPECT_EQ(lines[i].rfind("{\"", 0), 0u) << lines[i];
    EXPECT_NE(lines[i].find("\"codeValue\": \"G" + std::to_string(i) + "\", "), std::string::npos) << lines[i];
    EXPECT_EQ(lines[i].find("\":\""), std::string::npos) << lines[i];
  }
  EXPECT_EQ(lines_of(read_file(w.data / "sexDescriptors.jsonl")).size(), 2u);
  // Endpoints without records get no file (as the Python tool).
  EXPECT_FALSE(fs::exists(w.data / "schoolTypeDescriptors.jsonl"));
  EXPECT_TRUE(leftovers(w.data).empty());
  // 7 records at page size 2: one count request and four pages.
  auto stats = sandbox_stats(sandbox.base_url());
  EXPECT_EQ(route_count(stats, "GET /ed-fi/gradeLevelDescriptors"), 5);
  EXPECT_EQ(route_count(stats, "GET /ed-fi/sexDescriptors"), 2);
}

TEST_P(FetchTest, KeepDropKeysAndQuery) {
  Sandbox sandbox({"--flavor", flavor()});
  seed(sandbox.base_url(), "gradeLevelDescriptors", descriptors("GradeLevelDescriptor", 5, "G"));
  Work w(sandbox.base_url());
  auto file = w.data / "gradeLevelDescriptors.jsonl";

  auto keep = run_lightbeam({"fetch", "-c", w.config.string(), "-s", "gradeLevelDescriptors", "-k", "codeValue,name*"});
  ASSERT_EQ(keep.exit_code, 0) << keep.err;
  auto lines = lines_of(read_file(file));
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0], "{\"codeValue\": \"G0\", \"namespace\": \"uri://ed-fi.org/GradeLevelDescriptor\"}");

  auto drop = run_lightbeam({"fetch", "-c", w.config.string(), "-s", "gradeLevelDescriptors", "-d", "id,_*,*escription"});
  ASSERT_EQ(drop.exit_code, 0) << drop.err;
  lines = lines_of(read_file(file));
  ASSERT_EQ(lines.size(), 5u);
  auto doc = nlohmann::json::parse(lines[4]);
  EXPECT_FALSE(doc.contains("id"));
  EXPECT_FALSE(doc.contains("_etag"));
  EXPECT_FALSE(doc.contains("_lastModifiedDate"));
  EXPECT_FALSE(doc.contains("shortDescription"));
  EXPECT_FALSE(doc.contains("description"));
  EXPECT_EQ(doc["codeValue"], "G4");

  auto query = run_lightbeam({"fetch", "-c", w.config.string(), "-s", "gradeLevelDescriptors", "-q", "{\"codeValue\": \"G3\"}"});
  ASSERT_EQ(query.exit_code, 0) << query.err;
  lines = lines_of(read_file(file));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(lines[0])["codeValue"], "G3");

  auto bad = run_lightbeam({"fetch", "-c", w.config.string(), "-q", "[1]"});
  EXPECT_EQ(bad.exit_code, 1);  // a mistake in the arguments
  EXPECT_NE(bad.err.find("-q/--query must be a JSON object"), std::string::npos) << bad.err;
}

TEST_P(FetchTest, PageSizeAboveTheMaximumIsRefusedBeforeSending) {
  Sandbox sandbox({"--flavor", flavor()});
  Work w(sandbox.base_url(), ConfigOptions().with("fetch:\n  page_size: 501\n"));
  auto r = run_lightbeam({"fetch", "-c", w.config.string(), "-s", "schools"});
  EXPECT_EQ(r.exit_code, 255);
  EXPECT_NE(r.err.find("fetch.page_size 501 is above the API's maximum page size 500"), std::string::npos) << r.err;
  EXPECT_EQ(data_requests(sandbox_stats(sandbox.base_url()), "GET"), 0);
}

TEST_P(FetchTest, AnErrorKeepsTheOldFileAndExitsOne) {
  Sandbox sandbox({"--flavor", flavor(), "--fail-rate", "1", "--fail-status", "500"});
  Work w(sandbox.base_url(), ConfigOptions().pool(2).retries(1, 0.01));
  write_file(w.data / "schools.jsonl", "{\"old\":true}\n");
  auto r = run_lightbeam({"fetch", "-c", w.config.string(), "-s", "schools"});
  EXPECT_EQ(r.exit_code, 255);
  EXPECT_NE(r.err.find("Unable to load records for schools (count): HTTP 500"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(w.data / "schools.jsonl"), "{\"old\":true}\n");
  EXPECT_TRUE(leftovers(w.data).empty());
}

TEST_P(FetchTest, ManyPagesWithDs52) {
  if (!have_ds52_specs()) GTEST_SKIP() << "DS 5.2 specs not found in ../shared/edfi/ds-5.2";
  Sandbox sandbox({"--flavor", flavor(), "--specs", ds52_specs_dir().string()});
  seed(sandbox.base_url(), "academicSubjectDescriptors", descriptors("AcademicSubjectDescriptor", 45, "A"));
  Work w(sandbox.base_url(), ConfigOptions().with("fetch:\n  page_size: 10\n"));
  auto r = run_lightbeam({"fetch", "-c", w.config.string(), "-s", "academicSubject*"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = lines_of(read_file(w.data / "academicSubjectDescriptors.jsonl"));
  ASSERT_EQ(lines.size(), 45u);
  for (size_t i = 0; i < lines.size(); ++i)
    EXPECT_EQ(nlohmann::json::parse(lines[i])["codeValue"], "A" + std::to_string(i));
  EXPECT_EQ(route_count(sandbox_stats(sandbox.base_url()), "GET /ed-fi/academicSubjectDescriptors"), 1 + 5);
  // The OpenAPI documents were cached: a second run reads them from {state_dir}/cache.
  int cached = 0;
  for (auto& e : fs::directory_iterator(w.state / "cache"))
    if (e.path().filename().string().rfind("swagger-", 0) == 0) ++cached;
  EXPECT_EQ(cached, 2);
}

INSTANTIATE_TEST_SUITE_P(Flavors, FetchTest, ::testing::Values("dms", "ods"));

}  // namespace

// Issue 15: fetch handles SIGINT/SIGTERM like send: the first stops new requests, the unfinished
// endpoint's temporary file is removed, an existing {endpoint}.jsonl is left as it was, exit 130;
// a second signal quits at once with a log line and removes the temporary file too.
namespace {

// 200 students in a sandbox database file; then a sandbox on that file with 100 ms per data
// request, so that fetch with 2-record pages and 2 in flight takes about 5 s.
struct SlowFetch {
  TempDir db_dir;
  std::string db = (db_dir / "sandbox.db").string();
  std::unique_ptr<Sandbox> slow;
  std::unique_ptr<Work> w;
  SlowFetch() {
    {
      Sandbox fast({"--db", db});
      Work seed(fast.base_url());
      write_file(seed.data / "students.jsonl", students(200));
      auto r = seed.run("send");
      EXPECT_EQ(r.exit_code, 0) << r.err;
    }
    // 300 ms: the in-flight requests outlive the gap between two signals on a loaded machine.
    slow = std::make_unique<Sandbox>(std::vector<std::string>{"--db", db, "--latency-ms", "300"});
    w = std::make_unique<Work>(slow->base_url(), ConfigOptions().pool(2));
    write_file(w->data / "students.jsonl", "{\"old\":true}\n");
  }
  std::vector<std::string> args() const {
    return {"fetch", "-c", w->config.string(), "-s", "students", "--set", "fetch.page_size", "2"};
  }
  // Waits (at most 30 s) until fetch has written its temporary file.
  bool wait_for_temp_file() const {
    for (int i = 0; i < 1500; ++i) {
      if (!leftovers(w->data).empty()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
};

}  // namespace

TEST(FetchInterrupt, FirstSignalStopsRemovesTheTemporaryFileAndExits130) {
  for (int sig : {SIGINT, SIGTERM}) {
    SlowFetch f;
    Background bg(f.args(), f.w->dir.path());
    ASSERT_TRUE(f.wait_for_temp_file()) << bg.err();
    bg.signal(sig);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(bg.wait_at_most(30), 130) << bg.err();
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3)) << "took the whole fetch";
    EXPECT_NE(bg.err().find("WARNING interrupted: no new requests; waiting for the ones in flight"), std::string::npos) << bg.err();
    EXPECT_NE(bg.err().find("WARNING interrupted: "), std::string::npos) << bg.err();
    EXPECT_NE(bg.err().find("temporary files were removed"), std::string::npos) << bg.err();
    EXPECT_EQ(bg.err().find("Unable to load records"), std::string::npos) << bg.err();
    EXPECT_TRUE(leftovers(f.w->data).empty());
    EXPECT_EQ(read_file(f.w->data / "students.jsonl"), "{\"old\":true}\n");
  }
}

TEST(FetchInterrupt, TwoQuickSignalsQuitAtOnceWithALogLineAndNoTemporaryFile) {
  SlowFetch f;
  Background bg(f.args(), f.w->dir.path());
  ASSERT_TRUE(f.wait_for_temp_file()) << bg.err();
  bg.signal(SIGINT);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // back to back, the kernel would merge them
  bg.signal(SIGINT);
  EXPECT_EQ(bg.wait_at_most(30), 130) << bg.err();
  EXPECT_NE(bg.err().find("WARNING interrupted again: quitting at once; removing the unfinished temporary files"), std::string::npos)
      << bg.err();
  EXPECT_TRUE(leftovers(f.w->data).empty());
  EXPECT_EQ(read_file(f.w->data / "students.jsonl"), "{\"old\":true}\n");
}
