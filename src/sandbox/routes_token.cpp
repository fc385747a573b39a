// POST /oauth/token: client credentials from the Authorization header or the body, the grant type,
// and the token Auth issues; OAuth errors as ODS ({"error"}) or DMS (problem details) words them.
#include "sandbox/routes_token.hpp"

#include <httplib.h>

#include <fmt/format.h>

#include "sandbox/paths.hpp"

namespace lightbeam::sandbox::routes {

using nlohmann::json;

namespace {

void oauth_error(Context& ctx, const httplib::Request& req, httplib::Response& res, int status,
                 const std::string& error, const std::string& description) {
  if (ctx.ods()) {
    res.status = status;
    res.set_content(json{{"error", error}, {"error_description", description}}.dump(), k_json);
    return;
  }
  Problem p;
  p.status = status;
  p.problem_content_type = true;
  if (status == 401) {
    p.type = "urn:ed-fi:api:unauthorized";
    p.title = error;
    p.detail = description;
  } else {
    p.type = k_type::bad_request;
    p.title = "Bad Request";
    p.detail = description;
  }
  ctx.send_problem(req, res, p);
}

void issue_token(Context& ctx, const httplib::Request& req, httplib::Response& res) {
  std::string id, secret;
  bool have_basic = false;
  std::string authz = req.get_header_value("Authorization");
  if (authz.size() > 6 && lower(authz.substr(0, 6)) == "basic ") {
    auto decoded = base64_decode(authz.substr(6));
    if (decoded) {
      auto colon = decoded->find(':');
      if (colon != std::string::npos) {
        id = url_decode(decoded->substr(0, colon));
        secret = url_decode(decoded->substr(colon + 1));
        have_basic = true;
      }
    }
  }
  // grant_type (and, ods only, client_id/client_secret) from a form or JSON body.
  std::string grant_type, form_id, form_secret;
  std::string ctype = lower(req.get_header_value("Content-Type"));
  if (ctype.find("json") != std::string::npos) {
    json body = json::parse(req.body, nullptr, false);
    if (body.is_object()) {
      if (body.contains("grant_type") && body["grant_type"].is_string()) grant_type = body["grant_type"];
      if (body.contains("client_id") && body["client_id"].is_string()) form_id = body["client_id"];
      if (body.contains("client_secret") && body["client_secret"].is_string()) form_secret = body["client_secret"];
    }
  } else {
    httplib::Params params;
    httplib::detail::parse_query_text(req.body, params);
    for (auto& [k, v] : params) {
      if (k == "grant_type") grant_type = v;
      if (k == "client_id") form_id = v;
      if (k == "client_secret") form_secret = v;
    }
  }
  if (!have_basic) {
    if (ctx.ods() && !form_id.empty()) {
      id = form_id;
      secret = form_secret;
    } else {
      if (ctx.ods())
        oauth_error(ctx, req, res, 401, "invalid_client", "Client credentials are missing.");
      else
        oauth_error(ctx, req, res, 400, "invalid_request", "Malformed Authorization header");
      return;
    }
  }
  if (lower(grant_type) != "client_credentials") {
    oauth_error(ctx, req, res, 400, "unsupported_grant_type", "Unsupported grant type");
    return;
  }
  if (!ctx.auth.check_client(id, secret)) {
    oauth_error(ctx, req, res, 401, "invalid_client", "Invalid client or Invalid client credentials");
    return;
  }
  std::string t = ctx.auth.issue(id);
  ctx.send(res, 200,
           json{{"access_token", t}, {"expires_in", ctx.options.token_ttl}, {"token_type", ctx.ods() ? "bearer" : "Bearer"}}
               .dump());
}

}  // namespace

bool token(Context& ctx, const httplib::Request& req, httplib::Response& res) {
  std::string oauth = ctx.base_path() + "/oauth/token";
  if (req.path != oauth && req.path != oauth + "/") return false;
  if (req.method == "POST")
    issue_token(ctx, req, res);
  else {
    res.set_header("Allow", "POST");
    ctx.send_problem(
        req, res, method_not_allowed(fmt::format("The endpoint of the request does not support the '{}' method.", req.method)));
  }
  ctx.record(req, "/oauth/token", res);
  return true;
}

}  // namespace lightbeam::sandbox::routes
