// How the sandbox answers: the body/content-type rule of send(), problem bodies in both error
// styles (with the ods wording and correlation id), and the stats record of each request.
#include <httplib.h>

#include <random>

#include <fmt/format.h>

#include "sandbox/context.hpp"
#include "sandbox/ods_wording.hpp"
#include "sandbox/paths.hpp"

namespace lightbeam::sandbox {

using nlohmann::json;

namespace {

std::string correlation_id() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return fmt::format("{:016x}", rng());
}

}  // namespace

void Context::send(httplib::Response& res, int status, const std::string& body, const char* type) {
  res.status = status;
  if (body.empty() && (status == 204 || status == 304 || status == 404 || status == 201 || status == 200))
    res.set_content("", type ? type : k_json);
  else
    res.set_content(body, type);
}

// ODS ≥ 7.2 echoes the caller's correlation id (the correlation-id header, else the correlationId
// query parameter) in problem bodies; DMS generates one (its header is not configured here).
std::string Context::correlation_of(const httplib::Request& req) const {
  if (ods()) {
    std::string header = req.get_header_value("correlation-id");
    if (!header.empty()) return header;
    for (auto& [name, value] : req.params)
      if (lower(name) == "correlationid" && !value.empty()) return value;
  }
  return correlation_id();
}

void Context::send_problem(const httplib::Request& req, httplib::Response& res, const Problem& p,
                           const std::string& resource_name) {
  res.status = p.status;
  if (options.errors == ErrorStyle::legacy) {
    std::string message = p.legacy_message;
    if (message.empty()) {
      if (!p.validation_errors.empty()) {
        auto first = p.validation_errors.begin();
        std::string text = first->is_array() && !first->empty() ? first->front().get<std::string>() : "";
        message = resource_name.empty() ? text : fmt::format("Validation of '{}' failed.\n\t{}", resource_name, text);
      } else if (!p.errors.empty()) {
        message = p.errors.front().get<std::string>();
      } else {
        message = p.detail;
      }
    }
    res.set_content(json{{"message", message}}.dump(-1, ' ', false, json::error_handler_t::replace), k_json);
    return;
  }
  Problem worded = p;
  if (ods()) apply_ods_wording(worded);
  json body = {{"detail", worded.detail}, {"type", worded.type}, {"title", worded.title}, {"status", worded.status},
               {"correlationId", correlation_of(req)}};
  if (!worded.omit_validation_errors) body["validationErrors"] = worded.validation_errors;
  body["errors"] = worded.errors;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), p.problem_content_type ? k_problem_json : k_json);
}

void Context::record(const httplib::Request& req, const std::string& route, const httplib::Response& res) {
  stats.record(req.method, route, res.status);
}

}  // namespace lightbeam::sandbox
