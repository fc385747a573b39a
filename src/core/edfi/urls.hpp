// URL building and discovery-document reading for every edfi_api.mode, in the ODS layout
// ({base}/data/v3[/{instance}][/{year}]) and the DMS layout (route qualifiers before /data).
// Pure functions: no I/O, so every mode is unit-testable.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/config/config.hpp"
#include "core/edfi/api_client.hpp"

namespace lightbeam::edfi {

// "a/" + "/b" → "a/b" (one slash between non-empty parts; trailing slashes of parts removed).
std::string url_join(std::string_view a, std::string_view b);

// Throws Error for an unknown mode, or a mode missing the year / instance_code it needs.
// Returns the route qualifiers of the mode in order, e.g. {"inst1", "2024"}; `current_year` is the
// default for `year` (README: "The default is the current year").
std::vector<std::string> mode_qualifiers(const config::EdfiApi& api, Layout layout, int current_year);

// The data root (no trailing '/') for the mode. `discovered` is urls.dataManagementApi ("" when
// the discovery document had none). Qualifiers already present in the discovered URL are not
// added twice.
std::string build_data_url(const config::EdfiApi& api, const std::string& discovered, Layout layout,
                           int current_year);

// ODS (DMS) layout from a dataManagementApi URL: ".../data/v3[/]" → ods, ".../data[/]" → dms.
Layout layout_of_data_url(std::string_view data_url);

// Reads a discovery document into urls (fields already set — explicit config — are kept).
// Returns the names of the `urls` entries it needed but did not find.
std::vector<std::string> apply_discovery(const nlohmann::json& doc, ApiUrls& urls);

// Fills every still-empty URL as the Python tool's README documents the defaults:
// {base}/oauth/token, {base}/metadata/data/v3[/{qualifiers}]/dependencies,
// .../resources/swagger.json, .../descriptors/swagger.json.
void apply_default_urls(const config::EdfiApi& api, ApiUrls& urls, int current_year);

}  // namespace lightbeam::edfi
