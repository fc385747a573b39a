// Fuzz target: `lightbeam validate`'s per-line checks (core/schema/validator) with schemas compiled
// from our own metadata/ (LIGHTBEAM_FUZZ_SPECS=<dir> uses other specs, e.g. DS 5.2): the json,
// schema, descriptors, uniqueness and references methods on arbitrary lines. The first input byte
// picks the endpoint, the rest is the line.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/schema/spec_model.hpp"
#include "core/schema/validator.hpp"
#include "fuzz_check.hpp"

namespace schema = lightbeam::schema;

namespace {

struct World {
  schema::SpecModel model = schema::SpecModel::load_dir(
      std::getenv("LIGHTBEAM_FUZZ_SPECS") ? std::getenv("LIGHTBEAM_FUZZ_SPECS") : LIGHTBEAM_SOURCE_DIR "/metadata");
  schema::DescriptorSet descriptors;
  std::vector<std::unique_ptr<schema::EndpointValidator>> validators;
  schema::LocalReferenceIndex no_local;

  World() {
    descriptors.add("gradeLevelDescriptors", "uri://ed-fi.org/GradeLevelDescriptor", "Ninth grade");
    descriptors.add("entryTypeDescriptors", "uri://ed-fi.org/EntryTypeDescriptor", "Transfer");
    descriptors.add("sexDescriptors", "uri://ed-fi.org/SexDescriptor", "Female");
    schema::ValidatorOptions options;
    options.methods.references = true;
    for (const schema::Endpoint* ep : model.endpoints())
      validators.push_back(std::make_unique<schema::EndpointValidator>(model, *ep, options, &descriptors, &no_local));
  }
};

const World& world() {
  static const World w;
  return w;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  world();  // compile every schema once, before the first input
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const World& w = world();
  const schema::EndpointValidator& validator = *w.validators[data[0] % w.validators.size()];
  // The validator reads the line in place: it needs simdjson's padding after it.
  const std::string padded(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string buffer = padded;
  buffer.append(simdjson::SIMDJSON_PADDING, '\0');
  const std::string_view text(buffer.data(), padded.size());

  static simdjson::dom::parser parser;  // reused, as validate reuses one per thread
  schema::LineResult result;
  validator.check_line(parser, text, result);

  simdjson::dom::element doc;
  const bool is_json = parser.parse(text.data(), text.size(), false).get(doc) == simdjson::SUCCESS;
  if (!is_json) {
    FUZZ_CHECK(result.failures.size() == 1 && result.failures[0].first == schema::Method::json,
               "a line that is not JSON must fail by the json method only");
    return 0;
  }
  for (const auto& [method, message] : result.failures) {
    FUZZ_CHECK(!message.empty(), "empty %s failure", std::string(schema::method_name(method)).c_str());
    FUZZ_CHECK(message.find('\n') == std::string::npos, "failure is not one line: %s", message.c_str());
  }
  for (const auto& remote : result.remote) FUZZ_CHECK(!remote.queries.empty(), "a remote check without queries");
  if (doc.is_object()) {
    (void)validator.identity_text(doc);
    (void)validator.duplicate_message(doc);
    if (!validator.endpoint().is_descriptor) {
      schema::LocalReferenceIndex local;
      for (const auto* ref : validator.references()) local.want(ref);
      local.add_document(validator.endpoint(), doc);
    }
  }
  // Checking the same line twice gives the same result (the validator is immutable).
  schema::LineResult again;
  validator.check_line(parser, text, again);
  FUZZ_CHECK(again.failures == result.failures, "second check_line differs");
  return 0;
}
