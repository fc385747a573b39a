// The compiled validator on Ed-Fi-shaped schemas: messages and paths in lightbeam's wording,
// x-nullable, Ed-Fi format leniency, type coercion, recursive $refs, compile errors.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/schema/compiled_schema.hpp"
#include "core/schema/formats.hpp"

using namespace lightbeam::schema;
using nlohmann::json;

namespace {

const json k_doc = json::parse(R"({
  "components": {"schemas": {
    "EdFi_Student_Reference": {"type": "object", "required": ["studentUniqueId"],
      "properties": {"studentUniqueId": {"type": "string", "maxLength": 32}}},
    "EdFi_X_GradeLevel": {"type": "object", "required": ["gradeLevelDescriptor"],
      "properties": {"gradeLevelDescriptor": {"type": "string", "maxLength": 306}}},
    "EdFi_X": {"type": "object", "required": ["studentReference", "entryDate", "schoolYear"],
      "properties": {
        "studentReference": {"$ref": "#/components/schemas/EdFi_Student_Reference"},
        "calendarReference": {"$ref": "#/components/schemas/EdFi_Student_Reference", "x-nullable": true},
        "entryDate": {"type": "string", "format": "date"},
        "startTime": {"type": "string", "format": "time", "x-nullable": true},
        "schoolYear": {"type": "integer", "minimum": 1900, "maximum": 2100},
        "flag": {"type": "boolean", "x-nullable": true},
        "code": {"type": "string", "maxLength": 3, "x-nullable": true},
        "name": {"type": "string", "minLength": 1, "pattern": "^(?!\\s).*(?<!\\s)$"},
        "gradeLevels": {"type": "array", "minItems": 1, "uniqueItems": false,
          "items": {"$ref": "#/components/schemas/EdFi_X_GradeLevel"}}
      }},
    "Tree": {"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}},
      "v": {"type": "integer"}}}
  }}
})");

CompiledSchema compile(const std::string& name, FormatMode mode = FormatMode::edfi, Coercion coercion = Coercion::dms) {
  CompileOptions opt;
  opt.formats = mode;
  opt.coercion = coercion;
  opt.where = name;
  return CompiledSchema::compile(k_doc["components"]["schemas"][name], pointer_resolver(k_doc), opt);
}

std::string error_of(const CompiledSchema& s, const std::string& text) {
  simdjson::dom::parser p;
  simdjson::dom::element e = p.parse(text);
  auto err = s.first_error(e);
  EXPECT_EQ(err.has_value(), !s.is_valid(e));
  return err ? err->to_string() : "";
}

const char* k_ok = R"({"studentReference": {"studentUniqueId": "s1"}, "entryDate": "2024-08-21", "schoolYear": 2024,
  "name": "Ann", "gradeLevels": [{"gradeLevelDescriptor": "uri://ed-fi.org/GradeLevelDescriptor#Ninth grade"}]})";

}  // namespace

TEST(Validator, ValidDocumentHasNoError) {
  auto s = compile("EdFi_X");
  EXPECT_EQ(error_of(s, k_ok), "");
}

TEST(Validator, MessagesNamePropertyPaths) {
  auto s = compile("EdFi_X");
  auto with = [&](const std::string& key, const std::string& value) {
    json j = json::parse(k_ok);
    j[key] = json::parse(value);
    return error_of(s, j.dump());
  };
  EXPECT_EQ(with("studentReference", R"({"studentUniqueId": 5})"), "5 is not of type 'string' in studentReference -> studentUniqueId");
  EXPECT_EQ(with("studentReference", R"({})"), "'studentUniqueId' is a required property in studentReference");
  EXPECT_EQ(with("schoolYear", "3000"), "3000 is greater than the maximum of 2100 in schoolYear");
  EXPECT_EQ(with("schoolYear", "1000"), "1000 is less than the minimum of 1900 in schoolYear");
  EXPECT_EQ(with("entryDate", R"("2024-02-30")"), "'2024-02-30' is not a 'date' in entryDate");
  EXPECT_EQ(with("name", R"(" Ann")"), R"(' Ann' does not match '^(?!\\s).*(?<!\\s)$' in name)");
  EXPECT_EQ(with("name", R"("")"), "'' is too short in name");
  EXPECT_EQ(with("gradeLevels", "[]"), "[] is too short in gradeLevels");
  EXPECT_EQ(with("gradeLevels", R"([{"gradeLevelDescriptor": "a"}, {}])"), "'gradeLevelDescriptor' is a required property in gradeLevels -> 1");
  EXPECT_EQ(with("flag", R"("maybe")"), "'maybe' is not of type 'boolean' in flag");
  json j = json::parse(k_ok);
  j.erase("entryDate");
  EXPECT_EQ(error_of(s, j.dump()), "'entryDate' is a required property");
  EXPECT_EQ(error_of(s, "[1]"), "[1] is not of type 'object'");
}

TEST(Validator, ShallowestErrorIsReported) {
  auto s = compile("EdFi_X");
  json j = json::parse(k_ok);
  j["studentReference"] = json::parse(R"({"studentUniqueId": 5})");
  j["schoolYear"] = "x";
  EXPECT_EQ(error_of(s, j.dump()), "'x' is not of type 'integer' in schoolYear");
  simdjson::dom::parser p;
  EXPECT_EQ(s.all_errors(p.parse(j.dump()).value()).size(), 2u);
}

TEST(Validator, NullableAndCoercion) {
  auto s = compile("EdFi_X");
  json j = json::parse(k_ok);
  j["calendarReference"] = nullptr;
  j["flag"] = nullptr;
  j["startTime"] = nullptr;
  EXPECT_EQ(error_of(s, j.dump()), "");
  j["flag"] = "TRUE";
  j["schoolYear"] = "2024";
  EXPECT_EQ(error_of(s, j.dump()), "");
  j["studentReference"] = nullptr;
  EXPECT_EQ(error_of(s, j.dump()), "None is not of type 'object' in studentReference");
  auto strict = compile("EdFi_X", FormatMode::strict, Coercion::none);
  j = json::parse(k_ok);
  j["schoolYear"] = "2024";
  EXPECT_EQ(error_of(strict, j.dump()), "'2024' is not of type 'integer' in schoolYear");
}

// docs/coercion.md: what ODS/API 7.x (Newtonsoft) and DMS take for a string or a boolean.
TEST(Validator, OdsAndDmsCoerceStringsAndBooleansDifferently) {
  auto ods = compile("EdFi_X", FormatMode::edfi, Coercion::ods);
  auto dms = compile("EdFi_X", FormatMode::edfi, Coercion::dms);
  auto with = [](const char* key, json value) {
    json j = json::parse(k_ok);
    j[key] = std::move(value);
    return j.dump();
  };
  // A number or boolean for a plain string: ODS keeps its text, DMS refuses it.
  EXPECT_EQ(error_of(ods, with("name", 298)), "");
  EXPECT_EQ(error_of(ods, with("name", true)), "");
  EXPECT_EQ(error_of(dms, with("name", 298)), "298 is not of type 'string' in name");
  EXPECT_EQ(error_of(dms, with("name", false)), "False is not of type 'string' in name");
  // ... and string keywords apply to that text.
  json ref = json::parse(k_ok);
  ref["studentReference"]["studentUniqueId"] = 123456789012345678;
  EXPECT_EQ(error_of(ods, ref.dump()), "");
  EXPECT_EQ(error_of(ods, with("code", 123)), "");
  EXPECT_EQ(error_of(ods, with("code", 1234)), "1234 is too long in code");
  EXPECT_EQ(error_of(ods, with("code", 1.25)), "1.25 is too long in code");
  // Not for a string with a date or time format: Newtonsoft's converters want a string token.
  EXPECT_EQ(error_of(ods, with("entryDate", 20240101)), "20240101 is not of type 'string' in entryDate");
  // Booleans: ODS takes any number (non-zero = true) but not "0"/"1"; DMS the reverse.
  EXPECT_EQ(error_of(ods, with("flag", 2)), "");
  EXPECT_EQ(error_of(ods, with("flag", 0.5)), "");
  EXPECT_EQ(error_of(dms, with("flag", 2)), "2 is not of type 'boolean' in flag");
  EXPECT_EQ(error_of(dms, with("flag", 1)), "");
  EXPECT_EQ(error_of(ods, with("flag", "1")), "'1' is not of type 'boolean' in flag");
  EXPECT_EQ(error_of(dms, with("flag", "1")), "");
  EXPECT_EQ(error_of(ods, with("flag", " False ")), "");
  EXPECT_EQ(error_of(dms, with("flag", " False ")), "");
  // Both: numeric strings for integers, not booleans.
  EXPECT_EQ(error_of(ods, with("schoolYear", " 2024 ")), "");
  EXPECT_EQ(error_of(ods, with("schoolYear", true)), "True is not of type 'integer' in schoolYear");
}

TEST(Validator, EdfiFormatsAreAsLenientAsTheApi) {
  EXPECT_TRUE(is_valid_date("2009-05-01", FormatMode::edfi));
  EXPECT_TRUE(is_valid_date("5/1/2009", FormatMode::edfi));
  EXPECT_TRUE(is_valid_date("25/12/2009", FormatMode::edfi));
  EXPECT_FALSE(is_valid_date("5/1/2009", FormatMode::strict));
  EXPECT_FALSE(is_valid_date("2009-13-01", FormatMode::edfi));
  EXPECT_FALSE(is_valid_date("2023-02-29", FormatMode::edfi));
  EXPECT_TRUE(is_valid_date("2024-02-29", FormatMode::edfi));
  EXPECT_TRUE(is_valid_time("08:30:00", FormatMode::edfi));
  EXPECT_FALSE(is_valid_time("08:30:00", FormatMode::strict));
  EXPECT_FALSE(is_valid_time("25:30:00", FormatMode::edfi));
  EXPECT_TRUE(is_valid_date_time("2021-09-28", FormatMode::edfi));
  EXPECT_TRUE(is_valid_date_time("2021/09/28", FormatMode::edfi));
  EXPECT_TRUE(is_valid_date_time("2021-09-28 2:15:30 PM", FormatMode::edfi));
  EXPECT_TRUE(is_valid_date_time("2022-09-05T16:44:33", FormatMode::edfi));
  EXPECT_TRUE(is_valid_date_time("2022-09-05T16:44:33.123-05:00", FormatMode::strict));
  EXPECT_FALSE(is_valid_date_time("yesterday", FormatMode::edfi));
}

TEST(Validator, RecursiveSchemaCompilesOnce) {
  auto s = compile("Tree");
  EXPECT_LT(s.node_count(), 10u);
  EXPECT_EQ(error_of(s, R"({"children": [{"children": [{"v": 1}, {"v": "x"}]}]})"),
            "'x' is not of type 'integer' in children -> 0 -> children -> 1 -> v");
}

TEST(Validator, BadPatternIsAClearError) {
  json doc = json::parse(R"({"definitions": {"A": {"type": "string", "pattern": "^(abc$"}}})");
  CompileOptions opt;
  opt.where = "descriptors spec, schema A";
  try {
    CompiledSchema::compile(doc["definitions"]["A"], pointer_resolver(doc), opt);
    FAIL() << "expected an error";
  } catch (const lightbeam::Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("descriptors spec, schema A"), std::string::npos) << m;
    EXPECT_NE(m.find("/pattern"), std::string::npos) << m;
    EXPECT_NE(m.find("^(abc$"), std::string::npos) << m;
  }
}

TEST(Validator, UnresolvableAndCircularRefsAreErrors) {
  json doc = json::parse(R"({"definitions": {"A": {"$ref": "#/definitions/B"}, "B": {"$ref": "#/definitions/A"},
    "C": {"properties": {"x": {"$ref": "#/definitions/Missing"}}}}})");
  EXPECT_THROW(CompiledSchema::compile(doc["definitions"]["A"], pointer_resolver(doc)), lightbeam::Error);
  EXPECT_THROW(CompiledSchema::compile(doc["definitions"]["C"], pointer_resolver(doc)), lightbeam::Error);
}

TEST(Validator, LengthsCountCodePoints) {
  json doc = json::parse(R"({"type": "string", "maxLength": 2, "minLength": 2})");
  auto s = CompiledSchema::compile(doc, pointer_resolver(doc));
  simdjson::dom::parser p;
  EXPECT_TRUE(s.is_valid(p.parse(std::string(R"("\u00e9\u00e9")")).value()));
  EXPECT_TRUE(s.is_valid(p.parse(std::string("\"\xF0\x9F\x98\x80\xF0\x9F\x98\x80\"")).value()));
  EXPECT_FALSE(s.is_valid(p.parse(std::string(R"("abc")")).value()));
}
