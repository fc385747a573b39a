// lightbeam send / validate+send end to end against a real edfi-sandbox: state skip (exit 99),
// results file content (both layouts), failures with reasons and line numbers, resend criteria,
// Python pickle import, bad state, interrupt.
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <iostream>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "core/state/pickle_import.hpp"
#include "support/e2e.hpp"

using namespace lightbeam::testing;

TEST(Send, SendsEverythingThenASecondSendSkipsAllWithExit99) {
  Sandbox sb;
  Work w(sb.base_url());
  write_file(w.data / "students.jsonl", students(300));
  auto r = w.run("send");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("sending endpoint students ..."), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("finished processing endpoint students!"), std::string::npos);
  EXPECT_NE(r.err.find("(final status counts: {201: 300}) "), std::string::npos) << r.err;
  EXPECT_EQ(documents(sb.base_url(), "students"), 300);
  auto res = w.results_json();
  EXPECT_EQ(res["command"], "send");
  EXPECT_EQ(res["api_url"], sb.base_url());
  EXPECT_EQ(res["total_records_processed"], 300);
  EXPECT_EQ(res["total_records_skipped"], 0);
  EXPECT_EQ(res["total_records_failed"], 0);
  EXPECT_EQ(res["resources"]["students"]["successes"], json::parse(R"([{"status_code":201,"count":300}])"));
  EXPECT_FALSE(res.contains("interrupted"));

  long posts_before = posts(sandbox_stats(sb.base_url()), "students");
  r = w.run("send");
  EXPECT_EQ(r.exit_code, 99) << r.err;
  EXPECT_NE(r.err.find("all payloads skipped"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("skipped 300 of 300 payloads"), std::string::npos) << r.err;
  EXPECT_EQ(posts(sandbox_stats(sb.base_url()), "students"), posts_before);
  res = w.results_json();
  EXPECT_EQ(res["total_records_skipped"], 300);
  EXPECT_EQ(res["resources"]["students"]["records_skipped"], 300);

  // -f sends everything again: the API upserts (200).
  r = w.run("send", {"-f"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(w.results_json()["resources"]["students"]["successes"], json::parse(R"([{"status_code":200,"count":300}])"));
  EXPECT_EQ(documents(sb.base_url(), "students"), 300);
}

TEST(Send, NewLinesAreSentAndOldOnesSkipped) {
  Sandbox sb;
  Work w(sb.base_url());
  write_file(w.data / "students.jsonl", students(50));
  ASSERT_EQ(w.run("send").exit_code, 0);
  // Same payloads with other surrounding white space are the same payloads; 20 new ones are sent.
  std::string more;
  for (int i = 0; i < 50; ++i) more += "  " + student_line(i) + " \r\n";
  more += students(20, 50);
  write_file(w.data / "students.jsonl", more);
  auto r = w.run("send");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto res = w.results_json();
  EXPECT_EQ(res["total_records_processed"], 70);
  EXPECT_EQ(res["total_records_skipped"], 50);
  EXPECT_EQ(documents(sb.base_url(), "students"), 70);
}

TEST(Send, FailuresAreReportedWithReasonsAndSortedLinesAndTheRestIsSent) {
  Sandbox sb;
  Work w(sb.base_url());
  std::string data;
  for (int i = 1; i <= 12; ++i) {
    if (i == 9 || i == 3) data += student_line(i, "2010-13-45") + "\n";  // schema: 400
    else if (i == 6) data += "{\"studentUniqueId\": \"broken\", \n";     // malformed JSON
    else data += student_line(i) + "\n";
  }
  write_file(w.data / "students.jsonl", data);
  // studentSchoolAssociations to students that do not exist: 409, never retried.
  std::string ssa;
  for (int i = 0; i < 4; ++i)
    ssa += R"({"studentReference":{"studentUniqueId":"NOPE)" + std::to_string(i) +
           R"("},"schoolReference":{"schoolId":1},"entryDate":"2024-08-26","entryGradeLevelDescriptor":"uri://ed-fi.org/GradeLevelDescriptor#Ninth grade"})" + "\n";
  write_file(w.data / "studentSchoolAssociations.jsonl", ssa);
  auto r = w.run("send");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto stats = sandbox_stats(sb.base_url());
  EXPECT_EQ(documents(stats, "students"), 9);
  EXPECT_EQ(posts(stats, "studentSchoolAssociations"), 4) << stats.dump();  // 4xx never retried
  EXPECT_EQ(posts(stats, "students"), 11);  // the malformed line is never sent

  auto res = w.results_json();
  const auto& st = res["resources"]["students"];
  EXPECT_EQ(st["records_processed"], 12);
  EXPECT_EQ(st["records_failed"], 3);
  bool saw_schema = false, saw_json = false;
  for (const auto& f : st["failures"]) {
    EXPECT_EQ(f["file"], (w.data / "students.jsonl").string());
    if (f["line_numbers"] == json::parse("[3,9]")) {
      saw_schema = true;
      EXPECT_EQ(f["status_code"], 400);
      EXPECT_EQ(f["count"], 2);
      EXPECT_NE(f["message"].get<std::string>().find("birthDate"), std::string::npos) << f.dump();
      EXPECT_EQ(f["message"].get<std::string>().find('\''), std::string::npos) << f.dump();
    }
    if (f["line_numbers"] == json::parse("[6]")) {
      saw_json = true;
      EXPECT_NE(f["message"].get<std::string>().find("JSON"), std::string::npos) << f.dump();
    }
  }
  EXPECT_TRUE(saw_schema) << st.dump(2);
  EXPECT_TRUE(saw_json) << st.dump(2);
  const auto& ssa_res = res["resources"]["studentSchoolAssociations"];
  EXPECT_EQ(ssa_res["records_failed"], 4);
  // A line refused with several messages is in the entry of each (as Python): 4 lines in all.
  std::set<long> ssa_failed;
  for (const auto& f : ssa_res["failures"]) {
    EXPECT_GE(f["status_code"].get<int>(), 400) << ssa_res.dump();  // unknown descriptor (400) / reference (409)
    EXPECT_LT(f["status_code"].get<int>(), 500) << ssa_res.dump();
    for (const auto& n : f["line_numbers"]) ssa_failed.insert(n.get<long>());
  }
  EXPECT_EQ(ssa_failed.size(), 4u) << ssa_res.dump();
  EXPECT_NE(r.err.find("(reason: ["), std::string::npos) << r.err;
  // The file puts each line_numbers array on one line, as the Python tool does.
  EXPECT_NE(read_file(w.results).find("\"line_numbers\":[3,9]"), std::string::npos);

  // Legacy layout (issue 13 item 13): the seed README's example exactly: its top-level keys, and
  // messages "<status>: <the response body as it came>".
  r = w.run("send", {"--set", "results_format", "legacy", "-f"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  res = w.results_json();
  // In the file's order (results_json() sorts keys): each key after the one before it.
  const std::string text = read_file(w.results);
  std::size_t at = 0;
  for (const char* key : {"started_at", "working_dir", "config_file", "data_dir", "api_url", "namespace", "resources",
                          "completed_at", "runtime_sec", "total_records_processed", "total_records_skipped",
                          "total_records_failed"}) {
    const auto found = text.find("\n    \"" + std::string(key) + "\": ", at);
    EXPECT_NE(found, std::string::npos) << key << "\n" << text.substr(0, 600);
    if (found != std::string::npos) at = found;
  }
  EXPECT_EQ(res.size(), 12u) << res.dump().substr(0, 600);  // no "command", no "namespace_overrides"
  const auto& fs400 = res["resources"]["students"]["failed_statuses"]["400"];
  EXPECT_EQ(fs400["count"], 3);
  // A body with a correlationId is a message of its own per line, as raw bodies were then.
  std::set<std::string> birth_date_lines;
  for (auto& [msg, v] : fs400.items()) {
    if (msg == "count" || msg.rfind("invalid JSON", 0) == 0) continue;  // never sent: lightbeam's own text
    EXPECT_EQ(msg.rfind("400: {", 0), 0u) << msg;  // the raw JSON body after the status
    EXPECT_TRUE(nlohmann::json::parse(msg.substr(5), nullptr, false).is_object()) << msg;
    if (msg.find("birthDate") != std::string::npos)
      birth_date_lines.insert(v["files"][(w.data / "students.jsonl").string()]["line_numbers"].get<std::string>());
  }
  EXPECT_TRUE(birth_date_lines == std::set<std::string>({"3", "9"}) || birth_date_lines == std::set<std::string>({"3,9"}))
      << fs400.dump(2);
}

TEST(Send, EveryPayloadFailedExits1) {
  Sandbox sb;
  Work w(sb.base_url());
  write_file(w.data / "students.jsonl", student_line(1, "nope") + "\n" + student_line(2, "2010-02-31") + "\n");
  auto r = w.run("send");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("all payloads failed"), std::string::npos) << r.err;
  EXPECT_EQ(w.results_json()["total_records_failed"], 2);
}

TEST(Send, ResendCriteriaSelectPreviouslySentPayloads) {
  Sandbox sb;
  Work w(sb.base_url());
  write_file(w.data / "students.jsonl", students(10));
  ASSERT_EQ(w.run("send").exit_code, 0);
  EXPECT_EQ(w.run("send", {"-r", "409"}).exit_code, 99);
  EXPECT_EQ(w.run("send", {"-n", "2999-01-01T00:00:00"}).exit_code, 99);
  auto r = w.run("send", {"-r", "201"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(w.results_json()["total_records_skipped"], 0);
  r = w.run("send", {"-o", "2999-01-01"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(w.results_json()["total_records_skipped"], 0);
  r = w.run("send", {"-n", "2000-01-01", "-r", "409"});  // logical OR
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = w.run("send", {"-o", "yesterday-ish"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("yesterday-ish"), std::string::npos) << r.err;
}

TEST(Send, ImportsThePythonToolsPickledState) {
  Sandbox sb;
  Work w(sb.base_url());
  write_file(w.data / "students.jsonl", students(30));
  std::filesystem::create_directories(w.state);
  // The Python tool sent the first 20 lines before (pickle protocol 4, int times as it writes them).
  auto py = run_process({"/bin/sh", "-c",
                         "python3 -c 'import pickle,hashlib,sys\n"
                         "lines=open(sys.argv[1]).read().splitlines()[:20]\n"
                         "d={hashlib.md5(l.strip().encode()).digest(): (1700000000, 201) for l in lines}\n"
                         "pickle.dump(d, open(sys.argv[2], \"wb\"))' \"$0\" \"$1\"",
                         (w.data / "students.jsonl").string(), (w.state / "students.dat").string()});
  ASSERT_EQ(py.exit_code, 0) << py.err;
  auto r = w.run("send");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("imported 20 payload hashes for students"), std::string::npos) << r.err;
  EXPECT_EQ(w.results_json()["total_records_skipped"], 20);
  EXPECT_EQ(documents(sb.base_url(), "students"), 10);
  r = w.run("send");
  EXPECT_EQ(r.exit_code, 99) << r.err;
  EXPECT_EQ(r.err.find("imported"), std::string::npos);  // only on first use
}

TEST(Send, CorruptPickleIsAClearError) {
  Sandbox sb;
  Work w(sb.base_url());
  write_file(w.data / "students.jsonl", students(3));
  std::filesystem::create_directories(w.state);
  static const char k_list_pickle[] = "\x80\x04\x95\x0b\x00\x00\x00\x00\x00\x00\x00]\x94(K\x01K\x02" "e.";
  write_file(w.state / "students.dat", std::string(k_list_pickle, sizeof k_list_pickle - 1));
  auto r = w.run("send");
  EXPECT_EQ(r.exit_code, 255);
  EXPECT_NE(r.err.find((w.state / "students.dat").string()), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("Traceback"), std::string::npos);
  EXPECT_EQ(documents(sb.base_url(), "students"), 0);
}

TEST(Send, CorruptStateDatabaseNamesTheFileAndHowToReset) {
  Sandbox sb;
  Work w(sb.base_url());
  write_file(w.data / "students.jsonl", students(3));
  std::filesystem::create_directories(w.state);
  write_file(w.state / "lightbeam-state.sqlite3", std::string(4096, 'Z'));
  auto r = w.run("send");
  EXPECT_EQ(r.exit_code, 255);
  EXPECT_NE(r.err.find((w.state / "lightbeam-state.sqlite3").string()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("delete it"), std::string::npos) << r.err;
}

// Issue 13 #2: no `state_dir` in the YAML is Python's "no state tracking": its warning, every run
// sends every payload (no exit 99 on a rerun), and nothing is left behind.
TEST(Send, WithoutStateDirNothingIsTracked) {
  Sandbox sb;
  Work w(sb.base_url());
  std::string yaml = read_file(w.config);
  const auto at = yaml.find("state_dir:");
  ASSERT_NE(at, std::string::npos);
  yaml.erase(at, yaml.find('\n', at) - at + 1);
  write_file(w.config, yaml);
  write_file(w.data / "students.jsonl", students(4));
  const fs::path tmp = w.dir / "tmp";
  fs::create_directories(tmp);
  RunOptions ro;
  ro.env = {{"TMPDIR", tmp.string()}, {"HOME", (w.dir / "home").string()}};
  for (int run = 1; run <= 2; ++run) {
    auto r = w.run("send", {}, ro);
    EXPECT_EQ(r.exit_code, 0) << "run " << run << ": " << r.err;
    EXPECT_NE(r.err.find("WARNING `state_dir` not specified in config; continuing without state-tracking"), std::string::npos)
        << r.err;
    EXPECT_EQ(w.results_json()["total_records_skipped"], 0) << "run " << run;
    EXPECT_EQ(w.results_json()["total_records_processed"], 4) << "run " << run;
  }
  EXPECT_EQ(posts(sandbox_stats(sb.base_url()), "students"), 8);
  EXPECT_TRUE(fs::is_empty(tmp));  // the run's scratch store is removed
  EXPECT_FALSE(fs::exists(w.dir / "home" / ".lightbeam"));  // and no default state folder appears
}

TEST(Send, UnusableStateDirIsAClearError) {
  Sandbox sb;
  Work w;
  write_file(w.dir / "afile", "x");
  w.state = w.dir / "afile" / "state";
  w.write_config(sb.base_url());
  write_file(w.data / "students.jsonl", students(3));
  auto r = w.run("send");
  EXPECT_EQ(r.exit_code, 255);
  EXPECT_NE(r.err.find("state_dir"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(w.state.string()), std::string::npos) << r.err;
}

TEST(Send, ValidateSendSendsWhenValidationPasses) {
  Sandbox sb;
  Work w(sb.base_url());
  write_file(w.data / "students.jsonl", students(5));
  auto r = w.run("validate+send");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(documents(sb.base_url(), "students"), 5);
  // As Python: validate writes the results file, then send replaces it with its own.
  EXPECT_EQ(w.results_json()["command"], "send");
  EXPECT_EQ(w.results_json()["total_records_processed"], 5);
  const auto first = r.err.find("results written to " + w.results.string());
  ASSERT_NE(first, std::string::npos) << r.err;
  EXPECT_NE(r.err.find("results written to " + w.results.string(), first + 1), std::string::npos) << r.err;
}

// Issue 13 items 1 and 12: Python's validate+send sends after a validate in which some lines
// failed (validate exits 0 then), and stops only when every line failed (exit 1).
TEST(Send, ValidateSendWithSomeFailingLinesSendsAndEveryFailingOneStops) {
  Sandbox sb;
  Work w(sb.base_url());
  write_file(w.data / "students.jsonl", students(1) + "{\"studentUniqueId\": \n" + students(1, 1));
  auto r = w.run("validate+send");
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_EQ(documents(sb.base_url(), "students"), 2);
  auto res = w.results_json();
  EXPECT_EQ(res["command"], "send");
  EXPECT_EQ(res["total_records_failed"], 1) << res.dump(2);

  write_file(w.data / "students.jsonl", "garbage\n{oops\n");
  r = w.run("validate+send");
  EXPECT_EQ(r.exit_code, 1) << diag(r);
  EXPECT_NE(r.err.find("INFO all payloads failed"), std::string::npos) << r.err;
  EXPECT_EQ(w.results_json()["command"], "validate");  // send never ran
}

// Issue 13 item 8: as Python's do_oauth() first, wrong credentials fail the run (255) even when
// the state says every payload was sent already.
TEST(Send, WrongCredentialsFailEvenWhenEveryPayloadWouldBeSkipped) {
  Sandbox sb;
  Work w(sb.base_url());
  write_file(w.data / "students.jsonl", students(3));
  ASSERT_EQ(w.run("send").exit_code, 0);
  ASSERT_EQ(w.run("send").exit_code, 99);  // nothing new
  w.write_config(sb.base_url(), ConfigOptions().client_secret("notTheSecret1"));
  auto r = w.run("send");
  EXPECT_EQ(r.exit_code, 255) << diag(r);
  EXPECT_NE(r.err.find("ERROR authentication failed at " + sb.base_url() + "/oauth/token"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("all payloads skipped"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("notTheSecret1"), std::string::npos) << r.err;
}

// Issue 13 items 6 and 7: a DMS (Ed-Fi 7.2+) body with several validationErrors gives one failure
// entry per message, each with its lines and count, verbatim, and every line refused with 400 a
// WARNING "<messages joined by '; '>  (at line N of <file> )", as Python's send.py.
TEST(Send, ValidationErrorsAreOneFailureEntryEachAndAWarningPerLine) {
  Sandbox sb({"--flavor", "dms"});
  Work w(sb.base_url());
  const std::string partial = R"({"studentUniqueId": "NO-NAME"})";
  write_file(w.data / "students.jsonl", partial + "\n" + students(1) + partial + "\n");
  auto r = w.run("send");
  EXPECT_EQ(r.exit_code, 0) << diag(r);
  EXPECT_EQ(documents(sb.base_url(), "students"), 1);
  const std::string file = (w.data / "students.jsonl").string();
  const std::vector<std::string> messages{"birthDate is required. (at $.birthDate)", "firstName is required. (at $.firstName)",
                                          "lastSurname is required. (at $.lastSurname)"};
  auto res = w.results_json();
  EXPECT_EQ(res["resources"]["students"]["records_failed"], 2);
  const auto& failures = res["resources"]["students"]["failures"];
  ASSERT_EQ(failures.size(), 3u) << failures.dump(2);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(failures[i]["status_code"], 400);
    EXPECT_EQ(failures[i]["message"], messages[i]);
    EXPECT_EQ(failures[i]["file"], file);
    EXPECT_EQ(failures[i]["line_numbers"], json::parse("[1, 3]"));
    EXPECT_EQ(failures[i]["count"], 2);
    EXPECT_NE(r.err.find("(reason: [" + messages[i] + "]; instances: 2)"), std::string::npos) << r.err;
  }
  for (int line : {1, 3})
    EXPECT_NE(r.err.find("WARNING " + messages[0] + "; " + messages[1] + "; " + messages[2] + "  (at line " +
                         std::to_string(line) + " of " + file + " )\n"),
              std::string::npos)
        << r.err;
}

// Issue 13 item 14: going back. export-state writes {state_dir}/{endpoint}.dat as the Python
// tool's hashlog.save() does (a protocol-4 pickle of {md5 digest: (unix ts, status)}); Python's
// pickle reads it, and a state built only from it skips every payload.
TEST(Send, ExportStateWritesThePythonToolsPicklesAndThoseAloneSkipEverything) {
  Sandbox sb;
  Work w(sb.base_url());
  write_file(w.data / "students.jsonl", students(3));
  ASSERT_EQ(w.run("send").exit_code, 0);
  auto r = w.run("export-state");
  ASSERT_EQ(r.exit_code, 0) << diag(r);
  const auto dat = w.state / "students.dat";
  EXPECT_NE(r.err.find("wrote 3 payload hashes for students to " + dat.string()), std::string::npos) << r.err;
  auto rows = lightbeam::state::read_state_pickle(dat);
  ASSERT_EQ(rows.size(), 3u);
  std::set<lightbeam::state::Digest> digests;
  for (const auto& line : lines_of(students(3))) digests.insert(lightbeam::state::payload_hash(line));
  const double now = static_cast<double>(std::time(nullptr));
  for (const auto& [digest, entry] : rows) {
    EXPECT_TRUE(digests.count(digest));
    EXPECT_EQ(entry.status, 201);
    EXPECT_EQ(entry.sent_at, std::round(entry.sent_at));  // whole seconds, as round(time.time())
    EXPECT_LE(std::abs(entry.sent_at - now), 600.0);
  }
  const std::string python = find_on_path("python3");
  auto py = run_process({python, "-c",
                         "import pickle,sys; d=pickle.load(open(sys.argv[1],'rb')); "
                         "print(len(d), sorted({v[1] for v in d.values()}), all(isinstance(k,bytes) and len(k)==16 and "
                         "isinstance(v[0],int) for k,v in d.items()))",
                         dat.string()});
  if (py.exit_code == 127) {
    std::cout << "[ NOTE ] no python3 on this machine: the pickle was checked with lightbeam's own reader only\n";
  } else {
    EXPECT_EQ(py.out, "3 [201] True\n") << py.err;
  }
  // Going back and forth: a state made only of the .dat files (as the Python tool would leave it).
  for (const auto& e : fs::directory_iterator(w.state))
    if (e.path().filename().string().rfind("lightbeam-state.", 0) == 0) fs::remove(e.path());
  auto again = w.run("send");
  EXPECT_EQ(again.exit_code, 99) << diag(again);
  EXPECT_NE(again.err.find("imported 3 payload hashes for students"), std::string::npos) << again.err;
}

TEST(Send, FirstInterruptStopsCleanlyAndTheRerunSendsTheRest) {
  Sandbox sb({"--latency-ms", "20"});
  Work w(sb.base_url());
  const int n = 600;
  write_file(w.data / "students.jsonl", students(n));
  Background bg({"send", "-c", w.config.string(), "--results-file", w.results.string()}, w.dir.path());
  ASSERT_TRUE(wait_for_documents(sb.base_url(), "students", 40));
  bg.signal(SIGINT);
  int rc = bg.wait();
  EXPECT_EQ(rc, 130) << bg.err();
  auto res = w.results_json();
  EXPECT_TRUE(res.value("interrupted", false)) << res.dump(2);
  long sent = res["resources"]["students"]["records_processed"].get<long>();
  EXPECT_LT(sent, n);
  long docs = documents(sb.base_url(), "students");
  EXPECT_EQ(docs, sent);  // every request in flight was waited for and recorded
  auto r = w.run("send");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(w.results_json()["total_records_skipped"].get<long>(), sent);
  EXPECT_EQ(documents(sb.base_url(), "students"), n);
}

// Issue 15: two SIGINTs in quick succession quit at once with a log line, and leave a state the
// next run trusts: it sends exactly what is missing, every record ends up in the API once, and
// every state row stands for a record the API holds.
TEST(Send, TwoQuickInterruptsQuitWithALogLineAndAConsistentState) {
  Sandbox sb({"--latency-ms", "150"});  // the requests in flight at the first signal outlast the second
  Work w(sb.base_url());
  const int n = 200;
  write_file(w.data / "students.jsonl", students(n));
  Background bg({"send", "-c", w.config.string(), "--results-file", w.results.string()}, w.dir.path());
  ASSERT_TRUE(wait_for_documents(sb.base_url(), "students", 40));
  bg.signal(SIGINT);
  // Two signals sent back to back before the process runs its handler are one pending signal (the
  // kernel does not queue them); a few milliseconds apart, as fast as a user presses Ctrl-C twice.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  bg.signal(SIGINT);
  EXPECT_EQ(bg.wait_at_most(30), 130) << bg.err();
  EXPECT_NE(bg.err().find("WARNING interrupted again: quitting at once; the state keeps every answer recorded so far"),
            std::string::npos) << bg.err();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // requests the sandbox was still answering
  const long docs = documents(sb.base_url(), "students");
  const auto rows = static_cast<long>(w.state_rows("students"));
  EXPECT_LE(rows, docs);  // nothing is recorded as sent that the API does not hold
  EXPECT_LT(docs, n);
  auto r = w.run("send");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto res = w.results_json();
  EXPECT_EQ(res["total_records_skipped"].get<long>(), rows);
  EXPECT_EQ(res["total_records_processed"].get<long>(), n);
  EXPECT_EQ(documents(sb.base_url(), "students"), n);
  EXPECT_EQ(w.state_rows("students"), static_cast<std::size_t>(n));
}

// DMS-style dependencies (the sandbox's) do not list schoolYearTypes, yet the API takes POSTs of
// school years: a schoolYearTypes file is validated and sent first, before what references it.
TEST(Send, SchoolYearTypesFileIsSentFirstThoughTheDependenciesOmitIt) {
  Sandbox sb;
  Work w(sb.base_url());
  write_file(w.data / "schoolYearTypes.jsonl",
             R"({"schoolYear": 2025, "schoolYearDescription": "2024-2025", "currentSchoolYear": false})"
             "\n"
             R"({"schoolYear": 2026, "schoolYearDescription": "2025-2026", "currentSchoolYear": true})"
             "\n");
  write_file(w.data / "schools.jsonl", school_line(100) + "\n");
  auto r = w.run("validate+send", {"--set", "log_level", "DEBUG"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(documents(sb.base_url(), "schoolYearTypes"), 2);
  auto years = r.err.find("sending endpoint schoolYearTypes ...");
  ASSERT_NE(years, std::string::npos) << r.err;
  EXPECT_LT(years, r.err.find("sending endpoint schools ...")) << r.err;
  EXPECT_NE(r.err.find("the dependencies do not list schoolYearTypes"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("no endpoint named schoolYearTypes"), std::string::npos) << r.err;
  EXPECT_EQ(w.results_json()["resources"]["schoolYearTypes"]["successes"],
            json::parse(R"([{"status_code":201,"count":2}])"));
}

// Issue 15: a FIFO, a dangling symlink or a symlink loop where a data file is expected is one
// warning line naming it (no `filesystem error` text, no hang on the FIFO), and a data file whose
// name matches no endpoint is warned about by send as by validate; the rest is sent.
TEST(Send, NonRegularDataFilesAndUnknownNamesAreWarnedAboutAndTheRestIsSent) {
  Sandbox sb;
  Work w(sb.base_url());
  write_file(w.data / "students.jsonl", students(3));
  ASSERT_EQ(mkfifo((w.data / "schools.jsonl").c_str(), 0600), 0);
  fs::create_symlink(w.data / "nowhere.jsonl", w.data / "staffs.jsonl");
  fs::create_symlink(w.data / "b.jsonl", w.data / "a.jsonl");
  fs::create_symlink(w.data / "a.jsonl", w.data / "b.jsonl");
  write_file(w.data / "studentz.jsonl", students(1));
  RunOptions quick;
  quick.timeout_seconds = 60;
  for (const std::string command : {"send", "validate", "validate+send"}) {
    auto r = w.run(command, {"-f"}, quick);
    ASSERT_EQ(r.exit_code, 0) << command << ": " << r.err;
    const std::string d = w.data.string();
    EXPECT_NE(r.err.find("WARNING ignoring " + d + "/schools.jsonl: it is a FIFO (named pipe), not a file; lightbeam reads only regular files"),
              std::string::npos) << command << ": " << r.err;
    EXPECT_NE(r.err.find("WARNING ignoring " + d + "/staffs.jsonl: it is a symlink whose target does not exist; fix or remove the link"),
              std::string::npos) << command << ": " << r.err;
    EXPECT_NE(r.err.find("WARNING ignoring " + d + "/a.jsonl: it is a symlink loop"), std::string::npos) << command << ": " << r.err;
    EXPECT_NE(r.err.find("WARNING ignoring " + d + "/studentz.jsonl: the API has no endpoint named studentz (check the file name)"),
              std::string::npos) << command << ": " << r.err;
    // validate+send says it once (validate's), not again in the send.
    std::size_t n = 0;
    for (auto p = r.err.find("studentz.jsonl: the API"); p != std::string::npos; p = r.err.find("studentz.jsonl: the API", p + 1)) ++n;
    EXPECT_EQ(n, 1u) << command << ": " << r.err;
    EXPECT_EQ(r.err.find("filesystem error"), std::string::npos) << r.err;
  }
  EXPECT_EQ(documents(sb.base_url(), "students"), 3);
}

// Issue 15: the progress line said "1 of ~24" for a 200-line file (done ÷ fraction of bytes read,
// while the reader is ahead by the requests in flight). The estimate comes from the lines read.
TEST(Send, ProgressEstimatesTheLinesOfTheFile) {
  // 200 lines, 8 in flight, 300 ms each: ≥ 7.5 s, so at least one progress line (one every 5 s),
  // while the reader is 8 lines ahead (the old estimate then said ~188).
  Sandbox sb({"--latency-ms", "300"});
  Work w(sb.base_url(), ConfigOptions().pool(8));
  write_file(w.data / "students.jsonl", students(200));
  auto r = w.run("send");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::size_t progress_lines = 0;
  for (const auto& line : lines_of(r.err)) {
    auto at = line.find(" payloads (");
    if (line.find("(students: ") == std::string::npos || at == std::string::npos) continue;
    ++progress_lines;
    auto of = line.find(" of ~");
    ASSERT_NE(of, std::string::npos) << line;
    long done = std::stol(line.substr(line.find("(students: ") + 11));
    long total = std::stol(line.substr(of + 5));
    EXPECT_GE(total, 195) << line;
    EXPECT_LE(total, 205) << line;
    EXPECT_GE(total, done) << line;
  }
  EXPECT_GE(progress_lines, 1u) << r.err;
}
