// Test support for the end-to-end tests (see e2e.hpp).
#include "support/e2e.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "core/edfi/api_client.hpp"
#include "core/http/engine.hpp"
#include "core/state/state_store.hpp"

namespace lightbeam::testing {

std::string lightbeam_yaml(const fs::path& state_dir, const fs::path& data_dir, const std::string& base_url,
                           const ConfigOptions& o) {
  std::string yaml = fmt::format(
      "state_dir: {}\n"
      "data_dir: {}/\n"
      "namespace: ed-fi\n"
      "edfi_api:\n"
      "  base_url: {}\n"
      "  client_id: populated\n"
      "  client_secret: {}\n"
      "connection:\n"
      "  pool_size: {}\n"
      "  timeout: {}\n"
      "  num_retries: {}\n"
      "  backoff_factor: {}\n",
      state_dir.string(), data_dir.string(), base_url, o.secret, o.pool_size, o.timeout, o.num_retries,
      o.backoff_factor);
  if (o.verify_ssl) yaml += *o.verify_ssl ? "  verify_ssl: true\n" : "  verify_ssl: false\n";
  return yaml + "log_level: INFO\n" + o.extra;
}

// ---- Work --------------------------------------------------------------------------------------

Work::Work() { fs::create_directories(data); }

Work::Work(const std::string& base_url, const ConfigOptions& options) : Work() {
  write_config(base_url, options);
}

void Work::write_config(const std::string& base_url, const ConfigOptions& options) const {
  write_file(config, lightbeam_yaml(state, data, base_url, options));
}

void Work::write_data(const Dataset& d) const {
  write_file(data / "gradeLevelDescriptors.jsonl",
             descriptor_line("GradeLevelDescriptor", "Ninth grade") + "\n" +
                 descriptor_line("GradeLevelDescriptor", "Tenth grade") + "\n");
  write_file(data / "educationOrganizationCategoryDescriptors.jsonl",
             descriptor_line("EducationOrganizationCategoryDescriptor", "School") + "\n");
  std::string schools, enrollments;
  for (int i = 0; i < d.schools; ++i) schools += school_line(100 + i) + "\n";
  for (int i = 0; i < d.students; ++i)
    enrollments += enrollment_line(student_id(i), 100 + i % d.schools) + "\n";
  write_file(data / "schools.jsonl", schools);
  write_file(data / "students.jsonl", students(d.students));
  write_file(data / "studentSchoolAssociations.jsonl", enrollments);
}

void Work::send_data(const Dataset& dataset, const std::vector<std::string>& send_args) const {
  write_data(dataset);
  const auto sent = run("send", send_args);
  ASSERT_EQ(sent.exit_code, 0) << diag(sent);
}

ProcessResult Work::run(const std::string& command, const std::vector<std::string>& args,
                        const RunOptions& run_options) const {
  std::vector<std::string> all{command, "-c", config.string(), "--results-file", results.string()};
  all.insert(all.end(), args.begin(), args.end());
  return run_lightbeam(all, run_options);
}

json Work::results_json() const { return json::parse(read_file(results)); }

std::size_t Work::state_rows(const std::string& endpoint) const {
  state::StateStore store(state);
  return store.count(endpoint);
}

// ---- sample records ----------------------------------------------------------------------------

std::string student_id(int i) { return fmt::format("S{}", 100000 + i); }

std::string student_line(int i, const std::string& birth_date) {
  return json{{"studentUniqueId", student_id(i)},
              {"firstName", fmt::format("First{}", i)},
              {"lastSurname", "Last"},
              {"birthDate",
               birth_date.empty() ? fmt::format("2010-{:02}-{:02}", 1 + i % 9, 10 + i % 10) : birth_date}}
      .dump();
}

std::string students(int n, int from) {
  std::string out;
  for (int i = from; i < from + n; ++i) out += student_line(i) + "\n";
  return out;
}

std::string descriptor_line(const std::string& type, const std::string& code) {
  return json{{"codeValue", code}, {"namespace", "uri://ed-fi.org/" + type}, {"shortDescription", code}}
      .dump();
}

std::string school_line(int id, const std::vector<std::string>& grade_levels) {
  json grades = json::array();
  for (const auto& g : grade_levels)
    grades.push_back({{"gradeLevelDescriptor", "uri://ed-fi.org/GradeLevelDescriptor#" + g}});
  return json{{"schoolId", id},
              {"nameOfInstitution", fmt::format("School {}", id)},
              {"educationOrganizationCategories",
               json::array({{{"educationOrganizationCategoryDescriptor",
                              "uri://ed-fi.org/EducationOrganizationCategoryDescriptor#School"}}})},
              {"gradeLevels", grades}}
      .dump();
}

std::string enrollment_line(const std::string& student_unique_id, int school_id,
                            const std::string& grade_level, const std::string& entry_date) {
  return json{{"studentReference", {{"studentUniqueId", student_unique_id}}},
              {"schoolReference", {{"schoolId", school_id}}},
              {"entryDate", entry_date},
              {"entryGradeLevelDescriptor", "uri://ed-fi.org/GradeLevelDescriptor#" + grade_level}}
      .dump();
}

std::vector<json> descriptors(const std::string& type, int n, const std::string& prefix) {
  std::vector<json> out;
  for (int i = 0; i < n; ++i)
    out.push_back({{"namespace", "uri://ed-fi.org/" + type},
                   {"codeValue", prefix + std::to_string(i)},
                   {"shortDescription", prefix + std::to_string(i)},
                   {"description", "value " + std::to_string(i)}});
  return out;
}

// ---- the API through our own client ------------------------------------------------------------

config::Config client_config(const std::string& base_url) {
  config::Config c;
  c.state_dir = "";
  c.edfi_api.base_url = base_url;
  c.edfi_api.client_id = "populated";
  c.edfi_api.client_secret = k_test_secret;
  c.connection.verify_ssl = false;
  c.connection.num_retries = 2;
  c.connection.backoff_factor = 0.05;
  return c;
}

std::vector<long> seed(const std::string& base_url, const std::string& endpoint,
                       const std::vector<json>& docs) {
  config::Config c = client_config(base_url);
  c.connection.pool_size = 1;
  edfi::ClientOptions options;
  options.use_cache = false;
  edfi::ApiClient client(c, options);
  std::vector<http::Request> requests;
  for (const auto& d : docs) {
    http::Request r;
    r.method = "POST";
    r.url = client.data_url(endpoint);
    r.body = d.dump();
    requests.push_back(std::move(r));
  }
  std::vector<long> statuses;
  for (auto& o : client.engine().run_all(std::move(requests))) statuses.push_back(o.status);
  return statuses;
}

// ---- what the sandbox holds and saw ------------------------------------------------------------

namespace {

// scheme://host:port of a base URL (the sandbox's control routes live at the root).
std::string root_of(const std::string& base_url) {
  const auto p = base_url.find("://");
  const auto slash = base_url.find('/', p == std::string::npos ? 0 : p + 3);
  return slash == std::string::npos ? base_url : base_url.substr(0, slash);
}

// "…/students" for "students" (a route or a namespaced name), or the name itself.
bool names_endpoint(const std::string& key, const std::string& endpoint) {
  return key == endpoint ||
         (key.size() > endpoint.size() &&
          key.compare(key.size() - endpoint.size() - 1, std::string::npos, "/" + endpoint) == 0);
}

}  // namespace

json sandbox_stats(const std::string& base_url) {
  http::EngineOptions o;
  o.pool_size = 1;
  o.num_retries = 2;
  http::Engine engine(o);
  http::Request r;
  r.url = root_of(base_url) + "/_sandbox/stats";
  const auto out = engine.perform(r);
  if (out.status != 200) return json::object();
  json stats = json::parse(out.body, nullptr, false);
  return stats.is_discarded() ? json::object() : stats;
}

long documents(const json& stats, const std::string& endpoint) {
  if (!stats.contains("documents")) return -1;
  for (const auto& [k, v] : stats["documents"].items())
    if (names_endpoint(k, endpoint)) return v.get<long>();
  return 0;
}

long documents(const std::string& base_url, const std::string& endpoint) {
  return documents(sandbox_stats(base_url), endpoint);
}

long posts(const json& stats, const std::string& endpoint) {
  if (!stats.contains("requests") || !stats["requests"].contains("by_route")) return 0;
  long n = 0;
  for (const auto& [route, statuses] : stats["requests"]["by_route"].items()) {
    if (route.rfind("POST ", 0) != 0 || route.size() < endpoint.size() + 1 ||
        !names_endpoint(route, endpoint))
      continue;
    for (const auto& [status, count] : statuses.items()) n += count.get<long>();
  }
  return n;
}

long route_count(const json& stats, const std::string& route) {
  if (!stats.is_object() || !stats.contains("requests")) return 0;
  const auto& by_route = stats["requests"]["by_route"];
  if (!by_route.contains(route)) return 0;
  long n = 0;
  for (const auto& [status, count] : by_route[route].items()) n += count.get<long>();
  return n;
}

long data_requests(const json& stats, const std::string& method) {
  if (!stats.is_object() || !stats.contains("requests")) return 0;
  long n = 0;
  for (const auto& [route, statuses] : stats["requests"]["by_route"].items())
    if (route.rfind(method + " /ed-fi/", 0) == 0 || route.rfind(method + " /tpdm/", 0) == 0)
      for (const auto& [status, count] : statuses.items()) n += count.get<long>();
  return n;
}

namespace {

template <typename Done>
bool poll_documents(const std::string& base_url, const std::string& endpoint, Done done) {
  for (int i = 0; i < 1200; ++i) {
    const long d = documents(base_url, endpoint);
    if (d >= 0 && done(d)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace

bool wait_for_documents(const std::string& base_url, const std::string& endpoint, long n) {
  return poll_documents(base_url, endpoint, [n](long d) { return d >= n; });
}

bool wait_until_at_most(const std::string& base_url, const std::string& endpoint, long n) {
  return poll_documents(base_url, endpoint, [n](long d) { return d <= n; });
}

// ---- running lightbeam -------------------------------------------------------------------------

std::string diag(const ProcessResult& r) { return "exit " + std::to_string(r.exit_code) + "\n" + r.err; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

void exec_lightbeam(const std::vector<std::string>& args) {
  std::vector<std::string> argv{lightbeam_bin()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> c;
  for (auto& a : argv) c.push_back(a.data());
  c.push_back(nullptr);
  execv(c[0], c.data());
  _exit(127);
}

int wait_exit_code(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Background::Background(const std::vector<std::string>& args, const fs::path& log_dir)
    : out_(log_dir / "bg.out"), err_(log_dir / "bg.err") {
  pid_ = fork();
  if (pid_ == 0) {
    const int o = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int in = ::open("/dev/null", O_RDONLY);
    dup2(in, 0);
    dup2(o, 1);
    dup2(e, 2);
    setpgid(0, 0);
    exec_lightbeam(args);
  }
}

Background::~Background() {
  if (pid_ > 0 && !done_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void Background::signal(int sig) { kill(pid_, sig); }

int Background::wait() {
  done_ = true;
  return wait_exit_code(pid_);
}

int Background::wait_at_most(int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      done_ = true;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  done_ = true;
  return -1;
}

bool Background::running() {
  int status = 0;
  return waitpid(pid_, &status, WNOHANG) == 0;
}

std::string Background::err() const { return read_file(err_); }

ProcessResult run_on_terminal(const std::vector<std::string>& args, const std::string& typed,
                              const fs::path& log_dir) {
  const fs::path out = log_dir / "tty.out", err = log_dir / "tty.err";
  const int master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) return {-1, "", "no pseudo-terminal"};
  const std::string slave_name = ptsname(master);
  const pid_t pid = fork();
  if (pid == 0) {
    setsid();
    const int slave = ::open(slave_name.c_str(), O_RDWR);
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(slave, 0);
    dup2(o, 1);
    dup2(e, 2);
    ::close(master);
    exec_lightbeam(args);
  }
  // The terminal's line discipline keeps what is typed until the child reads its answer.
  if (::write(master, typed.data(), typed.size()) < 0) {
  }
  const int code = wait_exit_code(pid);
  ::close(master);
  return {code, read_file(out), read_file(err)};
}

}  // namespace lightbeam::testing
