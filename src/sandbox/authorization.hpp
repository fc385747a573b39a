// Per-client authorization of the sandbox, as an Ed-Fi ODS/API host configures a vendor: a claim set
// (which resources the client may use, edfi-api-behavior.md §8.2 #32) and namespace prefixes (which
// `namespace` values its data may carry, §8.2 #31). A client without either is fully authorized.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/schema/spec_model.hpp"
#include "sandbox/options.hpp"
#include "sandbox/problem.hpp"

namespace lightbeam::sandbox {

class Authorization {
 public:
  // Checks the options against the clients and the model; throws lightbeam::Error (one line naming
  // the option) for a client id that is not a --client, an empty list, or a claim-set pattern that
  // matches no endpoint.
  Authorization(const schema::SpecModel& model, const Options& options);

  // True when some client is restricted (otherwise no request needs to be checked).
  bool enabled() const { return enabled_; }

  // §8.2 #32: nullopt when the client's claim set covers the resource.
  std::optional<Problem> check_resource(const std::string& client, const schema::Endpoint& ep) const;

  // §8.2 #31 on a request body (POST/PUT): every namespace value of the document must start with
  // one of the client's prefixes (case-insensitive, as DMS and the ODS's SQL LIKE do).
  std::optional<Problem> check_proposed(const std::string& client, const schema::Endpoint& ep,
                                        const nlohmann::json& doc) const;
  // §8.2 #31 on stored data (GET by id, PUT, DELETE): the "existing 'Namespace' value" wording.
  std::optional<Problem> check_existing(const std::string& client, const schema::Endpoint& ep,
                                        const nlohmann::json& doc) const;
  // Collection queries return only the documents the client may read.
  bool visible(const std::string& client, const schema::Endpoint& ep, const nlohmann::json& doc) const;

  // True when reads of `ep` by `client` are filtered by namespace (the client has prefixes and the
  // resource has namespace security elements).
  bool namespace_restricted(const std::string& client, const schema::Endpoint& ep) const;

  // The namespace security elements of a resource: `namespace` for descriptors; for resources the
  // top-level `namespace` identity property and the `namespace` field of every top-level reference
  // (studentAssessments → assessmentReference.namespace). Empty: not namespace-secured.
  const std::vector<schema::JsonPath>& namespace_paths(const schema::Endpoint& ep) const;

 private:
  std::optional<Problem> check_namespace(const std::string& client, const schema::Endpoint& ep,
                                         const nlohmann::json& doc, bool existing) const;

  bool enabled_ = false;
  std::map<std::string, std::vector<std::string>> prefixes_;        // client → prefixes as given
  std::map<std::string, std::vector<std::string>> lower_prefixes_;  // client → lower-cased prefixes
  std::map<std::string, std::vector<const schema::Endpoint*>> claims_;  // client → allowed endpoints (sorted)
  std::unordered_map<const schema::Endpoint*, std::vector<schema::JsonPath>> namespace_paths_;
};

}  // namespace lightbeam::sandbox
