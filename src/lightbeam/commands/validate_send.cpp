// `lightbeam validate+send`: validate everything, then send — as the Python tool does. Its
// validate ends the run (nothing sent, exit 1) only when validate.references.max_failures was
// reached or every payload failed; lines that failed validation otherwise are logged and the
// send goes ahead (the API then rejects them and the results say why).
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "lightbeam/commands/commands.hpp"

namespace lightbeam::commands {
namespace {

// Whether a failed validate (exit code != 0) must stop the run, judged from its results file.
bool validation_stops_run(const nlohmann::json& res, const config::Config& cfg) {
  if (!res.is_object()) return true;
  long processed = res.value("total_records_processed", 0L);
  long failed = res.value("total_records_failed", 0L);
  if (processed == 0 || failed >= processed) return true;  // every payload failed
  const auto& max = cfg.validate.references.max_failures;
  if (max && *max > 0 && res.contains("resources"))
    for (const auto& [name, ep] : res["resources"].items())
      if (ep.value("records_failed", 0L) >= *max) return true;  // fail-fast threshold reached
  return false;
}

}  // namespace

int run_validate_send(const RunContext& ctx) {
  RunContext validate_ctx = ctx;
  const auto tmp = std::filesystem::temp_directory_path() /
                   ("lightbeam-validate-" + std::to_string(::getpid()) + ".json");
  validate_ctx.options.results_file = tmp.string();
  validate_ctx.options.results_file_internal = true;
  int rc = 0;
  try {
    rc = run_validate(validate_ctx);
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw;
  }
  nlohmann::json res;
  {
    std::ifstream in(tmp);
    if (in) res = nlohmann::json::parse(in, nullptr, false);
  }
  std::error_code ec;
  std::filesystem::remove(tmp, ec);
  if (rc != 0 && validation_stops_run(res, ctx.config)) {
    spdlog::error("validation failed; nothing was sent (fix the data, or run `lightbeam send` to send anyway)");
    return rc;
  }
  if (rc != 0) spdlog::warn("some payloads failed validation; sending anyway (as the Python lightbeam does)");
  return run_send(ctx);
}

}  // namespace lightbeam::commands
