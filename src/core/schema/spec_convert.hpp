// Rewrites OpenAPI documents into the other shapes Ed-Fi servers serve (ODS schema names, Swagger 2.0).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace lightbeam::schema {

// DMS schema name → ODS/API schema name: "EdFi_Student" → "edFi_student", "EdFi_School_Reference" →
// "edFi_schoolReference", "EdFi_EducationOrganization_Address" → "edFi_educationOrganizationAddress",
// "TPDM_Candidate" → "tpdm_candidate". Names already in ODS form are returned unchanged.
std::string ods_schema_name(std::string_view dms_name);

// A copy of an OpenAPI 3 or Swagger 2 document with every schema renamed by ods_schema_name() — the keys of
// `components.schemas` / `definitions` and every `$ref` to them. Other content is unchanged.
nlohmann::json to_ods_names(const nlohmann::json& doc);

// A Swagger 2.0 copy of an OpenAPI 3 document as ODS/API 5.x serves it: `definitions`, `#/definitions/X` refs,
// top-level `parameters`/`responses`/`securityDefinitions`, request bodies as `in: body` parameters, parameter
// `schema` flattened into the parameter, response `content` reduced to `schema`. A document that is already
// Swagger 2.0 is returned unchanged.
nlohmann::json to_swagger2(const nlohmann::json& doc);

}  // namespace lightbeam::schema
