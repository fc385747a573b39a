// State store: hashes equal to the Python tool's, persistence, resend criteria, crash journal,
// pickle import on first use, and the clear errors (corrupt DB, unwritable dir, disk full).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <filesystem>

#include "core/error.hpp"
#include "core/state/state_store.hpp"
#include "support/process.hpp"

using namespace lightbeam::state;
using lightbeam::testing::TempDir;

namespace {

std::string python3() { return lightbeam::testing::find_on_path("python3"); }

lightbeam::testing::RunOptions stdin_options(const std::string& data) {
  lightbeam::testing::RunOptions o;
  o.stdin_data = data;
  return o;
}

std::string python_md5(const std::string& line) {
  auto r = lightbeam::testing::run_process(
      {python3(), "-c", "import hashlib,sys; print(hashlib.md5(sys.stdin.buffer.read().decode().strip().encode()).hexdigest())"},
      stdin_options(line));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out.substr(0, 32);
}

ResendCriteria crit(bool force, std::optional<double> older, std::optional<double> newer, std::vector<int> statuses) {
  ResendCriteria c;
  c.force = force;
  c.older_than = older;
  c.newer_than = newer;
  c.statuses = std::move(statuses);
  return c;
}

StoreOptions opts(std::size_t rows, double seconds, std::optional<long> max_pages = std::nullopt) {
  StoreOptions o;
  o.commit_every_rows = rows;
  o.commit_every_seconds = seconds;
  o.max_page_count = max_pages;
  return o;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const lightbeam::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(StateStore, HashIsPythonsMd5OfTheStrippedLine) {
  EXPECT_EQ(to_hex(payload_hash("{}")), "99914b932bd37a50b983c5e7c90ae93b");
  EXPECT_EQ(payload_hash(" \t{}\r\n\f\v"), payload_hash("{}"));
  for (std::string line : {std::string("  {\"a\": \"caf\xc3\xa9\", \"b\": [1, 2]}\t"), std::string("{\"x\":\" inner  \"}\r\n")})
    EXPECT_EQ(to_hex(payload_hash(line)), python_md5(line)) << line;
}

TEST(StateStore, ResendCriteriaAreALogicalOr) {
  Entry e{1000.0, 400};
  EXPECT_FALSE(ResendCriteria{}.matches(e));
  EXPECT_TRUE(crit(true, {}, {}, {}).matches(e));
  EXPECT_TRUE(crit(false, 1001.0, {}, {}).matches(e));
  EXPECT_FALSE(crit(false, 1000.0, {}, {}).matches(e));
  EXPECT_TRUE(crit(false, {}, 999.0, {}).matches(e));
  EXPECT_FALSE(crit(false, {}, 1000.0, {}).matches(e));
  EXPECT_TRUE(crit(false, {}, {}, {201, 400}).matches(e));
  EXPECT_FALSE(crit(false, {}, {}, {201}).matches(e));
  EXPECT_TRUE(crit(false, 10.0, {}, {400}).matches(e));
}

TEST(StateStore, RecordsPersistAcrossRunsAndEndpointsAreSeparate) {
  TempDir dir;
  auto state_dir = dir / "state/nested";  // created when missing
  auto a = payload_hash("{\"a\":1}"), b = payload_hash("{\"b\":1}");
  {
    StateStore store(state_dir);
    store.record("students", a, 201, 1000);
    store.record("students", b, 400, 2000);
    store.record("schools", a, 200, 3000);
    store.record("students", b, 201, 4000);  // upsert
  }
  EXPECT_TRUE(std::filesystem::exists(state_dir / StateStore::k_file_name));
  StateStore store(state_dir);
  auto st = store.load("students");
  EXPECT_EQ(st.size(), 2u);
  ASSERT_NE(st.find(b), nullptr);
  EXPECT_EQ(st.find(b)->status, 201);
  EXPECT_DOUBLE_EQ(st.find(b)->sent_at, 4000);
  EXPECT_FALSE(st.should_send(a, {}));
  EXPECT_TRUE(st.should_send(payload_hash("{\"c\":1}"), {}));
  EXPECT_TRUE(st.should_send(a, crit(false, {}, {}, {201})));
  EXPECT_EQ(store.load("schools").find(a)->status, 200);
  EXPECT_EQ(store.load("parents").size(), 0u);

  store.remove("students", a);
  EXPECT_EQ(store.count("students"), 1u);
  store.clear("students");
  EXPECT_EQ(store.count("students"), 0u);
  EXPECT_EQ(store.count("schools"), 1u);
}

TEST(StateStore, RecordedOutcomesSurviveAProcessKilledBeforeCommit) {
  TempDir dir;
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Child: never commits (huge thresholds) and dies without running destructors.
    StateStore* store = new StateStore(dir.path(), opts(1000000, 1e9));
    for (int i = 0; i < 50; ++i) store->record("students", payload_hash(std::to_string(i)), 201);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  StateStore store(dir.path());
  EXPECT_EQ(store.count("students"), 50u);
  EXPECT_FALSE(store.load("students").should_send(payload_hash("49"), {}));
}

TEST(StateStore, DeferredJournalKeepsWhatWasWrittenBeforeAKill) {
  // send's mode: outcomes reach the journal in one write before the next request starts. A kill
  // keeps every outcome written so far and loses only those buffered since (requests in flight).
  TempDir dir;
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    StoreOptions o = opts(1000000, 1e9);
    o.defer_journal_writes = true;
    StateStore* store = new StateStore(dir.path(), o);
    for (int i = 0; i < 40; ++i) store->record("students", payload_hash(std::to_string(i)), 201);
    store->write_journal();
    for (int i = 40; i < 48; ++i) store->record("students", payload_hash(std::to_string(i)), 201);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  StateStore store(dir.path());
  EXPECT_EQ(store.count("students"), 40u);
  auto st = store.load("students");
  EXPECT_FALSE(st.should_send(payload_hash("39"), {}));
  EXPECT_TRUE(st.should_send(payload_hash("40"), {}));
}

TEST(StateStore, CommitsInKeyOrderKeepTheLastOutcomeOfAPayload) {
  // commit() applies a batch sorted by key; two outcomes of one payload keep their order.
  TempDir dir;
  {
    StateStore store(dir.path(), opts(1000000, 1e9));
    for (int i = 0; i < 300; ++i) store.record("students", payload_hash(std::to_string(i)), 201, 1000 + i);
    store.record("students", payload_hash("7"), 409, 5000);
    store.remove("students", payload_hash("8"));
    store.record("students", payload_hash("9"), 500, 6000);
    store.remove("students", payload_hash("9"));
    store.record("students", payload_hash("9"), 200, 7000);
    store.flush();
  }
  StateStore store(dir.path());
  auto st = store.load("students");
  EXPECT_EQ(st.size(), 299u);
  ASSERT_NE(st.find(payload_hash("7")), nullptr);
  EXPECT_EQ(st.find(payload_hash("7"))->status, 409);
  EXPECT_EQ(st.find(payload_hash("8")), nullptr);
  ASSERT_NE(st.find(payload_hash("9")), nullptr);
  EXPECT_EQ(st.find(payload_hash("9"))->status, 200);
  EXPECT_DOUBLE_EQ(st.find(payload_hash("9"))->sent_at, 7000);
  EXPECT_EQ(st.find(payload_hash("10"))->status, 201);
}

TEST(StateStore, SkipSetAgreesWithShouldSendForEveryCriterion) {
  // send's compact skip set must skip exactly what EndpointState::should_send would not send.
  TempDir dir;
  StateStore store(dir.path(), opts(1000000, 1e9));
  const int statuses[] = {200, 201, 409, 500};
  for (int i = 0; i < 3000; ++i)
    store.record("students", payload_hash("p" + std::to_string(i)), statuses[i % 4], 1000.0 + i);
  store.record("schools", payload_hash("p1"), 201, 5.0);
  store.flush();
  const EndpointState full = store.load("students");
  const std::vector<ResendCriteria> criteria = {
      crit(false, std::nullopt, std::nullopt, {}),      crit(true, std::nullopt, std::nullopt, {}),
      crit(false, 2000.0, std::nullopt, {}),            crit(false, std::nullopt, 3500.0, {}),
      crit(false, std::nullopt, std::nullopt, {409}),   crit(false, 1500.0, 3900.0, {500, 201})};
  for (std::size_t k = 0; k < criteria.size(); ++k) {
    const SkipSet skip = store.load_skip_set("students", criteria[k]);
    std::size_t skipped = 0;
    for (int i = 0; i < 3300; ++i) {  // 300 never seen
      const Digest d = payload_hash("p" + std::to_string(i));
      ASSERT_EQ(skip.contains(d), !full.should_send(d, criteria[k])) << "criterion " << k << ", payload " << i;
      skipped += skip.contains(d) ? 1 : 0;
    }
    EXPECT_EQ(skip.size(), skipped) << "criterion " << k;
  }
  EXPECT_EQ(store.load_skip_set("students", {}).size(), 3000u);
  EXPECT_EQ(store.load_skip_set("schools", {}).size(), 1u);
  EXPECT_EQ(store.load_skip_set("nothing", {}).size(), 0u);
  EXPECT_FALSE(store.load_skip_set("nothing", {}).contains(payload_hash("p1")));
}

TEST(StateStore, CorruptDatabaseNamesTheFileAndHowToReset) {
  TempDir dir;
  lightbeam::testing::write_file(dir / StateStore::k_file_name, std::string(8192, 'x'));
  std::string msg = error_of([&] { StateStore store(dir.path()); store.load("students"); });
  EXPECT_NE(msg.find((dir / StateStore::k_file_name).string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("corrupt"), std::string::npos) << msg;
  EXPECT_NE(msg.find("delete it"), std::string::npos) << msg;
}

TEST(StateStore, UnusableStateDirIsAClearError) {
  TempDir dir;
  lightbeam::testing::write_file(dir / "file", "x");
  std::string msg = error_of([&] { StateStore store(dir / "file/state"); });
  EXPECT_NE(msg.find("state_dir"), std::string::npos) << msg;
  EXPECT_NE(msg.find((dir / "file/state").string()), std::string::npos) << msg;
}

TEST(StateStore, DiskFullIsAClearError) {
  TempDir dir;
  std::string msg = error_of([&] {
    StateStore store(dir.path(), opts(500, 0.1, 8));
    for (int i = 0; i < 20000; ++i) store.record("students", payload_hash(std::to_string(i)), 201);
    store.flush();
  });
  EXPECT_NE(msg.find("disk full"), std::string::npos) << msg;
  EXPECT_NE(msg.find(StateStore::k_file_name), std::string::npos) << msg;
}

TEST(StateStore, ASecondRunOnTheSameStateDirIsRefused) {
  TempDir dir;
  StateStore first(dir.path());
  std::string msg = error_of([&] { StateStore second(dir.path()); });
  EXPECT_NE(msg.find("in use by another lightbeam run"), std::string::npos) << msg;
}

TEST(StateStore, ImportsThePythonPickleOnFirstUseOnly) {
  TempDir dir;
  auto r = lightbeam::testing::run_process(
      {python3(), "-c",
       "import pickle,hashlib,sys\n"
       "d={hashlib.md5(('{\"n\":%d}' % i).encode()).digest(): (1600000000+i, 201 if i%2 else 400) for i in range(100)}\n"
       "pickle.dump(d, open(sys.argv[1],'wb'))",
       (dir / "students.dat").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  {
    StateStore store(dir.path());
    auto st = store.load("students");
    EXPECT_EQ(st.size(), 100u);
    auto e = st.find(payload_hash("{\"n\":7}"));
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->status, 201);
    EXPECT_DOUBLE_EQ(e->sent_at, 1600000007);
    EXPECT_EQ(st.find(payload_hash("{\"n\":8}"))->status, 400);
    store.clear("students");
  }
  StateStore store(dir.path());
  EXPECT_EQ(store.load("students").size(), 0u);  // not imported again
}

TEST(StateStore, CorruptPickleIsAClearErrorNamingIt) {
  TempDir dir;
  lightbeam::testing::write_file(dir / "schools.dat", "\x80\x04garbage");
  StateStore store(dir.path());
  std::string msg = error_of([&] { store.load("schools"); });
  EXPECT_NE(msg.find((dir / "schools.dat").string()), std::string::npos) << msg;
}

// Issue 15: journal records carry checksums. A torn or garbage tail (a crash mid-write, damage)
// is ignored with a WARNING naming the journal, never replayed as rows; the records before it are.
namespace {

// A journal of 10 outcomes left by a process killed before it committed.
void leave_journal(const TempDir& dir) {
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    StateStore* store = new StateStore(dir.path(), opts(1000000, 1e9));
    for (int i = 0; i < 10; ++i) store->record("students", payload_hash(std::to_string(i)), 201);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
}

// Opens the store (replaying the journal) and returns what it logged.
std::string reopen_log(const TempDir& dir, std::size_t& rows) {
  std::ostringstream log;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
  {
    StateStore store(dir.path());
    rows = store.count("students");
  }
  spdlog::set_default_logger(previous);
  return log.str();
}

}  // namespace

TEST(StateStore, TornOrCorruptJournalTailIsIgnoredWithAWarning) {
  const std::string journal = "lightbeam-state.journal";
  struct Case {
    const char* what;
    std::function<void(const std::filesystem::path&)> damage;
    std::size_t rows;
  };
  const std::vector<Case> cases = {
      {"truncated mid-record", [](const std::filesystem::path& f) { std::filesystem::resize_file(f, std::filesystem::file_size(f) - 10); }, 9},
      {"garbage appended",
       [](const std::filesystem::path& f) {
         std::ofstream(f, std::ios::app | std::ios::binary) << std::string(50, '\x5a');
       },
       10},
      {"a byte of the last record flipped",
       [](const std::filesystem::path& f) {
         std::fstream io(f, std::ios::in | std::ios::out | std::ios::binary);
         io.seekp(static_cast<std::streamoff>(std::filesystem::file_size(f) - 20));
         io.put('\x01');
       },
       9},
  };
  for (const auto& c : cases) {
    TempDir dir;
    ASSERT_NO_FATAL_FAILURE(leave_journal(dir));
    c.damage(dir.path() / journal);
    std::size_t rows = 0;
    const std::string log = reopen_log(dir, rows);
    EXPECT_EQ(rows, c.rows) << c.what;
    EXPECT_NE(log.find("warning"), std::string::npos) << c.what << ": " << log;
    EXPECT_NE(log.find((dir.path() / journal).string()), std::string::npos) << c.what << ": " << log;
  }
  // An intact journal replays without a warning.
  TempDir dir;
  ASSERT_NO_FATAL_FAILURE(leave_journal(dir));
  std::size_t rows = 0;
  EXPECT_EQ(reopen_log(dir, rows).find("warning"), std::string::npos);
  EXPECT_EQ(rows, 10u);
}

// A journal written before the checksums (33-byte records, no header) is still replayed.
TEST(StateStore, VersionOneJournalWithoutChecksumsIsReplayed) {
  TempDir dir;
  std::string v1;
  for (int i = 0; i < 3; ++i) {
    unsigned char rec[33] = {};
    rec[0] = 1;  // upsert
    std::int32_t eid = 1, status = 201;
    double when = 1.7e9;
    Digest d = payload_hash(std::to_string(i));
    std::memcpy(rec + 1, &eid, 4);
    std::memcpy(rec + 5, &status, 4);
    std::memcpy(rec + 9, &when, 8);
    std::memcpy(rec + 17, d.data(), 16);
    v1.append(reinterpret_cast<const char*>(rec), sizeof rec);
  }
  { StateStore create(dir.path()); create.load("students"); }  // endpoint id 1
  std::ofstream(dir.path() / "lightbeam-state.journal", std::ios::binary) << v1;
  StateStore store(dir.path());
  EXPECT_EQ(store.count("students"), 3u);
  EXPECT_FALSE(store.load("students").should_send(payload_hash("2"), {}));
}
