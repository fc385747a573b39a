// Fuzz target: the sandbox's request-body parser (sandbox/json_body), checked against nlohmann's
// own DOM parser: same acceptance and same value when no key is repeated; a repeated key is
// reported with a JSON path.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fuzz_check.hpp"
#include "sandbox/json_body.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const lightbeam::sandbox::ParsedBody body = lightbeam::sandbox::parse_body(text);
  if (!body.duplicate_path.empty()) {
    // Parsing stops at the first repeated key, so the rest of the text is not judged.
    FUZZ_CHECK(body.parse_error.empty(), "both a duplicate and a parse error");
    FUZZ_CHECK(body.duplicate_path.rfind("$", 0) == 0, "duplicate path '%s' does not start with $",
               body.duplicate_path.c_str());
    return 0;
  }
  const bool accepted = nlohmann::json::accept(text);
  FUZZ_CHECK(body.parse_error.empty() == accepted, "parse_error='%s' but accept()=%d", body.parse_error.c_str(), accepted);
  if (accepted) FUZZ_CHECK(body.value == nlohmann::json::parse(text), "SAX-built value differs from the DOM parse");
  return 0;
}
