// JSON text byte for byte as Python's json.dumps() writes it with its defaults: ", " and ": "
// separators, every character outside printable ASCII as \uXXXX (surrogate pairs above U+FFFF),
// integers as written, floats as Python's repr(). `fetch` writes its records this way so that
// files fetched by lightbeam and by the Python tool diff and checksum equal.
#pragma once
#include <string>
#include <string_view>

#include <simdjson.h>

namespace lightbeam::data {

// Appends `s` (UTF-8) as a JSON string with ensure_ascii=True.
void append_python_string(std::string& out, std::string_view s);

// Appends Python's repr() of a double ("1.0", "0.1", "1e-05", "1.5e+16").
void append_python_float(std::string& out, double d);

// Appends the value; false when it is not valid JSON.
bool append_python_json(std::string& out, simdjson::ondemand::value value);

}  // namespace lightbeam::data
