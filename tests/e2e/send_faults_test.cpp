// lightbeam send against a misbehaving API: 503 bursts, 429 + Retry-After, dropped connections,
// latency, 1-second tokens, wrong credentials, the server stopping mid-run, and lightbeam itself
// killed with SIGKILL mid-run. Every record must end up in the API exactly as the state says.
#include <signal.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "support/e2e.hpp"

using namespace lightbeam::testing;

namespace {

// Sends n students; the run must succeed and every record be in the API and counted in the results.
void send_all(const Sandbox& sb, const Work& w, int n) {
  write_file(w.data / "students.jsonl", students(n));
  auto r = w.run("send");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(documents(sb.base_url(), "students"), n) << r.err;
  auto res = w.results_json();
  EXPECT_EQ(res["total_records_processed"], n);
  EXPECT_EQ(res["total_records_failed"], 0) << res.dump(2);
}

}  // namespace

TEST(SendFaults, ServiceUnavailableBurstsAreRetried) {
  Sandbox sb({"--fail-rate", "0.3", "--fail-status", "503", "--retry-after", "0", "--seed", "7"});
  Work w(sb.base_url(), ConfigOptions().retries(10, 0.01));
  ASSERT_NO_FATAL_FAILURE(send_all(sb, w, 200));
  auto stats = sandbox_stats(sb.base_url());
  EXPECT_GT(stats["requests"]["faults"].size(), 0u) << stats.dump();
  EXPECT_EQ(w.results_json()["resources"]["students"]["successes"], json::parse(R"([{"status_code":201,"count":200}])"));
}

TEST(SendFaults, TooManyRequestsWithRetryAfterIsHonoured) {
  Sandbox sb({"--fail-rate", "0.2", "--fail-status", "429", "--retry-after", "1", "--seed", "3"});
  Work w(sb.base_url(), ConfigOptions().retries(10, 0.01));
  ASSERT_NO_FATAL_FAILURE(send_all(sb, w, 100));
  auto res = w.results_json();
  // Waiting Retry-After (1 s) at least once: the run cannot be faster than that.
  EXPECT_GE(res["runtime_sec"].get<double>(), 1.0);
}

TEST(SendFaults, ResetConnectionsAreRetried) {
  Sandbox sb({"--reset-rate", "0.15", "--seed", "11"});
  Work w(sb.base_url(), ConfigOptions().retries(10, 0.01));
  ASSERT_NO_FATAL_FAILURE(send_all(sb, w, 200));
}

TEST(SendFaults, LatencyIsFine) {
  Sandbox sb({"--latency-ms", "40"});
  Work w(sb.base_url());
  ASSERT_NO_FATAL_FAILURE(send_all(sb, w, 80));
}

TEST(SendFaults, OneSecondTokensStillEndEveryRecord201) {
  Sandbox sb({"--token-ttl", "1", "--latency-ms", "10"});
  Work w(sb.base_url(), ConfigOptions().retries(4, 0.01));
  ASSERT_NO_FATAL_FAILURE(send_all(sb, w, 400));  // ~0.5 s at pool 8 and 10 ms: several tokens
  EXPECT_EQ(w.results_json()["resources"]["students"]["successes"], json::parse(R"([{"status_code":201,"count":400}])"));
  EXPECT_GE(sandbox_stats(sb.base_url())["tokens_issued"].get<long>(), 1);
}

TEST(SendFaults, WrongCredentialsAreAClearErrorWithoutTheSecret) {
  Sandbox sb;
  Work w(sb.base_url(), ConfigOptions().client_secret("TopSecretWrong123"));
  write_file(w.data / "students.jsonl", students(5));
  auto r = w.run("send");
  EXPECT_EQ(r.exit_code, 255);
  EXPECT_EQ(r.err.find("TopSecretWrong123"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ERROR"), std::string::npos) << r.err;
  EXPECT_EQ(documents(sb.base_url(), "students"), 0);
}

// Issue 15 Bad #3: a password in base_url's userinfo reached the DEBUG log and the results file.
TEST(SendFaults, UrlPasswordNeverReachesTheLogOrTheResultsFile) {
  Sandbox sb;
  const std::string password = "UrlPassw0rd77";
  std::string url = sb.base_url();
  url.insert(url.find("://") + 3, "lbuser:" + password + "@");
  Work w(url);
  write_file(w.data / "students.jsonl", students(5));
  auto r = w.run("send", {"--set", "log_level", "DEBUG"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("DEBUG"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(password), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find(password), std::string::npos) << r.out;
  const std::string results = read_file(w.results);
  EXPECT_EQ(results.find(password), std::string::npos) << results;
  EXPECT_NE(results.find("lbuser:***@"), std::string::npos) << results;
  EXPECT_EQ(documents(sb.base_url(), "students"), 5);
}

TEST(SendFaults, ServerStoppedMidRunKeepsStateAndTheRerunSendsOnlyTheRest) {
  TempDir db_dir;
  const std::string db = (db_dir / "sandbox.sqlite3").string();
  Work w;
  const int n = 1500;
  write_file(w.data / "students.jsonl", students(n));
  long before = 0;
  {
    auto sb = std::make_unique<Sandbox>(std::vector<std::string>{"--db", db, "--latency-ms", "10"});
    w.write_config(sb->base_url(), ConfigOptions().retries(1, 0.01));
    Background bg({"send", "-c", w.config.string(), "--results-file", w.results.string()}, w.dir.path());
    ASSERT_TRUE(wait_for_documents(sb->base_url(), "students", 100));
    sb->stop();
    int rc = bg.wait();
    EXPECT_EQ(rc, 255) << bg.err();
    EXPECT_NE(bg.err().find("stopped answering"), std::string::npos) << bg.err();
    EXPECT_NE(bg.err().find("run"), std::string::npos);
  }
  Sandbox sb({"--db", db});
  before = documents(sb.base_url(), "students");
  ASSERT_GT(before, 0);
  ASSERT_LT(before, n);
  w.write_config(sb.base_url());
  auto r = w.run("send");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto res = w.results_json();
  long skipped = res["total_records_skipped"].get<long>();
  EXPECT_EQ(skipped, before);  // exactly what the server had stored was remembered
  EXPECT_EQ(documents(sb.base_url(), "students"), n);
}

TEST(SendFaults, KilledMidRunThenRerunResendsAtMostPoolSize) {
  Sandbox sb({"--latency-ms", "10"});
  Work w(sb.base_url());
  const int n = 2000;
  write_file(w.data / "students.jsonl", students(n));
  {
    Background bg({"send", "-c", w.config.string()}, w.dir.path());
    ASSERT_TRUE(wait_for_documents(sb.base_url(), "students", 300));
    bg.signal(SIGKILL);
    EXPECT_EQ(bg.wait(), 128 + SIGKILL);
  }
  // Requests in flight at the kill may still land; wait until the server is quiet.
  long docs = -1;
  for (int i = 0; i < 100; ++i) {
    long now = documents(sb.base_url(), "students");
    if (now == docs) break;
    docs = now;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_LT(docs, n);
  auto r = w.run("send");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto res = w.results_json();
  long resent = res["total_records_processed"].get<long>() - res["total_records_skipped"].get<long>();
  long duplicates = resent - (n - docs);
  EXPECT_GE(duplicates, 0);
  EXPECT_LE(duplicates, 8) << "pool_size is 8; resent " << resent << " with " << docs << " of " << n << " present";
  EXPECT_EQ(documents(sb.base_url(), "students"), n);
  EXPECT_EQ(res["total_records_failed"], 0);
}

// A payload whose last attempt ended in a 5xx (or 401, 429, a timeout) got no answer about
// itself: it is not recorded as sent, and once the API recovers the same command sends it.
TEST(SendFaults, PayloadsWithoutADefiniteAnswerAreSentAgainNextRun) {
  Work w;
  write_file(w.data / "students.jsonl", students(20));
  {
    Sandbox failing({"--fail-rate", "1", "--fail-status", "503", "--retry-after", "0"});
    w.write_config(failing.base_url(), ConfigOptions().retries(1, 0.01));
    auto r = w.run("send");
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("20 payloads got no definite answer"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("running the same command again sends them"), std::string::npos) << r.err;
    EXPECT_EQ(w.state_rows("students"), 0u);
  }
  Sandbox healthy;
  w.write_config(healthy.base_url());
  auto r = w.run("send");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(documents(healthy.base_url(), "students"), 20);
  EXPECT_EQ(r.err.find("no definite answer"), std::string::npos) << r.err;
  EXPECT_EQ(w.state_rows("students"), 20u);
}

// Issue 15: a request that is never answered ends after (num_retries + 1) timeouts, its own
// attempts only (a retry keeps its pool slot, so it never waits behind new requests), with one
// failure entry "timed out after N s" naming every line; after 3 such lines the run ends.
TEST(SendFaults, UnansweredRequestsTimeOutWithTheirLinesAndEndTheRun) {
  Sandbox sb({"--hang-rate", "1"});
  Work w(sb.base_url(), ConfigOptions().pool(1).timeout_seconds(1).retries(1, 0.01));
  write_file(w.data / "students.jsonl", students(5));
  auto r = w.run("send");
  EXPECT_EQ(r.exit_code, 255) << r.err;
  EXPECT_NE(r.err.find("stopped answering (timed out after 1 s"), std::string::npos) << r.err;
  // 3 lines × 2 attempts reached the server; lines 4 and 5 were never sent.
  EXPECT_EQ(sandbox_stats(sb.base_url())["requests"]["faults"]["hung"], 6);
  auto failures = w.results_json()["resources"]["students"]["failures"];
  ASSERT_EQ(failures.size(), 1u) << failures.dump(2);
  EXPECT_EQ(failures[0]["message"], "timed out after 1 s (2 attempts; connection.timeout: 1)");
  EXPECT_EQ(failures[0]["line_numbers"], json::parse("[1,2,3]"));
  EXPECT_EQ(w.state_rows("students"), 0u);
}
