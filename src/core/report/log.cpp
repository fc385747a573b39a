// Logging set-up (see log.hpp).
#include "core/report/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

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

// The message text (%v) with secrets replaced; a copy of the list is read under a lock so
// set_secrets() may run while other threads log.
class RedactedMessage : public spdlog::custom_flag_formatter {
 public:
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  static std::shared_ptr<const std::vector<std::string>>& secrets() {
    static std::shared_ptr<const std::vector<std::string>> s = std::make_shared<std::vector<std::string>>();
    return s;
  }
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    std::shared_ptr<const std::vector<std::string>> list;
    {
      std::lock_guard<std::mutex> lock(mutex());
      list = secrets();
    }
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    if (list->empty()) {
      dest.append(payload.data(), payload.data() + payload.size());
      return;
    }
    const std::string text = redact(payload, *list);
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<RedactedMessage>(); }
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

std::string redact(std::string_view text, const std::vector<std::string>& secrets) {
  std::string out(text);
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    for (std::size_t pos = out.find(secret); pos != std::string::npos; pos = out.find(secret, pos + 3))
      out.replace(pos, secret.size(), "***");
  }
  return out;
}

void set_secrets(std::vector<std::string> secrets) {
  std::sort(secrets.begin(), secrets.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  auto list = std::make_shared<const std::vector<std::string>>(std::move(secrets));
  std::lock_guard<std::mutex> lock(RedactedMessage::mutex());
  RedactedMessage::secrets() = std::move(list);
}

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
    formatter->add_flag<PythonLevelFlag>('*').add_flag<RedactedMessage>('&').set_pattern(
        "%Y-%m-%d %H:%M:%S.%e lightbeam %* %&");
    logger->set_formatter(std::move(formatter));
    spdlog::set_default_logger(logger);
  }
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::trace);
}

}  // namespace lightbeam::log
