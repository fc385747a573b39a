// Tests of the Ed-Fi resource model (SpecModel) and the spec converters against our metadata/ and DS 5.2.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <set>

#include "core/error.hpp"
#include "core/schema/spec_convert.hpp"
#include "core/schema/spec_model.hpp"
#include "support/process.hpp"

using namespace lightbeam;
using namespace lightbeam::schema;
using nlohmann::json;
using namespace lightbeam::testing;

namespace {

std::vector<std::string> dotted(const std::vector<JsonPath>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) out.push_back(p.dotted);
  return out;
}

std::vector<std::string> names(const std::vector<const Endpoint*>& eps) {
  std::vector<std::string> out;
  for (const auto* e : eps) out.push_back(e->name);
  return out;
}

const ProjectionField* projection_field(const Endpoint& ep, const std::string& name) {
  for (const auto& f : ep.projection)
    if (f.name == name) return &f;
  return nullptr;
}

// Every Property anywhere below an object (nested objects and collections), with visited guard.
void walk(const ObjectModel& obj, std::set<const ObjectModel*>& seen, const std::function<void(const Property&)>& fn) {
  if (!seen.insert(&obj).second) return;
  for (const auto& p : obj.properties) {
    fn(p);
    if (p.object) walk(*p.object, seen, fn);
  }
}

class OwnMetadata : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { model_ = std::make_unique<SpecModel>(SpecModel::load_dir(own_metadata_dir())); }
  static void TearDownTestSuite() { model_.reset(); }
  static const SpecModel& m() { return *model_; }
  static std::unique_ptr<SpecModel> model_;
};
std::unique_ptr<SpecModel> OwnMetadata::model_;

class Ds52 : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!have_ds52_specs()) return;
    auto t0 = std::chrono::steady_clock::now();
    model_ = std::make_unique<SpecModel>(SpecModel::load_dir(ds52_specs_dir()));
    auto t1 = std::chrono::steady_clock::now();
    std::printf("[ figures  ] DS 5.2 load_dir (parse + build): %.1f ms\n",
                std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  static void TearDownTestSuite() { model_.reset(); }
  void SetUp() override {
    if (!model_) GTEST_SKIP() << "DS 5.2 specs not found at " << ds52_specs_dir() << " (../shared is absent)";
  }
  static const SpecModel& m() { return *model_; }
  static std::unique_ptr<SpecModel> model_;
};
std::unique_ptr<SpecModel> Ds52::model_;

}  // namespace

// ---- our metadata -------------------------------------------------------------------------------------------

TEST_F(OwnMetadata, ListsEveryEndpointWithItsSchemaFromThePostBody) {
  EXPECT_EQ(m().resources().size(), 17u);
  EXPECT_EQ(m().descriptors().size(), 20u);
  EXPECT_EQ(m().endpoints().size(), 37u);
  const Endpoint* schools = m().find("ED-FI", "SCHOOLS");
  ASSERT_NE(schools, nullptr);
  EXPECT_EQ(schools->project, "ed-fi");
  EXPECT_EQ(schools->name, "schools");
  EXPECT_EQ(schools->path, "/ed-fi/schools");
  EXPECT_EQ(schools->schema_name, "EdFi_School");
  EXPECT_EQ(schools->resource_name, "School");
  EXPECT_FALSE(schools->is_descriptor);
  EXPECT_EQ(m().find_path("/ed-fi/schools"), schools);
  EXPECT_EQ(m().find_path("ed-fi/Schools/"), schools);
  EXPECT_EQ(m().find_name("schools"), schools);
  EXPECT_EQ(m().find_by_schema("EdFi_School"), schools);
  EXPECT_EQ(m().find("ed-fi", "school"), nullptr);
  EXPECT_EQ(m().find("ed-fi", "educationOrganizations"), nullptr);  // abstract: not an endpoint

  const Endpoint* grade_levels = m().find("ed-fi", "gradeLevelDescriptors");
  ASSERT_NE(grade_levels, nullptr);
  EXPECT_TRUE(grade_levels->is_descriptor);
  EXPECT_EQ(grade_levels->resource_name, "GradeLevelDescriptor");
  EXPECT_EQ(dotted(grade_levels->identity_paths), (std::vector<std::string>{"codeValue", "namespace"}));
  EXPECT_EQ(m().resolve("#/components/schemas/EdFi_School"), m().schema("EdFi_School"));
  EXPECT_NE(m().resolve("#/components/parameters/limit"), nullptr);
  EXPECT_EQ(m().resolve("#/components/schemas/Nope"), nullptr);
  EXPECT_FALSE(m().is_swagger2());
}

TEST_F(OwnMetadata, IdentityUpdatableComesFromThePutFlag) {
  std::set<std::string> updatable;
  for (const auto* ep : m().endpoints())
    if (ep->identity_updatable) updatable.insert(ep->name);
  EXPECT_EQ(updatable, (std::set<std::string>{"classPeriods", "sections", "sessions", "studentSchoolAssociations",
                                              "studentSectionAssociations"}));
}

TEST_F(OwnMetadata, SchoolYearTypesDefectIsRepaired) {
  const Endpoint* sy = m().find("ed-fi", "schoolYearTypes");
  ASSERT_NE(sy, nullptr);
  EXPECT_EQ(sy->schema_name, "EdFi_SchoolYear");
  EXPECT_EQ(sy->resource_name, "SchoolYearType");
  EXPECT_EQ(sy->identity_properties, (std::vector<std::string>{"schoolYear"}));
  const Property* current = sy->body->find("currentSchoolYear");
  const Property* desc = sy->body->find("schoolYearDescription");
  ASSERT_NE(current, nullptr);
  ASSERT_NE(desc, nullptr);
  EXPECT_TRUE(current->required);
  EXPECT_EQ(current->type, "boolean");
  EXPECT_TRUE(desc->required);
  EXPECT_EQ((*desc->schema)["maxLength"], 50);
  const json& raw = *m().schema("EdFi_SchoolYear");  // the validator sees the repair too
  EXPECT_EQ(raw["required"], json({"schoolYear", "currentSchoolYear", "schoolYearDescription"}));
  EXPECT_EQ(raw["properties"]["schoolYear"]["minimum"], 1900);
  EXPECT_EQ(raw["properties"]["schoolYear"]["maximum"], 2100);
}

TEST_F(OwnMetadata, IdentityPathsAreFlattened) {
  const Endpoint* ssa = m().find("ed-fi", "studentSchoolAssociations");
  EXPECT_EQ(dotted(ssa->identity_paths),
            (std::vector<std::string>{"entryDate", "schoolReference.schoolId", "studentReference.studentUniqueId"}));
  EXPECT_EQ(ssa->identity_properties, (std::vector<std::string>{"entryDate", "schoolReference", "studentReference"}));
  json doc = {{"entryDate", "2024-08-20"},
              {"schoolReference", {{"schoolId", 1}}},
              {"studentReference", {{"studentUniqueId", "s1"}}},
              {"entryGradeLevelDescriptor", "uri://x/GradeLevelDescriptor#Ninth grade"}};
  EXPECT_EQ(m().identity_of(*ssa, doc), json({{"entryDate", "2024-08-20"},
                                              {"schoolReference.schoolId", 1},
                                              {"studentReference.studentUniqueId", "s1"}}));
  EXPECT_EQ(m().project(*ssa, doc), json({{"entryDate", "2024-08-20"}, {"schoolId", 1}, {"studentUniqueId", "s1"}}));
}

TEST_F(OwnMetadata, ReferencesFindTheirTargetsFromTheRefNotTheName) {
  const Endpoint* schools = m().find("ed-fi", "schools");
  const Property* lea = schools->body->find("localEducationAgencyReference");
  ASSERT_NE(lea, nullptr);
  EXPECT_EQ(lea->kind, PropertyKind::reference);
  ASSERT_EQ(lea->reference->targets.size(), 1u);
  EXPECT_EQ(lea->reference->targets[0].endpoint, m().find("ed-fi", "localEducationAgencies"));
  EXPECT_EQ(dotted(lea->reference->targets[0].field_paths), (std::vector<std::string>{"localEducationAgencyId"}));
  const Property* parent = m().find("ed-fi", "localEducationAgencies")->body->find("parentLocalEducationAgencyReference");
  EXPECT_EQ(parent->reference->targets.at(0).endpoint->name, "localEducationAgencies");
  const Property* charter = schools->body->find("charterApprovalSchoolYearTypeReference");
  EXPECT_EQ(charter->reference->targets.at(0).endpoint->name, "schoolYearTypes");
  EXPECT_EQ(charter->reference->target_resource, "SchoolYearType");
}

TEST_F(OwnMetadata, AbstractEducationOrganizationResolvesToEverySubclassWithRename) {
  ASSERT_EQ(m().abstract_resources().size(), 1u);
  const AbstractResource* edorg = m().find_abstract("educationorganization");
  ASSERT_NE(edorg, nullptr);
  EXPECT_EQ(edorg->name, "EducationOrganization");
  EXPECT_EQ(names(edorg->subclasses), (std::vector<std::string>{"educationServiceCenters", "localEducationAgencies",
                                                                "schools", "stateEducationAgencies"}));
  const Property* p = m().find("ed-fi", "courses")->body->find("educationOrganizationReference");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->reference->abstract_target, edorg);
  ASSERT_EQ(p->reference->targets.size(), 4u);
  for (const auto& t : p->reference->targets) {
    ASSERT_EQ(t.field_paths.size(), 1u);
    EXPECT_EQ(t.field_paths[0].dotted, t.endpoint->identity_paths.at(0).dotted);
  }
  const Endpoint* schools = m().find("ed-fi", "schools");
  EXPECT_EQ(schools->superclass, edorg);
  EXPECT_EQ(dotted(schools->superclass_paths), (std::vector<std::string>{"schoolId"}));
  EXPECT_EQ(m().find("ed-fi", "students")->superclass, nullptr);
}

TEST_F(OwnMetadata, ProjectionUnifiesSharedIdentityFields) {
  const Endpoint* co = m().find("ed-fi", "courseOfferings");
  const ProjectionField* school = projection_field(*co, "schoolId");
  ASSERT_NE(school, nullptr);
  EXPECT_EQ(dotted(school->paths), (std::vector<std::string>{"schoolReference.schoolId", "sessionReference.schoolId"}));
  ASSERT_EQ(co->unification_groups.size(), 1u);
  EXPECT_EQ(dotted(co->unification_groups[0]), dotted(school->paths));
  EXPECT_EQ(dotted(projection_field(*co, "schoolYear")->paths), (std::vector<std::string>{"sessionReference.schoolYear"}));
  json doc = {{"localCourseCode", "ALG-1"},
              {"schoolReference", {{"schoolId", 7}}},
              {"sessionReference", {{"schoolId", 7}, {"schoolYear", 2025}, {"sessionName", "Fall"}}},
              {"courseReference", {{"courseCode", "ALG"}, {"educationOrganizationId", 7}}}};
  EXPECT_EQ(m().project(*co, doc),
            json({{"localCourseCode", "ALG-1"}, {"schoolId", 7}, {"schoolYear", 2025}, {"sessionName", "Fall"}}));
  // Sections reach through their courseOffering reference.
  const Endpoint* sections = m().find("ed-fi", "sections");
  EXPECT_EQ(dotted(projection_field(*sections, "sessionName")->paths),
            (std::vector<std::string>{"courseOfferingReference.sessionName"}));
  EXPECT_EQ(m().resolved_reference_field_count(), m().reference_field_count());
}

TEST_F(OwnMetadata, DescriptorPropertiesFindTheirDescriptorByLongestSuffix) {
  const Endpoint* ssa = m().find("ed-fi", "studentSchoolAssociations");
  const Property* entry = ssa->body->find("entryGradeLevelDescriptor");
  EXPECT_EQ(entry->kind, PropertyKind::descriptor);
  EXPECT_EQ(entry->descriptor, m().find("ed-fi", "gradeLevelDescriptors"));
  EXPECT_EQ(m().find("ed-fi", "students")->body->find("birthStateAbbreviationDescriptor")->descriptor->name,
            "stateAbbreviationDescriptors");
  EXPECT_EQ(m().descriptor_for_property("entryTypeDescriptor")->name, "entryTypeDescriptors");
  EXPECT_EQ(m().descriptor_for_property("somethingUnknownDescriptor"), nullptr);
  // Descriptor fields inside reference objects are resolved too.
  const Property* ref = m().find("ed-fi", "staffSchoolAssociations")->body->find("staffReference");
  EXPECT_FALSE(ref->reference->fields.at(0).is_descriptor);
}

TEST_F(OwnMetadata, CollectionsCarryMinItemsAndItemIdentity) {
  const Endpoint* schools = m().find("ed-fi", "schools");
  const Property* grades = schools->body->find("gradeLevels");
  EXPECT_EQ(grades->kind, PropertyKind::array);
  EXPECT_EQ(grades->min_items, 1u);
  EXPECT_TRUE(grades->required);
  EXPECT_EQ(dotted(grades->item_identity), (std::vector<std::string>{"gradeLevelDescriptor"}));
  const Property* addresses = schools->body->find("addresses");
  EXPECT_EQ(dotted(addresses->item_identity),
            (std::vector<std::string>{"addressTypeDescriptor", "city", "postalCode", "stateAbbreviationDescriptor",
                                      "streetNumberName"}));
  const Property* periods = addresses->object->find("periods");
  EXPECT_EQ(dotted(periods->item_identity), (std::vector<std::string>{"beginDate"}));
}

TEST_F(OwnMetadata, QueryFieldsIncludeReferenceFieldsWithTheirDocumentPaths) {
  const Endpoint* sessions = m().find("ed-fi", "sessions");
  const QueryField* school = sessions->find_query_field("SCHOOLID");
  ASSERT_NE(school, nullptr);
  EXPECT_EQ(school->name, "schoolId");
  EXPECT_EQ(school->type, "number");
  EXPECT_EQ(school->path.dotted, "schoolReference.schoolId");
  EXPECT_EQ(sessions->find_query_field("beginDate")->type, "date");
  EXPECT_EQ(sessions->find_query_field("termDescriptor")->type, "string");
  EXPECT_TRUE(sessions->find_query_field("termDescriptor")->is_descriptor);
  EXPECT_EQ(sessions->find_query_field("id"), nullptr);
  // An identity reference wins over an optional one sharing the field name.
  const Endpoint* ssa = m().find("ed-fi", "studentSchoolAssociations");
  EXPECT_EQ(ssa->find_query_field("schoolId")->path.dotted, "schoolReference.schoolId");
  EXPECT_EQ(ssa->find_query_field("primarySchool")->type, "boolean");
  std::vector<std::string> id_fields;
  for (const auto* q : ssa->identity_query_fields()) id_fields.push_back(q->name);
  EXPECT_EQ(id_fields, (std::vector<std::string>{"entryDate", "schoolId", "studentUniqueId"}));
  id_fields.clear();
  for (const auto* q : m().find("ed-fi", "courseOfferings")->identity_query_fields()) id_fields.push_back(q->name);
  EXPECT_EQ(id_fields, (std::vector<std::string>{"localCourseCode", "schoolId", "schoolYear", "sessionName"}));
}

TEST_F(OwnMetadata, ReferenceExamplesHaveEveryRequiredProperty) {
  const auto dir = std::filesystem::path(SHARED_DIR) / "reference" / "lightbeam-examples";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "lightbeam examples not found at " << dir;
  for (const char* endpoint : {"schools", "educationServiceCenters"}) {
    std::ifstream in(dir / (std::string(endpoint) + ".jsonl"));
    std::string line;
    const Endpoint* ep = m().find("ed-fi", endpoint);
    ASSERT_NE(ep, nullptr);
    while (std::getline(in, line)) {
      json doc = json::parse(line);
      for (const auto& r : ep->body->required) EXPECT_TRUE(doc.contains(r)) << endpoint << " lacks " << r;
      for (auto it = doc.begin(); it != doc.end(); ++it)
        EXPECT_NE(ep->body->find(it.key()), nullptr) << endpoint << "." << it.key() << " unknown to our metadata";
    }
  }
}

// ---- errors -------------------------------------------------------------------------------------------------

TEST(SpecModelErrors, MissingFolderOrFileOrInvalidJsonIsAClearError) {
  TempDir dir;
  auto expect_error = [](const std::filesystem::path& p, const std::string& needle) {
    try {
      SpecModel::load_dir(p);
      ADD_FAILURE() << "no error for " << p;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error(dir.path() / "nope", "nope");
  expect_error(dir.path(), "resources-spec.json");
  write_file(dir.path() / "resources-spec.json", "{\"paths\": {}, \"components\": {\"schemas\": {}}}");
  expect_error(dir.path(), "descriptors-spec.json");
  write_file(dir.path() / "descriptors-spec.json", "{\"paths\": {");
  expect_error(dir.path(), "descriptors-spec.json");
  write_file(dir.path() / "descriptors-spec.json", "[1, 2]");
  expect_error(dir.path(), "descriptors-spec.json");
  write_file(dir.path() / "descriptors-spec.json", "{\"paths\": {}}");
  expect_error(dir.path(), "components.schemas");
}

TEST(SpecModelErrors, PostBodyRefToAnUnknownSchemaNamesThePath) {
  json res = {{"openapi", "3.0.0"},
              {"paths", {{"/ed-fi/widgets",
                          {{"post", {{"requestBody", {{"content", {{"application/json",
                                                                    {{"schema", {{"$ref", "#/components/schemas/EdFi_Widget"}}}}}}}}}}}}}}},
              {"components", {{"schemas", json::object()}}}};
  json desc = {{"openapi", "3.0.0"}, {"paths", json::object()}, {"components", {{"schemas", json::object()}}}};
  try {
    SpecModel::from_documents(res, desc, "test specs");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/ed-fi/widgets"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("test specs"), std::string::npos) << e.what();
  }
}

// ---- Swagger 2.0 and ODS names ------------------------------------------------------------------------------

TEST(SpecModelSwagger2, TinyOdsStyleDocumentLoads) {
  json res = json::parse(R"({
    "swagger": "2.0",
    "paths": {
      "/ed-fi/students": {"post": {"parameters": [{"in": "body", "name": "student", "required": true,
                                   "schema": {"$ref": "#/definitions/edFi_student"}}]}},
      "/ed-fi/students/{id}": {"put": {"parameters": []}},
      "/ed-fi/schools": {"post": {"parameters": [{"in": "body", "name": "school",
                                  "schema": {"$ref": "#/definitions/edFi_school"}}]}},
      "/ed-fi/studentSchoolAssociations": {"post": {"parameters": [{"in": "body", "name": "b",
                                  "schema": {"$ref": "#/definitions/edFi_studentSchoolAssociation"}}]}},
      "/ed-fi/studentSchoolAssociations/{id}": {"put": {"x-Ed-Fi-isUpdatable": true}}
    },
    "definitions": {
      "edFi_student": {"type": "object", "required": ["studentUniqueId"], "properties": {
        "studentUniqueId": {"type": "string", "maxLength": 32, "x-Ed-Fi-isIdentity": true}}},
      "edFi_school": {"type": "object", "required": ["schoolId"], "properties": {
        "schoolId": {"type": "integer", "x-Ed-Fi-isIdentity": true}}},
      "edFi_studentReference": {"type": "object", "required": ["studentUniqueId"], "properties": {
        "studentUniqueId": {"type": "string"}}},
      "edFi_schoolReference": {"type": "object", "required": ["schoolId"], "properties": {
        "schoolId": {"type": "integer"}}},
      "edFi_studentSchoolAssociation": {"type": "object", "required": ["studentReference", "schoolReference", "entryDate"],
        "properties": {
          "studentReference": {"$ref": "#/definitions/edFi_studentReference", "x-Ed-Fi-isIdentity": true},
          "schoolReference": {"$ref": "#/definitions/edFi_schoolReference", "x-Ed-Fi-isIdentity": true},
          "entryDate": {"type": "string", "format": "date", "x-Ed-Fi-isIdentity": true},
          "entryGradeLevelDescriptor": {"type": "string"}}}
    }})");
  json desc = json::parse(R"({
    "swagger": "2.0",
    "paths": {"/ed-fi/gradeLevelDescriptors": {"post": {"parameters": [{"in": "body", "name": "d",
              "schema": {"$ref": "#/definitions/edFi_gradeLevelDescriptor"}}]}}},
    "definitions": {"edFi_gradeLevelDescriptor": {"type": "object", "properties": {
       "namespace": {"type": "string", "x-Ed-Fi-isIdentity": true},
       "codeValue": {"type": "string", "x-Ed-Fi-isIdentity": true}}}}})");
  SpecModel m = SpecModel::from_documents(res, desc);
  EXPECT_TRUE(m.is_swagger2());
  EXPECT_EQ(m.resources().size(), 3u);
  EXPECT_EQ(m.descriptors().size(), 1u);
  const Endpoint* ssa = m.find("ed-fi", "studentschoolassociations");
  ASSERT_NE(ssa, nullptr);
  EXPECT_EQ(ssa->schema_name, "edFi_studentSchoolAssociation");
  EXPECT_EQ(ssa->resource_name, "StudentSchoolAssociation");
  EXPECT_TRUE(ssa->identity_updatable);
  EXPECT_FALSE(m.find("ed-fi", "students")->identity_updatable);
  EXPECT_EQ(dotted(ssa->identity_paths),
            (std::vector<std::string>{"entryDate", "schoolReference.schoolId", "studentReference.studentUniqueId"}));
  EXPECT_EQ(ssa->body->find("schoolReference")->reference->targets.at(0).endpoint, m.find("ed-fi", "schools"));
  EXPECT_EQ(ssa->body->find("entryGradeLevelDescriptor")->descriptor, m.find("ed-fi", "gradeLevelDescriptors"));
  EXPECT_EQ(m.resolve("#/definitions/edFi_schoolReference"), m.schema("edFi_schoolReference"));
  EXPECT_EQ(m.find("ed-fi", "schools")->own_reference->schema_name, "edFi_schoolReference");
}

TEST(SpecConvert, OdsSchemaNames) {
  EXPECT_EQ(ods_schema_name("EdFi_Student"), "edFi_student");
  EXPECT_EQ(ods_schema_name("EdFi_School_Reference"), "edFi_schoolReference");
  EXPECT_EQ(ods_schema_name("EdFi_EducationOrganization_Address"), "edFi_educationOrganizationAddress");
  EXPECT_EQ(ods_schema_name("EdFi_SchoolYearTypeReference"), "edFi_schoolYearTypeReference");
  EXPECT_EQ(ods_schema_name("TPDM_Candidate"), "tpdm_candidate");
  EXPECT_EQ(ods_schema_name("edFi_student"), "edFi_student");
}

namespace {
// Loading a converted copy must give the same model as the original.
void expect_same_model(const SpecModel& a, const SpecModel& b) {
  ASSERT_EQ(a.endpoints().size(), b.endpoints().size());
  for (std::size_t i = 0; i < a.endpoints().size(); ++i) {
    const Endpoint& x = *a.endpoints()[i];
    const Endpoint& y = *b.endpoints()[i];
    EXPECT_EQ(x.path, y.path);
    EXPECT_EQ(x.resource_name, y.resource_name);
    EXPECT_EQ(x.is_descriptor, y.is_descriptor);
    EXPECT_EQ(x.identity_updatable, y.identity_updatable) << x.path;
    EXPECT_EQ(dotted(x.identity_paths), dotted(y.identity_paths)) << x.path;
    ASSERT_EQ(x.projection.size(), y.projection.size()) << x.path;
    for (std::size_t j = 0; j < x.projection.size(); ++j)
      EXPECT_EQ(dotted(x.projection[j].paths), dotted(y.projection[j].paths)) << x.path;
    EXPECT_EQ(x.query_fields.size(), y.query_fields.size()) << x.path;
    EXPECT_EQ(x.superclass == nullptr, y.superclass == nullptr) << x.path;
  }
  ASSERT_EQ(a.abstract_resources().size(), b.abstract_resources().size());
  for (std::size_t i = 0; i < a.abstract_resources().size(); ++i)
    EXPECT_EQ(names(a.abstract_resources()[i]->subclasses), names(b.abstract_resources()[i]->subclasses));
  EXPECT_EQ(a.resolved_reference_field_count(), b.resolved_reference_field_count());
}

void check_conversions(const std::filesystem::path& dir) {
  json res = SpecModel::read_json_file(dir / "resources-spec.json");
  json desc = SpecModel::read_json_file(dir / "descriptors-spec.json");
  SpecModel original = SpecModel::from_documents(res, desc);

  json ods_res = to_ods_names(res);
  EXPECT_TRUE(ods_res["components"]["schemas"].contains("edFi_schoolReference"));
  EXPECT_FALSE(ods_res["components"]["schemas"].contains("EdFi_School_Reference"));
  EXPECT_EQ(ods_res["components"]["schemas"].size(), res["components"]["schemas"].size());
  EXPECT_EQ(ods_res["paths"]["/ed-fi/schools"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/edFi_school");
  SpecModel ods = SpecModel::from_documents(ods_res, to_ods_names(desc));
  expect_same_model(original, ods);
  EXPECT_EQ(ods.find("ed-fi", "schools")->schema_name, "edFi_school");

  json v2 = to_swagger2(ods_res);
  EXPECT_EQ(v2["swagger"], "2.0");
  EXPECT_FALSE(v2.contains("components"));
  EXPECT_TRUE(v2["definitions"].contains("edFi_school"));
  const json& post = v2["paths"]["/ed-fi/schools"]["post"];
  EXPECT_FALSE(post.contains("requestBody"));
  bool body_found = false;
  for (const auto& p : post["parameters"])
    if (p["in"] == "body") {
      body_found = true;
      EXPECT_EQ(p["schema"]["$ref"], "#/definitions/edFi_school");
    }
  EXPECT_TRUE(body_found);
  EXPECT_EQ(v2.dump().find("#/components/"), std::string::npos);
  SpecModel swagger = SpecModel::from_documents(v2, to_swagger2(to_ods_names(desc)));
  EXPECT_TRUE(swagger.is_swagger2());
  expect_same_model(original, swagger);
  EXPECT_EQ(to_swagger2(v2), v2);  // already Swagger 2.0
}
}  // namespace

TEST(SpecConvert, OwnMetadataConvertsToOdsNamesAndSwagger2AndLoadsTheSame) { check_conversions(own_metadata_dir()); }

TEST(SpecConvert, Ds52ConvertsToOdsNamesAndSwagger2AndLoadsTheSame) {
  if (!have_ds52_specs()) GTEST_SKIP() << "DS 5.2 specs not found at " << ds52_specs_dir();
  check_conversions(ds52_specs_dir());
}

// ---- DS 5.2 -------------------------------------------------------------------------------------------------

TEST_F(Ds52, Has153ResourcesAnd229Descriptors) {
  EXPECT_EQ(m().resources().size(), 153u);
  EXPECT_EQ(m().descriptors().size(), 229u);
  const Endpoint* candidates = m().find("TPDM", "Candidates");
  ASSERT_NE(candidates, nullptr);
  EXPECT_EQ(candidates->schema_name, "TPDM_Candidate");
  EXPECT_EQ(candidates->resource_name, "Candidate");
  EXPECT_EQ(m().find("ed-fi", "academicWeeks")->schema_name, "EdFi_AcademicWeek");
  EXPECT_EQ(m().find("ed-fi", "schoolYearTypes")->schema_name, "EdFi_SchoolYear");
  EXPECT_EQ(m().find("ed-fi", "schoolYearTypes")->resource_name, "SchoolYearType");
}

TEST_F(Ds52, UpdatableIdentitiesAreExactlyTheEight) {
  std::set<std::string> updatable;
  for (const auto* ep : m().endpoints())
    if (ep->identity_updatable) updatable.insert(ep->name);
  EXPECT_EQ(updatable, (std::set<std::string>{"classPeriods", "gradebookEntries", "grades", "locations", "sections",
                                              "sessions", "studentSchoolAssociations", "studentSectionAssociations"}));
}

TEST_F(Ds52, StudentSchoolAssociationIdentity) {
  const Endpoint* ssa = m().find("ed-fi", "studentSchoolAssociations");
  EXPECT_EQ(dotted(ssa->identity_paths),
            (std::vector<std::string>{"entryDate", "schoolReference.schoolId", "studentReference.studentUniqueId"}));
  EXPECT_EQ(ssa->find_query_field("schoolId")->path.dotted, "schoolReference.schoolId");
  const Endpoint* weeks = m().find("ed-fi", "academicWeeks");
  EXPECT_EQ(weeks->find_query_field("schoolid")->path.dotted, "schoolReference.schoolId");
}

TEST_F(Ds52, ReferenceTargetsIncludingRoleNamedAndAbstract) {
  const Property* grad = m().find("ed-fi", "graduationPlans")->body->find("graduationSchoolYearTypeReference");
  ASSERT_NE(grad, nullptr);
  EXPECT_EQ(grad->reference->targets.at(0).endpoint->name, "schoolYearTypes");
  EXPECT_EQ(m().find("ed-fi", "schools")->body->find("localEducationAgencyReference")->reference->targets.at(0)
                .endpoint->name,
            "localEducationAgencies");
  EXPECT_EQ(m().find("ed-fi", "localEducationAgencies")->body->find("parentLocalEducationAgencyReference")
                ->reference->targets.at(0).endpoint->name,
            "localEducationAgencies");
  const Property* edorg = m().find("ed-fi", "programs")->body->find("educationOrganizationReference");
  ASSERT_NE(edorg, nullptr);
  ASSERT_NE(edorg->reference->abstract_target, nullptr);
  EXPECT_EQ(edorg->reference->targets.size(), 9u);
  EXPECT_EQ(names(edorg->reference->abstract_target->subclasses),
            (std::vector<std::string>{"communityOrganizations", "communityProviders", "educationOrganizationNetworks",
                                      "educationServiceCenters", "localEducationAgencies", "organizationDepartments",
                                      "postSecondaryInstitutions", "schools", "stateEducationAgencies"}));
  for (const auto& t : edorg->reference->targets)
    EXPECT_EQ(t.field_paths.at(0).dotted, t.endpoint->identity_paths.at(0).dotted) << t.endpoint->name;
  const AbstractResource* gspa = m().find_abstract("GeneralStudentProgramAssociation");
  ASSERT_NE(gspa, nullptr);
  EXPECT_EQ(gspa->subclasses.size(), 10u);
  EXPECT_EQ(m().abstract_resources().size(), 2u);
}

TEST_F(Ds52, DescriptorPropertiesAllResolve) {
  EXPECT_EQ(m().find("ed-fi", "studentSchoolAssociations")->body->find("entryGradeLevelDescriptor")->descriptor->name,
            "gradeLevelDescriptors");
  const Endpoint* gpa = m().find("ed-fi", "courses")->body->find("courseGPAApplicabilityDescriptor")->descriptor;
  ASSERT_NE(gpa, nullptr);
  EXPECT_EQ(gpa->name, "courseGPAApplicabilityDescriptors");
  EXPECT_EQ(gpa->resource_name, "CourseGPAApplicabilityDescriptor");  // from its schema name
  EXPECT_EQ(m().find("ed-fi", "credentials")->body->find("stateOfIssueStateAbbreviationDescriptor")->descriptor->name,
            "stateAbbreviationDescriptors");
  std::set<std::string> property_names;
  std::size_t unresolved = 0;
  for (const auto* ep : m().resources()) {
    std::set<const ObjectModel*> seen;
    walk(*ep->body, seen, [&](const Property& p) {
      if (p.kind == PropertyKind::descriptor) {
        property_names.insert(p.name);
        if (!p.descriptor) ++unresolved;
      }
      if (p.kind == PropertyKind::reference)
        for (const auto& f : p.reference->fields)
          if (f.is_descriptor && !f.descriptor) ++unresolved;
    });
  }
  EXPECT_EQ(unresolved, 0u);
  std::printf("[ figures  ] distinct descriptor property names: %zu\n", property_names.size());
}

TEST_F(Ds52, ProjectionExamplesOfTheBehaviourDocument) {
  auto paths = [&](const char* endpoint, const char* field) {
    const Endpoint* ep = m().find_name(endpoint);
    const ProjectionField* f = ep ? projection_field(*ep, field) : nullptr;
    return f ? dotted(f->paths) : std::vector<std::string>{"<missing>"};
  };
  EXPECT_EQ(paths("grades", "gradingPeriodSchoolYear"), (std::vector<std::string>{"gradingPeriodReference.schoolYear"}));
  EXPECT_EQ(paths("studentProgramAssociations", "programEducationOrganizationId"),
            (std::vector<std::string>{"programReference.educationOrganizationId"}));
  EXPECT_EQ(paths("feederSchoolAssociations", "feederSchoolId"),
            (std::vector<std::string>{"feederSchoolReference.schoolId"}));
  EXPECT_EQ(paths("graduationPlans", "graduationSchoolYear"),
            (std::vector<std::string>{"graduationSchoolYearTypeReference.schoolYear"}));
  EXPECT_EQ(paths("courseOfferings", "schoolId"),
            (std::vector<std::string>{"schoolReference.schoolId", "sessionReference.schoolId"}));
  EXPECT_GE(paths("grades", "schoolId").size(), 2u);  // unified across identity references
}

TEST_F(Ds52, All605ReferenceFieldsResolveAndCoverEveryIdentity) {
  std::size_t fields = 0, resolved = 0;
  for (const auto* ep : m().resources()) {
    ASSERT_NE(ep->own_reference, nullptr) << ep->name;
    if (ep->name == "schoolYearTypes") continue;  // EdFi_SchoolYearTypeReference is not an X_Reference schema
    std::set<std::string> covered;
    for (const auto& f : ep->projection) {
      ++fields;
      if (!f.paths.empty()) ++resolved;
      for (const auto& p : f.paths) covered.insert(p.dotted);
    }
    for (const auto& id : ep->identity_paths) EXPECT_TRUE(covered.count(id.dotted)) << ep->name << " " << id.dotted;
  }
  EXPECT_EQ(fields, 605u);
  EXPECT_EQ(resolved, 605u);
  EXPECT_EQ(m().resolved_reference_field_count(), m().reference_field_count());
}

TEST_F(Ds52, CollectionItemIdentities) {
  auto item_id = [&](const char* endpoint, const char* prop) {
    const Property* p = m().find_name(endpoint)->body->find(prop);
    return p ? dotted(p->item_identity) : std::vector<std::string>{"<missing>"};
  };
  EXPECT_EQ(item_id("schools", "gradeLevels"), (std::vector<std::string>{"gradeLevelDescriptor"}));
  EXPECT_EQ(item_id("bellSchedules", "classPeriods"),
            (std::vector<std::string>{"classPeriodReference.classPeriodName", "classPeriodReference.schoolId"}));
  EXPECT_EQ(item_id("schools", "addresses"),
            (std::vector<std::string>{"addressTypeDescriptor", "city", "postalCode", "stateAbbreviationDescriptor",
                                      "streetNumberName"}));
  EXPECT_EQ(item_id("assessments", "performanceLevels"),
            (std::vector<std::string>{"assessmentReportingMethodDescriptor", "performanceLevelDescriptor"}));
  auto items = item_id("studentAssessments", "items");
  ASSERT_FALSE(items.empty());
  for (const auto& p : items) EXPECT_EQ(p.rfind("assessmentItemReference.", 0), 0u) << p;
  EXPECT_EQ(item_id("studentHealths", "requiredImmunizations"), (std::vector<std::string>{"immunizationTypeDescriptor"}));
  const Property* imm = m().find_name("studentHealths")->body->find("requiredImmunizations");
  const Property* dates = imm->object->find("dates");
  ASSERT_NE(dates, nullptr);
  EXPECT_FALSE(dates->item_identity.empty());
  // Never an empty identity for an object collection.
  for (const auto* ep : m().resources()) {
    std::set<const ObjectModel*> seen;
    walk(*ep->body, seen, [&](const Property& p) {
      if (p.kind == PropertyKind::array && p.object) {
        EXPECT_FALSE(p.item_identity.empty()) << ep->name << "." << p.name;
      }
    });
  }
}

TEST_F(Ds52, SchoolYearTypesRepairedAndExtensionsCompiled) {
  const Endpoint* sy = m().find("ed-fi", "schoolYearTypes");
  EXPECT_TRUE(sy->body->find("currentSchoolYear")->required);
  EXPECT_TRUE(sy->body->find("schoolYearDescription")->required);
  const Property* ext = m().find("ed-fi", "schools")->body->find("_ext");
  ASSERT_NE(ext, nullptr);
  EXPECT_EQ(ext->kind, PropertyKind::object);
  const Property* tpdm = ext->object->find("tpdm");
  ASSERT_NE(tpdm, nullptr);
  const Property* psi = tpdm->object->find("postSecondaryInstitutionReference");
  ASSERT_NE(psi, nullptr);
  EXPECT_EQ(psi->reference->targets.at(0).endpoint->name, "postSecondaryInstitutions");
}
