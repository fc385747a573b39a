// /_sandbox/stats (request counters, documents per resource, tokens issued) and /_sandbox/reset
// (back to the state after start-up).
#include "sandbox/routes_control.hpp"

#include <httplib.h>

namespace lightbeam::sandbox::routes {

using nlohmann::json;

namespace {

json stats_json(Context& ctx) {
  json j;
  j["requests"] = ctx.stats.to_json();
  auto counts = ctx.store.counts();
  j["documents"] = counts;
  std::size_t total = 0;
  for (auto& [k, v] : counts) total += v;
  j["documents_total"] = total;
  j["tokens_issued"] = ctx.auth.issued();
  j["flavor"] = ctx.ods() ? "ods" : "dms";
  return j;
}

}  // namespace

bool control(Context& ctx, const httplib::Request& req, httplib::Response& res) {
  const std::string& path = req.path;
  if (path == "/_sandbox/stats" && req.method == "GET") {
    ctx.send(res, 200, stats_json(ctx).dump());
    return true;
  }
  if (path == "/_sandbox/reset" && req.method == "POST") {
    ctx.store.clear();
    ctx.load_seed();  // back to the state after start-up
    ctx.stats.clear();
    ctx.faults.reset_counter();
    ctx.send(res, 200, json{{"reset", true}}.dump());
    return true;
  }
  return false;
}

}  // namespace lightbeam::sandbox::routes
