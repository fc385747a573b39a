// Route family: the sandbox's own control routes, GET /_sandbox/stats and POST /_sandbox/reset
// (not part of any Ed-Fi API; used by tests and benchmarks).
#pragma once
#include "sandbox/context.hpp"

namespace lightbeam::sandbox::routes {

// Returns true when the request was a control route (answered).
bool control(Context& ctx, const httplib::Request& req, httplib::Response& res);

}  // namespace lightbeam::sandbox::routes
