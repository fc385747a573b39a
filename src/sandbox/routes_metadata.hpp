// Route family: discovery and metadata in both URL layouts (DMS /metadata/specifications/...,
// ODS /api/metadata/data/v3/...), the data models, the rendered OpenAPI documents and /health.
#pragma once
#include "sandbox/context.hpp"

namespace lightbeam::sandbox::routes {

// Returns true when the request was a metadata/discovery route (answered).
bool metadata(Context& ctx, const httplib::Request& req, httplib::Response& res);

}  // namespace lightbeam::sandbox::routes
