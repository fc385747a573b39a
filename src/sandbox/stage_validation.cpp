// The body validation stage of writes: every check of a POST/PUT body that runs before
// authorization and the store, with the problem each one answers.
#include "sandbox/stage_validation.hpp"

#include <httplib.h>

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "sandbox/json_body.hpp"
#include "sandbox/normalize.hpp"
#include "sandbox/paths.hpp"

namespace lightbeam::sandbox::stage {

using nlohmann::json;
using schema::Endpoint;

namespace {

bool content_type_ok(const std::string& header) {
  if (header.empty()) return true;
  std::string t = lower(header.substr(0, header.find(';')));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  return t == "application/json" || t == "text/json" || t.rfind("application/vnd.ed-fi.", 0) == 0;
}

void find_duplicates(const schema::ObjectModel& m, const json& obj, const std::string& path, json& errors) {
  for (auto& p : m.properties) {
    if (p.kind == schema::PropertyKind::object && p.object) {
      auto it = obj.find(p.name);
      if (it != obj.end() && it->is_object()) find_duplicates(*p.object, *it, path + "." + p.name, errors);
    }
    if (p.kind != schema::PropertyKind::array || !p.object) continue;
    auto it = obj.find(p.name);
    if (it == obj.end() || !it->is_array()) continue;
    std::string array_path = path + "." + p.name;
    if (!p.item_identity.empty()) {
      std::set<std::string> seen;
      for (std::size_t i = 0; i < it->size(); ++i) {
        std::string key;
        for (auto& ip : p.item_identity) {
          const json* v = ip.find_in((*it)[i]);
          key += (v ? canonical(*v, ip.segments.back().ends_with("Descriptor")) : std::string("\x01")) + '\x1f';
        }
        if (!seen.insert(key).second) {
          std::size_t n = i + 1, mod100 = n % 100;
          const char* suffix = "th";
          if (mod100 < 11 || mod100 > 13) suffix = n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
          add_error(errors, array_path,
                    fmt::format("The {}{} item of the {} has the same identifying values as another item earlier in the list.",
                                n, suffix, p.name));
          break;
        }
      }
    }
    for (auto& item : *it)
      if (item.is_object()) find_duplicates(*p.object, item, array_path, errors);
  }
}

std::optional<Problem> duplicate_items(const Endpoint& ep, const json& doc) {
  if (!ep.body) return std::nullopt;
  json errors = json::object();
  find_duplicates(*ep.body, doc, "$", errors);
  if (errors.empty()) return std::nullopt;
  return data_validation(errors);
}

}  // namespace

ValidatedBody validate_body(const Context& ctx, const httplib::Request& req, const Endpoint& ep,
                            const std::string& url_id) {
  ValidatedBody out;
  auto reject = [&out](Problem p, const std::string& resource_name = {}) {
    out.problem = std::move(p);
    out.resource_name = resource_name;
    return std::move(out);
  };
  bool is_put = !url_id.empty();
  if (!content_type_ok(req.get_header_value("Content-Type"))) {
    Problem p;
    p.status = 415;
    p.type = "urn:ed-fi:api:unsupported-media-type";
    p.title = "Unsupported Media Type";
    p.detail = "The value specified in the 'Content-Type' header is not supported by this host.";
    p.errors.push_back(p.detail);
    p.problem_content_type = true;
    return reject(p);
  }
  if (std::all_of(req.body.begin(), req.body.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }))
    return reject(bad_request("A non-empty request body is required."));
  ParsedBody parsed = parse_body(req.body);
  if (!parsed.duplicate_path.empty())
    return reject(data_validation({{parsed.duplicate_path, {"An item with the same key has already been added."}}}));
  if (!parsed.parse_error.empty()) return reject(data_validation({{"$.", {parsed.parse_error}}}));
  json& doc = out.doc = std::move(parsed.value);
  if (!doc.is_object())
    return reject(data_validation({{"$.", {"The request body must be a JSON object."}}}), ep.resource_name);
  std::optional<std::string> body_id;
  for (auto it = doc.begin(); it != doc.end();) {
    if (lower(it.key()) == "id") {
      if (!is_put) {
        Problem p = data_validation(json::object());
        p.detail = "The request data was constructed incorrectly.";
        p.errors.push_back(
            "Resource identifiers cannot be assigned by the client. The 'id' property should not be included in the "
            "request body.");
        return reject(p);
      }
      if (it.key() == "id") body_id = it->is_string() ? it->get<std::string>() : it->dump();
      it = doc.erase(it);
    } else {
      ++it;
    }
  }
  json errors = json::object();
  // ODS takes the id from the URL; DMS requires it in the body too.
  if (is_put && !body_id && !ctx.ods()) add_error(errors, "$.id", "id is required.");
  normalize_document(ep, doc, errors, ctx.ods() ? schema::Coercion::ods : schema::Coercion::dms);
  if (!errors.empty()) return reject(data_validation(errors), ep.resource_name);
  if (auto p = ctx.constraints.check_decimals(ep, doc)) return reject(*p, ep.resource_name);
  if (is_put && body_id && lower(*body_id) != url_id)
    return reject(bad_request("Request body id must match the id in the url."));
  if (auto p = ctx.constraints.check_equality(ep, doc)) return reject(*p, ep.resource_name);
  if (auto p = duplicate_items(ep, doc)) return reject(*p, ep.resource_name);
  return out;
}

}  // namespace lightbeam::sandbox::stage
