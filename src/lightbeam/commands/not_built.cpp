// Weak stand-ins for commands whose files have not landed yet, so the binary always links; a
// command's real (strong) definition in its own file replaces the stand-in at link time.
#include "core/error.hpp"
#include "lightbeam/commands/commands.hpp"

namespace lightbeam::commands {

#define LIGHTBEAM_NOT_BUILT(fn, name) \
  __attribute__((weak)) int fn(const RunContext&) { throw Error("'" name "' is not built yet"); }

LIGHTBEAM_NOT_BUILT(run_count, "count")
LIGHTBEAM_NOT_BUILT(run_fetch, "fetch")
LIGHTBEAM_NOT_BUILT(run_validate, "validate")
LIGHTBEAM_NOT_BUILT(run_send, "send")
LIGHTBEAM_NOT_BUILT(run_validate_send, "validate+send")
LIGHTBEAM_NOT_BUILT(run_delete, "delete")
LIGHTBEAM_NOT_BUILT(run_truncate, "truncate")
LIGHTBEAM_NOT_BUILT(run_create, "create")

#undef LIGHTBEAM_NOT_BUILT

}  // namespace lightbeam::commands
