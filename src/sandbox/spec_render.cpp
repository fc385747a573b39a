// Rendering of the served OpenAPI documents.
#include "sandbox/spec_render.hpp"

namespace lightbeam::sandbox {

nlohmann::json render_spec(const nlohmann::json& document, const SpecRenderOptions& options) {
  nlohmann::json doc = document;
  doc["servers"] = nlohmann::json::array({{{"url", options.data_url}}});
  return doc;
}

}  // namespace lightbeam::sandbox
