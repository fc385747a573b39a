// Fuzz target: compiling arbitrary JSON schemas (core/schema/compiled_schema) and checking
// instances against them. Input: a JSON array [schema, instance, instance, ...]; the schema's
// own $refs resolve inside it. is_valid, first_error and all_errors must agree.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/schema/compiled_schema.hpp"
#include "fuzz_check.hpp"

namespace schema = lightbeam::schema;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_array() || doc.empty()) return 0;

  schema::CompileOptions options;
  options.formats = data[0] & 1 ? schema::FormatMode::edfi : schema::FormatMode::strict;
  options.coercion = data[0] & 2 ? (data[0] & 8 ? schema::Coercion::ods : schema::Coercion::dms) : schema::Coercion::none;
  options.resolve_ids = data[0] & 4;
  options.where = "fuzzed schema";
  const nlohmann::json& root = doc[0];
  try {
    const schema::CompiledSchema compiled = schema::CompiledSchema::compile(root, schema::pointer_resolver(root), options);
    static simdjson::dom::parser parser;
    for (std::size_t i = 1; i < doc.size(); ++i) {
      const std::string instance = doc[i].dump();
      simdjson::dom::element value;
      if (parser.parse(instance).get(value) != simdjson::SUCCESS) continue;  // e.g. deeper than simdjson allows
      const bool valid = compiled.is_valid(value);
      const auto first = compiled.first_error(value);
      const auto all = compiled.all_errors(value);
      FUZZ_CHECK(valid == !first.has_value(), "is_valid=%d but first_error %s", valid, first ? first->to_string().c_str() : "none");
      FUZZ_CHECK(valid == all.empty(), "is_valid=%d but %zu errors", valid, all.size());
      if (first) FUZZ_CHECK(!first->message.empty(), "empty error message");
    }
  } catch (const lightbeam::Error& e) {
    const std::string message = e.what();
    FUZZ_CHECK(message.find("fuzzed schema") != std::string::npos, "compile error does not name the schema: %s", e.what());
  }
  return 0;
}
