// End-to-end: the real `lightbeam convert` on Ed-Fi XML interchange files, against the DS 5.2 model the
// real edfi-sandbox serves; the converted set then goes through `validate`, `send` and `fetch`. The small
// set in tests/data/interchange is ours and always runs; the Grand Bend sample set (../shared) when present.
#include <gtest/gtest.h>
#include <libxml/xmlreader.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <regex>
#include <set>

#include "support/e2e.hpp"

namespace {

using namespace lightbeam::testing;
namespace fs = std::filesystem;
using nlohmann::json;

const fs::path k_fixture = fs::path(TEST_DATA_DIR) / "interchange";
const fs::path k_grand_bend = fs::path(SHARED_DIR) / "edfi" / "ds-5.2" / "xml";

json only_line(const fs::path& file) {
  auto lines = lines_of(read_file(file));
  EXPECT_EQ(lines.size(), 1u) << file;
  return lines.empty() ? json() : json::parse(lines[0]);
}

// Top-level elements (children of the interchange root) of every *.xml file under `dir`, by name,
// counted with libxml2's reader independently of the converter.
std::map<std::string, std::size_t> elements_by_name(const fs::path& dir) {
  std::map<std::string, std::size_t> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.path().extension() != ".xml") continue;
    xmlTextReaderPtr r = xmlReaderForFile(e.path().c_str(), nullptr, XML_PARSE_NONET);
    EXPECT_NE(r, nullptr) << e.path();
    if (!r) continue;
    while (xmlTextReaderRead(r) == 1)
      if (xmlTextReaderNodeType(r) == XML_READER_TYPE_ELEMENT && xmlTextReaderDepth(r) == 1)
        ++out[reinterpret_cast<const char*>(xmlTextReaderConstLocalName(r))];
    xmlFreeTextReader(r);
  }
  return out;
}

// Ed-Fi's endpoint name of a resource: lower camel case, plural (Agency → agencies, Survey → surveys, Person → people).
std::string endpoint_of(const std::string& element) {
  std::string s = element;
  size_t upper = 0;  // a leading acronym is lower-cased but for the capital of the next word (CTEProgram → cteProgram)
  while (upper < s.size() && std::isupper(static_cast<unsigned char>(s[upper]))) ++upper;
  if (upper > 1 && upper < s.size()) --upper;
  for (size_t i = 0; i < std::max<size_t>(upper, 1); ++i) s[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
  if (s.size() >= 6 && s.compare(s.size() - 6, 6, "person") == 0) return s.substr(0, s.size() - 6) + "people";
  if (s.size() > 1 && s.back() == 'y' && std::string("aeiou").find(s[s.size() - 2]) == std::string::npos)
    return s.substr(0, s.size() - 1) + "ies";
  return s + "s";
}

// A document as the API gives it back, for comparing with what was sent: without the API's own
// fields, descriptor URIs case-folded (the API answers with the descriptor's own spelling), date-times
// in UTC with their "Z" (the API stores them in UTC).
json canonical(const json& doc) {
  static const std::regex date_time(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?)");
  if (doc.is_object()) {
    json out = json::object();
    for (const auto& [k, v] : doc.items())
      if (k != "id" && k != "_etag" && k != "_lastModifiedDate" && k != "link") out[k] = canonical(v);
    return out;
  }
  if (doc.is_array()) {
    json out = json::array();
    for (const auto& v : doc) out.push_back(canonical(v));
    return out;
  }
  if (doc.is_string()) {
    std::string s = doc.get<std::string>();
    if (s.rfind("uri://", 0) == 0)
      std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (std::regex_match(s, date_time)) s += "Z";
    return s;
  }
  return doc;
}

std::multiset<std::string> canonical_lines(const fs::path& file) {
  std::multiset<std::string> out;
  if (!fs::exists(file)) return out;
  for (const auto& line : lines_of(read_file(file))) out.insert(canonical(json::parse(line)).dump());
  return out;
}

const char* k_validate_all = "validate:\n  methods: \"*\"\n  references:\n    remote: false\n";

TEST(Convert, SmallInterchangeSetMapsEveryElementAndLoads) {
  Sandbox sandbox({"--flavor", "ods", "--specs", ds52_specs_dir().string(), "--template", "minimal"});
  Work w(sandbox.base_url(), ConfigOptions().with("validate:\n  methods: \"*\"\n"));  // school years from the API
  auto r = w.run("convert", {k_fixture.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  // The element that maps to nothing is reported with its file and line, and counted.
  EXPECT_NE(r.err.find("EducationOrganization.xml:31: <Mascot> in <School> maps to no property"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("converted 5 records into 5 files"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 elements unmapped, 0 references unresolved"), std::string::npos) << r.err;

  auto school = only_line(w.data / "schools.jsonl");
  EXPECT_EQ(school["schoolId"], 777001001);                                           // an integer, typed by the model
  EXPECT_EQ(school["localEducationAgencyReference"], json({{"localEducationAgencyId", 777001}}));  // ref="LEA_1"
  ASSERT_EQ(school["addresses"].size(), 2u);                                          // repeated Address → one item each
  EXPECT_EQ(school["addresses"][1]["postalCode"], "73334-0007");
  EXPECT_EQ(school["addresses"][1]["addressTypeDescriptor"], "uri://ed-fi.org/AddressTypeDescriptor#Mailing");
  EXPECT_EQ(school["institutionTelephones"][0]["telephoneNumber"], "(950) 555-0100");
  EXPECT_EQ(school["gradeLevels"], json::parse(R"([{"gradeLevelDescriptor": "uri://ed-fi.org/GradeLevelDescriptor#Ninth grade"},
      {"gradeLevelDescriptor": "uri://lightbeam.test/GradeLevelDescriptor#Grade Thirteen"}])"));
  EXPECT_FALSE(school.contains("mascot"));

  auto student = only_line(w.data / "students.jsonl");  // Name and BirthData flattened
  EXPECT_EQ(student, json::parse(R"({"studentUniqueId": "LB-0001", "firstName": "Ada", "lastSurname": "Lovelace",
      "birthDate": "2008-12-10", "birthCity": "London"})"));

  auto enrollment = only_line(w.data / "studentSchoolAssociations.jsonl");
  EXPECT_EQ(enrollment["studentReference"], json({{"studentUniqueId", "LB-0001"}}));  // a ref into a later file
  EXPECT_EQ(enrollment["schoolYearTypeReference"], json({{"schoolYear", 2022}}));   // "2021-2022"
  EXPECT_FALSE(enrollment.contains("classOfSchoolYearTypeReference"));

  EXPECT_EQ(only_line(w.data / "gradeLevelDescriptors.jsonl"),
            json::parse(R"({"codeValue": "Grade Thirteen", "shortDescription": "Grade 13", "namespace": "uri://lightbeam.test/GradeLevelDescriptor",
                "description": "A thirteenth grade, as some districts define it"})"));
  EXPECT_EQ(only_line(w.data / "localEducationAgencies.jsonl")["categories"][0]["educationOrganizationCategoryDescriptor"],
            "uri://ed-fi.org/EducationOrganizationCategoryDescriptor#Local Education Agency");

  auto v = w.run("validate");
  EXPECT_EQ(v.exit_code, 0) << v.err;
  auto s = w.run("send");
  ASSERT_EQ(s.exit_code, 0) << s.err;
  auto results = w.results_json();
  EXPECT_EQ(results["total_records_processed"], 5);
  EXPECT_EQ(results["total_records_failed"], 0) << results.dump();
  EXPECT_EQ(documents(sandbox.base_url(), "studentSchoolAssociations"), 1);
}

TEST(Convert, MalformedXmlIsOneLineErrorAndLeavesThePreviousFiles) {
  Sandbox sandbox({"--flavor", "ods", "--specs", ds52_specs_dir().string(), "--template", "none"});
  Work w(sandbox.base_url());
  write_file(w.data / "students.jsonl", "{\"previous\": true}\n");
  TempDir in;
  fs::copy(k_fixture / "Student.xml", in / "Student.xml");
  write_file(in / "Broken.xml", "<?xml version=\"1.0\"?>\n<InterchangeStudent xmlns=\"http://ed-fi.org/5.2.0\">\n  <Student>\n    <StudentUniqueId>1</StudentUniqueId>\n  </Studnet>\n");
  auto r = w.run("convert", {in.path().string()});
  EXPECT_EQ(r.exit_code, 255);
  EXPECT_NE(r.err.find("Broken.xml:5: not well-formed XML"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("Traceback"), std::string::npos);
  EXPECT_EQ(read_file(w.data / "students.jsonl"), "{\"previous\": true}\n");  // untouched, no temporary left
  for (const auto& e : fs::directory_iterator(w.data)) EXPECT_EQ(e.path().filename(), "students.jsonl");

  auto none = w.run("convert", {(in / "missing.xml").string()});
  EXPECT_EQ(none.exit_code, 255);
  EXPECT_NE(none.err.find("missing.xml does not exist"), std::string::npos) << none.err;
  auto no_args = w.run("convert");
  EXPECT_EQ(no_args.exit_code, 255);
  EXPECT_NE(no_args.err.find("convert needs the XML interchange files or folders"), std::string::npos) << no_args.err;
}

class GrandBend : public ::testing::TestWithParam<std::string> {};

// The Ed-Fi Grand Bend sample set (49 files) and the 202 standard descriptor files, end to end
// against each flavour, both holding the school years (an ODS has them; a DMS has them once loaded).
// validate's schema verdict and the API's agree on every line: validate fails none on the schema,
// and the API refuses none with 400.
TEST_P(GrandBend, SampleSetConvertsValidatesSendsAndFetchesBack) {
  if (!fs::exists(k_grand_bend / "Samples")) GTEST_SKIP() << "Grand Bend XML not found in " << k_grand_bend;
  Sandbox sandbox({"--flavor", GetParam(), "--specs", ds52_specs_dir().string(), "--template", "school-years"});
  Work w(sandbox.base_url(), ConfigOptions().with(k_validate_all));
  auto r = w.run("convert", {(k_grand_bend / "Samples").string(), (k_grand_bend / "Descriptors").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  // Every top-level element is accounted for: lines per endpoint = elements per type; the one
  // element that is no record (a bare SectionReference in StudentGradebook.xml) is reported.
  auto elements = elements_by_name(k_grand_bend / "Samples");
  for (const auto& [name, n] : elements_by_name(k_grand_bend / "Descriptors")) elements[name] += n;
  std::size_t total = 0, files = 0;
  for (const auto& [name, n] : elements) {
    if (name == "SectionReference") {
      EXPECT_NE(r.err.find("<SectionReference> in <InterchangeStudentGradebook> is no resource or descriptor of the API"), std::string::npos);
      continue;
    }
    const fs::path file = w.data / (endpoint_of(name) + ".jsonl");
    ASSERT_TRUE(fs::exists(file)) << name << " → " << file;
    EXPECT_EQ(lines_of(read_file(file)).size(), n) << name;
    total += n;
    ++files;
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(w.data), fs::directory_iterator()), static_cast<long>(files));
  EXPECT_GT(total, 20000u);
  EXPECT_NE(r.err.find("converted " + std::to_string(total) + " records into " + std::to_string(files) + " files"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 elements unmapped, 0 references unresolved, 0 values not of their type"), std::string::npos) << r.err;

  // validate (every method, local references only) with the API's school years beside the files, as
  // an ODS has them: the only failures are references to the student enrollments of the missing
  // StudentEnrollment file, and the sample's own two duplicate records.
  auto years = run_lightbeam({"fetch", "-c", w.config.string(), "-s", "schoolYearTypes", "-d", "id,_etag,_lastModifiedDate"});
  ASSERT_EQ(years.exit_code, 0) << years.err;
  auto v = w.run("validate");
  EXPECT_EQ(v.exit_code, 0) << v.err;  // some lines fail, most pass: Python's status 0
  const std::regex failing_file(R"(VALIDATION ERRORS on (\d+) of (\d+) lines in .*/(\w+)\.jsonl)");
  std::map<std::string, std::string> failing;
  for (std::sregex_iterator it(v.err.begin(), v.err.end(), failing_file), end; it != end; ++it)
    failing[(*it)[3]] = (*it)[1].str() + "/" + (*it)[2].str();
  const auto registrations = lines_of(read_file(w.data / "studentAssessmentRegistrations.jsonl")).size();
  EXPECT_EQ(failing, (std::map<std::string, std::string>{
                         {"studentAssessmentRegistrations", std::to_string(registrations) + "/" + std::to_string(registrations)},
                         {"courseOfferings", "1/169"},
                         {"assessmentAdministrations", "1/2"}}))
      << v.err;
  const std::regex error_line(R"(VALIDATION ERROR \((\w+) at line \d+\): ([^\n]*))");
  for (std::sregex_iterator it(v.err.begin(), v.err.end(), error_line), end; it != end; ++it) {
    const std::string method = (*it)[1], message = (*it)[2];
    if (method == "references")
      EXPECT_NE(message.find("invalid studentEducationOrganizationAssociationReference"), std::string::npos) << message;
    else
      EXPECT_EQ(method, "uniqueness") << message;
  }

  // send: every record accepted but the registrations (409: their enrollments are missing) and the
  // battery-part associations of those registrations; fetch gives back what was sent.
  auto s = w.run("send");
  ASSERT_EQ(s.exit_code, 0) << s.err;
  auto results = w.results_json();
  const auto parts = lines_of(read_file(w.data / "studentAssessmentRegistrationBatteryPartAssociations.jsonl")).size();
  EXPECT_EQ(results["total_records_failed"], registrations + parts) << results.dump().substr(0, 2000);
  for (const auto& [endpoint, res] : results["resources"].items()) {
    if (res.value("records_failed", 0) == 0) continue;
    // One entry per unresolved reference of the API's answer (as the Python tool); the missing
    // enrollments are among them.
    const std::string missing = endpoint == "studentAssessmentRegistrations" ? "The referenced StudentEducationOrganizationAssociation item does not exist"
                                                                             : "The referenced StudentAssessmentRegistration item does not exist";
    bool named = false;
    for (const auto& f : res["failures"]) {
      EXPECT_EQ(f["status_code"], 409) << endpoint << ": " << f.dump();
      EXPECT_EQ(f["message"].get<std::string>().rfind("The referenced ", 0), 0u) << endpoint << ": " << f.dump();
      named = named || f["message"].get<std::string>().find(missing) != std::string::npos;
    }
    EXPECT_TRUE(named) << endpoint << ": " << res["failures"].dump();
    EXPECT_TRUE(endpoint == "studentAssessmentRegistrations" || endpoint == "studentAssessmentRegistrationBatteryPartAssociations") << endpoint;
  }

  Work back(sandbox.base_url());
  auto f = run_lightbeam({"fetch", "-c", back.config.string()});
  ASSERT_EQ(f.exit_code, 0) << f.err;
  for (const auto& e : fs::directory_iterator(w.data)) {
    const std::string name = e.path().filename().string();
    auto sent = canonical_lines(e.path()), got = canonical_lines(back.data / name);
    std::set<std::string> sent_set(sent.begin(), sent.end());
    for (const auto& doc : got) EXPECT_TRUE(sent_set.count(doc)) << name << ": fetched but not sent: " << doc.substr(0, 400);
    if (name == "studentAssessmentRegistrations.jsonl" || name == "studentAssessmentRegistrationBatteryPartAssociations.jsonl")
      EXPECT_TRUE(got.empty()) << name;
    else if (name == "courseOfferings.jsonl" || name == "assessmentAdministrations.jsonl")
      EXPECT_EQ(got.size() + 1, sent.size()) << name;  // a record sent twice is one record
    else
      EXPECT_EQ(got, sent) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(Flavors, GrandBend, ::testing::Values("ods", "dms"));

}  // namespace
