// lightbeam's entry point: parse the command line, load the config, set up logging, run one
// command, and turn every error into a log line and an exit code (no exception escapes).
#include <cxxabi.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <sstream>
#include <string>
#include <typeinfo>

#include "core/config/loader.hpp"
#include "core/error.hpp"
#include "core/report/log.hpp"
#include "lightbeam/cli.hpp"
#include "lightbeam/commands/commands.hpp"

namespace lightbeam {
namespace {

int dispatch(const RunContext& ctx) {
  const std::string& c = ctx.options.command;
  if (c == "count") return commands::run_count(ctx);
  if (c == "fetch") return commands::run_fetch(ctx);
  if (c == "validate") return commands::run_validate(ctx);
  if (c == "send") return commands::run_send(ctx);
  if (c == "validate+send") return commands::run_validate_send(ctx);
  if (c == "delete") return commands::run_delete(ctx);
  if (c == "truncate") return commands::run_truncate(ctx);
  if (c == "create") return commands::run_create(ctx);
  if (c == "convert") return commands::run_convert(ctx);
  if (c == "export-state") return commands::run_export_state(ctx);
  throw Error("unknown command \"" + c + "\"; run 'lightbeam --help' for usage");
}

std::string exception_type(const std::exception& e) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(abi::__cxa_demangle(typeid(e).name(), nullptr, nullptr, &status), std::free);
  return status == 0 && name ? name.get() : typeid(e).name();
}

// Logs one error line; falls back to plain stderr if the logger itself fails.
void report_error(const std::string& message) noexcept {
  try {
    spdlog::error("{}", message);
  } catch (...) {
    std::fprintf(stderr, "lightbeam ERROR %s\n", message.c_str());
  }
}

int run(int argc, char** argv) {
  // Until the config says otherwise, errors and the config-file notice are logged at INFO.
  log::init("INFO");
  const config::Config* loaded = nullptr;
  RunContext ctx;
  try {
    cli::Parsed parsed = cli::parse(argc, argv);
    if (parsed.action != cli::Parsed::Action::run) {
      std::fputs(parsed.text.c_str(), stdout);
      std::fflush(stdout);
      return 0;
    }
    ctx.options = std::move(parsed.options);
    const bool found = ctx.options.config_file.empty();
    const std::string file = config::find_config_file(ctx.options.config_file);
    std::vector<std::string> warnings;
    ctx.config = config::load(file, ctx.options.params_json, ctx.options.overrides, &warnings);
    ctx.options.config_file = file;
    loaded = &ctx.config;
    log::init(ctx.config.log_level);
    log::set_secrets(ctx.config.secret_values);
    if (found) spdlog::info("config file not specified with `-c` flag... but found and using {}", file);
    for (const auto& w : warnings) spdlog::warn("{}", w);
    if (spdlog::should_log(spdlog::level::debug)) {  // one log line per key, secrets redacted
      std::istringstream dump(config::dump_redacted(ctx.config));
      for (std::string line; std::getline(dump, line);) spdlog::debug("config: {}", line);
    }
    spdlog::info("starting...");
    const int rc = dispatch(ctx);
    if (rc == 0) spdlog::info("done!");
    return rc;
  } catch (const Refusal& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return e.exit_code();
  } catch (const Error& e) {
    report_error(loaded ? config::redact(e.what(), *loaded) : std::string(e.what()));
    return e.exit_code();
  } catch (const std::exception& e) {
    std::string what = loaded ? config::redact(e.what(), *loaded) : std::string(e.what());
    report_error("unexpected error: " + what);
    if (loaded && loaded->show_stacktrace) report_error("  (exception type: " + exception_type(e) + ")");
    return exit_status::error;
  }
}

}  // namespace
}  // namespace lightbeam

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed pipe (lightbeam count | head) is an EPIPE error, not a kill
  try {
    return lightbeam::run(argc, argv);
  } catch (...) {  // even a failing logger must not let an exception escape
    std::fputs("lightbeam ERROR unexpected error\n", stderr);
    return lightbeam::exit_status::error;
  }
}
