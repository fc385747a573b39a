// Constructors for the common problem bodies.
#include "sandbox/problem.hpp"

namespace lightbeam::sandbox {

Problem not_found_route() {
  Problem p;
  p.status = 404;
  p.type = k_type::not_found;
  p.title = "Not Found";
  p.detail = "The specified data could not be found.";
  p.problem_content_type = true;
  return p;
}

Problem data_validation(nlohmann::json validation_errors) {
  Problem p;
  p.status = 400;
  p.type = k_type::data_validation;
  p.title = "Data Validation Failed";
  p.detail = "Data validation failed. See 'validationErrors' for details.";
  p.validation_errors = std::move(validation_errors);
  return p;
}

Problem bad_request(const std::string& error) {
  Problem p;
  p.status = 400;
  p.type = k_type::bad_request;
  p.title = "Bad Request";
  p.detail = "The request could not be processed. See 'errors' for details.";
  p.errors.push_back(error);
  return p;
}

Problem method_not_allowed(const std::string& error) {
  Problem p;
  p.status = 405;
  p.type = k_type::method_not_allowed;
  p.title = "Method Not Allowed";
  p.detail = "The request construction was invalid.";
  p.errors.push_back(error);
  return p;
}

Problem authentication_failed(const std::string& reason) {
  Problem p;
  p.status = 401;
  p.type = "urn:ed-fi:api:security:authentication";
  p.title = "Authentication Failed";
  p.detail = "The caller could not be authenticated.";
  p.errors.push_back(reason);
  p.problem_content_type = true;
  p.omit_validation_errors = true;
  return p;
}

// ODS/API ≤ 7.1 answered 403 with {"message": "Authorization denied. …"} (§12); the text after the
// prefix is the problem-details detail, so both styles carry the same explanation.
Problem authorization_denied() {
  Problem p;
  p.status = 403;
  p.type = "urn:ed-fi:api:security:authorization:";
  p.title = "Authorization Denied";
  p.detail = "Access to the resource could not be authorized.";
  p.problem_content_type = true;
  p.legacy_message = "Authorization denied. " + p.detail;
  return p;
}

Problem namespace_mismatch(const std::vector<std::string>& prefixes, bool existing) {
  std::string list;
  for (auto& prefix : prefixes) list += (list.empty() ? "'" : ", '") + prefix + "'";
  Problem p;
  p.status = 403;
  p.type = "urn:ed-fi:api:security:authorization:namespace:access-denied:namespace-mismatch";
  p.title = "Authorization Denied";
  p.detail = std::string("Access to the requested data could not be authorized. The ") + (existing ? "existing " : "") +
             "'Namespace' value of the data does not start with any of the caller's associated namespace prefixes (" +
             list + ").";
  p.problem_content_type = true;
  p.legacy_message = "Authorization denied. " + p.detail;
  return p;
}

Problem system_error() {
  Problem p;
  p.status = 500;
  p.type = "urn:ed-fi:api:system";
  p.title = "System Error";
  p.detail = "An unexpected problem has occurred.";
  p.problem_content_type = true;
  p.legacy_message = p.detail;
  return p;
}

}  // namespace lightbeam::sandbox
