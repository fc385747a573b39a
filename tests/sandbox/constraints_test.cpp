// Decimal precision and equality constraints of edfi-sandbox (edfi-api-behavior.md §4.9, §5 step 11,
// §8.2 #14, §12 legacy bodies; docs/sandbox-constraints.md): the real binary over 127.0.0.1, both
// flavours with our metadata/ (its generated constraints.json), the DS 5.2 specs with
// metadata/ds-5.2-constraints.json when ../shared is present, the table options, and one
// `lightbeam send` end to end.
#include <gtest/gtest.h>

#include "support/e2e.hpp"
#include "sandbox_client.hpp"

using namespace sandbox_test;
namespace fs = std::filesystem;
using lightbeam::testing::own_metadata_dir;
using lightbeam::testing::TempDir;
using lightbeam::testing::write_file;

namespace {

const char* k_dv_type = "urn:ed-fi:api:bad-request:data-validation-failed";
const char* k_dv_title = "Data Validation Failed";
const char* k_dv_detail = "Data validation failed. See 'validationErrors' for details.";

std::string fte_message() { return "fullTimeEquivalency must be between -9.9999 and 9.9999."; }

std::string match_message(const std::string& field, const std::string& values) {
  return "All values supplied for '" + field +
         "' must match. Review all references (including those higher up in the resource's data) and align the "
         "following conflicting values: " +
         values;
}

json class_periods(std::initializer_list<std::pair<const char*, int>> items) {
  json out = json::array();
  for (auto& [name, school] : items) out.push_back({{"classPeriodReference", {{"classPeriodName", name}, {"schoolId", school}}}});
  return out;
}

json bell_schedule(int school, json periods) {
  return {{"bellScheduleName", "Regular"}, {"schoolReference", {{"schoolId", school}}}, {"classPeriods", std::move(periods)}};
}

json section(int school, json periods) {
  json s = {{"sectionIdentifier", "ALG-1-01"},
            {"courseOfferingReference",
             {{"localCourseCode", "ALG-1"}, {"schoolId", school}, {"schoolYear", 2025}, {"sessionName", "Fall"}}}};
  if (!periods.empty()) s["classPeriods"] = std::move(periods);
  return s;
}

json ssa_with_fte(const json& fte) {
  json a = ssa("s1");
  a["fullTimeEquivalency"] = fte;
  return a;
}

class Constraints : public ::testing::TestWithParam<std::string> {
 protected:
  Api api{GetParam()};

  void seed_enrolment() {
    seed_school(api);
    api.create("/ed-fi/students", student("s1"));
  }
  void seed_class_periods(int school = 255901) {
    for (const char* name : {"01 - Traditional", "02 - Traditional"})
      api.create("/ed-fi/classPeriods", json{{"classPeriodName", name}, {"schoolReference", {{"schoolId", school}}}});
  }
};

INSTANTIATE_TEST_SUITE_P(Flavors, Constraints, ::testing::Values("dms", "ods"));

// [val-41] decimal(5,4): 10 has one integer digit too many → the DMS message, keyed by the path.
TEST_P(Constraints, DecimalOverPrecisionIs400) {
  Response r = api.post("/ed-fi/studentSchoolAssociations", ssa_with_fte(10));
  expect_problem(r, 400, k_dv_type, k_dv_title, k_dv_detail);
  EXPECT_EQ(r.json_body()["validationErrors"], (json{{"$.fullTimeEquivalency", {worded(GetParam(), fte_message())}}})) << r.body;
  EXPECT_EQ(r.json_body()["errors"], json::array());
  // A numeric string is coerced first (§7.1), then checked.
  Response s = api.post("/ed-fi/studentSchoolAssociations", ssa_with_fte("12.5"));
  EXPECT_EQ(s.status, 400) << s.body;
  EXPECT_EQ(s.json_body()["validationErrors"], (json{{"$.fullTimeEquivalency", {worded(GetParam(), fte_message())}}})) << s.body;
  // Another resource, another precision: sections.availableCredits is decimal(9,3).
  Response c = api.post("/ed-fi/sections", [] {
    json s = section(255901, json::array());
    s["availableCredits"] = 1000000;
    return s;
  }());
  EXPECT_EQ(c.status, 400) << c.body;
  EXPECT_EQ(c.json_body()["validationErrors"],
            (json{{"$.availableCredits", {worded(GetParam(), "availableCredits must be between -999999.999 and 999999.999.")}}}))
      << c.body;
  // Nothing was stored.
  EXPECT_EQ(api.get("/ed-fi/studentSchoolAssociations").json_body(), json::array());
}

// Extra decimal places: rejected only when they take the value past the limit (DMS checks the range
// the precision and scale give; a database column would round the rest).
TEST_P(Constraints, DecimalOverScale) {
  seed_enrolment();
  Response over = api.post("/ed-fi/studentSchoolAssociations", ssa_with_fte(9.99995));
  EXPECT_EQ(over.status, 400) << over.body;
  EXPECT_EQ(over.json_body()["validationErrors"], (json{{"$.fullTimeEquivalency", {worded(GetParam(), fte_message())}}})) << over.body;
  Response inside = api.post("/ed-fi/studentSchoolAssociations", ssa_with_fte(1.00005));
  EXPECT_EQ(inside.status, 201) << inside.body;
  json stored = api.get("/ed-fi/studentSchoolAssociations").json_body();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_DOUBLE_EQ(stored[0]["fullTimeEquivalency"].get<double>(), 1.00005);
}

TEST_P(Constraints, DecimalWithinLimitsIsAccepted) {
  seed_enrolment();
  EXPECT_EQ(api.post("/ed-fi/studentSchoolAssociations", ssa_with_fte(9.9999)).status, 201);
  Response neg = api.post("/ed-fi/studentSchoolAssociations", ssa_with_fte(-9.9999));  // same identity: upsert
  EXPECT_EQ(neg.status, 200) << neg.body;
  EXPECT_EQ(api.post("/ed-fi/studentSchoolAssociations", ssa_with_fte("0.5")).status, 200);
  EXPECT_EQ(api.post("/ed-fi/studentSchoolAssociations", ssa_with_fte(9)).status, 200);
  json stored = api.get("/ed-fi/studentSchoolAssociations").json_body();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0]["fullTimeEquivalency"], 9);
}

TEST_P(Constraints, DecimalNegativeBeyondTheMinimumIs400) {
  for (json v : {json(-10), json(-9.99991), json("-100")}) {
    Response r = api.post("/ed-fi/studentSchoolAssociations", ssa_with_fte(v));
    EXPECT_EQ(r.status, 400) << v << " " << r.body;
    EXPECT_EQ(r.json_body()["validationErrors"], (json{{"$.fullTimeEquivalency", {worded(GetParam(), fte_message())}}})) << r.body;
  }
}

// [val-43] BellSchedule: classPeriods[*].classPeriodReference.schoolId = schoolReference.schoolId.
TEST_P(Constraints, BellScheduleClassPeriodMismatchIs400BeforeReferences) {
  // Nothing exists: the constraint answers before reference resolution (which would be 409).
  Response r = api.post("/ed-fi/bellSchedules", bell_schedule(255901, class_periods({{"01 - Traditional", 1}, {"02 - Traditional", 1}})));
  expect_problem(r, 400, k_dv_type, k_dv_title, k_dv_detail);
  std::string msg = match_message("schoolId", "'1', '255901'");
  EXPECT_EQ(r.json_body()["validationErrors"],
            (json{{"$.classPeriods[*].classPeriodReference.schoolId", {msg}}, {"$.schoolReference.schoolId", {msg}}}))
      << r.body;
  // One item matching, one not: still a conflict; values distinct, in sorted-path order.
  Response mixed =
      api.post("/ed-fi/bellSchedules", bell_schedule(255901, class_periods({{"01 - Traditional", 255901}, {"02 - Traditional", 7}})));
  EXPECT_EQ(mixed.status, 400);
  EXPECT_EQ(mixed.json_body()["validationErrors"]["$.schoolReference.schoolId"],
            json::array({match_message("schoolId", "'255901', '7'")}))
      << mixed.body;
}

TEST_P(Constraints, BellScheduleClassPeriodMatchIsStored) {
  seed_school(api);
  seed_class_periods();
  Response r = api.post("/ed-fi/bellSchedules",
                        bell_schedule(255901, class_periods({{"01 - Traditional", 255901}, {"02 - Traditional", 255901}})));
  EXPECT_EQ(r.status, 201) << r.body;
}

// [val-43] Section: classPeriods[*].classPeriodReference.schoolId = courseOfferingReference.schoolId.
TEST_P(Constraints, SectionClassPeriodMismatchAndMatch) {
  Response bad = api.post("/ed-fi/sections", section(255901, class_periods({{"02 - Traditional", 255902}})));
  expect_problem(bad, 400, k_dv_type, k_dv_title, k_dv_detail);
  std::string msg = match_message("schoolId", "'255902', '255901'");
  EXPECT_EQ(bad.json_body()["validationErrors"],
            (json{{"$.classPeriods[*].classPeriodReference.schoolId", {msg}}, {"$.courseOfferingReference.schoolId", {msg}}}))
      << bad.body;
  // Matching values pass step 11; the handler then reports the missing references (409).
  Response ok = api.post("/ed-fi/sections", section(255901, class_periods({{"02 - Traditional", 255901}})));
  EXPECT_EQ(ok.status, 409) << ok.body;
  EXPECT_EQ(ok.json_body()["type"], "urn:ed-fi:api:data-conflict:unresolved-reference");
}

// The derived identity unification (CourseOffering) and the table share one rule: one message per path.
TEST_P(Constraints, KeyUnificationIsReportedOnce) {
  json offering = {{"localCourseCode", "ALG-1"},
                   {"schoolReference", {{"schoolId", 1}}},
                   {"sessionReference", {{"schoolId", 2}, {"schoolYear", 2025}, {"sessionName", "Fall"}}},
                   {"courseReference", {{"courseCode", "ALG-1"}, {"educationOrganizationId", 1}}}};
  Response r = api.post("/ed-fi/courseOfferings", offering);
  std::string msg = match_message("schoolId", "'1', '2'");
  EXPECT_EQ(r.json_body()["validationErrors"],
            (json{{"$.schoolReference.schoolId", {msg}}, {"$.sessionReference.schoolId", {msg}}}))
      << r.body;
}

// §5: schema errors → decimal precision → PUT id check → equality → duplicate items → references.
TEST_P(Constraints, StepOrdering) {
  // Schema errors win: the decimal and equality failures are not reported with them.
  json no_name = ssa_with_fte(10);
  no_name.erase("entryDate");
  Response schema = api.post("/ed-fi/studentSchoolAssociations", no_name);
  EXPECT_EQ(schema.status, 400);
  EXPECT_EQ(schema.json_body()["validationErrors"], (json{{"$.entryDate", {worded(GetParam(), "entryDate is required.")}}})) << schema.body;

  // Decimal before equality.
  json both = section(255901, class_periods({{"01 - Traditional", 1}}));
  both["availableCredits"] = 1e7;
  Response dec = api.post("/ed-fi/sections", both);
  EXPECT_EQ(dec.json_body()["validationErrors"],
            (json{{"$.availableCredits", {worded(GetParam(), "availableCredits must be between -999999.999 and 999999.999.")}}}))
      << dec.body;

  // Equality before duplicate items (§5 step 12).
  json dup = bell_schedule(255901, class_periods({{"01 - Traditional", 1}, {"01 - Traditional", 1}}));
  Response eq = api.post("/ed-fi/bellSchedules", dup);
  EXPECT_TRUE(eq.json_body()["validationErrors"].contains("$.schoolReference.schoolId")) << eq.body;
  EXPECT_FALSE(eq.json_body()["validationErrors"].contains("$.classPeriods")) << eq.body;

  // PUT: decimal precision before the id check, the id check before equality.
  seed_enrolment();
  std::string ssa_id = api.create("/ed-fi/studentSchoolAssociations", ssa_with_fte(1));
  json put = ssa_with_fte(10);
  put["id"] = "0c7b8c3a-2f4e-4d39-9a41-3b4a9b3c1e11";
  Response put_dec = api.put("/ed-fi/studentSchoolAssociations/" + ssa_id, put);
  expect_problem(put_dec, 400, k_dv_type, k_dv_title, k_dv_detail);
  EXPECT_EQ(put_dec.json_body()["validationErrors"], (json{{"$.fullTimeEquivalency", {worded(GetParam(), fte_message())}}})) << put_dec.body;

  seed_class_periods();
  std::string bs_id = api.create("/ed-fi/bellSchedules", bell_schedule(255901, class_periods({{"01 - Traditional", 255901}})));
  json bs = bell_schedule(255901, class_periods({{"01 - Traditional", 9}}));
  bs["id"] = "0c7b8c3a-2f4e-4d39-9a41-3b4a9b3c1e11";
  Response put_id = api.put("/ed-fi/bellSchedules/" + bs_id, bs);
  expect_problem(put_id, 400, "urn:ed-fi:api:bad-request", "Bad Request");
  EXPECT_EQ(put_id.json_body()["errors"], json::array({"Request body id must match the id in the url."}));
  bs["id"] = bs_id;
  Response put_eq = api.put("/ed-fi/bellSchedules/" + bs_id, bs);
  EXPECT_EQ(put_eq.status, 400);
  EXPECT_EQ(put_eq.json_body()["validationErrors"]["$.schoolReference.schoolId"],
            json::array({match_message("schoolId", "'9', '255901'")}))
      << put_eq.body;
  // A PUT that satisfies the constraint goes through.
  bs["classPeriods"] = class_periods({{"02 - Traditional", 255901}});
  EXPECT_EQ(api.put("/ed-fi/bellSchedules/" + bs_id, bs).status, 204);
}

// §12: with --errors legacy the 400s are ODS/API 5.x–7.1 {"message": "Validation of '<Resource>' failed.\n\t<first>"}.
TEST_P(Constraints, LegacyBodies) {
  Api legacy(GetParam(), {"--errors", "legacy"});
  Response dec = legacy.post("/ed-fi/studentSchoolAssociations", ssa_with_fte(10));
  EXPECT_EQ(dec.status, 400);
  EXPECT_EQ(dec.json_body(), (json{{"message", "Validation of 'StudentSchoolAssociation' failed.\n\t" + fte_message()}}))
      << dec.body;
  Response eq = legacy.post("/ed-fi/bellSchedules", bell_schedule(255901, class_periods({{"01 - Traditional", 1}})));
  EXPECT_EQ(eq.status, 400);
  EXPECT_EQ(eq.json_body(),
            (json{{"message", "Validation of 'BellSchedule' failed.\n\t" + match_message("schoolId", "'1', '255901'")}}))
      << eq.body;
}

// --- table selection and bad tables -----------------------------------------------------------------

// A specs folder with the two OpenAPI documents only (no constraints.json beside them).
fs::path specs_without_table(const TempDir& dir) {
  fs::path specs = dir / "specs";
  fs::create_directories(specs);
  for (const char* f : {"resources-spec.json", "descriptors-spec.json"}) fs::copy_file(own_metadata_dir() / f, specs / f);
  return specs;
}

TEST(ConstraintsTable, WithoutATableNumbersAreOnlyNumbersButUnificationStays) {
  TempDir dir;
  Api api("dms", {"--specs", specs_without_table(dir).string()});
  // No decimal rule: any number is stored.
  seed_school(api);
  api.create("/ed-fi/students", student("s1"));
  Response r = api.post("/ed-fi/studentSchoolAssociations", ssa_with_fte(10));
  EXPECT_EQ(r.status, 201) << r.body;
  // No table equality constraint either…
  EXPECT_EQ(api.post("/ed-fi/bellSchedules", bell_schedule(255901, class_periods({{"01 - Traditional", 1}}))).status, 409);
  // …but identity unification is derived from the specs.
  json offering = {{"localCourseCode", "ALG-1"},
                   {"schoolReference", {{"schoolId", 1}}},
                   {"sessionReference", {{"schoolId", 2}, {"schoolYear", 2025}, {"sessionName", "Fall"}}},
                   {"courseReference", {{"courseCode", "ALG-1"}, {"educationOrganizationId", 1}}}};
  EXPECT_EQ(api.post("/ed-fi/courseOfferings", offering).status, 400);
}

TEST(ConstraintsTable, ExplicitTableReplacesTheOneBesideTheSpecs) {
  TempDir dir;
  fs::path table = dir / "mine.json";
  write_file(table, R"({"decimals": {"/ed-fi/sections": {"$.availableCredits": {"precision": 3, "scale": 1}}}})");
  Api api("dms", {"--constraints", table.string()});
  json s = section(255901, json::array());
  s["availableCredits"] = 100;
  Response r = api.post("/ed-fi/sections", s);
  EXPECT_EQ(r.json_body()["validationErrors"], (json{{"$.availableCredits", {"availableCredits must be between -99.9 and 99.9."}}}))
      << r.body;
  // metadata/constraints.json is not used: fullTimeEquivalency has no rule now.
  seed_school(api);
  api.create("/ed-fi/students", student("s1"));
  EXPECT_EQ(api.post("/ed-fi/studentSchoolAssociations", ssa_with_fte(10)).status, 201);
}

TEST(ConstraintsTable, BadTablesStopTheSandboxWithAClearMessage) {
  TempDir dir;
  struct Case {
    std::string content, expect;
  } cases[] = {
      {"{\"decimals\": ", "is not a JSON object"},
      {R"({"decimal": {}})", "decimal: unknown key"},
      {R"({"decimals": {"/ed-fi/nothings": {}}})", "decimals \"/ed-fi/nothings\": no such resource"},
      {R"({"decimals": {"/ed-fi/staffs": {"$.firstName": {"precision": 5, "scale": 2}}}})",
       "decimals \"/ed-fi/staffs\" \"$.firstName\": is a string property, not a decimal"},
      {R"({"decimals": {"/ed-fi/sections": {"$.availableCredits": {"precision": 2, "scale": 3}}}})", "out of range"},
      {R"({"equalityConstraints": {"/ed-fi/bellSchedules": [["$.classPeriods.classPeriodReference.schoolId", "$.schoolReference.schoolId"]]}})",
       "equalityConstraints \"/ed-fi/bellSchedules\"[0] \"$.classPeriods.classPeriodReference.schoolId\": 'classPeriods' is a "
       "collection: write 'classPeriods[*]'"},
      {R"({"equalityConstraints": {"/ed-fi/bellSchedules": [["$.schoolReference.nope", "$.schoolReference.schoolId"]]}})",
       "EdFi_School_Reference has no field 'nope'"},
  };
  for (auto& c : cases) {
    fs::path table = dir / "bad.json";
    write_file(table, c.content);
    auto r = lightbeam::testing::run_process({lightbeam::testing::sandbox_bin(), "--port", "0", "--specs", own_metadata_dir().string(),
                                              "--constraints", table.string()});
    EXPECT_EQ(r.exit_code, 1) << c.content;
    EXPECT_NE(r.err.find(table.string()), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << c.content << "\n" << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;  // one line
    EXPECT_TRUE(r.out.empty()) << r.out;                                   // never started listening
  }
  auto missing = lightbeam::testing::run_process({lightbeam::testing::sandbox_bin(), "--port", "0", "--constraints", (dir / "none.json").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("cannot read the constraints table " + (dir / "none.json").string()), std::string::npos)
      << missing.err;
}

// --- DS 5.2 with metadata/ds-5.2-constraints.json --------------------------------------------------------

class Ds52Constraints : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!lightbeam::testing::have_ds52_specs())
      GTEST_SKIP() << "DS 5.2 specs not found at " << lightbeam::testing::ds52_specs_dir() << " (../shared is absent)";
    api = std::make_unique<Api>("dms", std::vector<std::string>{"--specs", lightbeam::testing::ds52_specs_dir().string(),
                                                                 "--constraints", table().string()});
  }
  static fs::path table() { return own_metadata_dir() / "ds-5.2-constraints.json"; }
  std::unique_ptr<Api> api;
};

// The DMS E2E feature's staff with yearsOfPriorProfessionalExperience 1000 (decimal(5,2)).
TEST_F(Ds52Constraints, StaffYearsOfExperience) {
  json staff = {{"staffUniqueId", "staff11"}, {"birthDate", "1976-08-19"}, {"firstName", "Barry"}, {"lastSurname", "Peterson"},
                {"yearsOfPriorProfessionalExperience", 1000}};
  Response r = api->post("/ed-fi/staffs", staff);
  expect_problem(r, 400, k_dv_type, k_dv_title, k_dv_detail);
  EXPECT_EQ(r.json_body()["validationErrors"],
            (json{{"$.yearsOfPriorProfessionalExperience",
                   {"yearsOfPriorProfessionalExperience must be between -999.99 and 999.99."}}}))
      << r.body;
  staff["yearsOfPriorProfessionalExperience"] = 999.99;
  EXPECT_EQ(api->post("/ed-fi/staffs", staff).status, 201);
  staff["yearsOfPriorTeachingExperience"] = -1000;
  EXPECT_EQ(api->post("/ed-fi/staffs", staff).json_body()["validationErrors"],
            (json{{"$.yearsOfPriorTeachingExperience", {"yearsOfPriorTeachingExperience must be between -999.99 and 999.99."}}}));
}

// EqualityConstraintValidation.feature scenarios 02–05.
TEST_F(Ds52Constraints, BellScheduleAndSectionClassPeriods) {
  json bs = {{"schoolReference", {{"schoolId", 255901001}}},
             {"bellScheduleName", "Test Schedule"},
             {"totalInstructionalTime", 325},
             {"classPeriods", class_periods({{"01 - Traditional", 1}, {"02 - Traditional", 1}})},
             {"dates", json::array()},
             {"gradeLevels", json::array()}};
  Response r = api->post("/ed-fi/bellSchedules", bs);
  expect_problem(r, 400, k_dv_type, k_dv_title, k_dv_detail);
  std::string msg = match_message("schoolId", "'1', '255901001'");
  EXPECT_EQ(r.json_body()["validationErrors"],
            (json{{"$.classPeriods[*].classPeriodReference.schoolId", {msg}}, {"$.schoolReference.schoolId", {msg}}}))
      << r.body;

  json offering = {{"localCourseCode", "ALG-1"}, {"schoolId", 255901001}, {"schoolYear", 2022},
                   {"sessionName", "2021-2022 Fall Semester"}};
  json sec = {{"sectionIdentifier", "25590100102Trad220ALG112011Test"},
              {"courseOfferingReference", offering},
              {"classPeriods", class_periods({{"02 - Traditional", 255901107}})}};
  Response s = api->post("/ed-fi/sections", sec);
  std::string smsg = match_message("schoolId", "'255901107', '255901001'");
  EXPECT_EQ(s.json_body()["validationErrors"],
            (json{{"$.classPeriods[*].classPeriodReference.schoolId", {smsg}}, {"$.courseOfferingReference.schoolId", {smsg}}}))
      << s.body;
  // locationReference.schoolId is not constrained (scenario 05): the answer is the 409 of the references.
  json loc = {{"sectionIdentifier", "25590100102Trad220ALG112011Test"},
              {"courseOfferingReference", offering},
              {"locationReference", {{"classroomIdentificationCode", "106"}, {"schoolId", 1}}}};
  EXPECT_EQ(api->post("/ed-fi/sections", loc).status, 409);
  // Matching values pass step 11.
  bs["classPeriods"] = class_periods({{"01 - Traditional", 255901001}});
  EXPECT_EQ(api->post("/ed-fi/bellSchedules", bs).status, 409);
}

TEST_F(Ds52Constraints, WithoutTheTableDs52AcceptsAnyNumber) {
  Api plain("dms", {"--specs", lightbeam::testing::ds52_specs_dir().string()});
  json staff = {{"staffUniqueId", "staff11"}, {"firstName", "Barry"}, {"lastSurname", "Peterson"},
                {"yearsOfPriorProfessionalExperience", 1000}};
  EXPECT_EQ(plain.post("/ed-fi/staffs", staff).status, 201);
}

// Collection pages are rendered by splicing id, _etag, _lastModifiedDate and reference links into the
// stored body (store.cpp FastRender); every item must equal what GET by id answers, links inside
// nested collections (classPeriods[*].classPeriodReference) included, on every page size.
TEST_P(Constraints, CollectionItemsEqualTheirItemGets) {
  seed_school(api);
  seed_class_periods();
  json a = bell_schedule(255901, class_periods({{"01 - Traditional", 255901}, {"02 - Traditional", 255901}}));
  json b = a;
  b["bellScheduleName"] = "Late start";
  std::vector<std::string> ids{api.create("/ed-fi/bellSchedules", a), api.create("/ed-fi/bellSchedules", b)};
  std::vector<json> items;
  for (auto& id : ids) items.push_back(api.get("/ed-fi/bellSchedules/" + id).json_body());
  ASSERT_TRUE(items[0]["classPeriods"][1]["classPeriodReference"].contains("link")) << items[0].dump();
  EXPECT_EQ(api.get("/ed-fi/bellSchedules").json_body(), json(items));
  for (std::size_t offset = 0; offset < items.size(); ++offset)
    EXPECT_EQ(api.get("/ed-fi/bellSchedules?limit=1&offset=" + std::to_string(offset)).json_body(), json::array({items[offset]}));
}

// --- lightbeam send records the 400 reason ----------------------------------------------------------

TEST(ConstraintsSend, SendRecordsTheConstraintFailure) {
  lightbeam::testing::Sandbox sb;
  lightbeam::testing::Work w;
  w.write_config(sb.base_url());
  write_file(w.data / "bellSchedules.jsonl",
             bell_schedule(255901, class_periods({{"01 - Traditional", 1}})).dump() + "\n");
  auto r = w.run("send");
  EXPECT_EQ(r.exit_code, 1) << r.err;  // every payload failed
  EXPECT_NE(r.err.find("all payloads failed"), std::string::npos) << r.err;
  auto res = w.results_json();
  const auto& bs = res["resources"]["bellSchedules"];
  EXPECT_EQ(bs["records_failed"], 1) << res.dump(2);
  // One entry per message of the body (as the Python tool), each with the line.
  ASSERT_GE(bs["failures"].size(), 1u) << res.dump(2);
  bool must_match = false;
  for (const auto& f : bs["failures"]) {
    EXPECT_EQ(f["status_code"], 400);
    EXPECT_EQ(f["line_numbers"], json::array({1}));
    must_match = must_match || f["message"].get<std::string>().find("must match") != std::string::npos;
  }
  EXPECT_TRUE(must_match) << bs.dump(2);
}

}  // namespace
