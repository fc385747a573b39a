// Authorization in edfi-sandbox (edfi-api-behavior.md §5 step 13, §8.2 #31 namespace prefixes,
// #32 claim sets, #34 system error, §9 problem+json, §12 legacy bodies), in both flavours, against
// the real binary over 127.0.0.1 with our own metadata/ spec set (DS 5.2 for assessments, skipped
// with a reason when ../shared is absent).
#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "sandbox_client.hpp"

using namespace sandbox_test;
using lightbeam::testing::run_process;

namespace {

const char* k_ns_type = "urn:ed-fi:api:security:authorization:namespace:access-denied:namespace-mismatch";
const char* k_claim_type = "urn:ed-fi:api:security:authorization:";
const std::string k_vendor_prefixes = "('uri://vendor.org', 'uri://other.org')";
const std::string k_ns_detail =
    "Access to the requested data could not be authorized. The 'Namespace' value of the data does not start with any "
    "of the caller's associated namespace prefixes " + k_vendor_prefixes + ".";
const std::string k_ns_existing_detail =
    "Access to the requested data could not be authorized. The existing 'Namespace' value of the data does not start "
    "with any of the caller's associated namespace prefixes " + k_vendor_prefixes + ".";
const char* k_claim_detail = "Access to the resource could not be authorized.";

// populated: unrestricted; vendor: namespace prefixes; limited: a claim set.
std::vector<std::string> restricted_clients() {
  return {"--client", "populated:populatedSecret", "--client", "vendor:vendorSecret", "--client", "limited:limitedSecret",
          "--namespace-prefix", "vendor=uri://vendor.org", "--namespace-prefix", "vendor=uri://other.org",
          "--claim-set", "limited=ed-fi/students,ed-fi/*Descriptors"};
}

// Requests with another client's token.
class As {
 public:
  As(const Api& api, const std::string& user) : api_(api), token_(api.fetch_token(user)) {
    EXPECT_FALSE(token_.empty()) << user;
  }
  Response call(const std::string& method, const std::string& path, const std::string& body = "") const {
    return http(method, api_.data() + path, body, {"Authorization: Bearer " + token_});
  }
  Response get(const std::string& path) const { return call("GET", path); }
  Response post(const std::string& path, const json& body) const { return call("POST", path, body.dump()); }
  Response put(const std::string& path, const json& body) const { return call("PUT", path, body.dump()); }
  Response del(const std::string& path) const { return call("DELETE", path); }

 private:
  const Api& api_;
  std::string token_;
};

void expect_403(const Response& r, const std::string& type, const std::string& detail) {
  expect_problem(r, 403, type, "Authorization Denied", detail);
  EXPECT_EQ(r.header("content-type"), "application/problem+json") << r.body;
  json j = r.json_body();
  EXPECT_EQ(j["validationErrors"], json::object()) << r.body;
  EXPECT_EQ(j["errors"], json::array()) << r.body;
}

std::string id_of(const Response& r) {
  std::string loc = r.header("location");
  return loc.substr(loc.rfind('/') + 1);
}

class Authorization : public ::testing::TestWithParam<std::string> {
 protected:
  Api api{GetParam(), restricted_clients()};
  As vendor{api, "vendor:vendorSecret"};
  As limited{api, "limited:limitedSecret"};
};

INSTANTIATE_TEST_SUITE_P(Flavors, Authorization, ::testing::Values("dms", "ods"));

// §8.2 #31, write: a body namespace outside the prefixes → 403 (nothing stored); inside → 201,
// compared case-insensitively; a client without prefixes writes anything.
TEST_P(Authorization, NamespaceOfAWriteMustStartWithAPrefix) {
  Response r = vendor.post("/ed-fi/gradeLevelDescriptors", descriptor("GradeLevelDescriptor", "Ninth grade"));
  expect_403(r, k_ns_type, k_ns_detail);
  EXPECT_FALSE(r.has_header("location"));
  EXPECT_EQ(api.get("/ed-fi/gradeLevelDescriptors").json_body(), json::array());

  json own = {{"namespace", "uri://vendor.org/GradeLevelDescriptor"}, {"codeValue", "Tenth"}, {"shortDescription", "Tenth"}};
  EXPECT_EQ(vendor.post("/ed-fi/gradeLevelDescriptors", own).status, 201);
  own["namespace"] = "URI://OTHER.ORG/GradeLevelDescriptor";
  EXPECT_EQ(vendor.post("/ed-fi/gradeLevelDescriptors", own).status, 201);
  EXPECT_EQ(api.post("/ed-fi/gradeLevelDescriptors", descriptor("GradeLevelDescriptor", "Ninth grade")).status, 201);
  // Resources without a namespace are not namespace-secured.
  EXPECT_EQ(vendor.post("/ed-fi/students", student("S1")).status, 201);
}

// §5: authorization is step 13 — schema errors (step 10) and duplicate items (step 12) answer first.
TEST_P(Authorization, ValidationAnswersBeforeAuthorization) {
  Response r = vendor.post("/ed-fi/gradeLevelDescriptors", {{"namespace", "uri://ed-fi.org/GradeLevelDescriptor"}});
  EXPECT_EQ(r.status, 400) << r.body;
  r = limited.post("/ed-fi/schools", {{"nameOfInstitution", "x"}});
  EXPECT_EQ(r.status, 400) << r.body;
  r = limited.post("/ed-fi/schools",
                   {{"schoolId", 1},
                    {"nameOfInstitution", "x"},
                    {"educationOrganizationCategories",
                     {{{"educationOrganizationCategoryDescriptor", "uri://ed-fi.org/X#Y"}},
                      {{"educationOrganizationCategoryDescriptor", "uri://ed-fi.org/X#Y"}}}},
                    {"gradeLevels", {{{"gradeLevelDescriptor", "uri://ed-fi.org/GradeLevelDescriptor#Ninth grade"}}}}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("same identifying values"), std::string::npos) << r.body;
  // Route, id format and method answer before authorization too.
  EXPECT_EQ(limited.get("/ed-fi/nosuchthings").status, 404);
  EXPECT_EQ(limited.get("/ed-fi/schools/not-a-uuid").status, 400);
  EXPECT_EQ(limited.call("PUT", "/ed-fi/schools", "{}").status, 405);
}

// §8.2 #31, existing data: GET by id, PUT and DELETE of a stored document outside the prefixes →
// 403 with "The existing 'Namespace' value…"; the document is untouched; a missing id stays 404.
TEST_P(Authorization, ExistingDataOutsideThePrefixes) {
  Response created = api.post("/ed-fi/gradeLevelDescriptors", descriptor("GradeLevelDescriptor", "Ninth grade"));
  ASSERT_EQ(created.status, 201) << created.body;
  std::string path = "/ed-fi/gradeLevelDescriptors/" + id_of(created);

  expect_403(vendor.get(path), k_ns_type, k_ns_existing_detail);
  // The body's namespace is the vendor's (step 13 passes), the stored one is not.
  json body = {{"id", id_of(created)},
               {"namespace", "uri://vendor.org/GradeLevelDescriptor"},
               {"codeValue", "Ninth grade"},
               {"shortDescription", "Ninth grade"}};
  expect_403(vendor.put(path, body), k_ns_type, k_ns_existing_detail);
  // A body outside the prefixes is refused for itself first.
  body["namespace"] = "uri://ed-fi.org/GradeLevelDescriptor";
  expect_403(vendor.put(path, body), k_ns_type, k_ns_detail);
  expect_403(vendor.del(path), k_ns_type, k_ns_existing_detail);

  Response still = api.get(path);
  EXPECT_EQ(still.status, 200);
  EXPECT_EQ(still.json_body().value("namespace", ""), "uri://ed-fi.org/GradeLevelDescriptor");
  EXPECT_EQ(still.header("etag"), created.header("etag"));

  std::string missing = "/ed-fi/gradeLevelDescriptors/0c7b8c3a-2f4e-4d39-9a41-3b4a9b3c1e11";
  EXPECT_EQ(vendor.get(missing).status, 404);
  EXPECT_EQ(vendor.del(missing).status, 404);

  // The vendor's own data: read, update and delete work.
  Response own = vendor.post("/ed-fi/gradeLevelDescriptors",
                             {{"namespace", "uri://vendor.org/GradeLevelDescriptor"}, {"codeValue", "Tenth"}, {"shortDescription", "Tenth"}});
  ASSERT_EQ(own.status, 201) << own.body;
  std::string own_path = "/ed-fi/gradeLevelDescriptors/" + id_of(own);
  EXPECT_EQ(vendor.get(own_path).status, 200);
  EXPECT_EQ(vendor.put(own_path, {{"id", id_of(own)},
                                  {"namespace", "uri://vendor.org/GradeLevelDescriptor"},
                                  {"codeValue", "Tenth"},
                                  {"shortDescription", "Tenth grade"}})
                .status,
            204);
  EXPECT_EQ(vendor.del(own_path).status, 204);
}

// §8.2 #31, collections: only documents within the prefixes are returned, and Total-Count counts
// only those (ODS and DMS filter the query by namespace rather than refusing it).
TEST_P(Authorization, CollectionsAreFilteredByNamespace) {
  for (std::string code : {"Ninth grade", "Tenth grade"})
    ASSERT_EQ(api.post("/ed-fi/gradeLevelDescriptors", descriptor("GradeLevelDescriptor", code)).status, 201);
  for (std::string ns : {"uri://vendor.org/GradeLevelDescriptor", "uri://other.org/GradeLevelDescriptor"})
    ASSERT_EQ(vendor.post("/ed-fi/gradeLevelDescriptors", {{"namespace", ns}, {"codeValue", "V"}, {"shortDescription", "V"}}).status,
              201);

  Response r = vendor.get("/ed-fi/gradeLevelDescriptors?totalCount=true&limit=1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("total-count"), "2");
  ASSERT_EQ(r.json_body().size(), 1u);
  r = vendor.get("/ed-fi/gradeLevelDescriptors");
  std::set<std::string> namespaces;
  for (auto& d : r.json_body()) namespaces.insert(d["namespace"].get<std::string>());
  EXPECT_EQ(namespaces, (std::set<std::string>{"uri://vendor.org/GradeLevelDescriptor", "uri://other.org/GradeLevelDescriptor"}));
  EXPECT_EQ(vendor.get("/ed-fi/gradeLevelDescriptors?codeValue=Ninth%20grade").json_body(), json::array());

  r = api.get("/ed-fi/gradeLevelDescriptors?totalCount=true");
  EXPECT_EQ(r.header("total-count"), "4");
  // Not namespace-secured: everything is visible.
  ASSERT_EQ(api.post("/ed-fi/students", student("S1")).status, 201);
  EXPECT_EQ(vendor.get("/ed-fi/students").json_body().size(), 1u);
}

// §8.2 #32: a resource outside the claim set → 403 for every method; resources inside work.
TEST_P(Authorization, ClaimSetLimitsTheResources) {
  seed_school(api);
  json schools = api.get("/ed-fi/schools").json_body();
  ASSERT_EQ(schools.size(), 1u) << schools.dump();
  std::string school_id = schools[0]["id"].get<std::string>();
  ASSERT_FALSE(school_id.empty());
  json school = api.get("/ed-fi/schools/" + school_id).json_body();
  json school_body = school;
  school_body.erase("_etag");
  school_body.erase("_lastModifiedDate");
  school_body.erase("link");

  expect_403(limited.get("/ed-fi/schools"), k_claim_type, k_claim_detail);
  expect_403(limited.get("/ed-fi/schools?totalCount=true"), k_claim_type, k_claim_detail);
  expect_403(limited.get("/ed-fi/schools/" + school_id), k_claim_type, k_claim_detail);
  school_body.erase("id");
  expect_403(limited.post("/ed-fi/schools", school_body), k_claim_type, k_claim_detail);
  school_body["id"] = school_id;
  expect_403(limited.put("/ed-fi/schools/" + school_id, school_body), k_claim_type, k_claim_detail);
  expect_403(limited.del("/ed-fi/schools/" + school_id), k_claim_type, k_claim_detail);
  EXPECT_EQ(api.get("/ed-fi/schools/" + school_id).status, 200);

  EXPECT_EQ(limited.post("/ed-fi/students", student("S1")).status, 201);
  EXPECT_EQ(limited.get("/ed-fi/students").json_body().size(), 1u);
  EXPECT_EQ(limited.get("/ed-fi/gradeLevelDescriptors").status, 200);
  EXPECT_EQ(limited.post("/ed-fi/termDescriptors", descriptor("TermDescriptor", "Fall")).status, 201);
  // The unrestricted client is not affected.
  EXPECT_EQ(api.get("/ed-fi/schools").status, 200);
  // The stats count the 403s on their routes.
  json stats = api.stats();
  EXPECT_GE(stats["requests"]["by_status"].value("403", 0), 6) << stats.dump();
}

// §8.2 #34: an injected 500 (and any internal fault) is the System Error problem, problem+json.
TEST_P(Authorization, InjectedServerErrorIsTheSystemErrorProblem) {
  Api failing{GetParam(), {"--fail-rate", "1", "--fail-status", "500"}};
  for (std::string method : {"GET", "POST"}) {
    Response r = failing.call(method, "/ed-fi/students", method == "POST" ? student("S1").dump() : "");
    expect_problem(r, 500, "urn:ed-fi:api:system", "System Error", "An unexpected problem has occurred.");
    EXPECT_EQ(r.header("content-type"), "application/problem+json") << method;
    EXPECT_EQ(r.json_body()["validationErrors"], json::object()) << r.body;
    EXPECT_EQ(r.json_body()["errors"], json::array()) << r.body;
  }
}

// §12: with --errors legacy the 403 and 500 bodies are {"message": ...} (application/json).
TEST(AuthorizationLegacy, ForbiddenAndSystemErrorBodies) {
  auto args = restricted_clients();
  args.insert(args.end(), {"--errors", "legacy"});
  Api api{"ods", args};
  As vendor{api, "vendor:vendorSecret"};
  As limited{api, "limited:limitedSecret"};

  Response r = vendor.post("/ed-fi/gradeLevelDescriptors", descriptor("GradeLevelDescriptor", "Ninth grade"));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.header("content-type"), "application/json; charset=utf-8");
  EXPECT_EQ(r.json_body(), (json{{"message", "Authorization denied. " + k_ns_detail}})) << r.body;

  Response created = api.post("/ed-fi/gradeLevelDescriptors", descriptor("GradeLevelDescriptor", "Ninth grade"));
  r = vendor.get("/ed-fi/gradeLevelDescriptors/" + id_of(created));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.json_body(), (json{{"message", "Authorization denied. " + k_ns_existing_detail}})) << r.body;

  r = limited.get("/ed-fi/schools");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.json_body(), (json{{"message", "Authorization denied. Access to the resource could not be authorized."}}))
      << r.body;

  Api failing{"ods", {"--errors", "legacy", "--fail-rate", "1", "--fail-status", "500"}};
  r = failing.get("/ed-fi/students");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.json_body(), (json{{"message", "An unexpected problem has occurred."}})) << r.body;
}

// Bad authorization options: a clear one-line error naming the option, exit 1, no server.
TEST(AuthorizationOptions, BadOptionsAreClearErrors) {
  struct Case {
    std::vector<std::string> args;
    std::string expected;
  } cases[] = {
      {{"--namespace-prefix", "nobody=uri://x"}, "--namespace-prefix names client 'nobody', which is not a --client"},
      {{"--namespace-prefix", "populated"}, "--namespace-prefix expects ID=VALUE"},
      {{"--namespace-prefix", "populated="}, "--namespace-prefix populated= has an empty prefix"},
      {{"--claim-set", "populated=ed-fi/nosuchthings"}, "'ed-fi/nosuchthings' matches no resource"},
      {{"--claim-set", "nobody=ed-fi/students"}, "--claim-set names client 'nobody'"},
      {{"--claim-set", "populated=ed-fi/students,,"}, "--claim-set populated= has an empty entry"},
  };
  for (auto& c : cases) {
    std::vector<std::string> argv{lightbeam::testing::sandbox_bin(), "--port", "0", "--specs", lightbeam::testing::own_metadata_dir().string()};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    lightbeam::testing::RunOptions o;
    o.timeout_seconds = 30;
    auto r = run_process(argv, o);
    EXPECT_EQ(r.exit_code, 1) << c.args[1] << "\n" << r.err;
    EXPECT_EQ(r.out, "") << c.args[1];
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << c.args[1] << "\n" << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

// DS 5.2: assessments are secured by their namespace and studentAssessments by
// assessmentReference.namespace (the Ed-Fi assessment-vendor rule).
TEST(AuthorizationDs52, AssessmentsAndStudentAssessmentsUseTheirNamespace) {
  if (!lightbeam::testing::have_ds52_specs()) GTEST_SKIP() << "DS 5.2 specs not found in ../shared/edfi/ds-5.2";
  auto args = restricted_clients();
  args.insert(args.end(), {"--specs", lightbeam::testing::ds52_specs_dir().string()});
  Api api{"dms", args};
  As vendor{api, "vendor:vendorSecret"};
  auto assessment = [](const std::string& ns) {
    return json{{"assessmentIdentifier", "A1"},
                {"namespace", ns},
                {"assessmentTitle", "Reading"},
                {"academicSubjects", {{{"academicSubjectDescriptor", "uri://ed-fi.org/AcademicSubjectDescriptor#Reading"}}}}};
  };
  expect_403(vendor.post("/ed-fi/assessments", assessment("uri://ed-fi.org/Assessment")), k_ns_type, k_ns_detail);
  // Inside the prefixes authorization passes and the handler answers (the descriptor is missing: 400).
  Response r = vendor.post("/ed-fi/assessments", assessment("uri://vendor.org/Assessment"));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("academicsubjectdescriptor"), std::string::npos) << r.body;

  json sa = {{"studentAssessmentIdentifier", "SA1"},
             {"studentReference", {{"studentUniqueId", "S1"}}},
             {"assessmentReference", {{"assessmentIdentifier", "A1"}, {"namespace", "uri://ed-fi.org/Assessment"}}}};
  expect_403(vendor.post("/ed-fi/studentAssessments", sa), k_ns_type, k_ns_detail);
  sa["assessmentReference"]["namespace"] = "uri://vendor.org/Assessment";
  r = vendor.post("/ed-fi/studentAssessments", sa);
  EXPECT_EQ(r.status, 409) << r.body;  // unresolved references, past authorization
}

}  // namespace
