// See interrupts.hpp.
#include "lightbeam/commands/interrupts.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"

namespace lightbeam::commands {
namespace {

std::atomic<int> g_count{0};
std::atomic<int> g_write_fd{-1};
struct sigaction g_old_int {}, g_old_term {};

extern "C" void on_stop_signal(int) {
  const int saved = errno;
  const int n = g_count.fetch_add(1) + 1;
  const int fd = g_write_fd.load();
  if (fd >= 0) {
    const char byte = n == 1 ? '1' : '2';
    ssize_t ignored = ::write(fd, &byte, 1);
    (void)ignored;
  } else if (n >= 2) {
    _exit(130);
  }
  errno = saved;
}

}  // namespace

Interrupts::Interrupts(Actions actions) : actions_(std::move(actions)) {
  if (::pipe(pipe_) != 0) throw Error(std::string("cannot set up signal handling: pipe failed: ") + std::strerror(errno));
  ::fcntl(pipe_[0], F_SETFD, FD_CLOEXEC);
  ::fcntl(pipe_[1], F_SETFD, FD_CLOEXEC);
  g_count = 0;
  watcher_ = std::thread([this] { watch(); });
  g_write_fd = pipe_[1];
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &g_old_int);
  sigaction(SIGTERM, &sa, &g_old_term);
}

Interrupts::~Interrupts() {
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
  g_write_fd = -1;
  const char quit = 'q';
  ssize_t ignored = ::write(pipe_[1], &quit, 1);
  (void)ignored;
  if (watcher_.joinable()) watcher_.join();
  ::close(pipe_[0]);
  ::close(pipe_[1]);
}

bool Interrupts::requested() { return g_count.load() > 0; }

void Interrupts::watch() {
  for (;;) {
    char byte = 0;
    const ssize_t n = ::read(pipe_[0], &byte, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || byte == 'q') return;
    if (byte == '1') {
      if (actions_.on_first) actions_.on_first();
      continue;
    }
    // The second signal: say so, clean up, and quit without waiting for anything.
    try {
      spdlog::warn("{}", actions_.second_message);
      spdlog::default_logger()->flush();
      if (actions_.on_second) actions_.on_second();
    } catch (...) {
    }
    _exit(130);
  }
}

}  // namespace lightbeam::commands
