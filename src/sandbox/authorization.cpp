// Claim sets and namespace prefixes per client (edfi-api-behavior.md §8.2 #31/#32, §11).
#include "sandbox/authorization.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/error.hpp"

namespace lightbeam::sandbox {

using nlohmann::json;
using schema::Endpoint;
using schema::JsonPath;

namespace {

bool known_client(const Options& o, const std::string& id) {
  return std::any_of(o.clients.begin(), o.clients.end(), [&](auto& c) { return c.first == id; });
}

// "ed-fi/students", "/ed-fi/students", "ed-fi/*Descriptors", "students" (any project), "*".
std::string normalise_pattern(std::string pattern) {
  while (!pattern.empty() && pattern.front() == '/') pattern.erase(0, 1);
  if (pattern.find('/') == std::string::npos) pattern = "*/" + pattern;
  return pattern;
}

bool pattern_matches(const std::string& pattern, const Endpoint& ep) {
  std::string path = ep.project + "/" + ep.name;
  return fnmatch(pattern.c_str(), path.c_str(), FNM_CASEFOLD) == 0;
}

std::vector<JsonPath> compute_namespace_paths(const Endpoint& ep) {
  std::vector<JsonPath> paths;
  if (ep.is_descriptor) {
    paths.emplace_back(std::vector<std::string>{"namespace"});
    return paths;
  }
  if (!ep.body) return paths;
  for (auto& p : ep.body->properties) {
    if (p.name == "namespace" && p.identity && p.kind == schema::PropertyKind::scalar) {
      paths.emplace_back(std::vector<std::string>{"namespace"});
    } else if (p.kind == schema::PropertyKind::reference && p.reference) {
      for (auto& f : p.reference->fields)
        if (f.name == "namespace") paths.emplace_back(std::vector<std::string>{p.name, "namespace"});
    }
  }
  return paths;
}

bool starts_with_any(const std::string& value, const std::vector<std::string>& lower_prefixes) {
  std::string v = schema::to_lower(value);
  return std::any_of(lower_prefixes.begin(), lower_prefixes.end(), [&](auto& p) { return v.rfind(p, 0) == 0; });
}

}  // namespace

Authorization::Authorization(const schema::SpecModel& model, const Options& o) {
  for (auto& [client, prefixes] : o.namespace_prefixes) {
    if (!known_client(o, client))
      throw Error(fmt::format("--namespace-prefix names client '{}', which is not a --client; add --client {}:SECRET",
                              client, client));
    for (auto& prefix : prefixes) {
      if (prefix.empty())
        throw Error(fmt::format("--namespace-prefix {}= has an empty prefix; give one like {}=uri://ed-fi.org", client, client));
      prefixes_[client].push_back(prefix);
      lower_prefixes_[client].push_back(schema::to_lower(prefix));
    }
  }
  for (auto& [client, patterns] : o.claim_sets) {
    if (!known_client(o, client))
      throw Error(fmt::format("--claim-set names client '{}', which is not a --client; add --client {}:SECRET", client,
                              client));
    std::set<const Endpoint*> allowed;
    for (auto& raw : patterns) {
      if (raw.empty())
        throw Error(fmt::format("--claim-set {}= has an empty entry; list resources like {}=ed-fi/students,ed-fi/*Descriptors",
                                client, client));
      std::string pattern = normalise_pattern(raw);
      bool any = false;
      for (auto* ep : model.endpoints())
        if (pattern_matches(pattern, *ep)) {
          allowed.insert(ep);
          any = true;
        }
      if (!any)
        throw Error(fmt::format("--claim-set {}: '{}' matches no resource of the loaded specs; use project/resource, "
                                "e.g. ed-fi/students or ed-fi/*Descriptors",
                                client, raw));
    }
    claims_[client] = std::vector<const Endpoint*>(allowed.begin(), allowed.end());
  }
  enabled_ = !prefixes_.empty() || !claims_.empty();
  for (auto* ep : model.endpoints()) namespace_paths_[ep] = compute_namespace_paths(*ep);
}

const std::vector<JsonPath>& Authorization::namespace_paths(const Endpoint& ep) const {
  static const std::vector<JsonPath> none;
  auto it = namespace_paths_.find(&ep);
  return it == namespace_paths_.end() ? none : it->second;
}

std::optional<Problem> Authorization::check_resource(const std::string& client, const Endpoint& ep) const {
  auto it = claims_.find(client);
  if (it == claims_.end()) return std::nullopt;
  if (std::binary_search(it->second.begin(), it->second.end(), &ep)) return std::nullopt;
  return authorization_denied();
}

bool Authorization::namespace_restricted(const std::string& client, const Endpoint& ep) const {
  return prefixes_.count(client) && !namespace_paths(ep).empty();
}

std::optional<Problem> Authorization::check_namespace(const std::string& client, const Endpoint& ep, const json& doc,
                                                      bool existing) const {
  auto it = lower_prefixes_.find(client);
  if (it == lower_prefixes_.end()) return std::nullopt;
  for (auto& path : namespace_paths(ep)) {
    const json* v = path.find_in(doc);
    // An absent optional reference carries no namespace; a present value must match.
    if (!v || !v->is_string()) continue;
    if (!starts_with_any(v->get<std::string>(), it->second)) return namespace_mismatch(prefixes_.at(client), existing);
  }
  return std::nullopt;
}

std::optional<Problem> Authorization::check_proposed(const std::string& client, const Endpoint& ep, const json& doc) const {
  return check_namespace(client, ep, doc, false);
}

std::optional<Problem> Authorization::check_existing(const std::string& client, const Endpoint& ep, const json& doc) const {
  return check_namespace(client, ep, doc, true);
}

bool Authorization::visible(const std::string& client, const Endpoint& ep, const json& doc) const {
  return !check_namespace(client, ep, doc, true).has_value();
}

}  // namespace lightbeam::sandbox
