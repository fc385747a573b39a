// One function per command (one file each in this folder). Each returns the process exit code
// (0 done, 1 error or every payload failed, 99 send skipped every payload) and throws
// lightbeam::Error for run-ending problems.
#pragma once
#include "lightbeam/run_options.hpp"

namespace lightbeam::commands {

int run_count(const RunContext& ctx);
int run_fetch(const RunContext& ctx);
int run_validate(const RunContext& ctx);
int run_send(const RunContext& ctx);
int run_validate_send(const RunContext& ctx);
int run_delete(const RunContext& ctx);
int run_truncate(const RunContext& ctx);
int run_create(const RunContext& ctx);
int run_convert(const RunContext& ctx);
int run_export_state(const RunContext& ctx);

}  // namespace lightbeam::commands
