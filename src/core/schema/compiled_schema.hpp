// A JSON schema (the subset Ed-Fi's OpenAPI documents use, plus what the draft-4 test suite needs)
// compiled once into a flat tree of nodes, then checked against simdjson values without
// allocating schema objects per document. Thread-safe: one CompiledSchema may validate on many
// threads at once.
#pragma once
#include <simdjson.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/schema/coercion.hpp"
#include "core/schema/formats.hpp"

namespace lightbeam::schema {

// Resolves a `$ref` string ("#/components/schemas/X", "#/definitions/a", "#") to the JSON it
// names inside the owning document; nullptr when it names nothing. The JSON must outlive compile().
using RefResolver = std::function<const nlohmann::json*(std::string_view ref)>;

// Resolves a JSON pointer fragment ("" = the document, "/a/b~1c/0", percent-encoded allowed as in
// URI fragments) inside doc; nullptr when absent.
const nlohmann::json* resolve_json_pointer(const nlohmann::json& doc, std::string_view pointer);

// A RefResolver for refs of the form "#<pointer>" into doc (the usual OpenAPI / test-suite case).
RefResolver pointer_resolver(const nlohmann::json& doc);

struct CompileOptions {
  FormatMode formats = FormatMode::strict;
  // The Ed-Fi API's coercions before type checks (coercion.hpp); none = plain JSON Schema.
  Coercion coercion = Coercion::none;
  // Honour `id` keywords (base-URI changes, "#name" anchors). Off for OpenAPI documents.
  bool resolve_ids = false;
  // Names the schema in compile errors, e.g. "resources spec, schema EdFi_School".
  std::string where;
};

// One validation failure: a message in the wording of Python's jsonschema
// ("'schoolId' is a required property", "'abc' is not of type 'integer'") and the instance path.
struct ValidationError {
  std::string message;
  std::vector<std::string> path;  // property names and array indexes from the document root
  // "<message> in a -> b" (just the message at the root).
  std::string to_string() const;
  // The Python tool's exact text, f"{e.message} {context}": "<message>  in a -> b" (two spaces),
  // "<message> " (a trailing space) at the root. validate reports this (issue 13 item 12).
  std::string python_text() const { return message + " " + (path.empty() ? "" : to_string().substr(message.size())); }
};

class CompiledSchema {
 public:
  // Compiles `schema`; `$ref`s are resolved through `resolver` (recursion is fine). Throws
  // lightbeam::Error naming options.where and the schema path for an unresolvable $ref, a
  // `pattern` PCRE2 cannot compile, or a malformed keyword.
  static CompiledSchema compile(const nlohmann::json& schema, const RefResolver& resolver,
                                const CompileOptions& options = {});

  CompiledSchema(CompiledSchema&&) noexcept;
  CompiledSchema& operator=(CompiledSchema&&) noexcept;
  ~CompiledSchema();

  // Fast path: true when valid. No allocation.
  bool is_valid(simdjson::dom::element value) const;
  // The failure to report: the shallowest one (fewest path segments), first in document order
  // among equals — as Python's jsonschema best_match prefers. nullopt when valid.
  std::optional<ValidationError> first_error(simdjson::dom::element value) const;
  // Every failure (for tests and diagnostics).
  std::vector<ValidationError> all_errors(simdjson::dom::element value) const;

  size_t node_count() const;

  struct Impl;  // opaque; public only so the compiler helper in the .cpp can name it

 private:
  explicit CompiledSchema(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Python repr() of a JSON value as jsonschema prints it ('x', 12, True, None, [1, 2], {'a': 1}).
// Strings longer than max_chars are cut with "...".
std::string python_repr(simdjson::dom::element value, size_t max_chars = 200);
std::string python_repr(const nlohmann::json& value, size_t max_chars = 200);

}  // namespace lightbeam::schema
