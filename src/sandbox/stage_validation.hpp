// Request stage of body validation for POST and PUT (§5 steps 1–12 before the store): content type,
// empty body, JSON parse and duplicate keys, `id` in the body, normalisation and the schema rules,
// decimals, equality constraints and duplicate collection items.
#pragma once
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/schema/spec_model.hpp"
#include "sandbox/context.hpp"

namespace lightbeam::sandbox::stage {

struct ValidatedBody {
  nlohmann::json doc;              // the normalised document (without `id`) when there is no problem
  std::optional<Problem> problem;  // the first check that failed
  std::string resource_name;       // send_problem's resource name for `problem` (empty: none)
};

// The body checks of a POST (`url_id` empty) or a PUT of `url_id` (lower-cased), in the order the
// Ed-Fi APIs run them.
ValidatedBody validate_body(const Context& ctx, const httplib::Request& req, const schema::Endpoint& ep,
                            const std::string& url_id);

}  // namespace lightbeam::sandbox::stage
