// Logging set-up (see log.hpp).
#include "core/report/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>

#include "core/error.hpp"

namespace lightbeam::log {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
  return out;
}

// Python logging's level names (spdlog would print "warning"/"info" in lower case).
class PythonLevelFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    std::string_view name;
    switch (msg.level) {
      case spdlog::level::trace:
      case spdlog::level::debug: name = "DEBUG"; break;
      case spdlog::level::info: name = "INFO"; break;
      case spdlog::level::warn: name = "WARNING"; break;
      case spdlog::level::err: name = "ERROR"; break;
      default: name = "CRITICAL"; break;
    }
    dest.append(name.data(), name.data() + name.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<PythonLevelFlag>(); }
};

spdlog::level::level_enum parse(std::string_view level) {
  std::string l = upper(level);
  if (l == "DEBUG") return spdlog::level::debug;
  if (l == "INFO") return spdlog::level::info;
  if (l == "WARNING" || l == "WARN") return spdlog::level::warn;
  if (l == "ERROR") return spdlog::level::err;
  if (l == "CRITICAL") return spdlog::level::critical;
  throw Error("log_level must be one of ERROR, WARNING, INFO, DEBUG, got \"" + std::string(level) + "\"");
}

}  // namespace

bool is_valid_level(std::string_view level) {
  try {
    parse(level);
    return true;
  } catch (const Error&) {
    return false;
  }
}

void init(std::string_view level) {
  auto lvl = parse(level);
  auto logger = spdlog::get("lightbeam");
  if (!logger) {
    logger = spdlog::stderr_logger_mt("lightbeam");
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<PythonLevelFlag>('*').set_pattern("%Y-%m-%d %H:%M:%S.%e lightbeam %* %v");
    logger->set_formatter(std::move(formatter));
    spdlog::set_default_logger(logger);
  }
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::trace);
}

}  // namespace lightbeam::log
