// Rewrites OpenAPI documents into ODS schema names and Swagger 2.0 (what the sandbox's ods flavour serves).
#include "core/schema/spec_convert.hpp"

#include <cctype>

namespace lightbeam::schema {

using nlohmann::json;

namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }
char upper(char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); }

// "EdFi" → "edFi", "TPDM" → "tpdm", "tpdm" → "tpdm".
std::string prefix_to_ods(std::string_view p) {
  bool all_upper = true;
  for (char c : p)
    if (std::islower(static_cast<unsigned char>(c))) all_upper = false;
  std::string out(p);
  if (all_upper) {
    for (char& c : out) c = lower(c);
  } else if (!out.empty()) {
    out[0] = lower(out[0]);
  }
  return out;
}

template <typename F>
void rewrite_refs(json& node, const F& fn) {
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it.key() == "$ref" && it->is_string())
        *it = fn(it->get<std::string>());
      else
        rewrite_refs(*it, fn);
    }
  } else if (node.is_array()) {
    for (auto& x : node) rewrite_refs(x, fn);
  }
}

std::string rename_ref(const std::string& ref) {
  for (std::string_view prefix : {"#/components/schemas/", "#/definitions/"}) {
    if (ref.compare(0, prefix.size(), prefix) == 0)
      return std::string(prefix) + ods_schema_name(std::string_view(ref).substr(prefix.size()));
  }
  return ref;
}

// OpenAPI 3 parameter → Swagger 2 parameter (schema keywords move up into the parameter).
json parameter_to_v2(const json& p) {
  if (!p.is_object() || p.contains("$ref")) return p;
  json out = p;
  if (auto s = out.find("schema"); s != out.end() && out.value("in", "") != "body") {
    json schema = *s;
    out.erase("schema");
    for (auto it = schema.begin(); it != schema.end(); ++it) out[it.key()] = *it;
  }
  return out;
}

json response_to_v2(const json& r) {
  if (!r.is_object() || r.contains("$ref")) return r;
  json out = json::object();
  out["description"] = r.value("description", "");
  if (auto c = r.find("content"); c != r.end() && c->is_object() && !c->empty()) {
    const json& media = c->contains("application/json") ? (*c)["application/json"] : c->begin().value();
    if (media.is_object() && media.contains("schema")) out["schema"] = media["schema"];
  }
  if (auto h = r.find("headers"); h != r.end()) out["headers"] = *h;
  return out;
}

json operation_to_v2(const json& op) {
  if (!op.is_object()) return op;
  json out = op;
  json params = json::array();
  if (auto ps = op.find("parameters"); ps != op.end() && ps->is_array())
    for (const auto& p : *ps) params.push_back(parameter_to_v2(p));
  if (auto rb = op.find("requestBody"); rb != op.end() && rb->is_object()) {
    json body = {{"in", "body"}, {"name", rb->value("x-bodyName", std::string("body"))},
                 {"required", rb->value("required", true)}, {"description", rb->value("description", "")}};
    if (auto c = rb->find("content"); c != rb->end() && c->is_object() && !c->empty()) {
      const json& media = c->contains("application/json") ? (*c)["application/json"] : c->begin().value();
      if (media.is_object() && media.contains("schema")) body["schema"] = media["schema"];
    }
    params.push_back(std::move(body));
    out.erase("requestBody");
  }
  if (!params.empty()) out["parameters"] = std::move(params);
  if (auto rs = op.find("responses"); rs != op.end() && rs->is_object()) {
    json responses = json::object();
    for (auto it = rs->begin(); it != rs->end(); ++it) responses[it.key()] = response_to_v2(*it);
    out["responses"] = std::move(responses);
  }
  out["consumes"] = json::array({"application/json"});
  out["produces"] = json::array({"application/json"});
  return out;
}

}  // namespace

std::string ods_schema_name(std::string_view name) {
  auto pos = name.find('_');
  if (pos == std::string_view::npos) return std::string(name);
  std::string out = prefix_to_ods(name.substr(0, pos)) + "_";
  std::string_view rest = name.substr(pos + 1);
  bool first = true;
  while (!rest.empty()) {
    auto next = rest.find('_');
    std::string part(rest.substr(0, next));
    if (!part.empty()) part[0] = first ? lower(part[0]) : upper(part[0]);
    out += part;
    first = false;
    if (next == std::string_view::npos) break;
    rest.remove_prefix(next + 1);
  }
  return out;
}

json to_ods_names(const json& doc) {
  json out = doc;
  auto rename_section = [](json& section) {
    json renamed = json::object();
    for (auto it = section.begin(); it != section.end(); ++it) renamed[ods_schema_name(it.key())] = std::move(*it);
    section = std::move(renamed);
  };
  if (out.contains("components") && out["components"].contains("schemas")) rename_section(out["components"]["schemas"]);
  if (out.contains("definitions")) rename_section(out["definitions"]);
  rewrite_refs(out, rename_ref);
  return out;
}

json to_swagger2(const json& doc) {
  if (!doc.is_object() || doc.contains("swagger")) return doc;
  json out = json::object();
  out["swagger"] = "2.0";
  if (doc.contains("info")) out["info"] = doc["info"];
  if (auto s = doc.find("servers"); s != doc.end() && s->is_array() && !s->empty()) {
    std::string url = (*s)[0].value("url", "");
    auto scheme = url.find("://");
    auto path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    if (scheme != std::string::npos) out["host"] = url.substr(scheme + 3, path == std::string::npos ? std::string::npos : path - scheme - 3);
    out["basePath"] = path == std::string::npos ? "/" : url.substr(path);
  }
  if (doc.contains("tags")) out["tags"] = doc["tags"];
  if (doc.contains("security")) out["security"] = doc["security"];
  out["consumes"] = json::array({"application/json"});
  out["produces"] = json::array({"application/json"});
  const json components = doc.value("components", json::object());
  out["definitions"] = components.value("schemas", json::object());
  json params = json::object();
  const json v3_params = components.value("parameters", json::object());
  for (auto& [k, v] : v3_params.items()) params[k] = parameter_to_v2(v);
  out["parameters"] = std::move(params);
  json responses = json::object();
  const json v3_responses = components.value("responses", json::object());
  for (auto& [k, v] : v3_responses.items()) responses[k] = response_to_v2(v);
  out["responses"] = std::move(responses);
  json security = json::object();
  const json v3_security = components.value("securitySchemes", json::object());
  for (auto& [k, v] : v3_security.items()) {
    if (v.value("type", "") == "oauth2") {
      json flow = v.contains("flows") && v["flows"].contains("clientCredentials") ? v["flows"]["clientCredentials"]
                                                                                  : json::object();
      security[k] = {{"type", "oauth2"}, {"flow", "application"}, {"tokenUrl", flow.value("tokenUrl", "")},
                     {"scopes", flow.value("scopes", json::object())}};
      if (v.contains("description")) security[k]["description"] = v["description"];
    } else {
      security[k] = v;
    }
  }
  out["securityDefinitions"] = std::move(security);
  json paths = json::object();
  const json v3_paths = doc.value("paths", json::object());
  for (auto& [p, item] : v3_paths.items()) {
    json converted = json::object();
    for (auto& [method, op] : item.items())
      converted[method] = method == "parameters" ? op : operation_to_v2(op);
    paths[p] = std::move(converted);
  }
  out["paths"] = std::move(paths);
  rewrite_refs(out, [](const std::string& ref) {
    for (auto [from, to] : {std::pair<std::string_view, std::string_view>{"#/components/schemas/", "#/definitions/"},
                            {"#/components/parameters/", "#/parameters/"},
                            {"#/components/responses/", "#/responses/"}}) {
      if (ref.compare(0, from.size(), from) == 0) return std::string(to) + ref.substr(from.size());
    }
    return ref;
  });
  return out;
}

}  // namespace lightbeam::schema
