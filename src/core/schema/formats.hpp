// String formats of the JSON-Schema subset Ed-Fi uses (date, time, date-time, double): fast
// hand-written checks, no regex and no allocation per check.
#pragma once
#include <string_view>

namespace lightbeam::schema {

enum class Format : unsigned char { none, date, time, date_time, double_ };

// Which rules a format check follows.
// strict: RFC 3339 as JSON Schema defines them (what the JSON-Schema-Test-Suite checks).
// edfi:   what an Ed-Fi API accepts after its own coercions (edfi-api-behavior.md §7.2-7.3):
//         slash dates (M/d/yyyy, d/M/yyyy, two-digit years), times without an offset,
//         date-times without a zone, with a space instead of `T`, or a date alone.
enum class FormatMode : unsigned char { strict, edfi };

// Maps a `format` keyword value to a Format; unknown formats are `none` (ignored, as JSON Schema says).
Format parse_format(std::string_view name);

bool is_valid_date(std::string_view s, FormatMode mode);
bool is_valid_time(std::string_view s, FormatMode mode);
bool is_valid_date_time(std::string_view s, FormatMode mode);

// Checks a string instance against a format (true for `none` and `double`, which only numbers carry).
bool check_format(Format f, std::string_view s, FormatMode mode);

// Name used in messages: "'x' is not a 'date'".
std::string_view format_name(Format f);

}  // namespace lightbeam::schema
