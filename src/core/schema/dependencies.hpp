// Load order of the resources (the array an Ed-Fi API serves at /metadata/dependencies), computed from the model (§2.4).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/schema/spec_model.hpp"

namespace lightbeam::schema {

struct Dependency {
  std::string resource;                 // "/ed-fi/schools"
  int order = 1;                        // 1-based level
  std::vector<std::string> operations;  // {"Create", "Update"}; person split: {"Create"} then {"Update"}
};

// Computes the dependency list as DMS does (edfi-api-behavior.md §2.4):
// vertices = every endpoint except schoolYearTypes (abstract resources are not endpoints);
// edges from every reference/descriptor property anywhere in a document (abstract → each subclass),
// person re-pointing, cycle breaking by removing optional edges inside strongly connected groups,
// Kahn layering, entries sorted by resource within an order, then the students/staffs/contacts split.
// Result is sorted by (order, resource) with the added "Update" entries placed before the first entry
// of their order.
std::vector<Dependency> compute_dependencies(const SpecModel& model);

// [{"resource": ..., "order": ..., "operations": [...]}, ...]
nlohmann::json dependencies_to_json(const std::vector<Dependency>& deps);

}  // namespace lightbeam::schema
