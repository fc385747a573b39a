// Fuzz target: the config loader (core/config/loader) on arbitrary lightbeam.yaml text, -p params
// and --set overrides: YAML syntax, anchors/aliases, ${VAR}/$VAR expansion, type/range checks,
// unknown keys, then the redacted dump. Bad input must be a one-line lightbeam::Error, and a -p
// value (a secret) must never appear in an error, a warning or the redacted dump.
//
// Input layout (sections are optional; the markers are whole lines):
//   <YAML text>
//   %%params
//   <-p JSON object; the target adds "LB_SECRET": k_secret to it>
//   %%set
//   <one KEY=VALUE per line>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/loader.hpp"
#include "core/error.hpp"
#include "fuzz_check.hpp"
#include "fuzz_temp_file.hpp"

namespace {

constexpr std::string_view k_secret = "Fz-p-S3cr3t-Value";

// Splits off the text after a "<marker>" line; `text` keeps what is before it (with its newline).
std::string_view cut(std::string_view& text, std::string_view marker) {
  const std::string line = std::string(marker) + "\n";
  std::size_t end = 0;
  if (text.substr(0, line.size()) != line) {
    const std::size_t at = text.find("\n" + line);
    if (at == std::string_view::npos) return {};
    end = at + 1;
  }
  const std::string_view rest = text.substr(end + line.size());
  text = text.substr(0, end);
  return rest;
}

void check_no_secret(std::string_view where, std::string_view text) {
  FUZZ_CHECK(text.find(k_secret) == std::string_view::npos, "the -p secret appears in %.*s: %.*s",
             static_cast<int>(where.size()), where.data(), static_cast<int>(text.size()), text.data());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Fixed variables for $VAR / ${VAR} expansion (seeds use them); not secrets by the contract.
  setenv("LB_FUZZ_URL", "http://127.0.0.1:1/api", 1);
  setenv("LB_FUZZ_NUM", "8", 1);
  setenv("LB_FUZZ_EMPTY", "", 1);
  setenv("LB_FUZZ_LIST", "students, schools", 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view yaml = input;
  const std::string_view sets = cut(yaml, "%%set");
  const std::string_view params = cut(yaml, "%%params");

  std::string params_json(params);
  try {
    auto j = nlohmann::json::parse(params_json);
    if (j.is_object()) {
      j["LB_SECRET"] = k_secret;
      params_json = j.dump();
    }
  } catch (const nlohmann::json::exception&) {
    // not JSON: passed as given, the loader must reject it
  }
  lightbeam::config::Overrides overrides;
  for (std::size_t pos = 0; pos < sets.size();) {
    std::size_t nl = sets.find('\n', pos);
    std::string_view line = sets.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? sets.size() : nl + 1;
    std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    overrides.emplace_back(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
  }

  const auto& file = lightbeam::fuzz::temp_file(".yaml");
  lightbeam::fuzz::write_temp_file(file, yaml);
  // A secret the input spells out itself is not a leak.
  const bool check_secret = input.find(k_secret) == std::string_view::npos;
  std::vector<std::string> warnings;
  try {
    const lightbeam::config::Config cfg = lightbeam::config::load(file.string(), params_json, overrides, &warnings);
    const std::string dump = lightbeam::config::dump_redacted(cfg);
    if (check_secret) check_no_secret("the redacted dump", dump);
    for (const auto& secret : cfg.secret_values) {
      // redact() replaces every secret; only "*" characters can form a secret again afterwards.
      if (secret.find('*') != std::string::npos) continue;
      FUZZ_CHECK(dump.find(secret) == std::string::npos, "a secret survives the redacted dump");
      FUZZ_CHECK(lightbeam::config::redact(dump + secret, cfg).find(secret) == std::string::npos,
                 "redact() leaves a secret");
    }
  } catch (const lightbeam::Error& e) {
    const std::string_view message = e.what();
    FUZZ_CHECK(!message.empty(), "empty error message");
    FUZZ_CHECK(message.find('\n') == std::string_view::npos, "error is not one line: %s", e.what());
    if (check_secret) check_no_secret("an error", message);
  }
  for (const auto& w : warnings) {
    FUZZ_CHECK(w.find('\n') == std::string::npos, "warning is not one line: %s", w.c_str());
    if (check_secret) check_no_secret("a warning", w);
  }
  return 0;
}
