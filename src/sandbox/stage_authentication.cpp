// The authentication stage: the Authorization header's bearer token against the tokens Auth
// issued, and the client id authorization decides by.
#include "sandbox/stage_authentication.hpp"

#include <httplib.h>

#include "sandbox/paths.hpp"

namespace lightbeam::sandbox::stage {

std::string check_token(const Context& ctx, const httplib::Request& req) {
  if (!req.has_header("Authorization")) return "Authorization header is missing.";
  std::string h = req.get_header_value("Authorization");
  auto space = h.find(' ');
  std::string scheme = lower(h.substr(0, space));
  if (scheme.empty()) return "Invalid Authorization header.";
  if (scheme != "bearer") return "Unknown Authorization header scheme.";
  std::string token = space == std::string::npos ? "" : h.substr(space + 1);
  while (!token.empty() && token.front() == ' ') token.erase(0, 1);
  while (!token.empty() && token.back() == ' ') token.pop_back();
  if (token.empty()) return "Missing Authorization header bearer token value.";
  if (!ctx.auth.valid(token)) return "Invalid token";
  return {};
}

bool reject_unauthenticated(Context& ctx, const httplib::Request& req, httplib::Response& res) {
  std::string reason = check_token(ctx, req);
  if (reason.empty()) return false;
  res.set_header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
  ctx.send_problem(req, res, authentication_failed(reason));
  ctx.record(req, "unauthenticated", res);
  return true;
}

std::string client_id(const Context& ctx, const httplib::Request& req) {
  std::string h = req.get_header_value("Authorization");
  auto space = h.find(' ');
  std::string token = space == std::string::npos ? "" : h.substr(space + 1);
  while (!token.empty() && token.front() == ' ') token.erase(0, 1);
  while (!token.empty() && token.back() == ' ') token.pop_back();
  return ctx.auth.client_of(token).value_or("");
}

}  // namespace lightbeam::sandbox::stage
