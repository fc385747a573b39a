// Builds nlohmann::json trees from simdjson DOM values: parsing a large document with simdjson and
// converting it costs a fraction of nlohmann's own parser (whose lexer dominated start-up: ~420 M
// instructions for the 6 MB of DS 5.2 OpenAPI documents).
#pragma once
#include <simdjson.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

namespace lightbeam::schema {

// The same tree nlohmann::json::parse would build from the value's text: non-negative integers as
// number_unsigned, negative ones as number_integer, other numbers as number_float, and for a key
// that appears twice the last value wins.
nlohmann::json json_from_dom(simdjson::dom::element value);

// Parses `text` with simdjson and converts it; nullopt when simdjson rejects the text (the caller
// then falls back to nlohmann's parser for its exact behaviour and error messages).
std::optional<nlohmann::json> parse_json_fast(std::string_view text);

}  // namespace lightbeam::schema
