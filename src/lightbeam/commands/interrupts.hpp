// SIGINT/SIGTERM for the lifetime of a long command (send, fetch). The signal handler only counts
// the signal and writes one byte to a pipe (async-signal-safe); a watcher thread reads it and does
// the work a handler must not: at the first signal it runs `on_first` (the command's own loop also
// polls requested()), at the second it logs `second_message` (one WARNING line), runs `on_second`
// (e.g. removes temporary files) and exits 130 at once. Two signals in quick succession are two
// bytes: both are handled, in order. One instance at a time.
#pragma once
#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace lightbeam::commands {

class Interrupts {
 public:
  struct Actions {
    std::function<void()> on_first;   // may be empty
    std::string second_message;       // logged before the exit at the second signal
    std::function<void()> on_second;  // may be empty; runs on the watcher thread, then _exit(130)
  };
  explicit Interrupts(Actions actions);
  ~Interrupts();
  Interrupts(const Interrupts&) = delete;
  Interrupts& operator=(const Interrupts&) = delete;

  // True once SIGINT or SIGTERM arrived.
  static bool requested();

 private:
  void watch();
  Actions actions_;
  int pipe_[2] = {-1, -1};
  std::thread watcher_;
};

}  // namespace lightbeam::commands
