// Fuzz target: the Python lightbeam state-file unpickler (core/state/pickle_import) on arbitrary
// bytes. Bad input must be a lightbeam::Error naming the file; anything else escaping is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/state/pickle_import.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::string name = "fuzz/endpoint.dat";
  try {
    auto entries = lightbeam::state::parse_state_pickle(bytes, name);
    // Every entry came from the input: a pickle of N entries needs more than 16*N bytes.
    FUZZ_CHECK(entries.size() * 16 <= size, "%zu entries from %zu bytes", entries.size(), size);
  } catch (const lightbeam::Error& e) {
    const std::string message = e.what();
    FUZZ_CHECK(message.find(name) != std::string::npos, "error does not name the file: %s", e.what());
    FUZZ_CHECK(message.find('\n') == std::string::npos, "error is not one line: %s", e.what());
  }
  return 0;
}
