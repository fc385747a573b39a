// Helpers shared by the send end-to-end tests: a work directory with data and lightbeam.yaml
// pointed at a real edfi-sandbox, a background lightbeam (to interrupt or kill), and the
// sandbox's own counters (GET /_sandbox/stats) to check what the API really holds.
#pragma once
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/http/engine.hpp"
#include "support/process.hpp"

namespace lightbeam::testing::send {

namespace fs = std::filesystem;
using nlohmann::json;

inline std::string student_line(int i, const std::string& birth = "") {
  char date[16];
  std::snprintf(date, sizeof date, "2010-%02d-%02d", 1 + i % 9, 10 + i % 10);
  json j{{"studentUniqueId", fmt::format("S{}", 100000 + i)},
         {"firstName", fmt::format("First{}", i)},
         {"lastSurname", "Last"},
         {"birthDate", birth.empty() ? std::string(date) : birth}};
  return j.dump();
}

inline std::string students(int n, int from = 0) {
  std::string out;
  for (int i = from; i < from + n; ++i) out += student_line(i) + "\n";
  return out;
}

// scheme://host:port of a base URL (the sandbox's control routes live at the root).
inline std::string root_of(const std::string& base_url) {
  auto p = base_url.find("://");
  auto slash = base_url.find('/', p == std::string::npos ? 0 : p + 3);
  return slash == std::string::npos ? base_url : base_url.substr(0, slash);
}

inline json sandbox_stats(const std::string& base_url) {
  http::EngineOptions o;
  o.num_retries = 2;
  http::Engine engine(o);
  http::Request r;
  r.url = root_of(base_url) + "/_sandbox/stats";
  auto out = engine.perform(r);
  if (out.status != 200) return json::object();
  return json::parse(out.body, nullptr, false);
}

// Documents the sandbox holds for an endpoint ("students").
inline long documents(const json& stats, const std::string& endpoint) {
  if (!stats.contains("documents")) return 0;
  for (auto& [k, v] : stats["documents"].items())
    if (k == endpoint || (k.size() > endpoint.size() && k.compare(k.size() - endpoint.size() - 1, std::string::npos, "/" + endpoint) == 0))
      return v.get<long>();
  return 0;
}

// POST requests that reached the endpoint's route (any status; injected faults are not counted).
inline long posts(const json& stats, const std::string& endpoint) {
  long n = 0;
  if (!stats.contains("requests") || !stats["requests"].contains("by_route")) return 0;
  for (auto& [k, v] : stats["requests"]["by_route"].items()) {
    if (k.rfind("POST ", 0) != 0) continue;
    if (k.size() < endpoint.size() + 1 || k.compare(k.size() - endpoint.size() - 1, std::string::npos, "/" + endpoint) != 0) continue;
    for (auto& [s, c] : v.items()) n += c.get<long>();
  }
  return n;
}

struct Work {
  TempDir dir;
  fs::path data = dir / "data";
  fs::path state = dir / "state";
  fs::path config = dir / "lightbeam.yaml";
  fs::path results = dir / "results.json";

  Work() { fs::create_directories(data); }

  void write_config(const std::string& base_url, const std::string& connection = "", const std::string& extra = "",
                    const std::string& secret = "populatedSecret") {
    std::string yaml = "state_dir: " + state.string() + "\n" + "data_dir: " + data.string() + "/\n" +
                       "namespace: ed-fi\n"
                       "edfi_api:\n"
                       "  base_url: " + base_url + "\n"
                       "  client_id: populated\n"
                       "  client_secret: " + secret + "\n"
                       "connection:\n"
                       "  pool_size: 8\n"
                       "  timeout: 10\n" +
                       (connection.empty() ? std::string("  num_retries: 4\n  backoff_factor: 0.05\n") : connection) +
                       "log_level: INFO\n" + extra;
    write_file(config, yaml);
  }

  ProcessResult run(const std::string& command, std::vector<std::string> args = {}) {
    std::vector<std::string> all{command, "-c", config.string(), "--results-file", results.string()};
    all.insert(all.end(), args.begin(), args.end());
    return run_lightbeam(all);
  }

  json results_json() const { return json::parse(read_file(results)); }
};

// lightbeam in the background (stdout/stderr to files), to be interrupted or killed.
class Background {
 public:
  explicit Background(const std::vector<std::string>& args, const fs::path& log_dir) {
    out_ = log_dir / "bg.out";
    err_ = log_dir / "bg.err";
    pid_ = fork();
    if (pid_ == 0) {
      int o = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int e = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(o, 1);
      dup2(e, 2);
      setpgid(0, 0);
      std::vector<std::string> argv{LIGHTBEAM_BIN};
      argv.insert(argv.end(), args.begin(), args.end());
      std::vector<char*> c;
      for (auto& a : argv) c.push_back(a.data());
      c.push_back(nullptr);
      execv(c[0], c.data());
      _exit(127);
    }
  }
  ~Background() {
    if (pid_ > 0 && !done_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  void signal(int sig) { kill(pid_, sig); }
  // Exit code (128+signal when killed).
  int wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    done_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  bool running() {
    int status = 0;
    return waitpid(pid_, &status, WNOHANG) == 0;
  }
  std::string err() const { return read_file(err_); }

 private:
  pid_t pid_ = -1;
  bool done_ = false;
  fs::path out_, err_;
};

// Waits (bounded: 60 s) until the sandbox holds at least n documents of the endpoint.
inline bool wait_for_documents(const std::string& base_url, const std::string& endpoint, long n) {
  for (int i = 0; i < 1200; ++i) {
    if (documents(sandbox_stats(base_url), endpoint) >= n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace lightbeam::testing::send
