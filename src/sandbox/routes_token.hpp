// Route family: OAuth client credentials at {base}/oauth/token (Basic or, ods only, form/JSON
// credentials) and the OAuth error bodies of each flavour.
#pragma once
#include "sandbox/context.hpp"

namespace lightbeam::sandbox::routes {

// Returns true when the request was for the token route (answered: a token, an OAuth error, or 405).
bool token(Context& ctx, const httplib::Request& req, httplib::Response& res);

}  // namespace lightbeam::sandbox::routes
