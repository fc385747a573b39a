// Parses request bodies with nlohmann's SAX interface so duplicate property names (at any depth)
// are caught with their JSON path, as the Ed-Fi APIs report them (edfi-api-behavior.md §5 step 8).
#pragma once
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace lightbeam::sandbox {

struct ParsedBody {
  nlohmann::json value;
  std::string parse_error;      // non-empty: malformed JSON (parser message)
  std::string duplicate_path;   // non-empty: "$.a.b" / "$.addresses[0].city" of a repeated key
};

ParsedBody parse_body(std::string_view text);

}  // namespace lightbeam::sandbox
