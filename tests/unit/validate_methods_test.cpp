// The validation methods of `lightbeam validate`, one line at a time, on our own metadata set:
// json, schema, descriptors (nested, case-insensitive, typed), uniqueness (identity hashes,
// collection items), references (local index, abstract targets, remote queries, selector).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <string>

#include "core/error.hpp"
#include "core/schema/spec_model.hpp"
#include "core/schema/validator.hpp"
#include "support/process.hpp"

using namespace lightbeam::schema;
namespace fs = std::filesystem;

namespace {

const SpecModel& model() {
  static SpecModel m = SpecModel::load_dir(lightbeam::testing::own_metadata_dir());
  return m;
}

const Endpoint& ep(const char* name) {
  const Endpoint* e = model().find("ed-fi", name);
  EXPECT_NE(e, nullptr) << name;
  return *e;
}

// Keeps the text alive with simdjson padding, as the block reader does.
LineResult check(const EndpointValidator& v, const std::string& text) {
  std::string padded = text;
  padded.append(simdjson::SIMDJSON_PADDING, ' ');
  simdjson::dom::parser parser;
  LineResult r;
  v.check_line(parser, std::string_view(padded.data(), text.size()), r);
  return r;
}

std::string failure(const LineResult& r, Method m) {
  for (const auto& [method, msg] : r.failures)
    if (method == m) return msg;
  return "";
}

DescriptorSet descriptors() {
  DescriptorSet d;
  d.add("gradeLevelDescriptors", "uri://ed-fi.org/GradeLevelDescriptor", "Ninth grade");
  d.add("gradeLevelDescriptor", "uri://ed-fi.org/GradeLevelDescriptor", "Tenth grade");
  d.add("entryTypeDescriptors", "uri://ed-fi.org/EntryTypeDescriptor", "Transfer");
  return d;
}

const char* k_ssa =
    R"({"studentReference": {"studentUniqueId": "s1"}, "schoolReference": {"schoolId": 100}, "entryDate": "2024-08-21", )"
    R"("entryGradeLevelDescriptor": "uri://ed-fi.org/GradeLevelDescriptor#Ninth grade"})";

}  // namespace

TEST(ValidateMethods, ParseMethods) {
  auto all = parse_methods({"*"});
  EXPECT_TRUE(all.schema && all.descriptors && all.uniqueness && all.references);
  auto some = parse_methods({"schema", "references"});
  EXPECT_TRUE(some.schema && some.references && !some.descriptors && !some.uniqueness);
  EXPECT_EQ(methods_text(parse_methods({"schema", "descriptors", "uniqueness"})), "['schema', 'descriptors', 'uniqueness']");
  EXPECT_THROW(parse_methods({"schemas"}), lightbeam::Error);
}

TEST(ValidateMethods, ValidLineHasNoFailure) {
  auto d = descriptors();
  EndpointValidator v(model(), ep("studentSchoolAssociations"), ValidatorOptions{}, &d, nullptr);
  auto r = check(v, k_ssa);
  EXPECT_TRUE(r.failures.empty()) << r.failures.front().second;
  EXPECT_TRUE(r.has_identity);
  EXPECT_TRUE(r.remote.empty());
}

TEST(ValidateMethods, JsonFailures) {
  EndpointValidator v(model(), ep("studentSchoolAssociations"), ValidatorOptions{}, nullptr, nullptr);
  EXPECT_NE(failure(check(v, R"({"a": )"), Method::json).find("invalid JSON"), std::string::npos);
  EXPECT_EQ(failure(check(v, "[1, 2]"), Method::json), "invalid JSON: the line is not a JSON object");
  EXPECT_EQ(failure(check(v, "{\"a\": \"\xff\xfe\"}"), Method::json), "invalid JSON: the line is not valid UTF-8");
  EXPECT_EQ(check(v, R"({"a": )").failures.size(), 1u);  // nothing else is checked after a json failure
}

// Issue 15: the API rejects a line with a key given twice ("An item with the same key has already
// been added."); json.loads and simdjson keep both, so validate looks for them at every level.
TEST(ValidateMethods, DuplicateKeysAtAnyLevelAreAJsonFailure) {
  auto d = descriptors();
  EndpointValidator v(model(), ep("studentSchoolAssociations"), ValidatorOptions{}, &d, nullptr);
  auto r = check(v, R"({"entryDate": "2024-08-21", "studentReference": {"studentUniqueId": "s1"}, "schoolReference": {"schoolId": 100}, )"
                    R"("entryDate": "2024-08-22", "entryGradeLevelDescriptor": "uri://ed-fi.org/GradeLevelDescriptor#Ninth grade"})");
  ASSERT_EQ(r.failures.size(), 1u);
  EXPECT_EQ(failure(r, Method::json), "invalid JSON: the key \"entryDate\" is given twice (at $.entryDate); the API rejects the line, keep one");
  EXPECT_EQ(failure(check(v, R"({"schoolReference": {"schoolId": 100, "schoolId": 100}})"), Method::json),
            "invalid JSON: the key \"schoolId\" is given twice (at $.schoolReference.schoolId); the API rejects the line, keep one");
  EXPECT_EQ(failure(check(v, R"({"a": [1, {"b": 1}, [{"c": 1, "d": 2, "c\u0000": 3, "\u0063": 4}]]})"), Method::json),
            "invalid JSON: the key \"c\" is given twice (at $.a[2][0].c); the API rejects the line, keep one");
  EXPECT_EQ(failure(check(v, R"({"x": {"a.b\n": 1, "a.b\n": 2}})"), Method::json),
            "invalid JSON: the key \"a.b\\u000a\" is given twice (at $.x.a.b\\u000a); the API rejects the line, keep one");
  // Objects of more than 16 keys take another path: the first repeat in document order.
  std::string many = "{\"z\": {";
  for (int i = 0; i < 40; ++i) many += "\"k" + std::to_string(i) + "\": " + std::to_string(i) + ", ";
  many += "\"k33\": 0, \"k2\": 0}}";
  EXPECT_EQ(failure(check(v, many), Method::json),
            "invalid JSON: the key \"k33\" is given twice (at $.z.k33); the API rejects the line, keep one");
  // Equal keys in different objects are no duplicates.
  EXPECT_TRUE(check(v, k_ssa).failures.empty());
  EXPECT_EQ(failure(check(v, R"({"a": {"b": 1}, "c": {"b": 1}, "d": [{"b": 1}, {"b": 2}]})"), Method::json), "");
}

TEST(ValidateMethods, SchemaFailuresNameThePath) {
  EndpointValidator v(model(), ep("studentSchoolAssociations"), ValidatorOptions{}, nullptr, nullptr);
  std::string line = k_ssa;
  auto r = check(v, R"({"studentReference": {"studentUniqueId": 7}, "schoolReference": {"schoolId": 100}, "entryDate": "2024-08-21", "entryGradeLevelDescriptor": "x#y"})");
  EXPECT_EQ(failure(r, Method::schema), "7 is not of type 'string'  in studentReference -> studentUniqueId");
  r = check(v, R"({"studentReference": {"studentUniqueId": "s"}, "schoolReference": {"schoolId": 100}, "entryGradeLevelDescriptor": "x#y"})");
  EXPECT_EQ(failure(r, Method::schema), "'entryDate' is a required property ");  // Python's trailing space
  r = check(v, R"({"studentReference": {"studentUniqueId": "s"}, "schoolReference": {"schoolId": 100}, "entryDate": "2024-02-30", "entryGradeLevelDescriptor": "x#y"})");
  EXPECT_EQ(failure(r, Method::schema), "'2024-02-30' is not a 'date'  in entryDate");
}

TEST(ValidateMethods, DescriptorsCaseInsensitiveTypedAndNested) {
  auto d = descriptors();
  EndpointValidator ssa(model(), ep("studentSchoolAssociations"), ValidatorOptions{}, &d, nullptr);
  std::string upper = k_ssa;
  upper.replace(upper.find("Ninth grade"), 11, "NINTH GRADE");
  EXPECT_TRUE(check(ssa, upper).failures.empty());
  std::string unknown = k_ssa;
  unknown.replace(unknown.find("Ninth grade"), 11, "Fifth grade");
  EXPECT_EQ(failure(check(ssa, unknown), Method::descriptors),
            "uri://ed-fi.org/GradeLevelDescriptor#Fifth grade is not a valid descriptor value for entryGradeLevelDescriptor");
  std::string bad_format = k_ssa;
  bad_format.replace(bad_format.find("uri://ed-fi.org/GradeLevelDescriptor#Ninth grade"), 48, "Ninth grade");
  EXPECT_EQ(failure(check(ssa, bad_format), Method::descriptors),
            "Ninth grade is not a valid descriptor value for entryGradeLevelDescriptor; format should be like "
            "`uri://namespace.org/SomeDescriptor#SomeValue`");
  // A value of the wrong descriptor type does not count (the API checks per type).
  std::string wrong_type = k_ssa;
  wrong_type.insert(wrong_type.size() - 1, R"(, "entryTypeDescriptor": "uri://ed-fi.org/GradeLevelDescriptor#Ninth grade")");
  EXPECT_EQ(failure(check(ssa, wrong_type), Method::descriptors),
            "uri://ed-fi.org/GradeLevelDescriptor#Ninth grade is not a valid descriptor value for entryTypeDescriptor");

  ValidatorOptions only_descriptors;
  only_descriptors.methods = parse_methods({"descriptors"});
  EndpointValidator schools(model(), ep("schools"), only_descriptors, &d, nullptr);
  auto r = check(schools, R"({"schoolId": 1, "gradeLevels": [{"gradeLevelDescriptor": "uri://ed-fi.org/GradeLevelDescriptor#Ninth grade"},)"
                          R"( {"gradeLevelDescriptor": "uri://ed-fi.org/GradeLevelDescriptor#Kindergarten"}]})");
  EXPECT_EQ(failure(r, Method::descriptors),
            "uri://ed-fi.org/GradeLevelDescriptor#Kindergarten is not a valid descriptor value for gradeLevelDescriptor (at gradeLevels[1])");
}

TEST(ValidateMethods, IdentityHashesMatchOnlyForEqualIdentities) {
  ValidatorOptions o;
  o.methods = parse_methods({"uniqueness"});
  EndpointValidator v(model(), ep("studentSchoolAssociations"), o, nullptr, nullptr);
  auto a = check(v, k_ssa);
  // Same identity, other non-identity values and key order: same hash.
  auto b = check(v, R"({"entryDate": "2024-08-21", "schoolReference": {"schoolId": 100.0}, "studentReference": {"studentUniqueId": "s1"}, "entryGradeLevelDescriptor": "other"})");
  auto c = check(v, R"({"entryDate": "2024-08-22", "schoolReference": {"schoolId": 100}, "studentReference": {"studentUniqueId": "s1"}})");
  ASSERT_TRUE(a.has_identity && b.has_identity && c.has_identity);
  EXPECT_EQ(a.identity, b.identity);
  EXPECT_FALSE(a.identity == c.identity);
  simdjson::dom::parser p;
  EXPECT_EQ(v.duplicate_message(p.parse(std::string(k_ssa))),
            R"(duplicate value(s) for identity key(s): : {"entryDate": "2024-08-21", "schoolId": 100, "studentUniqueId": "s1"})");
}

TEST(ValidateMethods, CollectionItemsMustBeUniqueWithinOnePayload) {
  ValidatorOptions o;
  o.methods = parse_methods({"uniqueness"});
  EndpointValidator v(model(), ep("schools"), o, nullptr, nullptr);
  auto ok = check(v, R"({"schoolId": 1, "gradeLevels": [{"gradeLevelDescriptor": "uri://x#Ninth"}, {"gradeLevelDescriptor": "uri://x#Tenth"}]})");
  EXPECT_TRUE(ok.failures.empty());
  auto dup = check(v, R"({"schoolId": 1, "gradeLevels": [{"gradeLevelDescriptor": "uri://x#Ninth"}, {"gradeLevelDescriptor": "uri://x#Tenth"}, {"gradeLevelDescriptor": "URI://X#NINTH"}]})");
  EXPECT_EQ(failure(dup, Method::uniqueness),
            R"(duplicate value(s) for identity key(s): (at gradeLevels[2]): {"gradeLevelDescriptor": "URI://X#NINTH"})");
}

TEST(ValidateMethods, ReferencesResolveLocallyIncludingAbstractTargets) {
  ValidatorOptions o;
  o.methods = parse_methods({"references"});
  o.remote_references = false;
  LocalReferenceIndex index;
  EndpointValidator ssa(model(), ep("studentSchoolAssociations"), o, nullptr, &index);
  EndpointValidator seoa(model(), ep("staffEducationOrganizationAssignmentAssociations"), o, nullptr, &index);
  for (const auto* r : ssa.references()) index.want(r);
  for (const auto* r : seoa.references()) index.want(r);
  simdjson::dom::parser p;
  index.add_document(ep("schools"), p.parse(std::string(R"({"schoolId": 100, "nameOfInstitution": "A"})")));
  index.add_document(ep("students"), p.parse(std::string(R"({"studentUniqueId": "s1"})")));
  index.add_document(ep("localEducationAgencies"), p.parse(std::string(R"({"localEducationAgencyId": 255})")));
  index.add_document(ep("staffs"), p.parse(std::string(R"({"staffUniqueId": "t1"})")));

  EXPECT_TRUE(check(ssa, k_ssa).failures.empty());
  auto bad = check(ssa, R"({"studentReference": {"studentUniqueId": "s1"}, "schoolReference": {"schoolId": 999}, "entryDate": "2024-08-21"})");
  EXPECT_EQ(failure(bad, Method::references), R"(payload contains an invalid schoolReference : {"schoolId": 999})");
  // educationOrganizationReference resolves to any concrete subclass (an LEA here).
  EXPECT_TRUE(check(seoa, R"({"staffReference": {"staffUniqueId": "t1"}, "educationOrganizationReference": {"educationOrganizationId": 255}, "staffClassificationDescriptor": "x#y", "beginDate": "2024-01-01"})")
                  .failures.empty());
  EXPECT_EQ(failure(check(seoa, R"({"staffReference": {"staffUniqueId": "t1"}, "educationOrganizationReference": {"educationOrganizationId": 256}})"),
                    Method::references),
            R"(payload contains an invalid educationOrganizationReference : {"educationOrganizationId": 256})");
}

TEST(ValidateMethods, UnresolvedReferencesBecomeRemoteQueries) {
  ValidatorOptions o;
  o.methods = parse_methods({"references"});
  LocalReferenceIndex index;
  EndpointValidator seoa(model(), ep("staffEducationOrganizationAssignmentAssociations"), o, nullptr, &index);
  for (const auto* r : seoa.references()) index.want(r);
  auto r = check(seoa, R"({"staffReference": {"staffUniqueId": "t 1"}, "educationOrganizationReference": {"educationOrganizationId": 256}})");
  EXPECT_TRUE(r.failures.empty());
  ASSERT_EQ(r.remote.size(), 2u);
  EXPECT_EQ(r.remote[0].queries, std::vector<std::string>{"ed-fi/staffs?staffUniqueId=t%201"});
  EXPECT_GE(r.remote[1].queries.size(), 3u);  // one per EducationOrganization subclass
  bool has_school = false;
  for (const auto& q : r.remote[1].queries) has_school |= q == "ed-fi/schools?schoolId=256";
  EXPECT_TRUE(has_school);

  // The selector excludes a reference by endpoint.referencePath.
  o.reference_selector = {"staffEducationOrganizationAssignmentAssociations.staffReference"};
  EndpointValidator excluded(model(), ep("staffEducationOrganizationAssignmentAssociations"), o, nullptr, &index);
  EXPECT_EQ(check(excluded, R"({"staffReference": {"staffUniqueId": "t 1"}, "educationOrganizationReference": {"educationOrganizationId": 256}})").remote.size(), 1u);
  o.selector_include = true;
  EndpointValidator included(model(), ep("staffEducationOrganizationAssignmentAssociations"), o, nullptr, &index);
  auto only = check(included, R"({"staffReference": {"staffUniqueId": "t 1"}, "educationOrganizationReference": {"educationOrganizationId": 256}})");
  ASSERT_EQ(only.remote.size(), 1u);
  EXPECT_EQ(only.remote[0].queries.size(), 1u);
}

TEST(ValidateMethods, BadPatternInSpecIsAClearError) {
  nlohmann::json res = SpecModel::read_json_file(lightbeam::testing::own_metadata_dir() / "resources-spec.json");
  nlohmann::json desc = SpecModel::read_json_file(lightbeam::testing::own_metadata_dir() / "descriptors-spec.json");
  res["components"]["schemas"]["EdFi_Student"]["properties"]["firstName"]["pattern"] = "^(?<!x";
  auto m = SpecModel::from_documents(res, desc);
  try {
    EndpointValidator v(m, *m.find("ed-fi", "students"), ValidatorOptions{}, nullptr, nullptr);
    FAIL() << "expected an error";
  } catch (const lightbeam::Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("/ed-fi/students"), std::string::npos) << msg;
    EXPECT_NE(msg.find("/properties/firstName/pattern"), std::string::npos) << msg;
  }
}

TEST(ValidateMethods, EveryDs52EndpointCompilesAndTheExamplesPass) {
  if (!lightbeam::testing::have_ds52_specs()) GTEST_SKIP() << "DS 5.2 specs not found under ../shared (needed for this test)";
  auto m = SpecModel::load_dir(lightbeam::testing::ds52_specs_dir());
  ValidatorOptions o;
  o.methods = parse_methods({"schema", "uniqueness"});
  size_t compiled = 0;
  for (const Endpoint* e : m.endpoints()) {
    EXPECT_NO_THROW(EndpointValidator(m, *e, o, nullptr, nullptr)) << e->path;
    ++compiled;
  }
  EXPECT_GE(compiled, 380u);
  // The Python tool's example payloads are valid by schema and uniqueness.
  fs::path examples = fs::path(SHARED_DIR) / "reference" / "lightbeam-examples";
  for (const char* name : {"schools", "educationServiceCenters"}) {
    fs::path file = examples / (std::string(name) + ".jsonl");
    if (!fs::exists(file)) continue;
    EndpointValidator v(m, *m.find("ed-fi", name), o, nullptr, nullptr);
    std::string text = lightbeam::testing::read_file(file);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    auto r = check(v, text);
    EXPECT_TRUE(r.failures.empty()) << name << ": " << (r.failures.empty() ? "" : r.failures.front().second);
  }
}
