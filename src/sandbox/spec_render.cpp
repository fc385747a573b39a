// Rendering of the served OpenAPI documents (names and format by flavour, servers → our data URL).
#include "sandbox/spec_render.hpp"

#include "core/schema/spec_convert.hpp"

namespace lightbeam::sandbox {

nlohmann::json render_spec(const nlohmann::json& document, const SpecRenderOptions& options) {
  nlohmann::json doc = options.ods_names ? schema::to_ods_names(document) : document;
  if (options.swagger2) {
    doc = schema::to_swagger2(doc);
    // Swagger 2.0 names the server by host + basePath.
    std::string url = options.data_url;
    auto scheme = url.find("://");
    std::string rest = scheme == std::string::npos ? url : url.substr(scheme + 3);
    auto slash = rest.find('/');
    doc["host"] = rest.substr(0, slash);
    doc["basePath"] = slash == std::string::npos ? "/" : rest.substr(slash);
    doc["schemes"] = nlohmann::json::array({"http"});
    doc.erase("servers");
  } else {
    doc["servers"] = nlohmann::json::array({{{"url", options.data_url}}});
  }
  return doc;
}

}  // namespace lightbeam::sandbox
