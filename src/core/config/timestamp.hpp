// Parsing the -o/--older-than and -n/--newer-than timestamps (the formats the Python tool's
// dateutil accepts in practice) into unix seconds.
#pragma once
#include <optional>
#include <string_view>

namespace lightbeam::config {

// Accepts "2020-12-25", "2020-12-25T00:00:00", "2020-12-25 00:00:00", optional fractional
// seconds, "Z" or "+hh:mm"/"-hh:mm"/"+hhmm" offsets, and "2020/12/25". Without an offset the time
// is local time, as dateutil's .timestamp() does. Returns nullopt when the text is not a timestamp.
std::optional<double> parse_timestamp(std::string_view text);

}  // namespace lightbeam::config
