// Logging: the Python tool's line format on stderr,
// `YYYY-MM-DD HH:MM:SS.mmm lightbeam LEVEL message`. Use spdlog::info/warn/error/debug anywhere
// after log::init(); WARNING is printed for spdlog's warn level, as Python's logging does.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace lightbeam::log {

// level: ERROR, WARNING (or WARN), INFO, DEBUG (case-insensitive). Unknown levels are an Error.
void init(std::string_view level);

// Every later log line, at every level, has each of these values replaced by ***: the client
// secret, -p values and URL passwords never reach stderr even when a message quotes them.
void set_secrets(std::vector<std::string> secrets);

// `text` with each secret (longest first) replaced by ***.
std::string redact(std::string_view text, const std::vector<std::string>& secrets);

// True when the level name is one init() accepts.
bool is_valid_level(std::string_view level);

}  // namespace lightbeam::log
