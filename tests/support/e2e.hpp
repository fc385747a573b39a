// Test support for the end-to-end tests: a work directory with a lightbeam.yaml pointed at a real
// edfi-sandbox, sample Ed-Fi JSONL data, the results file and state rows, lightbeam in the
// background or on a terminal, and what the sandbox holds and saw (GET /_sandbox/stats).
#pragma once
#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "support/process.hpp"

namespace lightbeam::testing {

namespace fs = std::filesystem;
using nlohmann::json;

// The client secret of the sandbox's default credentials (tests check it never leaks).
inline constexpr const char* k_test_secret = "populatedSecret";
// YAML that lets delete/truncate run without a terminal to type "yes" on.
inline constexpr const char* k_force_delete = "force_delete: true\n";

// What a test's lightbeam.yaml says besides its paths and base URL; the defaults suit most tests.
struct ConfigOptions {
  int pool_size = 8;
  int timeout = 10;
  int num_retries = 4;
  double backoff_factor = 0.05;
  std::optional<bool> verify_ssl;      // unset: lightbeam's default
  std::string secret = k_test_secret;  // edfi_api.client_secret
  std::string extra;                   // top-level YAML appended verbatim (whole sections)

  // Chainable, so a call reads ConfigOptions().retries(12, 0.01).with(k_force_delete).
  ConfigOptions& pool(int n) {
    pool_size = n;
    return *this;
  }
  ConfigOptions& timeout_seconds(int s) {
    timeout = s;
    return *this;
  }
  ConfigOptions& retries(int n, double backoff) {
    num_retries = n;
    backoff_factor = backoff;
    return *this;
  }
  ConfigOptions& verify(bool v) {
    verify_ssl = v;
    return *this;
  }
  ConfigOptions& client_secret(const std::string& s) {
    secret = s;
    return *this;
  }
  ConfigOptions& with(const std::string& yaml) {
    extra += yaml;
    return *this;
  }
};

// The lightbeam.yaml text (namespace ed-fi, client "populated", log_level INFO).
std::string lightbeam_yaml(const fs::path& state_dir, const fs::path& data_dir, const std::string& base_url,
                           const ConfigOptions& options = {});

// Sample data: 2 grade levels + 1 category descriptor, `schools` schools (ids 100, 101, ...),
// `students` students and one enrollment per student (student i at school 100 + i % schools).
struct Dataset {
  int schools = 2;
  int students = 20;
};

// One test's directory: data/, state/, lightbeam.yaml and results.json in a fresh TempDir.
struct Work {
  TempDir dir;
  fs::path data = dir / "data";
  fs::path state = dir / "state";
  fs::path config = dir / "lightbeam.yaml";
  fs::path results = dir / "results.json";

  Work();
  // A work directory whose lightbeam.yaml already points at `base_url`.
  explicit Work(const std::string& base_url, const ConfigOptions& options = {});
  void write_config(const std::string& base_url, const ConfigOptions& options = {}) const;
  void write_data(const Dataset& dataset) const;
  // write_data, then `lightbeam send <send_args>`, which must exit 0 (a fatal test failure if not:
  // call it in ASSERT_NO_FATAL_FAILURE).
  void send_data(const Dataset& dataset, const std::vector<std::string>& send_args = {}) const;
  // lightbeam <command> -c <config> --results-file <results> <args...>
  ProcessResult run(const std::string& command, const std::vector<std::string>& args = {},
                    const RunOptions& run_options = {}) const;
  json results_json() const;
  // State rows of an endpoint, read through the real store (what the next run will see).
  std::size_t state_rows(const std::string& endpoint) const;
};

// ---- sample records (compact JSON lines) -------------------------------------------------------

std::string student_id(int i);                                        // "S100000" + i
std::string student_line(int i, const std::string& birth_date = "");  // a valid date unless given
std::string students(int n, int from = 0);                            // student lines from..from+n-1
std::string descriptor_line(const std::string& type, const std::string& code);
std::string school_line(int id, const std::vector<std::string>& grade_levels = {"Ninth grade"});
std::string enrollment_line(const std::string& student_unique_id, int school_id,
                            const std::string& grade_level = "Ninth grade",
                            const std::string& entry_date = "2024-08-20");
// `n` descriptors of a type as documents: codeValue prefix + i.
std::vector<json> descriptors(const std::string& type, int n, const std::string& prefix = "C");

// ---- the API through our own client ------------------------------------------------------------

// A Config for talking to the sandbox from a test (no state dir, quick retries).
config::Config client_config(const std::string& base_url);
// POSTs the documents one at a time (so insertion order is theirs); returns the statuses.
std::vector<long> seed(const std::string& base_url, const std::string& endpoint,
                       const std::vector<json>& docs);

// ---- what the sandbox holds and saw ------------------------------------------------------------

// GET /_sandbox/stats at the server root (whatever the flavour's base path); {} when unavailable.
json sandbox_stats(const std::string& base_url);
// Documents the sandbox holds for an endpoint ("students"); -1 when the stats have no counters.
long documents(const json& stats, const std::string& endpoint);
long documents(const std::string& base_url, const std::string& endpoint);
// POST requests that reached the endpoint's route (any status; injected faults are not counted).
long posts(const json& stats, const std::string& endpoint);
// Requests the sandbox saw for "METHOD /ns/endpoint" (all statuses).
long route_count(const json& stats, const std::string& route);
// Data requests (routes "METHOD /ed-fi/..." or "/tpdm/...") with the given method.
long data_requests(const json& stats, const std::string& method);
// Poll (bounded: 60 s, never asserted on by itself) until the endpoint holds at least / at most n.
bool wait_for_documents(const std::string& base_url, const std::string& endpoint, long n);
bool wait_until_at_most(const std::string& base_url, const std::string& endpoint, long n);

// ---- running lightbeam -------------------------------------------------------------------------

// "exit N" and stderr, for assertion messages.
std::string diag(const ProcessResult& r);
// The lines of a text (no final empty line).
std::vector<std::string> lines_of(const std::string& text);

// In a forked child: execs the lightbeam binary with the arguments (exit 127 if that fails).
[[noreturn]] void exec_lightbeam(const std::vector<std::string>& args);
// Waits for a child; its exit code, or 128+signal.
int wait_exit_code(pid_t pid);

// lightbeam in the background (stdin /dev/null, stdout/stderr to files in log_dir, own process
// group), to be interrupted or killed; SIGKILLed by the destructor if still running.
class Background {
 public:
  Background(const std::vector<std::string>& args, const fs::path& log_dir);
  ~Background();
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;
  void signal(int sig);
  int wait();  // exit code (128+signal when killed)
  // As wait(), but SIGKILLs the process after `seconds` (then returns -1): a hang fails the test
  // instead of stalling the suite.
  int wait_at_most(int seconds);
  bool running();
  std::string err() const;

 private:
  pid_t pid_ = -1;
  bool done_ = false;
  fs::path out_, err_;
};

// Runs lightbeam with a pseudo-terminal as stdin and `typed` typed on it (stdout/stderr to files
// in log_dir); exit code -1 when no pseudo-terminal is available.
ProcessResult run_on_terminal(const std::vector<std::string>& args, const std::string& typed,
                              const fs::path& log_dir);

}  // namespace lightbeam::testing
