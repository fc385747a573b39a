// `lightbeam validate+send`: validate everything, then send, as the Python tool does. Validate
// ends the run (nothing sent) with its own exit status when it would end Python's: every line
// failed (1) or validate.references.max_failures was reached (255). Lines that failed otherwise
// are logged and the send goes ahead (the API then rejects them and the results say why). The
// results file is validate's, then replaced by send's ("command": "send"), as Python writes it.
#include <spdlog/spdlog.h>

#include "lightbeam/commands/commands.hpp"

namespace lightbeam::commands {

int run_validate_send(const RunContext& ctx) {
  const int rc = run_validate(ctx);
  if (rc != 0) {
    spdlog::warn("validation failed; nothing was sent (fix the data, or run `lightbeam send` to send anyway)");
    return rc;
  }
  return run_send(ctx);
}

}  // namespace lightbeam::commands
