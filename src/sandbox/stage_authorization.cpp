// The authorization stage: the per-client checks of each data operation, each run only when some
// client is restricted.
#include "sandbox/stage_authorization.hpp"

#include "sandbox/stage_authentication.hpp"

namespace lightbeam::sandbox::stage {

using nlohmann::json;
using schema::Endpoint;

std::optional<Problem> existing_denied(const Context& ctx, const std::string& client, const Endpoint& ep,
                                       const std::string& id) {
  if (!ctx.authz.namespace_restricted(client, ep)) return std::nullopt;
  ReadOutcome r = ctx.store.get(ep, id, "");
  if (r.status != 200) return std::nullopt;
  return ctx.authz.check_existing(client, ep, json::parse(r.body));
}

std::optional<Problem> item_denied(const Context& ctx, const httplib::Request& req, const Endpoint& ep,
                                   const std::string& id) {
  if (!ctx.authz.enabled()) return std::nullopt;
  std::string client = client_id(ctx, req);
  if (auto p = ctx.authz.check_resource(client, ep)) return p;
  return existing_denied(ctx, client, ep, id);
}

std::optional<Problem> write_denied(const Context& ctx, const httplib::Request& req, const Endpoint& ep,
                                    const json& doc, const std::string& url_id) {
  if (!ctx.authz.enabled()) return std::nullopt;
  std::string client = client_id(ctx, req);
  std::optional<Problem> denied = ctx.authz.check_resource(client, ep);
  if (!denied) denied = ctx.authz.check_proposed(client, ep, doc);
  if (!denied && !url_id.empty()) denied = existing_denied(ctx, client, ep, url_id);
  return denied;
}

std::optional<Problem> collection_denied(const Context& ctx, const httplib::Request& req, const Endpoint& ep,
                                         std::function<bool(const json&)>& visible) {
  if (!ctx.authz.enabled()) return std::nullopt;
  std::string client = client_id(ctx, req);
  if (auto denied = ctx.authz.check_resource(client, ep)) return denied;
  if (ctx.authz.namespace_restricted(client, ep))
    visible = [&ctx, client, &ep](const json& doc) { return ctx.authz.visible(client, ep, doc); };
  return std::nullopt;
}

}  // namespace lightbeam::sandbox::stage
