// Logging: the Python tool's line format on stderr,
// `YYYY-MM-DD HH:MM:SS.mmm lightbeam LEVEL message`. Use spdlog::info/warn/error/debug anywhere
// after log::init(); WARNING is printed for spdlog's warn level, as Python's logging does.
#pragma once
#include <string_view>

namespace lightbeam::log {

// level: ERROR, WARNING (or WARN), INFO, DEBUG (case-insensitive). Unknown levels are an Error.
void init(std::string_view level);

// True when the level name is one init() accepts.
bool is_valid_level(std::string_view level);

}  // namespace lightbeam::log
