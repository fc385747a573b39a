// Payload validation for `lightbeam validate`, independent of the API: one EndpointValidator per
// endpoint checks a JSONL line by the methods json, schema (compiled once from the OpenAPI model),
// descriptors, uniqueness (identity hashes; collection items within a payload) and references
// (against a LocalReferenceIndex; what stays unresolved is returned for remote lookups).
// Everything here is immutable after construction and safe to use from many threads.
#pragma once
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/schema/compiled_schema.hpp"
#include "core/schema/spec_model.hpp"

namespace lightbeam::schema {

enum class Method : uint8_t { json, schema, descriptors, uniqueness, references };
std::string_view method_name(Method m);

struct Methods {
  bool schema = true;
  bool descriptors = true;
  bool uniqueness = true;
  bool references = false;
};
// validate.methods: names from {schema, descriptors, uniqueness, references}, or one entry "*"/"all"
// (every method). Unknown names → lightbeam::Error listing the valid ones.
Methods parse_methods(const std::vector<std::string>& names);
// As the Python tool logs them: "['schema', 'descriptors', 'uniqueness']".
std::string methods_text(const Methods& m);

// A 128-bit hash of a canonical byte string (two independent 64-bit hashes).
struct Hash128 {
  uint64_t a = 0, b = 0;
  bool operator==(const Hash128& o) const { return a == o.a && b == o.b; }
};
struct Hash128Hasher {
  size_t operator()(const Hash128& h) const { return static_cast<size_t>(h.a); }
};
Hash128 hash128(std::string_view bytes);
using HashSet = std::unordered_set<Hash128, Hash128Hasher>;

// Known descriptor values, matched case-insensitively on the whole URI as the API does
// (edfi-api-behavior.md §10), per descriptor type when the property's type is known.
class DescriptorSet {
 public:
  // descriptor: the descriptor endpoint or its singular ("gradeLevelDescriptors" / "gradeLevelDescriptor").
  void add(std::string_view descriptor, std::string_view ns, std::string_view code_value);
  // descriptor empty = any type.
  bool contains(std::string_view descriptor, std::string_view uri) const;
  size_t size() const { return any_.size(); }

 private:
  HashSet typed_;
  HashSet any_;
};

// The value at a path of object keys in `doc`, or nullopt.
std::optional<simdjson::dom::element> at_path(simdjson::dom::element doc, const JsonPath& path);

// Canonical bytes of a JSON value for identity/reference keys: type tag + value; numbers in one
// form (1 == 1.0); strings lower-cased when `fold_case` (descriptor URIs).
void append_key_value(std::string& out, simdjson::dom::element v, bool fold_case);
void append_missing(std::string& out);

// Local documents that references may resolve to: per Reference schema, the keys (values of its
// fields, in Reference::fields order) of the local documents of every target.
class LocalReferenceIndex {
 public:
  // Declares the reference schemas whose targets are wanted (call before add_document).
  void want(const Reference* ref);
  // The endpoints whose local files should be read (targets of wanted references, incl. subclasses).
  std::vector<const Endpoint*> wanted_endpoints() const;
  // Adds one parsed document of endpoint `ep`. Not thread-safe (build it before validating).
  void add_document(const Endpoint& ep, simdjson::dom::element doc);
  bool contains(const Reference* ref, const Hash128& key) const;
  size_t size() const;

 private:
  struct Use {
    const Reference* ref;
    const ReferenceTarget* target;
  };
  std::unordered_map<const Endpoint*, std::vector<Use>> by_endpoint_;
  std::unordered_map<const Reference*, HashSet> keys_;
};

struct ValidatorOptions {
  Methods methods;
  // The coercions of the API the payloads go to (the layout discovery found: ODS/API or DMS).
  Coercion coercion = Coercion::dms;
  bool remote_references = true;
  // validate.references.selector entries "endpoint.referencePath" (wildcards allowed) and behavior.
  std::vector<std::string> reference_selector;
  bool selector_include = false;  // behavior: include (else exclude)
};

// A reference that did not resolve locally and must be looked up in the API.
struct RemoteCheck {
  // One relative query per concrete target: "{project}/{endpoint}?field=value&..." (values URL-encoded);
  // the reference resolves when any of them finds a record.
  std::vector<std::string> queries;
  std::string message;  // the failure message if none does
};

struct LineResult {
  std::vector<std::pair<Method, std::string>> failures;  // found on this line, in method order
  bool has_identity = false;                              // uniqueness: check `identity` in line order
  Hash128 identity;
  std::vector<RemoteCheck> remote;
  void clear() {
    failures.clear();
    has_identity = false;
    remote.clear();
  }
};

class EndpointValidator {
 public:
  // Compiles the endpoint's schema (when methods.schema); throws lightbeam::Error for a schema that
  // cannot be compiled (e.g. a `pattern` PCRE2 rejects), naming the endpoint and schema path.
  // `descriptors` and `local` may be null when the corresponding method is off.
  EndpointValidator(const SpecModel& model, const Endpoint& ep, ValidatorOptions options,
                    const DescriptorSet* descriptors, const LocalReferenceIndex* local);

  // Checks one line (text must be followed by simdjson::SIMDJSON_PADDING readable bytes).
  void check_line(simdjson::dom::parser& parser, std::string_view text, LineResult& out) const;
  // The identity of a payload as the uniqueness message shows it: {"entryDate": "...", "schoolId": 1}.
  std::string identity_text(simdjson::dom::element doc) const;
  std::string duplicate_message(simdjson::dom::element doc) const;

  // Every reference schema used anywhere in the endpoint's body (for LocalReferenceIndex::want).
  std::vector<const Reference*> references() const;
  const Endpoint& endpoint() const { return ep_; }

 private:
  struct Walk;
  void walk_object(const ObjectModel& om, simdjson::dom::object obj, Walk& w) const;
  struct PathSeg {
    std::string_view key;
    size_t index;
    bool is_index;
  };
  static std::string descriptor_path_text(const std::vector<PathSeg>& path);
  bool check_descriptors(simdjson::dom::element v, std::vector<PathSeg>& path, std::string& message) const;
  void check_reference(const Property& p, simdjson::dom::object ref, Walk& w) const;
  bool reference_selected(const std::string& ref_path) const;

  const SpecModel& model_;
  const Endpoint& ep_;
  ValidatorOptions options_;
  const DescriptorSet* descriptors_;
  const LocalReferenceIndex* local_;
  std::optional<CompiledSchema> schema_;
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // property name -> descriptor endpoint (heterogeneous lookup: no string built per value)
  std::unordered_map<std::string, const Endpoint*, NameHash, std::equal_to<>> descriptor_types_;
};

}  // namespace lightbeam::schema
