// Route family: resource CRUD under the data path ({data}/{project}/{resource}[/{id}]). Runs a data
// request's stages in order: faults, authentication, routing, then per operation authorization,
// body validation and the store.
#pragma once
#include "sandbox/context.hpp"

namespace lightbeam::sandbox::routes {

// Returns true when the request was under the data path (answered).
bool data(Context& ctx, const httplib::Request& req, httplib::Response& res);

}  // namespace lightbeam::sandbox::routes
