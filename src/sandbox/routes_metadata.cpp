// The discovery document, the specifications list, the OpenAPI documents (rendered once per Host
// and cached), dependencies, xsd and /health.
#include "sandbox/routes_metadata.hpp"

#include <httplib.h>

#include <algorithm>
#include <set>

#include "sandbox/paths.hpp"
#include "sandbox/spec_render.hpp"

namespace lightbeam::sandbox::routes {

using nlohmann::json;

namespace {

json data_models(const Context& ctx) {
  std::set<std::string> projects;
  for (auto* ep : ctx.model.endpoints()) projects.insert(ep->project);
  json models = json::array();
  for (auto& p : projects) {
    if (p == "ed-fi")
      models.push_back({{"name", "Ed-Fi"}, {"version", "5.2.0"}, {"informationalVersion", "The Ed-Fi Data Standard v5.2.0"}});
    else if (p == "tpdm")
      models.push_back({{"name", "TPDM"}, {"version", "1.1.0"}, {"informationalVersion", ""}});
    else
      models.push_back({{"name", p}, {"version", "1.0.0"}, {"informationalVersion", ""}});
  }
  std::sort(models.begin(), models.end(), [](const json& a, const json& b) { return a["name"] < b["name"]; });
  return models;
}

json discovery_of_flavor(const Context& ctx, const httplib::Request& req) {
  std::string r = ctx.root(req);
  if (ctx.ods()) {
    return {{"version", "7.1"},
            {"informationalVersion", "7.1 (edfi-sandbox)"},
            {"suite", "3"},
            {"build", "7.1.0"},
            {"dataModels", data_models(ctx)},
            {"urls",
             {{"dependencies", r + "/metadata/data/v3/dependencies"},
              {"openApiMetadata", r + "/metadata/"},
              {"oauth", r + "/oauth/token"},
              {"dataManagementApi", r + "/data/v3/"},
              {"xsdMetadata", r + "/metadata/xsd"},
              {"changeQueries", r + "/changeQueries/v1/"}}}};
  }
  return {{"version", "1.0.0"},
          {"applicationName", "Ed-Fi API"},
          {"informationalVersion", "edfi-sandbox (Ed-Fi Data Management Service behaviour)"},
          {"dataModels", data_models(ctx)},
          {"urls",
           {{"dependencies", r + "/metadata/dependencies"},
            {"openApiMetadata", r + "/metadata/specifications"},
            {"oauth", r + "/oauth/token"},
            {"tokenInfo", r + "/oauth/token_info"},
            {"dataManagementApi", r + "/data"},
            {"changeQueries", r + "/changeQueries/v1/"},
            {"xsdMetadata", r + "/metadata/xsd"}}}};
}

// An ODS/API with change queries turned off does not list them (lightbeam decides from that).
json discovery(const Context& ctx, const httplib::Request& req) {
  json doc = discovery_of_flavor(ctx, req);
  if (!ctx.options.change_queries) doc["urls"].erase("changeQueries");
  return doc;
}

json specifications(const Context& ctx, const httplib::Request& req) {
  std::string r = ctx.root(req);
  if (ctx.ods()) {
    return json::array({{{"name", "Resources"}, {"endpointUri", r + "/metadata/data/v3/resources/swagger.json"}, {"prefix", ""}},
                        {{"name", "Descriptors"}, {"endpointUri", r + "/metadata/data/v3/descriptors/swagger.json"}, {"prefix", ""}}});
  }
  return json::array(
      {{{"name", "Resources"}, {"endpointUri", r + "/metadata/specifications/resources-spec.json"}, {"prefix", ""}},
       {{"name", "Descriptors"}, {"endpointUri", r + "/metadata/specifications/descriptors-spec.json"}, {"prefix", ""}},
       {{"name", "Discovery"}, {"endpointUri", r + "/metadata/specifications/discovery-spec.json"}, {"prefix", "Other"}}});
}

const std::string& spec_document(Context& ctx, const httplib::Request& req, bool descriptors) {
  std::string key = Context::host_of(req, ctx.port) + (descriptors ? "|d" : "|r");
  std::lock_guard lock(ctx.spec_cache_mutex);
  auto it = ctx.spec_cache.find(key);
  if (it != ctx.spec_cache.end()) return it->second;
  SpecRenderOptions ro;
  ro.data_url = ctx.data_root(req);
  ro.ods_names = ctx.ods();
  ro.swagger2 = ctx.options.openapi == 2;
  std::string text =
      render_spec(descriptors ? ctx.model.descriptors_document() : ctx.model.resources_document(), ro).dump();
  return ctx.spec_cache[key] = std::move(text);
}

}  // namespace

bool metadata(Context& ctx, const httplib::Request& req, httplib::Response& res) {
  std::string path = req.path;
  std::string base = ctx.base_path();
  if (ctx.ods() && (path == "/" || path.empty())) path = base;
  if (path.size() > 1 && path.back() == '/') path.pop_back();
  if (!base.empty() && path.rfind(base, 0) != 0) return false;
  std::string rel = path.substr(base.size());  // "" (root), "/metadata", ...
  if (req.method != "GET" && req.method != "HEAD") return false;
  bool ods = ctx.ods();
  if (rel.empty() || rel == "/") {
    ctx.send(res, 200, discovery(ctx, req).dump());
  } else if (rel == "/metadata") {
    if (ods) {
      ctx.send(res, 200, specifications(ctx, req).dump());
    } else {
      std::string r = ctx.root(req);
      ctx.send(res, 200,
               json{{"dependencies", r + "/metadata/dependencies"}, {"specifications", r + "/metadata/specifications"},
                    {"xsdMetadata", r + "/metadata/xsd"}}
                   .dump());
    }
  } else if (!ods && rel == "/metadata/specifications") {
    ctx.send(res, 200, specifications(ctx, req).dump());
  } else if (!ods && rel == "/metadata/specifications/resources-spec.json") {
    ctx.send(res, 200, spec_document(ctx, req, false));
  } else if (!ods && rel == "/metadata/specifications/descriptors-spec.json") {
    ctx.send(res, 200, spec_document(ctx, req, true));
  } else if (!ods && rel == "/metadata/specifications/discovery-spec.json") {
    ctx.send(res, 200,
             json{{"openapi", "3.0.1"}, {"info", {{"title", "Ed-Fi Discovery API"}, {"version", "1"}}}, {"paths", json::object()}}
                 .dump());
  } else if (!ods && rel == "/metadata/dependencies") {
    ctx.send(res, 200, ctx.dependencies.dump());
  } else if (rel == "/metadata/xsd") {
    ctx.send(res, 200, "[]");
  } else if (rel == "/health") {
    ctx.send(res, 200, json{{"status", "Healthy"}}.dump());
  } else if (ods && rel.rfind("/metadata/data/v3", 0) == 0) {
    auto segs = split_path(rel.substr(std::string("/metadata/data/v3").size()));
    segs.erase(std::remove(segs.begin(), segs.end(), std::string()), segs.end());
    if (!segs.empty() && all_digits(segs.front())) segs.erase(segs.begin());  // year-specific layout
    std::string tail;
    for (auto& s : segs) tail += "/" + s;
    if (tail == "/dependencies")
      ctx.send(res, 200, ctx.dependencies.dump());
    else if (tail == "/resources/swagger.json")
      ctx.send(res, 200, spec_document(ctx, req, false));
    else if (tail == "/descriptors/swagger.json")
      ctx.send(res, 200, spec_document(ctx, req, true));
    else
      return false;
  } else {
    return false;
  }
  ctx.record(req, rel.empty() ? "/" : rel, res);
  return true;
}

}  // namespace lightbeam::sandbox::routes
