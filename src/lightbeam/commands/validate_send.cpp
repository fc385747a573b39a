// `lightbeam validate+send`: validate everything first; send only when validation passed (as the
// Python tool, a validation that failed — lines failed or validate.references.max_failures
// reached — ends the run with its exit code and nothing is sent).
#include <spdlog/spdlog.h>

#include "lightbeam/commands/commands.hpp"

namespace lightbeam::commands {

int run_validate_send(const RunContext& ctx) {
  const int rc = run_validate(ctx);
  if (rc != 0) {
    spdlog::error("validation failed; nothing was sent (fix the data, or run `lightbeam send` to send anyway)");
    return rc;
  }
  return run_send(ctx);
}

}  // namespace lightbeam::commands
