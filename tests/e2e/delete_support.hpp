// Helpers of the delete/truncate/create end-to-end tests: a work directory with a lightbeam.yaml
// pointed at a real edfi-sandbox, sample Ed-Fi data (descriptors, schools, students, enrollments),
// what the sandbox holds (GET /_sandbox/stats), and state rows read through the real StateStore.
#pragma once
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/http/engine.hpp"
#include "core/state/state_store.hpp"
#include "support/process.hpp"

namespace lightbeam::testing::del {

namespace fs = std::filesystem;
using nlohmann::json;

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

// Documents the sandbox holds for an endpoint ("students"), from its own counters.
inline long documents(const std::string& base_url, const std::string& endpoint) {
  json stats = sandbox_stats(base_url);
  if (!stats.contains("documents")) return -1;
  for (auto& [k, v] : stats["documents"].items())
    if (k == endpoint ||
        (k.size() > endpoint.size() && k.compare(k.size() - endpoint.size() - 1, std::string::npos, "/" + endpoint) == 0))
      return v.get<long>();
  return 0;
}

// Sample data: 2 grade levels + 1 category descriptor, `schools` schools, `students` students and
// one enrollment per student (student i at school i % schools).
struct Dataset {
  int schools = 2;
  int students = 20;
};

inline std::string descriptor_line(const std::string& type, const std::string& code) {
  return json{{"codeValue", code}, {"namespace", "uri://ed-fi.org/" + type}, {"shortDescription", code}}.dump();
}
inline std::string school_line(int id) {
  return json{{"schoolId", id},
              {"nameOfInstitution", "School " + std::to_string(id)},
              {"educationOrganizationCategories",
               json::array({{{"educationOrganizationCategoryDescriptor",
                              "uri://ed-fi.org/EducationOrganizationCategoryDescriptor#School"}}})},
              {"gradeLevels", json::array({{{"gradeLevelDescriptor", "uri://ed-fi.org/GradeLevelDescriptor#Ninth grade"}}})}}
      .dump();
}
// (Appending, not `"S" + std::to_string(...)`: g++ 12 gives a false -Werror=restrict on the latter.)
inline std::string unique_id(int i) {
  std::string s = "S";
  s += std::to_string(10000 + i);
  return s;
}
inline std::string student_line(int i) {
  return json{{"studentUniqueId", unique_id(i)},
              {"firstName", "First" + std::to_string(i)},
              {"lastSurname", "Last"},
              {"birthDate", "2010-01-15"}}
      .dump();
}
inline std::string enrollment_line(int i, int school) {
  return json{{"studentReference", {{"studentUniqueId", unique_id(i)}}},
              {"schoolReference", {{"schoolId", school}}},
              {"entryDate", "2024-08-20"},
              {"entryGradeLevelDescriptor", "uri://ed-fi.org/GradeLevelDescriptor#Ninth grade"}}
      .dump();
}

struct Work {
  TempDir dir;
  fs::path data = dir / "data";
  fs::path state = dir / "state";
  fs::path config = dir / "lightbeam.yaml";
  fs::path results = dir / "results.json";

  Work() { fs::create_directories(data); }

  void write_config(const std::string& base_url, const std::string& extra = "force_delete: true\n",
                    const std::string& connection = "  num_retries: 4\n  backoff_factor: 0.05\n") {
    write_file(config, "state_dir: " + state.string() + "\n" + "data_dir: " + data.string() + "/\n" +
                           "namespace: ed-fi\n"
                           "edfi_api:\n"
                           "  base_url: " + base_url + "\n"
                           "  client_id: populated\n"
                           "  client_secret: populatedSecret\n"
                           "connection:\n"
                           "  pool_size: 8\n"
                           "  timeout: 10\n" +
                           connection + "log_level: INFO\n" + extra);
  }

  void write_data(const Dataset& d) {
    write_file(data / "gradeLevelDescriptors.jsonl", descriptor_line("GradeLevelDescriptor", "Ninth grade") + "\n" +
                                                         descriptor_line("GradeLevelDescriptor", "Tenth grade") + "\n");
    write_file(data / "educationOrganizationCategoryDescriptors.jsonl",
               descriptor_line("EducationOrganizationCategoryDescriptor", "School") + "\n");
    std::string s, st, e;
    for (int i = 0; i < d.schools; ++i) s += school_line(100 + i) + "\n";
    for (int i = 0; i < d.students; ++i) {
      st += student_line(i) + "\n";
      e += enrollment_line(i, 100 + i % d.schools) + "\n";
    }
    write_file(data / "schools.jsonl", s);
    write_file(data / "students.jsonl", st);
    write_file(data / "studentSchoolAssociations.jsonl", e);
  }

  ProcessResult run(const std::string& command, std::vector<std::string> args = {}, const RunOptions& ro = {}) {
    std::vector<std::string> all{command, "-c", config.string(), "--results-file", results.string()};
    all.insert(all.end(), args.begin(), args.end());
    return run_lightbeam(all, ro);
  }

  json results_json() const { return json::parse(read_file(results)); }

  // State rows of an endpoint, read through the real store (what the next run will see).
  std::size_t state_rows(const std::string& endpoint) const {
    state::StateStore store(state);
    return store.count(endpoint);
  }
};

inline std::string diag(const ProcessResult& r) { return "exit " + std::to_string(r.exit_code) + "\n" + r.err; }

// lightbeam in the background (stdout/stderr to files), to be interrupted or killed.
class Background {
 public:
  Background(const std::vector<std::string>& args, const fs::path& log_dir) {
    out_ = log_dir / "bg.out";
    err_ = log_dir / "bg.err";
    pid_ = fork();
    if (pid_ == 0) {
      int o = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int e = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int in = ::open("/dev/null", O_RDONLY);
      dup2(in, 0);
      dup2(o, 1);
      dup2(e, 2);
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
  int wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    done_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  std::string err() const { return read_file(err_); }

 private:
  pid_t pid_ = -1;
  bool done_ = false;
  fs::path out_, err_;
};

// Runs lightbeam with a pseudo-terminal as stdin and `typed` typed on it (stdout/stderr to files).
inline ProcessResult run_on_terminal(const std::vector<std::string>& args, const std::string& typed,
                                     const fs::path& log_dir) {
  const fs::path out = log_dir / "tty.out", err = log_dir / "tty.err";
  int master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) return {-1, "", "no pseudo-terminal"};
  const std::string slave_name = ptsname(master);
  pid_t pid = fork();
  if (pid == 0) {
    setsid();
    int slave = ::open(slave_name.c_str(), O_RDWR);
    int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(slave, 0);
    dup2(o, 1);
    dup2(e, 2);
    ::close(master);
    std::vector<std::string> argv{LIGHTBEAM_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> c;
    for (auto& a : argv) c.push_back(a.data());
    c.push_back(nullptr);
    execv(c[0], c.data());
    _exit(127);
  }
  // The terminal's line discipline keeps what is typed until the child reads its answer.
  if (::write(master, typed.data(), typed.size()) < 0) {
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ::close(master);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), read_file(out), read_file(err)};
}

// Polls (bounded: 60 s, never asserted on) until the endpoint holds at most n documents.
inline bool wait_until_at_most(const std::string& base_url, const std::string& endpoint, long n) {
  for (int i = 0; i < 1200; ++i) {
    const long d = documents(base_url, endpoint);
    if (d >= 0 && d <= n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace lightbeam::testing::del
