// URL building for every mode and layout, and reading the discovery document (see urls.hpp).
#include "core/edfi/urls.hpp"

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace lightbeam::edfi {

namespace {

std::string strip_trailing_slashes(std::string_view s) {
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return std::string(s);
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string joined_qualifiers(const std::vector<std::string>& q) {
  std::string out;
  for (const auto& part : q) out += "/" + part;
  return out;
}

std::string year_text(const config::EdfiApi& api, int current_year) {
  return std::to_string(api.year ? *api.year : current_year);
}

}  // namespace

std::string url_join(std::string_view a, std::string_view b) {
  std::string left = strip_trailing_slashes(a);
  while (!b.empty() && b.front() == '/') b.remove_prefix(1);
  if (left.empty()) return std::string(b);
  if (b.empty()) return left;
  return left + "/" + std::string(b);
}

std::vector<std::string> mode_qualifiers(const config::EdfiApi& api, Layout layout, int current_year) {
  const std::string& mode = api.mode;
  if (mode.empty() || mode == "sandbox" || mode == "shared_instance") return {};
  if (mode == "district_specific") {
    // ODS selects the district database from the client's key, not the route (as the Python
    // tool does); DMS puts the district in the route.
    if (layout == Layout::ods) return {};
    if (api.district_id.empty())
      throw Error("edfi_api.district_id is required for mode district_specific on a Data Management Service");
    return {api.district_id};
  }
  if (mode == "year_specific") {
    std::vector<std::string> q;
    if (layout == Layout::dms && !api.district_id.empty()) q.push_back(api.district_id);
    q.push_back(year_text(api, current_year));
    return q;
  }
  if (mode == "instance_year_specific") {
    if (api.instance_code.empty())
      throw Error("edfi_api.instance_code is required for mode instance_year_specific");
    return {api.instance_code, year_text(api, current_year)};
  }
  throw Error("edfi_api.mode '" + mode +
              "' is not valid: use one of sandbox, shared_instance, district_specific, year_specific, "
              "instance_year_specific");
}

Layout layout_of_data_url(std::string_view data_url) {
  std::string u = strip_trailing_slashes(data_url);
  if (ends_with(u, "/data/v3")) return Layout::ods;
  if (ends_with(u, "/data")) return Layout::dms;
  return Layout::ods;
}

std::string build_data_url(const config::EdfiApi& api, const std::string& discovered, Layout layout,
                           int current_year) {
  std::vector<std::string> q = mode_qualifiers(api, layout, current_year);
  std::string suffix = joined_qualifiers(q);
  if (layout == Layout::dms) {
    std::string root = discovered.empty() ? url_join(api.base_url, "data") : strip_trailing_slashes(discovered);
    if (q.empty()) return root;
    if (ends_with(root, "/data")) {
      std::string prefix = root.substr(0, root.size() - 5);
      if (ends_with(prefix, suffix)) return root;
      return prefix + suffix + "/data";
    }
    return ends_with(root, suffix) ? root : root + suffix;
  }
  std::string root = discovered.empty() ? url_join(api.base_url, "data/v3") : strip_trailing_slashes(discovered);
  if (q.empty() || ends_with(root, suffix)) return root;
  return root + suffix;
}

std::vector<std::string> apply_discovery(const nlohmann::json& doc, ApiUrls& urls) {
  std::vector<std::string> missing;
  if (!doc.is_object()) return {"urls"};
  if (auto v = doc.find("version"); v != doc.end() && v->is_string()) urls.api_version = v->get<std::string>();
  if (auto m = doc.find("dataModels"); m != doc.end() && m->is_array()) {
    for (const auto& model : *m) {
      if (!model.is_object()) continue;
      auto name = model.find("name");
      auto version = model.find("version");
      if (name != model.end() && name->is_string() && version != model.end() && version->is_string() &&
          (name->get<std::string>() == "Ed-Fi" || name->get<std::string>() == "Ed-Fi Data Standard")) {
        urls.data_standard_version = version->get<std::string>();
      }
    }
  }
  auto u = doc.find("urls");
  if (u == doc.end() || !u->is_object()) return {"urls"};
  auto take = [&](const char* key, std::string& target) {
    if (!target.empty()) return;
    auto it = u->find(key);
    if (it != u->end() && it->is_string() && !it->get<std::string>().empty()) {
      target = it->get<std::string>();
    } else {
      missing.push_back(std::string("urls.") + key);
    }
  };
  take("oauth", urls.oauth);
  take("dependencies", urls.dependencies);
  if (urls.resources_spec.empty() || urls.descriptors_spec.empty()) take("openApiMetadata", urls.open_api_metadata);
  // Optional: ODS/API 5.x–7.x list it when change queries are enabled, DMS 8 always.
  if (auto c = u->find("changeQueries"); c != u->end() && c->is_string()) urls.change_queries = c->get<std::string>();
  if (auto d = u->find("dataManagementApi"); d != u->end() && d->is_string()) {
    urls.layout = layout_of_data_url(d->get<std::string>());
    urls.data = d->get<std::string>();  // refined by build_data_url later
  }
  return missing;
}

void apply_default_urls(const config::EdfiApi& api, ApiUrls& urls, int current_year) {
  const std::string& base = api.base_url;
  if (urls.oauth.empty()) urls.oauth = url_join(base, "oauth/token");
  std::string meta = url_join(base, "metadata/data/v3") + joined_qualifiers(mode_qualifiers(api, Layout::ods, current_year));
  if (urls.dependencies.empty()) urls.dependencies = meta + "/dependencies";
  if (urls.open_api_metadata.empty()) {
    if (urls.resources_spec.empty()) urls.resources_spec = meta + "/resources/swagger.json";
    if (urls.descriptors_spec.empty()) urls.descriptors_spec = meta + "/descriptors/swagger.json";
  }
}

}  // namespace lightbeam::edfi
