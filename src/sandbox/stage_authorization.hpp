// Request stage of authorization (§5 step 13, §8.2 #31/#32): when and on what the Authorization
// policy (authorization.hpp) is asked — the claim set after routing, the namespace of a request
// body and of the stored document, the visibility filter of collection reads.
#pragma once
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/schema/spec_model.hpp"
#include "sandbox/context.hpp"

namespace lightbeam::sandbox::stage {

// #31 on the stored document `id` (GET by id, PUT, DELETE); a missing document is left to the
// handler's 404.
std::optional<Problem> existing_denied(const Context& ctx, const std::string& client, const schema::Endpoint& ep,
                                       const std::string& id);

// GET by id and DELETE: the claim set right after routing (as DMS), then the stored namespace.
std::optional<Problem> item_denied(const Context& ctx, const httplib::Request& req, const schema::Endpoint& ep,
                                   const std::string& id);

// POST and PUT (`url_id` empty for POST), after the body checks: claim set, then the namespace of
// the body, then of the stored document.
std::optional<Problem> write_denied(const Context& ctx, const httplib::Request& req, const schema::Endpoint& ep,
                                    const nlohmann::json& doc, const std::string& url_id);

// GET collection, after query validation (as DMS): the claim set; `visible` is set when the
// resource's documents are filtered by namespace for this client.
std::optional<Problem> collection_denied(const Context& ctx, const httplib::Request& req, const schema::Endpoint& ep,
                                         std::function<bool(const nlohmann::json&)>& visible);

}  // namespace lightbeam::sandbox::stage
