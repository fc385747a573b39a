// Test support: child processes with captured output, temp dirs, the sandbox fixture.
#include "support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace lightbeam::testing {
namespace fs = std::filesystem;

namespace {

std::vector<std::string> build_env(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (auto& [k, v] : extra) env[k] = v;
  std::vector<std::string> out;
  for (auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv_in, const RunOptions& options) {
  int out_pipe[2], err_pipe[2], in_pipe[2];
  if (pipe(out_pipe) || pipe(err_pipe) || pipe(in_pipe)) throw std::runtime_error("pipe failed");
  std::vector<std::string> argv = argv_in;
  std::vector<std::string> env = build_env(options.env);
  auto c_argv = c_strings(argv);
  auto c_env = c_strings(env);

  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1], in_pipe[0], in_pipe[1]}) close(fd);
    if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0) _exit(126);
    execve(c_argv[0], c_argv.data(), c_env.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  close(in_pipe[0]);

  // Feed stdin from a thread so a large input cannot deadlock against full output pipes.
  std::thread feeder([fd = in_pipe[1], data = options.stdin_data] {
    signal(SIGPIPE, SIG_IGN);
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = write(fd, data.data() + off, data.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    close(fd);
  });

  ProcessResult result;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.timeout_seconds);
  bool out_open = true, err_open = true, killed = false;
  char buf[65536];
  while (out_open || err_open) {
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    int r = poll(fds, 2, 200);
    if (r > 0) {
      for (int i = 0; i < 2; ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        bool& open = i == 0 ? out_open : err_open;
        if (!open) continue;
        ssize_t n = read(fds[i].fd, buf, sizeof buf);
        if (n <= 0) {
          open = false;
        } else {
          (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
        }
      }
      // A closed fd stays "readable" with HUP; exclude it by marking it closed above.
      if (!out_open) out_pipe[0] = out_pipe[0] >= 0 ? (close(out_pipe[0]), -1) : -1;
      if (!err_open) err_pipe[0] = err_pipe[0] >= 0 ? (close(err_pipe[0]), -1) : -1;
    }
    if (!killed && std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      killed = true;
    }
  }
  feeder.join();
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) result.exit_code = 128 + WTERMSIG(status);
  if (killed) result.err += "\n[test support: killed after timeout]\n";
  return result;
}

namespace {
std::string program(const char* name, const char* built_with_the_tests) {
  const char* dir = std::getenv("LIGHTBEAM_TEST_BIN_DIR");
  return dir && *dir ? (std::filesystem::path(dir) / name).string() : std::string(built_with_the_tests);
}
}  // namespace

const std::string& lightbeam_bin() {
  static const std::string path = program("lightbeam", LIGHTBEAM_BIN);
  return path;
}

const std::string& sandbox_bin() {
  static const std::string path = program("edfi-sandbox", SANDBOX_BIN);
  return path;
}

ProcessResult run_lightbeam(const std::vector<std::string>& args, const RunOptions& options) {
  std::vector<std::string> argv{lightbeam_bin()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, options);
}

std::string find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  const std::string dirs = path ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    auto end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const fs::path candidate = fs::path(dirs.substr(start, end - start)) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    start = end + 1;
  }
  return "/usr/bin/" + name;
}

TempDir::TempDir() {
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto p = fs::temp_directory_path() / ("lightbeam-test-" + std::to_string(rd()));
    std::error_code ec;
    if (fs::create_directory(p, ec)) {
      path_ = p;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary directory");
}

TempDir::~TempDir() {
  std::error_code ec;
  // Make read-only folders made by tests removable again.
  for (auto it = fs::recursive_directory_iterator(path_, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
    fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
  }
  fs::remove_all(path_, ec);
}

void write_file(const fs::path& path, const std::string& content) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::ofstream f(path, std::ios::binary);
  f << content;
  if (!f) throw std::runtime_error("cannot write " + path.string());
}

std::string read_file(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

Sandbox::Sandbox(const std::vector<std::string>& args) {
  int out_pipe[2];
  if (pipe(out_pipe)) throw std::runtime_error("pipe failed");
  std::vector<std::string> argv{sandbox_bin(), "--port", "0"};
  argv.insert(argv.end(), args.begin(), args.end());
  bool has_specs = false;
  for (auto& a : args) has_specs |= (a == "--specs");
  if (!has_specs) {
    argv.push_back("--specs");
    argv.push_back(own_metadata_dir().string());
  }
  auto c_argv = c_strings(argv);
  stderr_path_ = fs::temp_directory_path() / ("edfi-sandbox-stderr-" + std::to_string(getpid()) + "-" +
                                              std::to_string(std::random_device{}()) + ".log");
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    dup2(out_pipe[1], 1);
    int err_fd = open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (err_fd >= 0) dup2(err_fd, 2);
    close(out_pipe[0]);
    close(out_pipe[1]);
    execv(c_argv[0], c_argv.data());
    _exit(127);
  }
  close(out_pipe[1]);
  // Read the first line (the base URL), with a deadline so a broken server cannot hang a test.
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  char c;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{out_pipe[0], POLLIN, 0};
    if (poll(&pfd, 1, 200) <= 0) continue;
    ssize_t n = read(out_pipe[0], &c, 1);
    if (n <= 0) break;
    if (c == '\n') break;
    line += c;
  }
  close(out_pipe[0]);
  if (line.rfind("http", 0) != 0) {
    std::string err = stderr_text();
    stop();
    throw std::runtime_error("edfi-sandbox did not print its base URL; stderr: " + err);
  }
  base_url_ = line;
}

int Sandbox::stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 100; ++i) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return 128 + SIGKILL;
}

Sandbox::~Sandbox() {
  stop();
  std::error_code ec;
  fs::remove(stderr_path_, ec);
}

std::string Sandbox::stderr_text() const {
  try {
    return read_file(stderr_path_);
  } catch (...) {
    return {};
  }
}

// The copy in the repository (metadata/ds-5.2, so CI has it) first, else ../shared's.
fs::path ds52_specs_dir() {
  fs::path own = fs::path(LIGHTBEAM_SOURCE_DIR) / "metadata" / "ds-5.2";
  if (fs::exists(own / "resources-spec.json")) return own;
  return fs::path(SHARED_DIR) / "edfi" / "ds-5.2";
}
bool have_ds52_specs() { return fs::exists(ds52_specs_dir() / "resources-spec.json"); }
fs::path own_metadata_dir() { return fs::path(LIGHTBEAM_SOURCE_DIR) / "metadata"; }

}  // namespace lightbeam::testing
