// The real lightbeam binary's command line: --version, help (global and per command), and every
// bad-input case ending in one clear log line, the Python tool's exit status (docs/exit-codes.md)
// and no stack trace.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "support/process.hpp"

using lightbeam::testing::ProcessResult;
using lightbeam::testing::run_lightbeam;
using lightbeam::testing::RunOptions;
using lightbeam::testing::TempDir;
using lightbeam::testing::write_file;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

// Runs lightbeam in `dir` (a fresh temp dir when null).
ProcessResult run_in(const std::filesystem::path& dir, const std::vector<std::string>& args) {
  RunOptions o;
  o.cwd = dir;
  return run_lightbeam(args, o);
}

// Python's statuses: 255 for an ERROR line (its log handler's SystemExit(-1)), 1 for a mistake in
// the arguments, 2 for an option without its value (argparse).
constexpr int k_error = 255, k_usage = 1, k_option_syntax = 2;

// A failed run: the exit status, stderr is exactly one log line in the Python tool's format
// containing `needle`, nothing on stdout, no sign of a crash or stack trace.
void expect_one_error_line(const ProcessResult& r, const std::string& needle, int exit_code = k_error) {
  EXPECT_EQ(r.exit_code, exit_code) << r.err;
  EXPECT_EQ(r.out, "");
  static const std::regex line(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} lightbeam ERROR [^\n]+\n)");
  EXPECT_TRUE(std::regex_match(r.err, line)) << "stderr: " << r.err;
  EXPECT_THAT(r.err, HasSubstr(needle));
  EXPECT_THAT(r.err, Not(HasSubstr("terminate called")));
  EXPECT_THAT(r.err, Not(HasSubstr("what()")));
  EXPECT_THAT(r.err, Not(HasSubstr("exception type")));
}

}  // namespace

TEST(Cli, Version) {
  for (auto flag : {"--version", "-v"}) {
    auto r = run_lightbeam({flag});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(std::regex_match(r.out, std::regex(R"(lightbeam, version \d+\.\d+\.\d+\n)"))) << r.out;
  }
}

TEST(Cli, Help) {
  for (auto flag : {"-h", "--help"}) {
    auto r = run_lightbeam({flag});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("Usage: lightbeam COMMAND [options]"));
    for (auto cmd : {"count", "fetch", "validate", "send", "validate+send", "delete", "truncate", "create"})
      EXPECT_THAT(r.out, HasSubstr("\n  " + std::string(cmd) + " ")) << cmd;
    for (auto opt : {"--config-file", "--selector", "--exclude", "--keep-keys", "--drop-keys", "--query", "--params", "--wipe",
                     "--force", "--older-than", "-t,", "--newer-than", "--resend-status-codes", "--retry-status-codes",
                     "--results-file", "--set KEY VALUE", "--version", "--help"})
      EXPECT_THAT(r.out, HasSubstr(opt)) << opt;
    EXPECT_THAT(r.out, HasSubstr("99"));
  }
}

TEST(Cli, PerCommandHelp) {
  for (auto args : std::vector<std::vector<std::string>>{{"send", "-h"}, {"-h", "send"}, {"send", "--help"}}) {
    auto r = run_lightbeam(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("Usage: lightbeam send [options]"));
    EXPECT_THAT(r.out, HasSubstr("--force"));
    EXPECT_THAT(r.out, HasSubstr("--older-than"));
    EXPECT_THAT(r.out, Not(HasSubstr("--keep-keys")));
  }
  auto fetch = run_lightbeam({"fetch", "-h"});
  EXPECT_THAT(fetch.out, HasSubstr("--keep-keys"));
  EXPECT_THAT(fetch.out, HasSubstr("--query"));
  auto vs = run_lightbeam({"validate+send", "-h"});
  EXPECT_THAT(vs.out, HasSubstr("Usage: lightbeam validate+send [options]"));
}

TEST(Cli, UnknownCommand) {
  TempDir d;
  auto r = run_in(d.path(), {"bogus"});
  expect_one_error_line(r, "unknown command \"bogus\"");
  EXPECT_THAT(r.err, HasSubstr("run 'lightbeam --help'"));
}

TEST(Cli, MissingCommand) {
  TempDir d;
  expect_one_error_line(run_in(d.path(), {}), "no command given");
  expect_one_error_line(run_in(d.path(), {"-c", "x.yaml"}), "no command given");
}

TEST(Cli, UnknownOptionAndExtraArgument) {
  TempDir d;
  auto r = run_in(d.path(), {"send", "--bogus"});
  expect_one_error_line(r, "--bogus", k_usage);
  EXPECT_THAT(r.err, HasSubstr("run 'lightbeam --help'"));
  expect_one_error_line(run_in(d.path(), {"send", "extra"}), "extra", k_usage);
  expect_one_error_line(run_in(d.path(), {"send", "-o"}), "--older-than needs a value", k_option_syntax);
  expect_one_error_line(run_in(d.path(), {"send", "--set", "connection.pool_size"}), "--set needs a key and a value", k_error);
}

TEST(Cli, BadOptionValues) {
  TempDir d;
  expect_one_error_line(run_in(d.path(), {"send", "-r", "200,abc"}), "-r/--resend-status-codes must be a comma list of HTTP status codes", k_usage);
  expect_one_error_line(run_in(d.path(), {"send", "--retry-status-codes", "99"}), "-r/--resend-status-codes", k_usage);
  expect_one_error_line(run_in(d.path(), {"send", "-o", "yesterday"}), "-o/--older-than must be a timestamp", k_usage);
  expect_one_error_line(run_in(d.path(), {"send", "-t", "2020-13-45"}), "-o/--older-than must be a timestamp", k_usage);
  expect_one_error_line(run_in(d.path(), {"send", "-n", "soon"}), "-n/--newer-than must be a timestamp", k_usage);
  expect_one_error_line(run_in(d.path(), {"fetch", "-q", "[1]"}), "-q/--query must be a JSON object", k_usage);
  expect_one_error_line(run_in(d.path(), {"fetch", "--query", "{oops"}), "-q/--query is not valid JSON", k_usage);
  auto p = run_in(d.path(), {"send", "-p", "{\"SECRET\": \"hunter2\""});
  expect_one_error_line(p, "-p/--params is not valid JSON", k_usage);
  EXPECT_THAT(p.err, Not(HasSubstr("hunter2")));
}

// `-s "$UNSET"`: an empty or blank list is an error for every command, never "every endpoint".
TEST(Cli, EmptySelectorOrExcludeIsAnError) {
  TempDir d;
  for (auto cmd : {"send", "validate", "fetch", "count", "delete", "truncate", "create", "validate+send"}) {
    for (auto value : {"", " , "}) {  // unset, and blank entries only (the list is split in one place)
      expect_one_error_line(run_in(d.path(), {cmd, "-s", value}), "-s/--selector is empty", k_usage);
      expect_one_error_line(run_in(d.path(), {cmd, "--exclude", value}), "-e/--exclude is empty", k_usage);
    }
  }
  expect_one_error_line(run_in(d.path(), {"truncate", "--selector="}), "--selector needs a value", k_option_syntax);
}

TEST(Cli, ResultsFileThatIsEmptyOrADirectoryIsAnError) {
  TempDir d;
  std::filesystem::create_directories(d / "out");
  for (auto cmd : {"send", "validate", "count"}) {
    expect_one_error_line(run_in(d.path(), {cmd, "--results-file", ""}), "--results-file is empty: give a file name", k_usage);
    expect_one_error_line(run_in(d.path(), {cmd, "--results-file", "out"}),
                          "--results-file out is a directory: give a file name (e.g. --results-file out/results.json)", k_usage);
  }
}

TEST(Cli, NoConfigFound) {
  TempDir d;
  auto r = run_in(d.path(), {"send"});
  expect_one_error_line(r, "neither ./lightbeam.yaml nor ./lightbeam.yml exists");
  expect_one_error_line(run_in(d.path(), {"send", "-c", "missing.yaml"}), "config file missing.yaml does not exist");
}

TEST(Cli, FindsLightbeamYmlAndReportsBadConfigWithFileLineKey) {
  TempDir d;
  write_file(d / "lightbeam.yml", "namespace: ed-fi\nedfi_api:\n  client_secret: s3cret-value\nconnection:\n  pool_size: eight\n");
  expect_one_error_line(run_in(d.path(), {"send"}), "./lightbeam.yml:5: connection.pool_size must be an integer from 1 to 10000, got \"eight\"");
  // ./lightbeam.yaml wins over ./lightbeam.yml.
  write_file(d / "lightbeam.yaml", "connection:\n  pool_size: -1\n");
  expect_one_error_line(run_in(d.path(), {"count"}), "./lightbeam.yaml:2: connection.pool_size must be an integer from 1 to 10000, got \"-1\"");
}

TEST(Cli, OptionsBeforeTheCommand) {
  TempDir d;
  write_file(d / "my.yaml", "fetch:\n  page_size: none\n");
  expect_one_error_line(run_in(d.path(), {"-c", "my.yaml", "fetch"}), "my.yaml:2: fetch.page_size must be an integer from 1 to 1000000");
  expect_one_error_line(run_in(d.path(), {"fetch", "--config-file", "my.yaml"}), "my.yaml:2: fetch.page_size");
}

TEST(Cli, ConfigErrorsThroughTheBinary) {
  TempDir d;
  write_file(d / "syntax.yaml", "namespace: ed-fi\nedfi_api:\n  base_url: 'unterminated\n");
  expect_one_error_line(run_in(d.path(), {"send", "-c", "syntax.yaml"}), "syntax.yaml:");
  write_file(d / "empty.yaml", "");
  expect_one_error_line(run_in(d.path(), {"send", "-c", "empty.yaml"}), "empty.yaml is empty");
  write_file(d / "ok.yaml", "namespace: ed-fi\n");
  expect_one_error_line(run_in(d.path(), {"send", "-c", "ok.yaml", "--set", "connection.pool_sise", "4"}),
                        "--set connection.pool_sise: unknown key (did you mean connection.pool_size?)");
  expect_one_error_line(run_in(d.path(), {"send", "-c", "ok.yaml", "--set", "log_level", "LOUD"}), "--set: log_level must be one of");
}

TEST(Cli, SecretFromParamsNeverPrinted) {
  TempDir d;
  write_file(d / "s.yaml", "edfi_api:\n  client_secret: ${SECRET}\nconnection:\n  pool_size: ${SECRET}\n");
  auto r = run_in(d.path(), {"send", "-c", "s.yaml", "-p", R"({"SECRET": "hunter2-xyz"})"});
  expect_one_error_line(r, "s.yaml:4: connection.pool_size must be an integer from 1 to 10000, got a value from -p/--params");
  EXPECT_THAT(r.err, Not(HasSubstr("hunter2")));
}

// Issue 15 Bad #3: one variable feeding client_secret and a URL key; the URL error quoted it.
// base_url comes first, so the error is raised before client_secret has been read.
TEST(Cli, SecretQuotedByAnotherKeysErrorIsRedacted) {
  TempDir d;
  write_file(d / "s.yaml", "edfi_api:\n  base_url: notAUrlSecret99\n  client_secret: notAUrlSecret99\n");
  auto r = run_in(d.path(), {"count", "-c", "s.yaml"});
  expect_one_error_line(r, "s.yaml:2: edfi_api.base_url must be an http:// or https:// URL");
  EXPECT_THAT(r.err, Not(HasSubstr("notAUrlSecret99")));
  auto set = run_in(d.path(), {"count", "-c", "s.yaml", "--set", "edfi_api.client_secret", "otherSecret55", "--set",
                               "edfi_api.oauth_url", "otherSecret55"});
  EXPECT_THAT(set.err, Not(HasSubstr("otherSecret55")));
  EXPECT_THAT(set.err, Not(HasSubstr("notAUrlSecret99")));
}

TEST(Cli, UnknownKeyIsAWarningNamingTheClosestKey) {
  TempDir d;
  // The API address refuses connections, so the command ends quickly after the warning.
  write_file(d / "lightbeam.yaml",
             "edfi_api:\n  base_url: http://127.0.0.1:1/api\nconnection:\n  num_retries: 0\n  pool_sise: 4\n");
  auto r = run_in(d.path(), {"count"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(std::regex_search(r.err, std::regex(R"(lightbeam WARNING \./lightbeam\.yaml:5: unknown key connection\.pool_sise is ignored \(did you mean connection\.pool_size\?\))")))
      << r.err;
  EXPECT_THAT(r.err, HasSubstr("config file not specified with `-c` flag... but found and using ./lightbeam.yaml"));
}

// Issue 15: an unterminated quote would have swallowed the rest of the file into client_secret
// (yaml-cpp accepts it, PyYAML rejects it); a duplicate key is a warning naming both lines.
TEST(Cli, UnterminatedQuoteIsAnErrorAndDuplicateKeyAWarning) {
  TempDir d;
  write_file(d / "q.yaml", "data_dir: ./\nedfi_api:\n  client_secret: \"abc-secret-77\n  client_id: x\nlog_level: DEBUG\n");
  auto r = run_in(d.path(), {"count", "-c", "q.yaml"});
  expect_one_error_line(r, "q.yaml:3: YAML syntax error: the double quote opened on this line (in edfi_api.client_secret) is never closed");
  EXPECT_THAT(r.err, Not(HasSubstr("abc-secret-77")));
  write_file(d / "lightbeam.yaml",
             "edfi_api:\n  base_url: http://127.0.0.1:1/api\nconnection:\n  num_retries: 0\n  num_retries: 0\n");
  auto dup = run_in(d.path(), {"count"});
  EXPECT_NE(dup.exit_code, 0);
  EXPECT_TRUE(std::regex_search(dup.err, std::regex(R"(lightbeam WARNING \./lightbeam\.yaml:5: duplicate key connection\.num_retries \(also on line 4\): the last one is used; remove the others\n)")))
      << dup.err;
}
