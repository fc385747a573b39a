// Test support: run the real binaries as a user would, and start edfi-sandbox on an ephemeral
// loopback port for the length of a test (stopped by PID in the destructor).
#pragma once
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace lightbeam::testing {

struct ProcessResult {
  int exit_code = -1;     // 128+signal when killed by a signal
  std::string out;
  std::string err;
};

struct RunOptions {
  std::filesystem::path cwd;                       // empty = current directory
  std::map<std::string, std::string> env;          // added to (or overriding) the environment
  std::string stdin_data;                          // fed to the child's stdin, then closed
  int timeout_seconds = 300;                       // the child is killed after this (never hangs a test)
};

// Runs argv[0] with the arguments; captures stdout and stderr.
ProcessResult run_process(const std::vector<std::string>& argv, const RunOptions& options = {});

// The programs under test: $LIGHTBEAM_TEST_BIN_DIR/lightbeam and .../edfi-sandbox when that is
// set (`make test-asan` runs the e2e and sandbox tests against the ASan+UBSan build's programs this
// way, without building the tests twice), else the ones built with the tests.
const std::string& lightbeam_bin();
const std::string& sandbox_bin();

// Runs lightbeam_bin().
ProcessResult run_lightbeam(const std::vector<std::string>& args, const RunOptions& options = {});

// The first executable `name` on PATH (run_process does not search PATH); /usr/bin/<name> when
// there is none (running that then fails with exit 127, which the test reports).
std::string find_on_path(const std::string& name);

// A fresh temporary directory, removed with its contents when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

void write_file(const std::filesystem::path& path, const std::string& content);
std::string read_file(const std::filesystem::path& path);

// edfi-sandbox started with `--port 0` plus the given arguments; base_url() is the first line it
// printed. The destructor sends SIGTERM to this PID (then SIGKILL if it does not stop).
class Sandbox {
 public:
  explicit Sandbox(const std::vector<std::string>& args = {});
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  const std::string& base_url() const { return base_url_; }
  pid_t pid() const { return pid_; }
  // Stops the server now (SIGTERM, wait); returns its exit code.
  int stop();
  // Everything the server wrote to stderr so far (for diagnostics).
  std::string stderr_text() const;

 private:
  pid_t pid_ = -1;
  std::string base_url_;
  std::filesystem::path stderr_path_;
};

// The DS 5.2 specs from ../shared when present (tests that need them skip with a printed
// reason otherwise), and our own small metadata set.
std::filesystem::path ds52_specs_dir();
bool have_ds52_specs();
std::filesystem::path own_metadata_dir();

}  // namespace lightbeam::testing
