// The Ed-Fi resource model compiled from the resources and descriptors OpenAPI documents (edfi-api-behavior.md §4).
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace lightbeam::schema {

// How to use it
// -------------
//   auto model = SpecModel::load_dir("metadata");               // or from_documents(res_json, desc_json)
//   const Endpoint* ep = model.find("ed-fi", "studentSchoolAssociations");   // case-insensitive
//   for (const Property& p : ep->body->properties) { switch (p.kind) { ... } }
//   ep->identity_paths   -> {"entryDate", "schoolReference.schoolId", "studentReference.studentUniqueId"}
//   model.project(*ep, stored_doc) -> the object the document appears as inside an R_Reference
//
// The model is immutable once built and may be shared by threads without locking. Every pointer in it
// points into the model itself and stays valid as long as the SpecModel lives (SpecModel is move-only;
// moving it keeps the pointers valid because everything is heap-allocated).
//
// Input flavours accepted (detected per schema, never guessed from names):
//   - OpenAPI 3 (`components.schemas`, refs `#/components/schemas/X`, POST body in
//     `requestBody.content["application/json"].schema.$ref`)
//   - Swagger 2.0 (`definitions`, refs `#/definitions/X`, POST body in `parameters[in=body].schema.$ref`)
//   - DMS schema names (`EdFi_Student`, `EdFi_School_Reference`, `TPDM_Candidate`, `EdFi_SchoolYearTypeReference`)
//     and ODS names (`edFi_student`, `edFi_schoolReference`, `tpdm_candidate`, `edFi_schoolYearTypeReference`).

// A location inside a JSON document: the object keys from the root, e.g. {"schoolReference", "schoolId"}.
// Arrays never appear inside an identity/projection/query path.
struct JsonPath {
  std::vector<std::string> segments;
  std::string dotted;  // "schoolReference.schoolId" (segments joined by '.')

  JsonPath() = default;
  explicit JsonPath(std::vector<std::string> segs);
  bool operator==(const JsonPath& o) const { return segments == o.segments; }
  // The value at this path in `doc`, or nullptr when any segment is missing / not an object.
  const nlohmann::json* find_in(const nlohmann::json& doc) const;
};

struct Endpoint;
struct ObjectModel;
struct Reference;
struct AbstractResource;

enum class PropertyKind {
  scalar,      // string / integer / number / boolean (see type, format)
  descriptor,  // a string property whose name ends in "Descriptor": holds "namespace#codeValue" (§4.5)
  reference,   // a `$ref` to an `X_Reference` / `XReference` schema (§4.3)
  object,      // a `$ref` to a common type or `_ext` object (nested ObjectModel)
  array,       // a collection; items described by `items` (usually an object)
};

// One property of an object schema, compiled.
struct Property {
  std::string name;
  PropertyKind kind = PropertyKind::scalar;
  bool required = false;  // in the `required` list of the object that holds it
  bool identity = false;  // "x-Ed-Fi-isIdentity": true (top level: part of the natural key)

  // scalar / descriptor: JSON-schema `type` ("string", "integer", "number", "boolean") and `format`
  // ("date", "date-time", "time", "double", "int32", ... or "").
  std::string type;
  std::string format;

  // descriptor: the descriptor endpoint (longest case-insensitive suffix of the property name, same
  // project preferred, else Ed-Fi). nullptr when no descriptor endpoint matches (then kind stays
  // `descriptor`, the value is still a URI, but existence cannot be checked).
  const Endpoint* descriptor = nullptr;

  // reference: the compiled reference schema (shared by every property using that schema).
  const Reference* reference = nullptr;

  // object: the nested object. array: the item object (nullptr when items are not objects; then
  // `type`/`format` describe the scalar items).
  const ObjectModel* object = nullptr;

  // array only
  std::size_t min_items = 0;
  // Item identity (§4.6), paths relative to the item: the item's own `x-Ed-Fi-isIdentity` properties
  // if it has any; else its required reference object(s) (every field); else its required scalar
  // and descriptor properties; else every scalar/descriptor/reference leaf of the item. Never empty
  // for object items that have at least one leaf.
  std::vector<JsonPath> item_identity;

  // The raw property schema inside the owning SpecModel's documents ($ref not followed).
  const nlohmann::json* schema = nullptr;
};

// An object schema (a resource body, a common type, an array item, an `_ext` object), compiled.
struct ObjectModel {
  std::string schema_name;  // "EdFi_School", "EdFi_School_GradeLevel", "edFi_schoolGradeLevel", ...
  std::vector<Property> properties;   // in document order (alphabetical for the Ed-Fi specs)
  std::vector<std::string> required;  // the `required` list as written
  const nlohmann::json* schema = nullptr;  // the raw schema (resolved)

  const Property* find(std::string_view name) const;  // exact (case-sensitive, as the API does)
};

// One field of a reference object (`schoolId` in EdFi_School_Reference).
struct ReferenceField {
  std::string name;
  std::string type;    // "string", "integer", ...
  std::string format;  // "date", ...
  bool is_descriptor = false;
  const Endpoint* descriptor = nullptr;  // when is_descriptor
};

// Where each field of a reference lands in a document of one concrete target resource.
struct ReferenceTarget {
  const Endpoint* endpoint = nullptr;
  // Same order as Reference::fields: the path, in the target document, of the value that field must
  // equal (the canonical, i.e. first, path of the target's projection field — §4.3 / §4.4 rename).
  std::vector<JsonPath> field_paths;
};

// A compiled reference schema (`EdFi_School_Reference`, `EdFi_EducationOrganization_Reference`, ...).
struct Reference {
  std::string schema_name;          // "EdFi_School_Reference", "edFi_schoolReference"
  std::string target_resource;      // "School", "EducationOrganization", "SchoolYearType"
  std::vector<ReferenceField> fields;  // in schema order
  std::vector<std::string> required;   // the reference schema's `required` list
  // Concrete target: exactly one entry. Abstract target: one entry per concrete subclass, sorted by path.
  std::vector<ReferenceTarget> targets;
  const AbstractResource* abstract_target = nullptr;  // non-null when the target is abstract (§4.4)
  const nlohmann::json* schema = nullptr;
};

// A field of a resource's reference projection (§4.3): how a document of R appears in an `R_Reference`.
struct ProjectionField {
  std::string name;  // field name in the R_Reference schema ("gradingPeriodSchoolYear")
  // Where the value comes from in R's document; paths[0] is canonical. Several paths = unified
  // values (pass 3 found the same field in several identity references): they must be equal.
  std::vector<JsonPath> paths;
};

// A field accepted as a GET filter (§4.7): top-level scalars and scalar fields of top-level references.
struct QueryField {
  std::string name;  // name as matched (case-insensitively) in the query string: "schoolId"
  // "string", "number", "boolean", "date", "date-time", "time" (integer and number → "number")
  std::string type;
  JsonPath path;  // where it lives in the document: "schoolReference.schoolId"
  bool is_descriptor = false;
};

// One resource or descriptor endpoint (every `/{project}/{endpoint}` path with a `post`).
struct Endpoint {
  std::string project;        // "ed-fi", "tpdm" (as in the path)
  std::string name;           // "schools", "gradeLevelDescriptors"
  std::string path;           // "/ed-fi/schools" — also the dependencies `resource` string
  std::string schema_name;    // "EdFi_School" / "edFi_school" (from the POST body $ref)
  std::string resource_name;  // "School", "GradeLevelDescriptor", "SchoolYearType" (messages, `link.rel`)
  bool is_descriptor = false;      // came from the descriptors document
  bool identity_updatable = false; // `x-Ed-Fi-isUpdatable` on the `/{id}` put (§4.2)

  const ObjectModel* body = nullptr;  // the compiled POST body schema

  std::vector<std::string> identity_properties;  // top-level `x-Ed-Fi-isIdentity` names, schema order
  // Identity flattened to leaf paths, sorted by dotted path: scalar identity properties as themselves,
  // identity references as every field of the reference object (e.g. studentSchoolAssociations →
  // entryDate, schoolReference.schoolId, studentReference.studentUniqueId).
  std::vector<JsonPath> identity_paths;

  // §4.3 projection: one entry per field of this resource's `R_Reference` schema, in that schema's order
  // (empty when the spec has no reference schema for it, e.g. descriptors, which are referenced by URI).
  std::vector<ProjectionField> projection;
  const Reference* own_reference = nullptr;  // the R_Reference schema, if any

  // §4.4: the abstract superclass (EducationOrganization, GeneralStudentProgramAssociation) or nullptr.
  const AbstractResource* superclass = nullptr;
  // When superclass is set: per field of the superclass reference (same order as its fields), the path in
  // this resource's document (EducationOrganization: educationOrganizationId → {"schoolId"} for schools).
  std::vector<JsonPath> superclass_paths;

  // §4.7; `id`, offset, limit, totalCount are not listed here. Identity properties come first, so a name shared by
  // an identity reference and an optional one maps to the identity reference (first wins); then schema order.
  std::vector<QueryField> query_fields;
  const QueryField* find_query_field(std::string_view name) const;  // case-insensitive
  // The query fields that select a document by its natural key (for `delete`/`create` lookups): for each identity
  // path, the query field with that path, de-duplicated. A unified or shadowed path (same field name in two identity
  // references, e.g. courseOfferings sessionReference.schoolId) has no query field of its own and is skipped.
  std::vector<const QueryField*> identity_query_fields() const;

  // Groups of paths (from the projection's unified fields and identity references sharing a field)
  // whose values must be equal in a valid document of this resource (§4.3, §5 step 11).
  std::vector<std::vector<JsonPath>> unification_groups;
};

// An abstract resource (a `_Reference` schema with no endpoint, §4.4).
struct AbstractResource {
  std::string name;              // "EducationOrganization"
  std::string project;           // "ed-fi"
  const Reference* reference = nullptr;   // its reference schema
  std::vector<const Endpoint*> subclasses;  // concrete subclasses, sorted by path
};

class SpecModel {
 public:
  // Builds the model from the two parsed documents (takes ownership; they stay accessible below).
  // `source` names them in error messages (e.g. a file or URL). Throws lightbeam::Error when a
  // document is not an OpenAPI 3 / Swagger 2 document, or a POST body $ref cannot be resolved.
  // The DS 5.2 schoolYearTypes defect (§4.8) is repaired in the stored resources document itself:
  // the school-year schema gets `schoolYear` (identity, integer 1900–2100), `currentSchoolYear`
  // (boolean, required) and `schoolYearDescription` (string, maxLength 50, required).
  static SpecModel from_documents(nlohmann::json resources, nlohmann::json descriptors,
                                  const std::string& source = "OpenAPI documents");
  // Reads DIR/resources-spec.json and DIR/descriptors-spec.json. Missing/unreadable/invalid file →
  // lightbeam::Error naming the file.
  static SpecModel load_dir(const std::filesystem::path& dir);
  // Reads and parses one JSON file (Error naming the file when missing or invalid).
  static nlohmann::json read_json_file(const std::filesystem::path& file);

  SpecModel(SpecModel&&) noexcept;
  SpecModel& operator=(SpecModel&&) noexcept;
  SpecModel(const SpecModel&) = delete;
  SpecModel& operator=(const SpecModel&) = delete;
  ~SpecModel();

  // All endpoints: resources first, then descriptors, each sorted by path.
  const std::vector<const Endpoint*>& endpoints() const;
  const std::vector<const Endpoint*>& resources() const;    // resource endpoints only
  const std::vector<const Endpoint*>& descriptors() const;  // descriptor endpoints only
  const std::vector<const AbstractResource*>& abstract_resources() const;

  // Case-insensitive lookups; nullptr when unknown. Abstract resources are not endpoints.
  const Endpoint* find(std::string_view project, std::string_view name) const;
  const Endpoint* find_path(std::string_view path) const;  // "/ed-fi/schools" (leading '/' optional)
  // By endpoint name alone (first match, Ed-Fi project preferred): "schools".
  const Endpoint* find_name(std::string_view name) const;
  const Endpoint* find_by_schema(std::string_view schema_name) const;  // exact
  const AbstractResource* find_abstract(std::string_view name) const;  // "EducationOrganization", case-insensitive
  // The descriptor endpoint for a descriptor-valued property name (§4.5): longest case-insensitive suffix,
  // `project` preferred, else ed-fi. nullptr when none.
  const Endpoint* descriptor_for_property(std::string_view property_name,
                                          std::string_view project = "ed-fi") const;

  // The schema a `$ref` string names ("#/components/schemas/X" or "#/definitions/X"); nullptr if absent.
  const nlohmann::json* resolve(std::string_view ref) const;
  // The schema with that name in either document; nullptr if absent.
  const nlohmann::json* schema(std::string_view name) const;

  const nlohmann::json& resources_document() const;
  const nlohmann::json& descriptors_document() const;
  bool is_swagger2() const;  // true when the documents use `definitions`

  // §4.3: the object a stored document of `resource` appears as inside an `R_Reference`
  // ({field: value} from each projection field's canonical path); fields missing from `doc` are omitted.
  nlohmann::json project(const Endpoint& resource, const nlohmann::json& doc) const;
  // The natural key of a document as {dotted identity path: value}, for display and uniqueness.
  nlohmann::json identity_of(const Endpoint& resource, const nlohmann::json& doc) const;

  // Number of reference fields in all reference schemas and how many resolved to a target path
  // (every field of every target; abstract: every subclass). Diagnostics for tests.
  std::size_t reference_field_count() const;
  std::size_t resolved_reference_field_count() const;

 private:
  struct Impl;
  explicit SpecModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Lower-case ASCII (endpoint and descriptor matching is case-insensitive).
std::string to_lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);

}  // namespace lightbeam::schema
