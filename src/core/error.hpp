// The one error type that carries a user-facing message up to main().
#pragma once
#include <stdexcept>
#include <string>

namespace lightbeam {

// Exit statuses, as the Python lightbeam 0.1.11's (docs/exit-codes.md): its log handler ends the
// run with SystemExit(-1), i.e. 255, on every ERROR or CRITICAL line; usage mistakes exit 1
// (unknown arguments) or 2 (argparse's own errors); a refused confirmation exits 1.
namespace exit_status {
inline constexpr int all_failed = 1;
inline constexpr int usage = 1;
inline constexpr int option_syntax = 2;
inline constexpr int all_skipped = 99;
inline constexpr int interrupted = 130;
inline constexpr int error = 255;
}  // namespace exit_status

// A run-ending problem. The message says what failed, where (file:line, YAML key, endpoint,
// URL without secrets) and what to do. Only main() turns it into an exit code.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, int exit_code = exit_status::error)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const noexcept { return exit_code_; }

 private:
  int exit_code_;
};

// An end the user chose (a confirmation refused): main() prints the message as it is, as Python's
// exit("...") does, not as an ERROR log line.
class Refusal : public Error {
 public:
  explicit Refusal(const std::string& message) : Error(message, exit_status::usage) {}
};

}  // namespace lightbeam
