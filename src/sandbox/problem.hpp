// Error bodies: Ed-Fi problem details (edfi-api-behavior.md §8) or, with --errors legacy, the
// `{"message": ...}` bodies of ODS/API 5.x–7.1 (§12). One struct carries both renderings.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lightbeam::sandbox {

struct Problem {
  int status = 400;
  std::string type;
  std::string title;
  std::string detail;
  nlohmann::json validation_errors = nlohmann::json::object();
  nlohmann::json errors = nlohmann::json::array();
  bool problem_content_type = false;  // application/problem+json (401, route 404, 403, 415, 500)
  bool omit_validation_errors = false;  // the 401 body has no validationErrors member
  std::string legacy_message;          // empty: derived from errors/validationErrors/detail
};

namespace k_type {
inline constexpr const char* bad_request = "urn:ed-fi:api:bad-request";
inline constexpr const char* data_validation = "urn:ed-fi:api:bad-request:data-validation-failed";
inline constexpr const char* not_found = "urn:ed-fi:api:not-found";
inline constexpr const char* method_not_allowed = "urn:ed-fi:api:method-not-allowed";
}  // namespace k_type

Problem not_found_route();
Problem data_validation(nlohmann::json validation_errors);
Problem bad_request(const std::string& error);
Problem method_not_allowed(const std::string& error);
Problem authentication_failed(const std::string& reason);
// §8.2 #32: the resource is outside the client's claim set.
Problem authorization_denied();
// §8.2 #31: a namespace outside the client's prefixes; `existing` for stored data (GET by id, PUT,
// DELETE: "The existing 'Namespace' value…"), else the values of the request body.
Problem namespace_mismatch(const std::vector<std::string>& prefixes, bool existing);
// §8.2 #34: an unexpected server fault.
Problem system_error();

}  // namespace lightbeam::sandbox
