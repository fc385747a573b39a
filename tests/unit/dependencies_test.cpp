// Tests of the dependency order (§2.4) computed from our metadata and from DS 5.2.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>

#include "core/schema/dependencies.hpp"
#include "core/schema/spec_model.hpp"
#include "support/process.hpp"

using namespace lightbeam::schema;
using namespace lightbeam::testing;

namespace {

struct Orders {
  std::map<std::string, int> create;  // resource → order of its Create entry
  std::map<std::string, int> update;  // resource → order of its Update-only entry (person split)
  int levels = 0;
};

Orders orders_of(const std::vector<Dependency>& deps) {
  Orders o;
  for (const auto& d : deps) {
    bool has_create = std::find(d.operations.begin(), d.operations.end(), "Create") != d.operations.end();
    EXPECT_TRUE(has_create ? o.create.emplace(d.resource, d.order).second : o.update.emplace(d.resource, d.order).second)
        << "listed twice: " << d.resource;
    o.levels = std::max(o.levels, d.order);
  }
  return o;
}

// The invariants every dependency list must keep, whatever the cycle breaking (§2.4).
void check_invariants(const SpecModel& m, const std::vector<Dependency>& deps) {
  Orders o = orders_of(deps);
  // Sorted by (order, resource), except added Update entries which come first within their order.
  for (std::size_t i = 1; i < deps.size(); ++i) {
    ASSERT_LE(deps[i - 1].order, deps[i].order) << deps[i].resource;
    bool prev_update_only = deps[i - 1].operations == std::vector<std::string>{"Update"};
    if (deps[i - 1].order == deps[i].order && !prev_update_only) {
      EXPECT_LT(deps[i - 1].resource, deps[i].resource);
    }
  }
  for (const auto* ep : m.descriptors()) {
    EXPECT_EQ(o.create.at(ep->path), 1) << ep->path;
  }
  EXPECT_EQ(o.create.count("/ed-fi/schoolYearTypes"), 0u);
  // Only endpoints are listed (abstract resources have none).
  for (const auto& d : deps) EXPECT_NE(m.find_path(d.resource), nullptr) << d.resource;
  // Every endpoint except schoolYearTypes has exactly one Create entry.
  EXPECT_EQ(o.create.size(), m.endpoints().size() - 1);
  // Every required reference (at the top level, where person re-pointing does not apply) targets a lower order.
  for (const auto* ep : m.resources()) {
    if (ep->name == "schoolYearTypes") continue;
    for (const auto& p : ep->body->properties) {
      if (!p.required) continue;
      if (p.kind == PropertyKind::descriptor && p.descriptor) {
        EXPECT_LT(o.create.at(p.descriptor->path), o.create.at(ep->path)) << ep->path << "." << p.name;
      }
      if (p.kind != PropertyKind::reference) continue;
      for (const auto& t : p.reference->targets) {
        if (t.endpoint->name == "schoolYearTypes") continue;
        EXPECT_LT(o.create.at(t.endpoint->path), o.create.at(ep->path)) << ep->path << "." << p.name;
      }
    }
  }
  // Person split: the Update entry comes after the association.
  if (o.create.count("/ed-fi/students") && o.create.count("/ed-fi/studentSchoolAssociations")) {
    EXPECT_EQ(o.update.at("/ed-fi/students"), o.create.at("/ed-fi/studentSchoolAssociations") + 1);
  }
}

}  // namespace

TEST(Dependencies, OwnMetadataKeepsTheInvariants) {
  SpecModel m = SpecModel::load_dir(own_metadata_dir());
  auto deps = compute_dependencies(m);
  check_invariants(m, deps);
  Orders o = orders_of(deps);
  EXPECT_EQ(deps.size(), m.endpoints().size() - 1 + 2);  // students and staffs split
  EXPECT_LT(o.create.at("/ed-fi/stateEducationAgencies"), o.create.at("/ed-fi/localEducationAgencies"));
  EXPECT_LT(o.create.at("/ed-fi/localEducationAgencies"), o.create.at("/ed-fi/schools"));
  EXPECT_LT(o.create.at("/ed-fi/sessions"), o.create.at("/ed-fi/courseOfferings"));
  EXPECT_LT(o.create.at("/ed-fi/sections"), o.create.at("/ed-fi/studentSectionAssociations"));
  // Person re-pointing: studentSectionAssociations waits for studentSchoolAssociations, not just students.
  EXPECT_LT(o.create.at("/ed-fi/studentSchoolAssociations"), o.create.at("/ed-fi/studentSectionAssociations"));
  EXPECT_EQ(o.update.at("/ed-fi/staffs"), o.create.at("/ed-fi/staffEducationOrganizationAssignmentAssociations") + 1);
  // Abstract reference → an edge from every subclass: courses come after every education organization.
  for (const char* edorg : {"/ed-fi/schools", "/ed-fi/localEducationAgencies", "/ed-fi/educationServiceCenters",
                            "/ed-fi/stateEducationAgencies"}) {
    EXPECT_LT(o.create.at(edorg), o.create.at("/ed-fi/courses")) << edorg;
  }

  nlohmann::json j = dependencies_to_json(deps);
  ASSERT_TRUE(j.is_array());
  EXPECT_EQ(j.size(), deps.size());
  EXPECT_EQ(j[0]["order"], 1);
  EXPECT_EQ(j[0]["operations"], nlohmann::json({"Create", "Update"}));
  for (const auto& e : j) {
    EXPECT_TRUE(e["resource"].is_string());
    EXPECT_TRUE(e["order"].is_number_integer());
    EXPECT_TRUE(e["operations"].is_array());
  }
  std::printf("[ figures  ] own metadata: %zu entries, %d levels\n", deps.size(), o.levels);
}

TEST(Dependencies, Ds52MatchesTheOrientationFigures) {
  if (!have_ds52_specs()) GTEST_SKIP() << "DS 5.2 specs not found at " << ds52_specs_dir() << " (../shared is absent)";
  SpecModel m = SpecModel::load_dir(ds52_specs_dir());
  auto deps = compute_dependencies(m);
  check_invariants(m, deps);
  Orders o = orders_of(deps);
  // edfi-api-behavior.md §2.4 (DS 5.2 + TPDM, simplified cycle breaking).
  EXPECT_EQ(o.create.at("/ed-fi/stateEducationAgencies"), 2);
  EXPECT_EQ(o.create.at("/ed-fi/people"), 2);
  EXPECT_EQ(o.create.at("/ed-fi/students"), 3);
  EXPECT_EQ(o.create.at("/ed-fi/staffs"), 3);
  EXPECT_EQ(o.create.at("/ed-fi/localEducationAgencies"), 4);
  EXPECT_EQ(o.create.at("/ed-fi/schools"), 5);
  EXPECT_EQ(o.create.at("/ed-fi/academicWeeks"), 6);
  EXPECT_EQ(o.create.at("/ed-fi/sessions"), 7);
  EXPECT_EQ(o.create.at("/ed-fi/courseOfferings"), 9);
  EXPECT_EQ(o.create.at("/ed-fi/sections"), 10);
  EXPECT_EQ(o.create.at("/ed-fi/studentSchoolAssociations"), 13);
  EXPECT_EQ(o.create.at("/ed-fi/studentSectionAssociations"), 14);
  EXPECT_EQ(o.create.at("/ed-fi/grades"), 15);
  EXPECT_EQ(o.create.at("/ed-fi/reportCards"), 16);
  EXPECT_EQ(o.levels, 17);
  EXPECT_EQ(o.update.at("/ed-fi/students"), 14);
  EXPECT_EQ(o.update.size(), 3u);  // students, staffs, contacts
  EXPECT_EQ(deps.size(), 153u - 1 + 229 + 3);
  // The added Update entry is inserted before the first entry of its order.
  for (std::size_t i = 0; i < deps.size(); ++i) {
    if (deps[i].resource == "/ed-fi/students" && deps[i].operations == std::vector<std::string>{"Update"}) {
      ASSERT_GT(i, 0u);
      EXPECT_LT(deps[i - 1].order, deps[i].order);
    }
  }
  std::printf("[ figures  ] DS 5.2: %zu entries, %d levels\n", deps.size(), o.levels);
}
