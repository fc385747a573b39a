// End-to-end: `validate` and the API agree on what a body may hold (issue 12 §4, docs/coercion.md).
// Lines of one resource, each with one mutation (a type swapped, a field removed, a value out of
// range, a null, an extra property, an id), go through the real `lightbeam validate` and are POSTed
// to the real sandbox of the same flavour; a line validate fails must be one the API refuses (400),
// and a line validate passes one the API accepts — in both flavours, each with its own rule.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <regex>
#include <set>

#include "core/edfi/api_client.hpp"
#include "core/http/engine.hpp"
#include "support/e2e.hpp"

namespace {

using namespace lightbeam::testing;
namespace fs = std::filesystem;
using nlohmann::json;

class CoercionTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::string flavor() const { return GetParam(); }
};

// A valid DS 5.2 assessment: a boolean, an integer, a number, a date, strings with lengths,
// collections of descriptors and a string score.
json base_assessment(int i) {
  return json::parse(fmt::format(R"({{
    "assessmentIdentifier": "LB-A{}", "namespace": "uri://lightbeam.test/Assessment", "assessmentTitle": "Lightbeam test",
    "academicSubjects": [{{"academicSubjectDescriptor": "uri://ed-fi.org/AcademicSubjectDescriptor#Mathematics"}}],
    "adaptiveAssessment": false, "assessmentVersion": 2, "maxRawScore": 40.5, "revisionDate": "2021-08-23",
    "nomenclature": "Scale",
    "scores": [{{"assessmentReportingMethodDescriptor": "uri://ed-fi.org/AssessmentReportingMethodDescriptor#Raw score",
                 "maximumScore": "40", "minimumScore": "0",
                 "resultDatatypeTypeDescriptor": "uri://ed-fi.org/ResultDatatypeTypeDescriptor#Integer"}}]}})",
                                 i));
}

struct Mutation {
  std::string what;                      // for messages
  std::function<void(json&)> apply;
};

std::vector<Mutation> mutations() {
  auto set = [](std::string key, json v) { return [key, v](json& d) { d[key] = v; }; };
  auto drop = [](std::string key) { return [key](json& d) { d.erase(key); }; };
  auto score = [](std::string key, json v) { return [key, v](json& d) { d["scores"][0][key] = v; }; };
  std::vector<Mutation> m = {{"as it is", [](json&) {}}};
  for (json v : {json("true"), json("false"), json("TRUE"), json(" False "), json(1), json(0), json("1"), json("0"), json("yes"),
                 json(2), json(0.5), json(nullptr)})
    m.push_back({"adaptiveAssessment " + v.dump(), set("adaptiveAssessment", v)});
  for (json v : {json("3"), json(" 3 "), json(3.0), json(3.5), json("3.5"), json("x"), json(true), json(2147483648LL)})
    m.push_back({"assessmentVersion " + v.dump(), set("assessmentVersion", v)});
  for (json v : {json("40.5"), json("40"), json(40), json("abc"), json(true), json("")})
    m.push_back({"maxRawScore " + v.dump(), set("maxRawScore", v)});
  for (json v : {json("08/23/2021"), json("2021-08-23T00:00:00"), json("2021-13-01"), json(""), json(20210823), json("0001-01-01")})
    m.push_back({"revisionDate " + v.dump(), set("revisionDate", v)});
  for (json v : {json(298), json(12.5), json(true), json(false), json(nullptr), json(""), json(std::string(101, 'n')),
                 json(123456789012345678LL)})
    m.push_back({"nomenclature " + v.dump(), set("nomenclature", v)});
  for (json v : {json(298), json("298"), json(true)})
    m.push_back({"scores[0].maximumScore " + v.dump(), score("maximumScore", v)});
  m.push_back({"scores[0] without its required reporting method", [](json& d) { d["scores"][0].erase("assessmentReportingMethodDescriptor"); }});
  m.push_back({"scores[0] with an extra property", score("unknownScoreThing", 1)});
  for (json v : {json(std::string(256, 't')), json(""), json(nullptr), json(42)})
    m.push_back({"assessmentTitle " + v.dump().substr(0, 20), set("assessmentTitle", v)});
  m.push_back({"assessmentTitle removed", drop("assessmentTitle")});
  m.push_back({"academicSubjects removed", drop("academicSubjects")});
  m.push_back({"academicSubjects []", set("academicSubjects", json::array())});
  m.push_back({"academicSubjects an object", set("academicSubjects", json::object())});
  m.push_back({"an extra top-level property", set("unknownThing", 1)});
  m.push_back({"id in the body", set("id", "0123456789abcdef0123456789abcdef")});
  m.push_back({"_etag in the body", set("_etag", "5250168731208835753")});
  m.push_back({"namespace with a trailing space", set("namespace", "uri://lightbeam.test/Assessment ")});
  m.push_back({"namespace a number", set("namespace", 42)});
  return m;
}

struct Answer {
  long status = 0;
  std::string body;
};

std::vector<Answer> post_each(const std::string& base_url, const std::string& endpoint, const std::vector<json>& docs) {
  auto c = client_config(base_url);
  c.connection.pool_size = 1;
  lightbeam::edfi::ClientOptions options;
  options.use_cache = false;
  lightbeam::edfi::ApiClient client(c, options);
  std::vector<lightbeam::http::Request> requests;
  for (const auto& d : docs) {
    lightbeam::http::Request r;
    r.method = "POST";
    r.url = client.data_url(endpoint);
    r.body = d.dump();
    requests.push_back(std::move(r));
  }
  std::vector<Answer> out;
  for (auto& o : client.engine().run_all(std::move(requests))) out.push_back({o.status, o.body});
  return out;
}

TEST_P(CoercionTest, ValidateAndTheApiAgreeOnEveryMutatedLine) {
  Sandbox sandbox({"--flavor", flavor(), "--specs", ds52_specs_dir().string(), "--template", "minimal"});
  Work w(sandbox.base_url(), ConfigOptions().with("validate:\n  methods: [schema, descriptors]\n"));
  const auto muts = mutations();
  std::vector<json> docs;
  fs::create_directories(w.data / "assessments");
  for (std::size_t i = 0; i < muts.size(); ++i) {  // one file per line, so validate names each line's failures
    json d = base_assessment(static_cast<int>(i));
    muts[i].apply(d);
    docs.push_back(d);
    write_file(w.data / "assessments" / fmt::format("{:03}.jsonl", i), d.dump() + "\n");
  }
  auto v = w.run("validate");
  ASSERT_TRUE(v.exit_code == 0 || v.exit_code == 1) << v.err;
  std::map<std::size_t, std::string> refused_by_validate;
  // Every failing file has its summary line; the message itself is shown for the first 10 of an endpoint.
  const std::regex failure(R"((?:VALIDATION ERROR \((\w+) at line 1\): ([^\n]*)\n)?[^\n]*VALIDATION ERRORS on 1 of 1 lines in [^\n]*/(\d{3})\.jsonl)");
  for (std::sregex_iterator it(v.err.begin(), v.err.end(), failure), end; it != end; ++it)
    refused_by_validate[std::stoul((*it)[3])] = (*it)[1].matched ? (*it)[1].str() + ": " + (*it)[2].str() : "message not shown";

  auto answers = post_each(sandbox.base_url(), "assessments", docs);
  ASSERT_EQ(answers.size(), docs.size());
  std::size_t refused = 0;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    const bool api_refuses = answers[i].status == 400;
    EXPECT_TRUE(answers[i].status == 400 || answers[i].status == 200 || answers[i].status == 201)
        << muts[i].what << ": " << answers[i].status << " " << answers[i].body;
    const auto it = refused_by_validate.find(i);
    const bool validate_refuses = it != refused_by_validate.end();
    EXPECT_EQ(validate_refuses, api_refuses)
        << flavor() << ", " << muts[i].what << ": validate " << (validate_refuses ? "refuses (" + it->second + ")" : "passes")
        << ", the API answers " << answers[i].status << " " << answers[i].body.substr(0, 300);
    refused += api_refuses;
  }
  if (HasFailure()) ADD_FAILURE() << "validate said:\n" << v.err;
  EXPECT_GT(refused, 10u);  // the mutations do reach the rules
  EXPECT_LT(refused, docs.size() - 5);
}

// Where ODS/API 7.x (Newtonsoft) and DMS differ (docs/coercion.md, docs/coercion-sources.md): the
// verdict of each flavour, and what ODS stores for a scalar it read as a string.
TEST_P(CoercionTest, EachFlavourCoercesAsItsApi) {
  Sandbox sandbox({"--flavor", flavor(), "--specs", ds52_specs_dir().string(), "--template", "minimal"});
  struct Case {
    std::string what;
    json value;
    bool ods_accepts, dms_accepts;
    json ods_stored;  // the value GET returns after an ODS accepted it
  };
  const std::vector<Case> cases = {
      {"nomenclature", 298, true, false, "298"},
      {"nomenclature", 12.5, true, false, "12.5"},
      {"nomenclature", true, true, false, "true"},
      {"nomenclature", "Scale", true, true, "Scale"},
      {"adaptiveAssessment", 2, true, false, true},
      {"adaptiveAssessment", 0.5, true, false, true},
      {"adaptiveAssessment", 0, true, true, false},
      {"adaptiveAssessment", "1", false, true, nullptr},
      {"adaptiveAssessment", "0", false, true, nullptr},
      {"adaptiveAssessment", " TRUE ", true, true, true},
      {"revisionDate", 20210823, false, false, nullptr},
  };
  std::vector<json> docs;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    json d = base_assessment(static_cast<int>(900 + i));
    d[cases[i].what] = cases[i].value;
    docs.push_back(d);
  }
  auto answers = post_each(sandbox.base_url(), "assessments", docs);
  ASSERT_EQ(answers.size(), cases.size());
  auto c = client_config(sandbox.base_url());
  lightbeam::edfi::ClientOptions options;
  options.use_cache = false;
  lightbeam::edfi::ApiClient client(c, options);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& k = cases[i];
    const bool accepts = flavor() == "ods" ? k.ods_accepts : k.dms_accepts;
    const std::string what = fmt::format("{}, {} = {}", flavor(), k.what, k.value.dump());
    EXPECT_EQ(answers[i].status == 201 || answers[i].status == 200, accepts) << what << ": " << answers[i].status << " "
                                                                             << answers[i].body;
    if (!accepts) {
      EXPECT_EQ(answers[i].status, 400) << what;
      continue;
    }
    lightbeam::http::Request get;
    get.url = client.data_url("assessments") + "?assessmentIdentifier=" + docs[i]["assessmentIdentifier"].get<std::string>();
    auto got = client.engine().run_all({get});
    ASSERT_EQ(got.size(), 1u);
    json stored = json::parse(got[0].body, nullptr, false);
    ASSERT_TRUE(stored.is_array() && stored.size() == 1) << what << ": " << got[0].body;
    if (flavor() == "ods") {
      EXPECT_EQ(stored[0][k.what], k.ods_stored) << what;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Flavors, CoercionTest, ::testing::Values("dms", "ods"));

}  // namespace
