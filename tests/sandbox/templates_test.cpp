// Templates (docs/sandbox.md, "Templates"): the school years an ODS database starts with, the
// minimal and populated templates, and what DMS starts with (nothing).
#include <gtest/gtest.h>

#include "sandbox/sandbox_client.hpp"
#include "support/process.hpp"

using namespace sandbox_test;

namespace {

std::size_t total_of(const Api& api, const std::string& path) {
  Response r = api.get(path + (path.find('?') == std::string::npos ? "?" : "&") + "limit=0&totalCount=true");
  EXPECT_EQ(r.status, 200) << r.body;
  return std::stoul(r.header("total-count").empty() ? "0" : r.header("total-count"));
}

}  // namespace

TEST(Templates, OdsStartsWithTheSchoolYears) {
  Api api("ods");
  EXPECT_EQ(total_of(api, "/ed-fi/schoolYearTypes"), 60u);  // 1991–2050
  json year = api.get("/ed-fi/schoolYearTypes?schoolYear=2022").json_body();
  ASSERT_EQ(year.size(), 1u);
  EXPECT_EQ(year[0]["schoolYearDescription"], "2021-2022");
  EXPECT_EQ(year[0]["currentSchoolYear"], false);
  // A school year reference resolves without loading anything (no 409).
  seed_school(api);
  api.create("/ed-fi/termDescriptors", descriptor("TermDescriptor", "Fall"));
  Response r = api.post("/ed-fi/sessions", json{{"schoolReference", {{"schoolId", 255901}}},
                                                {"schoolYearTypeReference", {{"schoolYear", 1991}}},
                                                {"sessionName", "Fall"},
                                                {"beginDate", "1990-08-20"},
                                                {"endDate", "1990-12-20"},
                                                {"termDescriptor", "uri://ed-fi.org/TermDescriptor#Fall"},
                                                {"totalInstructionalDays", 80}});
  EXPECT_EQ(r.status, 201) << r.body;
  // The reset hook goes back to the state after start-up.
  http("POST", api.host() + "/_sandbox/reset", "", {}, true);
  EXPECT_EQ(total_of(api, "/ed-fi/schoolYearTypes"), 60u);
  EXPECT_EQ(total_of(api, "/ed-fi/schools"), 0u);
}

TEST(Templates, DmsStartsEmptyAndLoadsSchoolYears) {
  Api api("dms");
  EXPECT_EQ(total_of(api, "/ed-fi/schoolYearTypes"), 0u);
  Response r = api.post("/ed-fi/schoolYearTypes",
                        json{{"schoolYear", 2025}, {"currentSchoolYear", true}, {"schoolYearDescription", "2024-2025"}});
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(total_of(api, "/ed-fi/schoolYearTypes"), 1u);
}

TEST(Templates, NoneLeavesTheOdsEmpty) {
  Api api("ods", {"--template", "none"});
  EXPECT_EQ(total_of(api, "/ed-fi/schoolYearTypes"), 0u);
}

TEST(Templates, UnknownTemplateStopsTheStart) {
  auto r = lightbeam::testing::run_process({lightbeam::testing::sandbox_bin(), "--template", "nosuch", "--port", "0"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--template expects none, school-years, minimal, populated"), std::string::npos) << r.err;
}

TEST(Templates, PopulatedHasGrandBend) {
  if (!lightbeam::testing::have_ds52_specs()) GTEST_SKIP() << "needs ../shared/edfi/ds-5.2";
  Api api("ods", {"--specs", lightbeam::testing::ds52_specs_dir().string(), "--template", "populated"});
  json lea = api.get("/ed-fi/localEducationAgencies?localEducationAgencyId=255901").json_body();
  ASSERT_EQ(lea.size(), 1u);
  EXPECT_EQ(lea[0]["nameOfInstitution"], "Grand Bend ISD");
  EXPECT_GE(total_of(api, "/ed-fi/schools?localEducationAgencyId=255901"), 3u);
  EXPECT_GT(total_of(api, "/ed-fi/gradeLevelDescriptors"), 10u);  // the minimal template's standard descriptors
  EXPECT_GT(total_of(api, "/ed-fi/courses"), 10u);
  EXPECT_GT(total_of(api, "/ed-fi/students"), 100u);
}

TEST(Templates, MinimalHasTheStandardDescriptorsOnly) {
  if (!lightbeam::testing::have_ds52_specs()) GTEST_SKIP() << "needs ../shared/edfi/ds-5.2";
  Api api("ods", {"--specs", lightbeam::testing::ds52_specs_dir().string(), "--template", "minimal"});
  json ninth = api.get("/ed-fi/gradeLevelDescriptors?codeValue=Ninth%20grade").json_body();
  ASSERT_EQ(ninth.size(), 1u);
  EXPECT_EQ(ninth[0]["namespace"], "uri://ed-fi.org/GradeLevelDescriptor");
  EXPECT_EQ(total_of(api, "/ed-fi/schools"), 0u);
  EXPECT_EQ(total_of(api, "/ed-fi/schoolYearTypes"), 60u);
}

// The ODS's request tracing: every request of its Postman suites carries ?correlationId=...; problem
// bodies echo the correlation-id header, else that parameter, else a generated id.
TEST(Correlation, OdsAcceptsAndEchoesTheCorrelationId) {
  Api api("ods");
  EXPECT_EQ(api.get("/ed-fi/students?correlationId=abc123").status, 200);
  EXPECT_EQ(api.create("/ed-fi/gradeLevelDescriptors?correlationId=abc123", descriptor("GradeLevelDescriptor", "Ninth grade")).empty(),
            false);
  json q = api.post("/ed-fi/students?correlationId=abcd-in-querystring", json::object()).json_body();
  EXPECT_EQ(q["correlationId"], "abcd-in-querystring");
  json h = api.post("/ed-fi/students?correlationId=abcd-in-querystring", json::object(), {"correlation-id: abcd-in-header"})
               .json_body();
  EXPECT_EQ(h["correlationId"], "abcd-in-header");
  json g = api.post("/ed-fi/students", json::object()).json_body();
  EXPECT_EQ(g["correlationId"].get<std::string>().size(), 16u);  // generated
}

// ODS/API 7.3's wording of the problems where it differs from DMS (sandbox/ods_wording.hpp), with the
// texts its Postman suites assert; a PUT body may leave out the id (the URL's is used).
TEST(OdsWording, ValidationMessagesAndPutWithoutId) {
  Api api("ods");
  json ve = api.post("/ed-fi/students", json{{"studentUniqueId", ""}, {"firstName", std::string(80, 'x')}})
                .json_body()["validationErrors"];
  EXPECT_EQ(ve["$.studentUniqueId"], json::array({"StudentUniqueId is required and should not be left empty."}));
  EXPECT_EQ(ve["$.firstName"], json::array({"FirstName must be at most 75 characters in length."}));
  EXPECT_EQ(ve["$.lastSurname"], json::array({"LastSurname is required."}));

  std::string id = api.create("/ed-fi/students", student("s1"));
  json changed = student("s1");
  changed["firstName"] = "Grace";
  EXPECT_EQ(api.put("/ed-fi/students/" + id, changed).status, 204);
  EXPECT_EQ(api.get("/ed-fi/students/" + id).json_body()["firstName"], "Grace");
  changed["studentUniqueId"] = "s2";
  json key = api.put("/ed-fi/students/" + id, changed).json_body();
  EXPECT_EQ(key["detail"], "Identifying values for the Student data cannot be changed. Delete and recreate the item instead.");

  json put = api.call("PUT", "/ed-fi/students", "{}").json_body();
  EXPECT_EQ(put["detail"], "The request construction was invalid.");
  EXPECT_EQ(put["errors"], json::array({"Resource collections cannot be replaced. To \"upsert\" an item in the collection, use "
                                        "POST. To update a specific item, use PUT and include the \"id\" in the route."}));
}

TEST(OdsWording, DmsKeepsItsOwn) {
  Api api("dms");
  json ve = api.post("/ed-fi/students", json{{"studentUniqueId", "s1"}}).json_body()["validationErrors"];
  EXPECT_EQ(ve["$.lastSurname"], json::array({"lastSurname is required."}));
  std::string id = api.create("/ed-fi/students", student("s1"));
  EXPECT_EQ(api.put("/ed-fi/students/" + id, student("s1")).json_body()["validationErrors"]["$.id"],
            json::array({"id is required."}));
}
