// Conformance of edfi-sandbox with edfi-api-behavior.md: every numbered error class of §8.2 the
// sandbox implements and every pitfall of §13, in both flavours (dms and ods), against the real
// binary over 127.0.0.1, with our own metadata/ spec set.
#include <gtest/gtest.h>

#include "sandbox_client.hpp"

using namespace sandbox_test;

namespace {

const char* k_dv_type = "urn:ed-fi:api:bad-request:data-validation-failed";
const char* k_dv_title = "Data Validation Failed";
const char* k_dv_detail = "Data validation failed. See 'validationErrors' for details.";

class Conformance : public ::testing::TestWithParam<std::string> {
 protected:
  Api api{GetParam()};
};

INSTANTIATE_TEST_SUITE_P(Flavors, Conformance, ::testing::Values("dms", "ods"));

// §8.2 #1 and §1: path shape, unknown project/resource, abstract resource → 404 problem+json.
TEST_P(Conformance, RouteNotFound) {
  for (std::string path : {"/schools", "/ed-fi/school", "/foo/bar", "/ed-fi/educationOrganizations",
                           "/ed-fi/schools/a/b", "/ed-fi/schoolz"}) {
    Response r = api.get(path);
    expect_problem(r, 404, "urn:ed-fi:api:not-found", "Not Found", "The specified data could not be found.");
    EXPECT_EQ(r.header("content-type"), "application/problem+json") << path;
    EXPECT_EQ(r.json_body()["validationErrors"], json::object());
  }
  // Resource names and projects are case-insensitive; a trailing slash is fine.
  EXPECT_EQ(api.get("/ED-FI/SCHOOLS").status, 200);
  EXPECT_EQ(api.get("/ed-fi/schools/").status, 200);
}

// §8.2 #2: malformed id → 400 $.id, for every method.
TEST_P(Conformance, MalformedId) {
  for (std::string method : {"GET", "PUT", "DELETE", "PATCH"}) {
    Response r = api.call(method, "/ed-fi/schools/not-a-uuid", method == "PUT" ? "{}" : "");
    expect_problem(r, 400, k_dv_type, k_dv_title, k_dv_detail);
    EXPECT_EQ(r.json_body()["validationErrors"], (json{{"$.id", {"The value 'not-a-uuid' is not valid."}}})) << method;
  }
}

// §8.2 #3–#6: 405 with Allow and the exact errors.
TEST_P(Conformance, MethodNotAllowed) {
  std::string item = "/ed-fi/schools/0c7b8c3a-2f4e-4d39-9a41-3b4a9b3c1e11";
  struct Case {
    std::string method, path, allow, error;
  } cases[] = {
      {"POST", item, "GET, PUT, DELETE",
       "Resource items can only be updated using PUT. To 'upsert' an item in the resource collection using POST, remove the "
       "'id' from the route."},
      {"PUT", "/ed-fi/schools", "GET, POST",
       "Resource collections cannot be replaced. To 'upsert' an item in the collection, use POST. To update a specific item, "
       "use PUT and include the 'id' in the route."},
      {"DELETE", "/ed-fi/schools", "GET, POST",
       "Resource collections cannot be deleted. To delete a specific item, use DELETE and include the 'id' in the route."},
      {"PATCH", "/ed-fi/schools", "GET, POST", "The endpoint of the request does not support the 'PATCH' method."},
      {"PATCH", item, "GET, PUT, DELETE", "The endpoint of the request does not support the 'PATCH' method."},
      {"OPTIONS", "/ed-fi/schools", "GET, POST", "The endpoint of the request does not support the 'OPTIONS' method."},
  };
  for (auto& c : cases) {
    Response r = api.call(c.method, c.path, c.method == "POST" || c.method == "PUT" ? "{}" : "");
    expect_problem(r, 405, "urn:ed-fi:api:method-not-allowed", "Method Not Allowed", "The request construction was invalid.");
    EXPECT_EQ(r.header("allow"), c.allow) << c.method << " " << c.path;
    EXPECT_EQ(r.json_body()["errors"], json::array({worded(GetParam(), c.error)}));
  }
  // HEAD is unsupported too (no body in a HEAD answer, status and Allow only).
  Response head = api.call("HEAD", "/ed-fi/schools");
  EXPECT_EQ(head.status, 405);
  EXPECT_EQ(head.header("allow"), "GET, POST");
}

// §8.2 #7: unsupported Content-Type → 415 problem+json; accepted types pass.
TEST_P(Conformance, UnsupportedMediaType) {
  Response r = api.call("POST", "/ed-fi/students", student("s1").dump(), {"Content-Type: text/plain"});
  std::string detail = "The value specified in the 'Content-Type' header is not supported by this host.";
  expect_problem(r, 415, "urn:ed-fi:api:unsupported-media-type", "Unsupported Media Type", detail);
  EXPECT_EQ(r.header("content-type"), "application/problem+json");
  EXPECT_EQ(r.json_body()["errors"], json::array({detail}));
  EXPECT_EQ(api.call("POST", "/ed-fi/students", student("s1").dump(), {"Content-Type: text/json; charset=utf-8"}).status, 201);
  EXPECT_EQ(api.call("POST", "/ed-fi/students", student("s2").dump(),
                     {"Content-Type: application/vnd.ed-fi.student.readable+json"}).status, 201);
}

// §8.2 #8, #9, #10, #11 and invalid UTF-8.
TEST_P(Conformance, BodyProblems) {
  Response empty = api.call("POST", "/ed-fi/students", "  \n");
  expect_problem(empty, 400, "urn:ed-fi:api:bad-request", "Bad Request",
                 "The request could not be processed. See 'errors' for details.");
  EXPECT_EQ(empty.json_body()["errors"], json::array({"A non-empty request body is required."}));

  Response malformed = api.call("POST", "/ed-fi/students", "{\"studentUniqueId\": ");
  expect_problem(malformed, 400, k_dv_type, k_dv_title, k_dv_detail);
  ASSERT_TRUE(malformed.json_body()["validationErrors"].contains("$."));
  EXPECT_EQ(malformed.json_body()["validationErrors"]["$."].size(), 1u);

  Response dup = api.call("POST", "/ed-fi/schools",
                          R"({"schoolId": 1, "addresses": [{"city": "A", "city": "B"}], "nameOfInstitution": "x"})");
  expect_problem(dup, 400, k_dv_type, k_dv_title, k_dv_detail);
  EXPECT_EQ(dup.json_body()["validationErrors"],
            (json{{"$.addresses[0].city", {"An item with the same key has already been added."}}}));
  Response dup_top = api.call("POST", "/ed-fi/students", R"({"firstName": "a", "firstName": "b"})");
  EXPECT_EQ(dup_top.json_body()["validationErrors"], (json{{"$.firstName", {"An item with the same key has already been added."}}}));

  json with_id = student("s1");
  with_id["ID"] = "0c7b8c3a-2f4e-4d39-9a41-3b4a9b3c1e11";
  Response id = api.post("/ed-fi/students", with_id);
  expect_problem(id, 400, k_dv_type, k_dv_title, "The request data was constructed incorrectly.");
  EXPECT_EQ(id.json_body()["errors"],
            json::array({"Resource identifiers cannot be assigned by the client. The 'id' property should not be included in "
                         "the request body."}));

  Response utf8 = api.call("POST", "/ed-fi/students", std::string("{\"studentUniqueId\": \"a\xff\xfe\"}"));
  expect_problem(utf8, 400, k_dv_type, k_dv_title, k_dv_detail);
  EXPECT_TRUE(utf8.json_body()["validationErrors"].contains("$."));

  Response array_body = api.call("POST", "/ed-fi/students", "[1, 2]");
  EXPECT_EQ(array_body.status, 400);
}

// §8.2 #33: a body above 10 MB → 413 (and the server keeps serving).
TEST_P(Conformance, BodyTooLarge) {
  std::string big = "{\"firstName\": \"" + std::string(11 * 1024 * 1024, 'a') + "\"}";
  Response r = api.call("POST", "/ed-fi/students", big);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(api.get("/ed-fi/students").status, 200);
}

// §8.2 #12, §7.4–7.6 and pitfalls 6, 7, 8: schema errors, pruning, coercion.
TEST_P(Conformance, SchemaErrorsAndCoercion) {
  Response missing = api.post("/ed-fi/studentSchoolAssociations", json{{"schoolReference", json::object()}, {"GRADE", 1}});
  expect_problem(missing, 400, k_dv_type, k_dv_title, k_dv_detail);
  json ve = missing.json_body()["validationErrors"];
  EXPECT_EQ(ve["$.studentReference"], json::array({worded(GetParam(), "studentReference is required.")}));
  EXPECT_EQ(ve["$.entryDate"], json::array({worded(GetParam(), "entryDate is required.")}));
  EXPECT_EQ(ve["$.entryGradeLevelDescriptor"], json::array({worded(GetParam(), "entryGradeLevelDescriptor is required.")}));
  EXPECT_EQ(ve["$.schoolReference.schoolId"], json::array({worded(GetParam(), "schoolId is required.")}));
  EXPECT_FALSE(ve.contains("$.GRADE"));

  // Type errors keep the JSON-schema wording.
  // A value neither API coerces (docs/coercion.md).
  json s = student("s1");
  s["multipleBirthStatus"] = "yes";
  s["firstName"] = json::array({"Ada"});
  Response types = api.post("/ed-fi/students", s);
  expect_problem(types, 400, k_dv_type, k_dv_title, k_dv_detail);
  EXPECT_EQ(types.json_body()["validationErrors"],
            (json{{"$.multipleBirthStatus", {GetParam() == "ods" ? "Could not convert string to boolean: yes. Path 'multipleBirthStatus'."
                                                                 : "multipleBirthStatus Value is \"string\" but should be \"boolean\""}},
                  {"$.firstName", {worded(GetParam(), "firstName Value is \"array\" but should be \"string\"")}}}));
  // What only DMS refuses: a number for a string, a number other than 0/1 for a boolean.
  json scalars = student("s1");
  scalars["multipleBirthStatus"] = 2;
  scalars["firstName"] = 5;
  if (GetParam() == "ods") {
    json stored = api.get("/ed-fi/students/" + api.create("/ed-fi/students", scalars)).json_body();
    EXPECT_EQ(stored["firstName"], "5");
    EXPECT_EQ(stored["multipleBirthStatus"], true);
  } else {
    EXPECT_EQ(api.post("/ed-fi/students", scalars).json_body()["validationErrors"],
              (json{{"$.multipleBirthStatus", {"multipleBirthStatus Value is \"integer\" but should be \"boolean\""}},
                    {"$.firstName", {"firstName Value is \"integer\" but should be \"string\""}}}));
  }

  // Whitespace and emptiness rules (identity vs required vs optional).
  json w = student(" s1");
  w["firstName"] = "   ";
  w["lastSurname"] = "";
  Response ws = api.post("/ed-fi/students", w);
  EXPECT_EQ(ws.json_body()["validationErrors"],
            (json{{"$.studentUniqueId", {worded(GetParam(), "studentUniqueId cannot contain leading or trailing spaces.")}},
                  {"$.firstName", {worded(GetParam(), "firstName cannot contain leading or trailing spaces.")}},
                  {"$.lastSurname", {worded(GetParam(), "lastSurname is required and should not be left empty.")}}}));
  json empty_id = student("");
  EXPECT_EQ(api.post("/ed-fi/students", empty_id).json_body()["validationErrors"],
            (json{{"$.studentUniqueId", {worded(GetParam(), "studentUniqueId is required and should not be left empty.")}}}));

  // Length.
  json longname = student("s1");
  longname["firstName"] = std::string(80, 'x');
  Response len = api.post("/ed-fi/students", longname);
  ASSERT_EQ(len.status, 400);
  EXPECT_NE(len.json_body()["validationErrors"]["$.firstName"][0].get<std::string>().find(
                GetParam() == "ods" ? "must be at most 75 characters in length." : "Value should be at most"),
            std::string::npos);

  // Coercion, pruning, padding kept on required non-identity strings.
  json c = student("s2");
  c["multipleBirthStatus"] = GetParam() == "ods" ? json(1) : json("1");  // Newtonsoft refuses "1"
  c["birthDate"] = "5/1/2009";
  c["firstName"] = "  Ada  ";
  c["middleName"] = nullptr;
  c["otherNames"] = json::array();
  c["FIRSTNAME"] = "overposted";
  std::string id = api.create("/ed-fi/students", c);
  json got = api.get("/ed-fi/students/" + id).json_body();
  EXPECT_EQ(got["multipleBirthStatus"], true);
  EXPECT_EQ(got["birthDate"], "2009-05-01");
  EXPECT_EQ(got["firstName"], "  Ada  ");
  EXPECT_FALSE(got.contains("middleName"));
  EXPECT_FALSE(got.contains("otherNames"));
  EXPECT_FALSE(got.contains("FIRSTNAME"));

  // Booleans: "true", 0, "0" (DMS only) accepted; "2" rejected.
  for (json v : {json("true"), json(0), json("FALSE")}) {
    json b = student("s3");
    b["multipleBirthStatus"] = v;
    EXPECT_LT(api.post("/ed-fi/students", b).status, 300) << v.dump();
  }
  json zero = student("s3");
  zero["multipleBirthStatus"] = "0";
  EXPECT_EQ(api.post("/ed-fi/students", zero).status, GetParam() == "ods" ? 400 : 200);
  json bad = student("s3");
  bad["multipleBirthStatus"] = "2";
  EXPECT_EQ(api.post("/ed-fi/students", bad).json_body()["validationErrors"],
            (json{{"$.multipleBirthStatus", {GetParam() == "ods" ? "Could not convert string to boolean: 2. Path 'multipleBirthStatus'."
                                                                 : "multipleBirthStatus Value is \"string\" but should be \"boolean\""}}}));

  // Numeric strings become numbers (schoolId "255901").
  seed_school(api);
  api.create("/ed-fi/students", student("s9"));
  json a = ssa("s9");
  a["schoolReference"]["schoolId"] = "255901";
  a["fullTimeEquivalency"] = "0.5";
  std::string aid = api.create("/ed-fi/studentSchoolAssociations", a);
  json ga = api.get("/ed-fi/studentSchoolAssociations/" + aid).json_body();
  EXPECT_EQ(ga["schoolReference"]["schoolId"], 255901);
  EXPECT_EQ(ga["fullTimeEquivalency"], 0.5);
}

// Descriptor bodies: codeValue/shortDescription trimmed, namespace not (§7.4, pitfall 7).
TEST_P(Conformance, DescriptorStrings) {
  json d = descriptor("GradeLevelDescriptor", " Tenth grade ");
  std::string id = api.create("/ed-fi/gradeLevelDescriptors", d);
  EXPECT_EQ(api.get("/ed-fi/gradeLevelDescriptors/" + id).json_body()["codeValue"], "Tenth grade");
  json padded = descriptor("GradeLevelDescriptor", "Eleventh grade");
  padded["namespace"] = " uri://ed-fi.org/GradeLevelDescriptor";
  EXPECT_EQ(api.post("/ed-fi/gradeLevelDescriptors", padded).json_body()["validationErrors"],
            (json{{"$.namespace", {worded(GetParam(), "namespace cannot contain leading or trailing spaces.")}}}));
  json blank = descriptor("GradeLevelDescriptor", "   ");
  blank["shortDescription"] = "Blank";
  EXPECT_EQ(api.post("/ed-fi/gradeLevelDescriptors", blank).json_body()["validationErrors"],
            (json{{"$.codeValue", {GetParam() == "ods" ? "CodeValue must be at least 1 characters in length."
                                                       : "codeValue Value should be at least 1 characters"}}}));
}

// §6.1 and pitfall 1: 201 then 200 with the same Location; identical re-post keeps the ETag.
TEST_P(Conformance, UpsertByNaturalKey) {
  Response first = api.post("/ed-fi/students", student("s1"));
  EXPECT_EQ(first.status, 201);
  EXPECT_TRUE(first.body.empty());
  std::string loc = first.header("location");
  EXPECT_EQ(loc.rfind(api.data() + "/ed-fi/students/", 0), 0u) << loc;
  std::string etag = first.header("etag");
  ASSERT_GE(etag.size(), 3u);
  EXPECT_EQ(etag.front(), '"');
  Response again = api.post("/ed-fi/students", student("s1"));
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.header("location"), loc);
  EXPECT_EQ(again.header("etag"), etag);
  json changed = student("s1");
  changed["firstName"] = "Grace";
  Response upd = api.post("/ed-fi/students", changed);
  EXPECT_EQ(upd.status, 200);
  EXPECT_EQ(upd.header("location"), loc);
  EXPECT_NE(upd.header("etag"), etag);
  // Full replacement: the optional property omitted later is gone.
  std::string id = loc.substr(loc.rfind('/') + 1);
  Response got = api.get("/ed-fi/students/" + id);
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.header("content-type"), "application/json; charset=utf-8");
  EXPECT_EQ(got.header("etag"), upd.header("etag"));
  EXPECT_EQ(got.header("vary"), "Accept");
  EXPECT_EQ(got.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(got.header("referrer-policy"), "no-referrer");
  json doc = got.json_body();
  EXPECT_EQ(doc["id"], id);
  EXPECT_EQ("\"" + doc["_etag"].get<std::string>() + "\"", upd.header("etag"));
  EXPECT_EQ(doc["_lastModifiedDate"].get<std::string>().size(), 20u);
  EXPECT_EQ(doc["firstName"], "Grace");
  // Delete then re-post creates a new document.
  EXPECT_EQ(api.del("/ed-fi/students/" + id).status, 204);
  Response re = api.post("/ed-fi/students", student("s1"));
  EXPECT_EQ(re.status, 201);
  EXPECT_NE(re.header("location"), loc);
}

// §10 and pitfalls 3, 4: descriptors are case-insensitive, GET gives the stored spelling; a missing
// descriptor is 400 bad-request that also carries unresolved references.
TEST_P(Conformance, Descriptors) {
  seed_school(api);
  api.create("/ed-fi/students", student("s1"));
  json a = ssa("s1");
  a["entryGradeLevelDescriptor"] = "URI://ED-FI.ORG/gradeLEVELdescriptor#ninth GRADE";
  std::string id = api.create("/ed-fi/studentSchoolAssociations", a);
  EXPECT_EQ(api.get("/ed-fi/studentSchoolAssociations/" + id).json_body()["entryGradeLevelDescriptor"],
            "uri://ed-fi.org/GradeLevelDescriptor#Ninth grade");

  json missing = ssa("nobody", 1);
  missing["entryGradeLevelDescriptor"] = "uri://ed-fi.org/GradeLevelDescriptor#Twelfth Grade";
  Response r = api.post("/ed-fi/studentSchoolAssociations", missing);
  expect_problem(r, 400, "urn:ed-fi:api:bad-request", "Bad Request", k_dv_detail);
  EXPECT_EQ(r.json_body()["validationErrors"],
            (json{{"$.entryGradeLevelDescriptor",
                   {"GradeLevelDescriptor value 'uri://ed-fi.org/gradeleveldescriptor#twelfth grade' does not exist."}},
                  {"$.schoolReference", {"The referenced School item does not exist."}},
                  {"$.studentReference", {"The referenced Student item does not exist."}}}));

  // #18: a descriptor of another type.
  api.create("/ed-fi/termDescriptors", descriptor("TermDescriptor", "Fall"));
  json other = ssa("s1", 255901, "2024-09-01");
  other["entryGradeLevelDescriptor"] = "uri://ed-fi.org/TermDescriptor#Fall";
  Response o = api.post("/ed-fi/studentSchoolAssociations", other);
  EXPECT_EQ(o.status, 400);
  EXPECT_EQ(o.json_body()["validationErrors"],
            (json{{"$.entryGradeLevelDescriptor",
                   {"GradeLevelDescriptor value 'uri://ed-fi.org/termdescriptor#fall' is not a valid GradeLevelDescriptor."}}}));

  // Upserting a descriptor that differs only in case matches the existing one.
  Response same = api.post("/ed-fi/gradeLevelDescriptors", descriptor("GRADELEVELDESCRIPTOR", "NINTH GRADE"));
  EXPECT_EQ(same.status, 200);
}

// §8.2 #16: unresolved references only → 409 listing every failing reference.
TEST_P(Conformance, UnresolvedReference) {
  seed_school(api);
  Response r = api.post("/ed-fi/studentSchoolAssociations", ssa("nobody", 999));
  expect_problem(r, 409, "urn:ed-fi:api:data-conflict:unresolved-reference", "Unresolved Reference",
                 "One or more references could not be resolved. See 'validationErrors' for details.");
  EXPECT_EQ(r.json_body()["validationErrors"],
            (json{{"$.schoolReference", {"The referenced School item does not exist."}},
                  {"$.studentReference", {"The referenced Student item does not exist."}}}));
}

// Pitfall 9 and §4.4: an educationOrganizationReference resolves to any subclass; a School and an
// LEA cannot share an id (§8.2 #19); a missing one names the abstract resource.
TEST_P(Conformance, AbstractReferencesAndIdentityConflict) {
  seed_school(api);
  json course = {{"courseCode", "ALG-1"},
                 {"educationOrganizationReference", {{"educationOrganizationId", 255901}}},
                 {"courseTitle", "Algebra I"},
                 {"numberOfParts", 1},
                 {"identificationCodes",
                  {{{"courseIdentificationSystemDescriptor", "uri://ed-fi.org/CourseIdentificationSystemDescriptor#LEA course code"},
                    {"identificationCode", "ALG-1"}}}}};
  api.create("/ed-fi/courseIdentificationSystemDescriptors", descriptor("CourseIdentificationSystemDescriptor", "LEA course code"));
  Response ok = api.post("/ed-fi/courses", course);
  EXPECT_EQ(ok.status, 201) << ok.body;
  std::string course_id = ok.header("location").substr(ok.header("location").rfind('/') + 1);
  json got = api.get("/ed-fi/courses/" + course_id).json_body();
  EXPECT_EQ(got["educationOrganizationReference"]["link"]["rel"], "School");

  json missing = course;
  missing["educationOrganizationReference"]["educationOrganizationId"] = 1;
  Response r = api.post("/ed-fi/courses", missing);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.json_body()["validationErrors"],
            (json{{"$.educationOrganizationReference", {"The referenced EducationOrganization item does not exist."}}}));

  api.create("/ed-fi/localEducationAgencyCategoryDescriptors", descriptor("LocalEducationAgencyCategoryDescriptor", "Independent"));
  json lea = {{"localEducationAgencyId", 255901},
              {"nameOfInstitution", "Same id as the school"},
              {"localEducationAgencyCategoryDescriptor", "uri://ed-fi.org/LocalEducationAgencyCategoryDescriptor#Independent"},
              {"categories",
               {{{"educationOrganizationCategoryDescriptor", "uri://ed-fi.org/EducationOrganizationCategoryDescriptor#School"}}}}};
  Response conflict = api.post("/ed-fi/localEducationAgencies", lea);
  expect_problem(conflict, 409, "urn:ed-fi:api:identity-conflict", "Identifying Values Are Not Unique",
                 "The identifying value(s) of the item are the same as another item that already exists.");
  EXPECT_EQ(conflict.json_body()["errors"],
            json::array({"A natural key conflict occurred when attempting to create a new resource LocalEducationAgency with a "
                         "duplicate key. The duplicate keys and values are (localEducationAgencyId = 255901)"}));
}

// §8.2 #15 and pitfall 5: duplicate collection items, ordinals, before existence checks.
TEST_P(Conformance, DuplicateCollectionItems) {
  json school = {{"schoolId", 1},
                 {"nameOfInstitution", "x"},
                 {"gradeLevels",
                  {{{"gradeLevelDescriptor", "uri://ed-fi.org/GradeLevelDescriptor#Missing"}},
                   {{"gradeLevelDescriptor", "uri://ed-fi.org/GradeLevelDescriptor#Other"}},
                   {{"gradeLevelDescriptor", "uri://ed-fi.org/GradeLevelDescriptor#Missing"}}}},
                 {"educationOrganizationCategories",
                  {{{"educationOrganizationCategoryDescriptor", "uri://ed-fi.org/EducationOrganizationCategoryDescriptor#School"}}}}};
  Response r = api.post("/ed-fi/schools", school);
  expect_problem(r, 400, k_dv_type, k_dv_title, k_dv_detail);
  EXPECT_EQ(r.json_body()["validationErrors"],
            (json{{"$.gradeLevels",
                   {"The 3rd item of the gradeLevels has the same identifying values as another item earlier in the list."}}}));
  // 11th uses "th"; 2nd uses "nd".
  school["gradeLevels"] = json::array();
  for (int i = 0; i < 10; ++i) school["gradeLevels"].push_back({{"gradeLevelDescriptor", "uri://x#" + std::to_string(i)}});
  school["gradeLevels"].push_back({{"gradeLevelDescriptor", "uri://x#0"}});
  EXPECT_EQ(api.post("/ed-fi/schools", school).json_body()["validationErrors"]["$.gradeLevels"][0],
            "The 11th item of the gradeLevels has the same identifying values as another item earlier in the list.");
}

// §8.2 #14: identity-reference unification (courseOfferings schoolId in schoolReference and sessionReference).
TEST_P(Conformance, KeyUnification) {
  json offering = {{"localCourseCode", "ALG-1-A"},
                   {"schoolReference", {{"schoolId", 1}}},
                   {"sessionReference", {{"schoolId", 2}, {"schoolYear", 2025}, {"sessionName", "Fall"}}},
                   {"courseReference", {{"courseCode", "ALG-1"}, {"educationOrganizationId", 1}}}};
  Response r = api.post("/ed-fi/courseOfferings", offering);
  expect_problem(r, 400, k_dv_type, k_dv_title, k_dv_detail);
  json ve = r.json_body()["validationErrors"];
  std::string msg =
      "All values supplied for 'schoolId' must match. Review all references (including those higher up in the resource's "
      "data) and align the following conflicting values: '1', '2'";
  EXPECT_EQ(ve["$.schoolReference.schoolId"], json::array({msg})) << r.body;
  EXPECT_EQ(ve["$.sessionReference.schoolId"], json::array({msg})) << r.body;
}

// §6.2, §8.2 #13, #20, #21 and pitfalls 2, 12, 15.
TEST_P(Conformance, PutRules) {
  std::string id = api.create("/ed-fi/students", student("s1"));
  Response no_id = api.put("/ed-fi/students/" + id, json::object());
  expect_problem(no_id, 400, k_dv_type, k_dv_title, k_dv_detail);
  json ve = no_id.json_body()["validationErrors"];
  // The ODS takes the id from the URL; DMS requires it in the body as well.
  EXPECT_EQ(ve.contains("$.id"), GetParam() == "dms");
  EXPECT_EQ(ve["$.studentUniqueId"], json::array({worded(GetParam(), "studentUniqueId is required.")}));

  json body = student("s1");
  body["id"] = "0c7b8c3a-2f4e-4d39-9a41-3b4a9b3c1e11";
  Response mismatch = api.put("/ed-fi/students/" + id, body);
  expect_problem(mismatch, 400, "urn:ed-fi:api:bad-request", "Bad Request");
  EXPECT_EQ(mismatch.json_body()["errors"], json::array({"Request body id must match the id in the url."}));

  std::string missing_id = "0c7b8c3a-2f4e-4d39-9a41-3b4a9b3c1e11";
  Response nf = api.put("/ed-fi/students/" + missing_id, body);
  expect_problem(nf, 404, "urn:ed-fi:api:not-found", "Not Found", "Resource to update was not found");
  // An invalid body on a missing id is 400, not 404.
  EXPECT_EQ(api.put("/ed-fi/students/" + missing_id, json::object()).status, 400);

  body["id"] = id;
  body["firstName"] = "Grace";
  Response ok = api.put("/ed-fi/students/" + id, body);
  EXPECT_EQ(ok.status, 204);
  EXPECT_EQ(ok.header("location"), api.data() + "/ed-fi/students/" + id);
  EXPECT_FALSE(ok.header("etag").empty());
  EXPECT_EQ(api.get("/ed-fi/students/" + id).json_body()["firstName"], "Grace");

  // Key change on a non-updatable resource: 400 even when a reference is also missing.
  body["studentUniqueId"] = "s2";
  Response key = api.put("/ed-fi/students/" + id, body);
  expect_problem(key, 400, "urn:ed-fi:api:bad-request:data-validation-failed:key-change-not-supported",
                 "Key Change Not Supported",
                 GetParam() == "ods"
                     ? "Identifying values for the Student data cannot be changed. Delete and recreate the item instead."
                     : "Identifying values for the Student resource cannot be changed. Delete and recreate the resource item "
                       "instead.");

  std::string did = api.create("/ed-fi/termDescriptors", descriptor("TermDescriptor", "Fall"));
  json d = descriptor("TermDescriptor", "Spring");
  d["id"] = did;
  Response dkey = api.put("/ed-fi/termDescriptors/" + did, d);
  expect_problem(dkey, 400, "urn:ed-fi:api:bad-request:data-validation-failed:key-change-not-supported",
                 "Key Change Not Supported",
                 "Identity of resource 'Ed-Fi.TermDescriptor' cannot be changed. Descriptor identity fields (Namespace, "
                 "CodeValue) are immutable on PUT.");
}

// Pitfall 15 and §6.2: identity updates on an updatable resource cascade into referencing documents;
// an update onto another document's identity is 409.
TEST_P(Conformance, IdentityUpdateCascades) {
  seed_school(api);
  api.create("/ed-fi/termDescriptors", descriptor("TermDescriptor", "Fall"));
  api.create("/ed-fi/schoolYearTypes", json{{"schoolYear", 2025}, {"currentSchoolYear", true}, {"schoolYearDescription", "2024-2025"}});
  json session = {{"schoolReference", {{"schoolId", 255901}}},
                  {"schoolYearTypeReference", {{"schoolYear", 2025}}},
                  {"sessionName", "Fall"},
                  {"beginDate", "2024-08-20"},
                  {"endDate", "2024-12-20"},
                  {"termDescriptor", "uri://ed-fi.org/TermDescriptor#Fall"},
                  {"totalInstructionalDays", 80}};
  std::string session_id = api.create("/ed-fi/sessions", session);
  // schoolYearTypes keeps its three fields (§4.8); in the ods flavour the POST updated the 2025 the
  // database already had (docs/sandbox.md, "Templates").
  json years = api.get("/ed-fi/schoolYearTypes?schoolYear=2025").json_body();
  ASSERT_EQ(years.size(), 1u);
  EXPECT_EQ(years[0]["schoolYearDescription"], "2024-2025");
  EXPECT_EQ(years[0]["currentSchoolYear"], true);

  api.create("/ed-fi/courseIdentificationSystemDescriptors", descriptor("CourseIdentificationSystemDescriptor", "LEA course code"));
  api.create("/ed-fi/courses", json{{"courseCode", "ALG-1"},
                                    {"educationOrganizationReference", {{"educationOrganizationId", 255901}}},
                                    {"courseTitle", "Algebra I"},
                                    {"numberOfParts", 1},
                                    {"identificationCodes",
                                     {{{"courseIdentificationSystemDescriptor",
                                        "uri://ed-fi.org/CourseIdentificationSystemDescriptor#LEA course code"},
                                       {"identificationCode", "ALG-1"}}}}});
  json offering = {{"localCourseCode", "ALG-1-A"},
                   {"schoolReference", {{"schoolId", 255901}}},
                   {"sessionReference", {{"schoolId", 255901}, {"schoolYear", 2025}, {"sessionName", "Fall"}}},
                   {"courseReference", {{"courseCode", "ALG-1"}, {"educationOrganizationId", 255901}}}};
  std::string offering_id = api.create("/ed-fi/courseOfferings", offering);
  std::string offering_etag = api.get("/ed-fi/courseOfferings/" + offering_id).header("etag");

  json renamed = session;
  renamed["id"] = session_id;
  renamed["sessionName"] = "Fall Semester";
  Response put = api.put("/ed-fi/sessions/" + session_id, renamed);
  EXPECT_EQ(put.status, 204) << put.body;
  Response got = api.get("/ed-fi/courseOfferings/" + offering_id);
  EXPECT_EQ(got.json_body()["sessionReference"]["sessionName"], "Fall Semester");
  EXPECT_NE(got.header("etag"), offering_etag);
  // The cascaded courseOffering is found under its new key.
  Response by_key = api.get("/ed-fi/courseOfferings?sessionName=Fall%20Semester");
  EXPECT_EQ(by_key.json_body().size(), 1u);

  // Updating onto an existing identity → 409 (update wording).
  std::string second = api.create("/ed-fi/sessions", session);
  json clash = session;
  clash["id"] = second;
  clash["sessionName"] = "Fall Semester";
  Response c = api.put("/ed-fi/sessions/" + second, clash);
  EXPECT_EQ(c.status, 409) << c.body;
  EXPECT_NE(c.json_body()["errors"][0].get<std::string>().find("attempting to update a resource Session"), std::string::npos);
}

// §6.5, §8.2 #22, #23 and pitfall 12: deletes.
TEST_P(Conformance, Deletes) {
  seed_school(api);
  api.create("/ed-fi/students", student("s1"));
  std::string aid = api.create("/ed-fi/studentSchoolAssociations", ssa("s1"));
  std::string school_id = api.get("/ed-fi/schools").json_body()[0]["id"];
  Response r = api.del("/ed-fi/schools/" + school_id);
  expect_problem(r, 409, "urn:ed-fi:api:data-conflict:dependent-item-exists", "Dependent Item Exists",
                 "The requested action cannot be performed because this item is referenced by existing StudentSchoolAssociation "
                 "item(s).");
  // A descriptor in use names the resources that use it.
  std::string grade_id = api.get("/ed-fi/gradeLevelDescriptors").json_body()[0]["id"];
  Response d = api.del("/ed-fi/gradeLevelDescriptors/" + grade_id);
  EXPECT_EQ(d.status, 409);
  EXPECT_EQ(d.json_body()["detail"],
            "The requested action cannot be performed because this item is referenced by existing School, "
            "StudentSchoolAssociation item(s).");

  EXPECT_EQ(api.del("/ed-fi/studentSchoolAssociations/" + aid).status, 204);
  Response again = api.del("/ed-fi/studentSchoolAssociations/" + aid);
  EXPECT_EQ(again.status, 404);
  EXPECT_TRUE(again.body.empty());
  Response get = api.get("/ed-fi/studentSchoolAssociations/" + aid);
  EXPECT_EQ(get.status, 404);
  EXPECT_TRUE(get.body.empty());
  // An id of another resource is not found either.
  EXPECT_EQ(api.get("/ed-fi/students/" + school_id).status, 404);
}

// §9 and §8.2 #24–#26: ETags and preconditions.
TEST_P(Conformance, Preconditions) {
  Response created = api.post("/ed-fi/students", student("s1"));
  std::string loc = created.header("location");
  std::string id = loc.substr(loc.rfind('/') + 1);
  std::string etag = created.header("etag");
  EXPECT_EQ(api.get("/ed-fi/students/" + id, {"If-None-Match: " + etag}).status, 304);
  EXPECT_EQ(api.get("/ed-fi/students/" + id, {"If-None-Match: *"}).status, 304);
  EXPECT_EQ(api.get("/ed-fi/students/" + id, {"If-None-Match: \"other\""}).status, 200);

  Response inm = api.post("/ed-fi/students", student("s1"), {"If-None-Match: *"});
  expect_problem(inm, 412, "urn:ed-fi:api:precondition-failed:if-none-match", "If-None-Match Precondition Failed");
  EXPECT_EQ(api.post("/ed-fi/students", student("s2"), {"If-None-Match: *"}).status, 201);

  json body = student("s1");
  body["id"] = id;
  Response lock = api.put("/ed-fi/students/" + id, body, {"If-Match: \"stale\""});
  expect_problem(lock, 412, "urn:ed-fi:api:optimistic-lock-failed", "Optimistic Lock Failed",
                 "The item has been modified by another user.");
  EXPECT_EQ(api.put("/ed-fi/students/" + id, body, {"If-Match: " + etag}).status, 204);

  std::string missing = "0c7b8c3a-2f4e-4d39-9a41-3b4a9b3c1e11";
  Response m = api.del("/ed-fi/students/" + missing, {"If-Match: *"});
  expect_problem(m, 412, "urn:ed-fi:api:optimistic-lock-failed", "Optimistic Lock Failed",
                 "The If-Match precondition failed because the resource does not exist.");
  EXPECT_EQ(api.del("/ed-fi/students/" + id, {"If-Match: \"stale\""}).status, 412);
  EXPECT_EQ(api.del("/ed-fi/students/" + id, {"If-Match: " + etag}).status, 204);
}

// §6.4, §8.2 #27–#29 and pitfalls 10, 11: queries and paging.
TEST_P(Conformance, QueriesAndPaging) {
  seed_school(api);
  for (int i = 0; i < 30; ++i) {
    std::string sid = std::string("s").append(std::to_string(i));
    api.create("/ed-fi/students", student(sid));
    api.create("/ed-fi/studentSchoolAssociations", ssa(sid, 255901, i < 10 ? "2024-08-20" : "2024-09-01"));
  }
  // Default page size: dms 500, ods 25; order = creation order.
  json all = api.get("/ed-fi/students").json_body();
  EXPECT_EQ(all.size(), GetParam() == "ods" ? 25u : 30u);
  EXPECT_EQ(all[0]["studentUniqueId"], "s0");
  EXPECT_EQ(all[1]["studentUniqueId"], "s1");

  Response page = api.get("/ed-fi/students?offset=28&LIMIT=5&totalCount=TRUE");
  EXPECT_EQ(page.json_body().size(), 2u);
  EXPECT_EQ(page.header("total-count"), "30");
  EXPECT_FALSE(api.get("/ed-fi/students?limit=1").has_header("total-count"));
  EXPECT_EQ(api.get("/ed-fi/students?limit=0").json_body(), json::array());
  EXPECT_EQ(api.get("/ed-fi/students?offset=100").json_body(), json::array());

  // Reference-derived query fields, typed values, dates.
  EXPECT_EQ(api.get("/ed-fi/studentSchoolAssociations?schoolId=255901&totalCount=true").header("total-count"), "30");
  EXPECT_EQ(api.get("/ed-fi/studentSchoolAssociations?entryDate=2024-08-20").json_body().size(), 10u);
  EXPECT_EQ(api.get("/ed-fi/studentSchoolAssociations?entryDate=2024-09-01T10:00:00Z&limit=500").json_body().size(), 20u);
  EXPECT_EQ(api.get("/ed-fi/studentSchoolAssociations?studentUniqueId=s3").json_body().size(), 1u);
  EXPECT_EQ(api.get("/ed-fi/students?studentUniqueId=s3%27%20OR%201=1").json_body(), json::array());
  std::string sid = all[3]["id"];
  EXPECT_EQ(api.get("/ed-fi/students?id=" + sid).json_body().size(), 1u);

  // ODS 7.3 words these differently (its own Postman suites; docs/edfi-api-behavior-corrections.md).
  Response paging = api.get("/ed-fi/students?offset=-1&limit=501&totalCount=1");
  bool ods = GetParam() == "ods";
  expect_problem(paging, 400, "urn:ed-fi:api:bad-request:parameter-validation-failed", "Parameter Validation Failed",
                 ods ? "The request construction was invalid." : "Parameters supplied to the request were invalid.");
  EXPECT_EQ(paging.json_body()["errors"],
            ods ? json::array({"Offset cannot be a negative value.", "Limit must be a value between 0 and 500.",
                               "TotalCount must be a boolean value."})
                : json::array({"Offset must be a numeric value greater than or equal to 0.",
                               "Limit must be omitted or set to a numeric value between 0 and 500.",
                               "TotalCount must be a boolean value."}));

  Response unknown = api.get("/ed-fi/students?favoriteColor=blue");
  expect_problem(unknown, 400, "urn:ed-fi:api:bad-request", "Bad Request",
                 "The request could not be processed. See 'errors' for details.");
  EXPECT_EQ(unknown.json_body()["errors"], json::array({"The query field 'favoriteColor' is not valid for this resource."}));

  Response typed = api.get("/ed-fi/studentSchoolAssociations?schoolId=abc");
  expect_problem(typed, 400, k_dv_type, k_dv_title, k_dv_detail);
  EXPECT_EQ(typed.json_body()["validationErrors"],
            (json{{"$.schoolReference.schoolId", {"The value 'abc' is not valid for schoolId."}}}));
  Response date = api.get("/ed-fi/studentSchoolAssociations?entryDate=notadate");
  EXPECT_EQ(date.json_body()["validationErrors"], (json{{"$.entryDate", {"The value 'notadate' is not valid for entryDate."}}}));
}

// §3 and §8.2 #30, pitfall 13: OAuth and bearer checks; 401 before route and method checks.
TEST_P(Conformance, Authentication) {
  auto expect_401 = [](const Response& r, const std::string& reason) {
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.header("www-authenticate"), "Bearer error=\"invalid_token\"");
    EXPECT_EQ(r.header("content-type"), "application/problem+json");
    json j = r.json_body();
    EXPECT_EQ(j["type"], "urn:ed-fi:api:security:authentication");
    EXPECT_EQ(j["title"], "Authentication Failed");
    EXPECT_EQ(j["detail"], "The caller could not be authenticated.");
    EXPECT_EQ(j["errors"], json::array({reason}));
    EXPECT_FALSE(j.contains("validationErrors"));
  };
  expect_401(http("GET", api.data() + "/ed-fi/students"), "Authorization header is missing.");
  expect_401(http("GET", api.data() + "/ed-fi/students", "", {"Authorization: Basic abc"}), "Unknown Authorization header scheme.");
  expect_401(http("GET", api.data() + "/ed-fi/students", "", {"Authorization: Bearer"}), "Missing Authorization header bearer token value.");
  expect_401(http("GET", api.data() + "/ed-fi/students", "", {"Authorization: Bearer nope"}), "Invalid token");
  expect_401(http("PATCH", api.data() + "/ed-fi/nothing"), "Authorization header is missing.");

  // Token endpoint: Basic works; wrong secret 401; bad grant type 400.
  Response ok = http("POST", api.oauth(), "grant_type=client_credentials",
                     {"Content-Type: application/x-www-form-urlencoded", "Authorization: Basic " + Api::base64("populated:populatedSecret")});
  ASSERT_EQ(ok.status, 200);
  json t = ok.json_body();
  EXPECT_TRUE(t["token_type"] == "bearer" || t["token_type"] == "Bearer");
  EXPECT_EQ(t["expires_in"], 1800);
  EXPECT_EQ(http("POST", api.oauth(), "grant_type=client_credentials",
                 {"Content-Type: application/x-www-form-urlencoded", "Authorization: Basic " + Api::base64("populated:wrong")})
                .status,
            401);
  EXPECT_EQ(http("POST", api.oauth(), "grant_type=password",
                 {"Content-Type: application/x-www-form-urlencoded", "Authorization: Basic " + Api::base64("populated:populatedSecret")})
                .status,
            400);
  Response json_body = http("POST", api.oauth(), R"({"grant_type": "client_credentials"})",
                            {"Content-Type: application/json", "Authorization: basic " + Api::base64("populated:populatedSecret")});
  EXPECT_EQ(json_body.status, 200);
  // Form-body credentials: ODS accepts them, DMS requires Basic (400 Malformed Authorization header).
  Response form = http("POST", api.oauth(), "grant_type=client_credentials&client_id=populated&client_secret=populatedSecret",
                       {"Content-Type: application/x-www-form-urlencoded"});
  if (GetParam() == "ods") {
    EXPECT_EQ(form.status, 200);
    EXPECT_EQ(form.json_body()["token_type"], "bearer");
  } else {
    expect_problem(form, 400, "urn:ed-fi:api:bad-request", "Bad Request", "Malformed Authorization header");
    EXPECT_EQ(t["token_type"], "Bearer");
  }
}

// §2: discovery, metadata, specification list, OpenAPI documents and dependencies in each URL layout.
TEST_P(Conformance, DiscoveryAndMetadata) {
  bool ods = GetParam() == "ods";
  Response root = http("GET", api.base());
  ASSERT_EQ(root.status, 200);
  json d = root.json_body();
  EXPECT_EQ(d["dataModels"][0]["name"], "Ed-Fi");
  json urls = d["urls"];
  if (ods) {
    EXPECT_EQ(urls["dataManagementApi"], api.host() + "/api/data/v3/");
    EXPECT_EQ(urls["oauth"], api.host() + "/api/oauth/token");
    EXPECT_EQ(urls["dependencies"], api.host() + "/api/metadata/data/v3/dependencies");
    EXPECT_EQ(urls["openApiMetadata"], api.host() + "/api/metadata/");
    EXPECT_FALSE(d.contains("applicationName"));
  } else {
    EXPECT_EQ(d["applicationName"], "Ed-Fi API");
    EXPECT_EQ(urls["dataManagementApi"], api.host() + "/data");
    EXPECT_EQ(urls["oauth"], api.host() + "/oauth/token");
    EXPECT_EQ(urls["dependencies"], api.host() + "/metadata/dependencies");
    EXPECT_EQ(urls["openApiMetadata"], api.host() + "/metadata/specifications");
    json m = http("GET", api.host() + "/metadata").json_body();
    EXPECT_EQ(m["dependencies"], api.host() + "/metadata/dependencies");
  }
  // No token needed for metadata.
  json specs = http("GET", urls["openApiMetadata"].get<std::string>()).json_body();
  ASSERT_TRUE(specs.is_array());
  std::string resources_url, descriptors_url;
  for (auto& s : specs) {
    if (s["name"] == "Resources") resources_url = s["endpointUri"];
    if (s["name"] == "Descriptors") descriptors_url = s["endpointUri"];
  }
  EXPECT_EQ(resources_url, ods ? api.host() + "/api/metadata/data/v3/resources/swagger.json"
                               : api.host() + "/metadata/specifications/resources-spec.json");
  json res_spec = http("GET", resources_url).json_body();
  ASSERT_TRUE(res_spec.contains("paths"));
  EXPECT_EQ(res_spec["servers"][0]["url"], ods ? api.host() + "/api/data/v3" : api.host() + "/data");
  EXPECT_TRUE(res_spec["components"]["schemas"].contains(ods ? "edFi_student" : "EdFi_Student"));
  json desc_spec = http("GET", descriptors_url).json_body();
  EXPECT_TRUE(desc_spec["paths"].contains("/ed-fi/gradeLevelDescriptors"));

  // Dependencies (pitfall 14): descriptors at order 1, schoolYearTypes absent, students twice.
  json deps = http("GET", urls["dependencies"].get<std::string>()).json_body();
  ASSERT_TRUE(deps.is_array());
  int student_entries = 0, school_order = 0, ssa_order = 0, student_update = 0;
  for (auto& e : deps) {
    std::string r = e["resource"];
    EXPECT_NE(r, "/ed-fi/schoolYearTypes");
    if (r.ends_with("Descriptors")) {
      EXPECT_EQ(e["order"], 1) << r;
    }
    if (r == "/ed-fi/students") {
      ++student_entries;
      if (e["operations"] == json::array({"Update"})) student_update = e["order"];
    }
    if (r == "/ed-fi/schools") school_order = e["order"];
    if (r == "/ed-fi/studentSchoolAssociations") ssa_order = e["order"];
  }
  EXPECT_EQ(student_entries, 2);
  EXPECT_GT(ssa_order, school_order);
  EXPECT_EQ(student_update, ssa_order + 1);
}

// §12: legacy {"message": ...} bodies keep the status codes.
TEST(ConformanceLegacy, MessageBodies) {
  Api api("ods", {"--errors", "legacy"});
  seed_school(api);
  Response missing = api.post("/ed-fi/studentSchoolAssociations", json{{"schoolReference", {{"schoolId", 1}}}});
  EXPECT_EQ(missing.status, 400);
  json m = missing.json_body();
  ASSERT_TRUE(m.contains("message")) << missing.body;
  EXPECT_EQ(m.size(), 1u);
  EXPECT_EQ(m["message"].get<std::string>().rfind("Validation of 'StudentSchoolAssociation' failed.\n\t", 0), 0u);

  api.create("/ed-fi/students", student("s1"));
  Response unresolved = api.post("/ed-fi/studentSchoolAssociations", ssa("s1", 999));
  EXPECT_EQ(unresolved.status, 409);
  EXPECT_EQ(unresolved.json_body(), (json{{"message", "The value supplied for the related 'school' resource does not exist."}}));

  api.create("/ed-fi/studentSchoolAssociations", ssa("s1"));
  std::string school_id = api.get("/ed-fi/schools").json_body()[0]["id"];
  Response del = api.del("/ed-fi/schools/" + school_id);
  EXPECT_EQ(del.status, 409);
  EXPECT_EQ(del.json_body(),
            (json{{"message",
                   "The resource (or a subordinate entity of the resource) cannot be deleted because it is a dependency of "
                   "the 'studentSchoolAssociation' entity."}}));
  Response paging = api.get("/ed-fi/students?offset=-1");
  EXPECT_EQ(paging.status, 400);
  EXPECT_EQ(paging.json_body(), (json{{"message", "Offset cannot be a negative value."}}));
}

// --openapi 2: the ODS 5.x Swagger 2.0 documents.
TEST(ConformanceSwagger2, ServesDefinitions) {
  Api api("ods", {"--openapi", "2"});
  json spec = http("GET", api.host() + "/api/metadata/data/v3/resources/swagger.json").json_body();
  EXPECT_EQ(spec["swagger"], "2.0");
  ASSERT_TRUE(spec.contains("definitions"));
  EXPECT_TRUE(spec["definitions"].contains("edFi_student"));
  EXPECT_EQ(spec["basePath"], "/api/data/v3");
}

}  // namespace
