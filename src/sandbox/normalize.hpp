// Write-body normalisation (edfi-api-behavior.md §7): coercion of booleans/numbers/dates, pruning
// of unknown properties, nulls and empty arrays, then the schema rules with the Ed-Fi error keys and
// messages. Also the date/time parsers the query filters share.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/schema/coercion.hpp"
#include "core/schema/spec_model.hpp"

namespace lightbeam::sandbox {

// Normalises `doc` in place (the body of a write to `endpoint`, without `id`) and adds every
// violation to `errors` ({"$.key": ["message", ...]}), coercing values as the flavour's API does.
void normalize_document(const schema::Endpoint& endpoint, nlohmann::json& doc, nlohmann::json& errors,
                        schema::Coercion coercion);

// "yyyy-MM-dd" from ISO or slash dates (US order first), nullopt when not a date.
std::optional<std::string> parse_date(std::string_view text);
// UTC "yyyy-MM-ddTHH:mm:ssZ" from any reasonable date/date-time text, nullopt when unparseable.
std::optional<std::string> parse_date_time(std::string_view text);
// "HH:mm:ss", nullopt when not a time.
std::optional<std::string> parse_time(std::string_view text);
// The current UTC time as "yyyy-MM-ddTHH:mm:ssZ".
std::string now_utc();

void add_error(nlohmann::json& errors, const std::string& key, const std::string& message);

}  // namespace lightbeam::sandbox
