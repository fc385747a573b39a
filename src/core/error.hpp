// The one error type that carries a user-facing message up to main().
#pragma once
#include <stdexcept>
#include <string>

namespace lightbeam {

// A run-ending problem. The message says what failed, where (file:line, YAML key, endpoint,
// URL without secrets) and what to do. Only main() turns it into an exit code.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, int exit_code = 1)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const noexcept { return exit_code_; }

 private:
  int exit_code_;
};

}  // namespace lightbeam
