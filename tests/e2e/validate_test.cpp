// `lightbeam validate` end to end against a real edfi-sandbox (our own metadata set): console
// lines, results file and exit codes for planted errors of every method, awkward files (BOM,
// CRLF, blank lines, no final newline, a 10 MB line, invalid UTF-8), unknown endpoints, a spec
// whose pattern does not compile, references (local, remote, abstract, max_failures) and an API
// that fails while descriptors are downloaded.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "support/e2e.hpp"

using namespace lightbeam::testing;
using ::testing::HasSubstr;

namespace {

// These tests run with a smaller pool and fewer retries than the default; `yaml` is appended.
ConfigOptions options(const std::string& yaml = "") { return ConfigOptions().pool(4).retries(2, 0.05).with(yaml); }

const char* k_grades =
    R"({"namespace": "uri://ed-fi.org/GradeLevelDescriptor", "codeValue": "Ninth grade", "shortDescription": "Ninth grade"})"
    "\n"
    R"({"namespace": "uri://ed-fi.org/GradeLevelDescriptor", "codeValue": "Tenth grade", "shortDescription": "Tenth grade"})"
    "\n";

const char* k_categories =
    R"({"namespace": "uri://ed-fi.org/EducationOrganizationCategoryDescriptor", "codeValue": "School", "shortDescription": "School"})"
    "\n";

// An enrollment as these tests write them (school 100, entered 2024-08-21).
std::string ssa(const std::string& student, int school = 100, const std::string& grade = "Ninth grade",
                const std::string& date = "2024-08-21") {
  return enrollment_line(student, school, grade, date);
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

// The failure entries of an endpoint in the results file.
json failures(const json& results, const std::string& endpoint) { return results["resources"][endpoint].value("failures", json::array()); }

json failure_with(const json& results, const std::string& endpoint, const std::string& method) {
  for (const auto& f : failures(results, endpoint))
    if (f["method"] == method) return f;
  return json();
}

}  // namespace

TEST(Validate, ValidFilesPassWithExit0) {
  Sandbox sb;
  Work w(sb.base_url(), options());
  write_file(w.data / "gradeLevelDescriptors.jsonl", k_grades);
  write_file(w.data / "studentSchoolAssociations.jsonl", ssa("s1") + "\n" + ssa("s2", 100, "Tenth grade") + "\n");
  auto r = w.run("validate");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("validating by methods ['schema', 'descriptors', 'uniqueness']..."));
  EXPECT_THAT(r.err, HasSubstr("... all lines validate ok!"));
  EXPECT_EQ(r.err.find("VALIDATION ERROR"), std::string::npos) << r.err;
  auto res = w.results_json();
  EXPECT_EQ(res["command"], "validate");
  EXPECT_EQ(res["resources"]["studentSchoolAssociations"]["records_processed"], 2);
  EXPECT_EQ(res["resources"]["studentSchoolAssociations"]["records_failed"], 0);
  EXPECT_EQ(res["total_records_failed"], 0);
}

TEST(Validate, PlantedErrorsAreReportedWithMethodMessageFileAndLine) {
  Sandbox sb;
  Work w(sb.base_url(), options());
  write_file(w.data / "gradeLevelDescriptors.jsonl", k_grades);
  // BOM, CRLF, a blank line, errors at known lines, the last line without a newline.
  std::string text = "\xEF\xBB\xBF" + ssa("s1") + "\r\n" +          // 1 ok (BOM + CRLF)
                     "\n" +                                          // 2 blank
                     "{\"studentReference\": \n" +                   // 3 json
                     ssa("s3", 100, "Ninth grade", "2024-13-01") + "\n" +  // 4 schema (date)
                     ssa("s4", 100, "Fifth grade") + "\n" +          // 5 descriptors
                     ssa("s1") + "\n" +                              // 6 uniqueness (= line 1)
                     "   \t \n" +                                    // 7 blank (whitespace)
                     ssa("s7") + "\r\n" +                            // 8 ok
                     ssa("s1");                                      // 9 uniqueness, no final newline
  write_file(w.data / "studentSchoolAssociations.jsonl", text);
  auto r = w.run("validate");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("VALIDATION ERROR (json at line 3): invalid JSON"));
  EXPECT_THAT(r.err, HasSubstr("VALIDATION ERROR (schema at line 4): '2024-13-01' is not a 'date'  in entryDate"));
  EXPECT_THAT(r.err, HasSubstr("VALIDATION ERROR (descriptors at line 5): uri://ed-fi.org/GradeLevelDescriptor#Fifth grade is not a valid "
                               "descriptor value for entryGradeLevelDescriptor"));
  EXPECT_THAT(r.err, HasSubstr("VALIDATION ERROR (uniqueness at line 6): duplicate value(s) for identity key(s): : "
                               "{\"entryDate\": \"2024-08-21\", \"schoolId\": 100, \"studentUniqueId\": \"s1\"}"));
  EXPECT_THAT(r.err, HasSubstr("VALIDATION ERROR (uniqueness at line 9)"));
  EXPECT_EQ(count_of(r.err, "VALIDATION ERROR ("), 5u) << r.err;  // nothing valid is reported
  EXPECT_THAT(r.err, HasSubstr("... VALIDATION ERRORS on 5 of 7 lines in"));
  // Console order follows line order.
  EXPECT_LT(r.err.find("at line 3"), r.err.find("at line 4"));
  EXPECT_LT(r.err.find("at line 6"), r.err.find("at line 9"));

  auto res = w.results_json();
  auto& ep = res["resources"]["studentSchoolAssociations"];
  EXPECT_EQ(ep["records_processed"], 7);
  EXPECT_EQ(ep["records_failed"], 5);
  auto u = failure_with(res, "studentSchoolAssociations", "uniqueness");
  ASSERT_TRUE(u.is_object()) << res.dump(2);
  EXPECT_EQ(u["line_numbers"], json::parse("[6, 9]"));
  EXPECT_EQ(u["count"], 2);
  EXPECT_EQ(u["file"].get<std::string>(), (w.data / "studentSchoolAssociations.jsonl").string());
  EXPECT_EQ(failure_with(res, "studentSchoolAssociations", "json")["line_numbers"], json::parse("[3]"));
  EXPECT_EQ(failure_with(res, "studentSchoolAssociations", "schema")["line_numbers"], json::parse("[4]"));
  EXPECT_EQ(failure_with(res, "studentSchoolAssociations", "descriptors")["line_numbers"], json::parse("[5]"));
}

TEST(Validate, NestedCollectionErrorsAndTenShownAllCounted) {
  Sandbox sb;
  Work w(sb.base_url(), options());
  write_file(w.data / "gradeLevelDescriptors.jsonl", k_grades);
  write_file(w.data / "educationOrganizationCategoryDescriptors.jsonl", k_categories);
  std::string text;
  for (int i = 1; i <= 30; ++i) {
    if (i == 2) {
      text += school_line(i, {"Ninth grade", "Tenth grade", "NINTH GRADE"}) + "\n";  // duplicate item (case-insensitive)
    } else if (i == 3) {
      text += school_line(i, {"Ninth grade", "Kindergarten"}) + "\n";  // unknown descriptor in a collection
    } else if (i >= 10) {
      text += school_line(i, {}) + "\n";  // gradeLevels needs at least one item
    } else {
      text += school_line(i) + "\n";
    }
  }
  write_file(w.data / "schools.jsonl", text);
  auto r = w.run("validate");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("VALIDATION ERROR (uniqueness at line 2): duplicate value(s) for identity key(s): (at gradeLevels[2]): "
                               "{\"gradeLevelDescriptor\": \"uri://ed-fi.org/GradeLevelDescriptor#NINTH GRADE\"}"));
  EXPECT_THAT(r.err, HasSubstr("VALIDATION ERROR (descriptors at line 3): uri://ed-fi.org/GradeLevelDescriptor#Kindergarten is not a valid "
                               "descriptor value for gradeLevelDescriptor (at gradeLevels[1])"));
  EXPECT_THAT(r.err, HasSubstr("VALIDATION ERROR (schema at line 10): [] is too short  in gradeLevels"));
  EXPECT_EQ(count_of(r.err, "VALIDATION ERROR ("), 10u) << r.err;
  EXPECT_THAT(r.err, HasSubstr("... and 13 others!"));
  auto res = w.results_json();
  EXPECT_EQ(res["resources"]["schools"]["records_failed"], 23);
  auto s = failure_with(res, "schools", "schema");
  EXPECT_EQ(s["count"], 21);
  EXPECT_EQ(s["line_numbers"].size(), 21u);
  EXPECT_EQ(s["line_numbers"][0], 10);
}

TEST(Validate, HugeLineInvalidUtf8AndUnknownEndpointFile) {
  Sandbox sb;
  Work w(sb.base_url(), options("validate:\n  methods: [schema, uniqueness]\n"));
  json big = json::parse(ssa("s1"));
  big["_note"] = std::string(10 * 1024 * 1024, 'x');  // overposted, allowed: a 10 MB line that is valid
  std::string text = big.dump() + "\n" + "{\"studentReference\": {\"studentUniqueId\": \"s\xff\"}}\n" + ssa("s3", 100, "Ninth grade", "x") + "\n";
  write_file(w.data / "studentSchoolAssociations.jsonl", text);
  write_file(w.data / "studentSchoolAssociationz.jsonl", ssa("s9") + "\n");
  auto r = w.run("validate");
  EXPECT_EQ(r.exit_code, 0) << r.err.substr(0, 4000);
  EXPECT_NE(r.err.find("VALIDATION ERROR (json at line 2): invalid JSON: the line is not valid UTF-8"), std::string::npos) << r.err.substr(0, 4000);
  EXPECT_NE(r.err.find("VALIDATION ERROR (schema at line 3): 'x' is not a 'date'  in entryDate"), std::string::npos) << r.err.substr(0, 4000);
  EXPECT_EQ(count_of(r.err, "VALIDATION ERROR ("), 2u);
  EXPECT_NE(r.err.find("studentSchoolAssociationz.jsonl: the API has no endpoint named studentSchoolAssociationz"), std::string::npos)
      << r.err.substr(0, 4000);
  auto res = w.results_json();
  EXPECT_EQ(res["resources"]["studentSchoolAssociations"]["records_processed"], 3);
  EXPECT_FALSE(res["resources"].contains("studentSchoolAssociationz"));
}

TEST(Validate, SpecPatternThatDoesNotCompileIsAClearError) {
  Sandbox sb;
  Work w(sb.base_url(), options("validate:\n  methods: [schema]\n"));
  write_file(w.data / "gradeLevelDescriptors.jsonl", k_grades);
  auto first = w.run("validate");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  // Corrupt the cached descriptors spec (the cache is what the next run reads).
  size_t patched = 0;
  for (const auto& e : fs::recursive_directory_iterator(w.state)) {
    if (!e.is_regular_file() || e.path().extension() != ".json") continue;
    std::string text = read_file(e.path());
    if (text.find("(?<!\\\\s)$") == std::string::npos) continue;
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded()) continue;
    for (auto& [name, s] : doc["components"]["schemas"].items())
      if (s.contains("properties") && s["properties"].contains("codeValue")) s["properties"]["codeValue"]["pattern"] = "^(?<!x";
    write_file(e.path(), doc.dump());
    ++patched;
  }
  if (patched == 0) GTEST_SKIP() << "no cached descriptors spec with patterns found under " << w.state;
  auto r = w.run("validate");
  EXPECT_EQ(r.exit_code, 255) << r.err;
  EXPECT_THAT(r.err, HasSubstr("gradeLevelDescriptors"));
  EXPECT_THAT(r.err, HasSubstr("/properties/codeValue/pattern"));
  EXPECT_THAT(r.err, HasSubstr("does not compile"));
  EXPECT_EQ(r.err.find("terminate"), std::string::npos) << r.err;
}

TEST(Validate, RemoteDescriptorsAndReferencesLocalRemoteAndAbstract) {
  Sandbox sb;
  Work w(sb.base_url(), options("validate:\n  methods: \"*\"\n"));
  // Put descriptors, a school and a student into the API with lightbeam send.
  write_file(w.data / "gradeLevelDescriptors.jsonl", k_grades);
  write_file(w.data / "educationOrganizationCategoryDescriptors.jsonl", k_categories);
  write_file(w.data / "schools.jsonl", school_line(100) + "\n");
  write_file(w.data / "students.jsonl", R"({"studentUniqueId": "remote1", "firstName": "A", "lastSurname": "B", "birthDate": "2010-01-01"})"
                                        "\n");
  auto sent = w.run("send");
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  fs::remove(w.data / "gradeLevelDescriptors.jsonl");
  fs::remove(w.data / "educationOrganizationCategoryDescriptors.jsonl");
  fs::remove(w.data / "schools.jsonl");
  // Local students; the remote one; a missing student; a missing school; descriptors only remote (other case).
  write_file(w.data / "students.jsonl", R"({"studentUniqueId": "local1", "firstName": "A", "lastSurname": "B", "birthDate": "2010-01-01"})"
                                        "\n");
  write_file(w.data / "studentSchoolAssociations.jsonl",
             ssa("local1", 100, "NINTH GRADE") + "\n" + ssa("remote1") + "\n" + ssa("nobody") + "\n" + ssa("local1", 999, "Tenth grade") + "\n");
  auto r = w.run("validate", {"-s", "studentSchoolAssociations,students"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("VALIDATION ERROR (references at line 3): payload contains an invalid studentReference : {\"studentUniqueId\": \"nobody\"}"));
  EXPECT_THAT(r.err, HasSubstr("VALIDATION ERROR (references at line 4): payload contains an invalid schoolReference : {\"schoolId\": 999}"));
  EXPECT_EQ(count_of(r.err, "VALIDATION ERROR ("), 2u) << r.err;
  auto res = w.results_json();
  EXPECT_EQ(res["resources"]["studentSchoolAssociations"]["records_failed"], 2);
  EXPECT_EQ(failure_with(res, "studentSchoolAssociations", "references")["line_numbers"], json::parse("[3]"));

  // remote: false → the remote student no longer resolves; max_failures stops early with exit 1.
  w.write_config(sb.base_url(), options("validate:\n  methods: [references]\n  references:\n    remote: false\n    max_failures: 2\n"));
  auto local_only = w.run("validate", {"-s", "studentSchoolAssociations"});
  EXPECT_EQ(local_only.exit_code, 255) << local_only.err;
  EXPECT_THAT(local_only.err, HasSubstr("(references at line 2)"));
  EXPECT_THAT(local_only.err, HasSubstr("STOPPING; found 2 >= validate.references.max_failures=2"));
  EXPECT_EQ(local_only.err.find("(references at line 4)"), std::string::npos) << local_only.err;
}

// Issue 13 item 1: Python's validate exits 1 only when every line failed ("all payloads failed",
// the Airflow signal) and 255 when max_failures stops it (a CRITICAL line); otherwise 0.
TEST(Validate, ExitStatusIsPythonsZeroOneOr255) {
  Sandbox sb;
  Work w(sb.base_url(), options("validate:\n  methods: [schema]\n"));
  write_file(w.data / "studentSchoolAssociations.jsonl", ssa("s1") + "\n" + ssa("s2", 100, "Ninth grade", "x") + "\n");
  auto some = w.run("validate");
  EXPECT_EQ(some.exit_code, 0) << some.err;
  EXPECT_THAT(some.err, HasSubstr("VALIDATION ERRORS on 1 of 2 lines"));
  EXPECT_EQ(w.results_json()["total_records_failed"], 1);

  write_file(w.data / "studentSchoolAssociations.jsonl", ssa("s1", 100, "Ninth grade", "x") + "\n{\n");
  auto all = w.run("validate");
  EXPECT_EQ(all.exit_code, 1) << all.err;
  EXPECT_THAT(all.err, HasSubstr("INFO all payloads failed"));

  w.write_config(sb.base_url(), options("validate:\n  methods: [schema]\n  references:\n    max_failures: 1\n"));
  write_file(w.data / "studentSchoolAssociations.jsonl", ssa("s1", 100, "Ninth grade", "x") + "\n" + ssa("s2") + "\n");
  auto stopped = w.run("validate");
  EXPECT_EQ(stopped.exit_code, 255) << stopped.err;
  EXPECT_THAT(stopped.err, HasSubstr("CRITICAL ... STOPPING; found 1 >= validate.references.max_failures=1 VALIDATION ERRORS."));
}

TEST(Validate, ApiFailingDuringDescriptorDownloadIsAClearError) {
  Sandbox sb({"--fail-rate", "1", "--fail-status", "503"});
  Work w(sb.base_url(), options());
  write_file(w.data / "studentSchoolAssociations.jsonl", ssa("s1") + "\n");
  auto r = w.run("validate");
  EXPECT_EQ(r.exit_code, 255) << r.err;
  EXPECT_THAT(r.err, HasSubstr("ERROR"));
  EXPECT_THAT(r.err, HasSubstr("503"));
  EXPECT_EQ(r.err.find("terminate"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("VALIDATION ERROR"), std::string::npos) << r.err;
}

// Issue 15: the API rejects a line with a key given twice; validate says so for that line.
TEST(Validate, DuplicateKeyInALineIsAJsonFailureNamingTheKey) {
  Sandbox sb;
  Work w(sb.base_url(), options());
  write_file(w.data / "gradeLevelDescriptors.jsonl", k_grades);
  std::string dup = ssa("s2");
  dup.insert(dup.find("\"schoolId\""), "\"schoolId\": 101, ");
  write_file(w.data / "studentSchoolAssociations.jsonl", ssa("s1") + "\n" + dup + "\n" + ssa("s3") + "\n");
  auto r = w.run("validate");
  EXPECT_EQ(r.exit_code, 0) << r.err;  // as for every failing line
  EXPECT_THAT(r.err, HasSubstr("VALIDATION ERROR (json at line 2): invalid JSON: the key \"schoolId\" is given twice (at "
                               "$.schoolReference.schoolId); the API rejects the line, keep one"));
  EXPECT_EQ(count_of(r.err, "VALIDATION ERROR ("), 1u) << r.err;
  auto j = failure_with(w.results_json(), "studentSchoolAssociations", "json");
  ASSERT_TRUE(j.is_object()) << w.results_json().dump(2);
  EXPECT_EQ(j["line_numbers"], json::parse("[2]"));
}
