// Request stage 2 of a data request: the bearer token (issued by /oauth/token, not expired) and the
// client it names.
#pragma once
#include <string>

#include "sandbox/context.hpp"

namespace lightbeam::sandbox::stage {

// Returns an empty string when the bearer token is fine, else the 401 reason.
std::string check_token(const Context& ctx, const httplib::Request& req);

// Answers 401 (WWW-Authenticate, §8.2 authentication problem) unless the token is fine. True when
// the request was answered here.
bool reject_unauthenticated(Context& ctx, const httplib::Request& req, httplib::Response& res);

// The client whose bearer token the request carries (check_token has accepted it).
std::string client_id(const Context& ctx, const httplib::Request& req);

}  // namespace lightbeam::sandbox::stage
