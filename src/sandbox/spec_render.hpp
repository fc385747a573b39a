// The OpenAPI documents as the sandbox serves them: servers[0].url pointing at its data URL, and in
// the ods flavour with ODS schema names (edFi_student) or as Swagger 2.0 (--openapi 2).
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace lightbeam::sandbox {

struct SpecRenderOptions {
  std::string data_url;
  bool ods_names = false;
  bool swagger2 = false;
};

nlohmann::json render_spec(const nlohmann::json& document, const SpecRenderOptions& options);

}  // namespace lightbeam::sandbox
