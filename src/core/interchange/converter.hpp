// Ed-Fi XML interchange files → API documents, streamed with libxml2's xmlTextReader: one top-level
// element (one record) is expanded at a time, mapped by the rules of mapping.hpp, handed to a sink
// and freed. Only the id → identity map of `ref`/`id` references grows with the input.
#pragma once
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/interchange/mapping.hpp"
#include "core/schema/spec_model.hpp"

namespace lightbeam::interchange {

// Elements reported as unmapped, by name, with where the first one is.
struct Unmapped {
  std::size_t count = 0;
  std::string first_at;  // "file:line"
};

struct Summary {
  std::map<std::string, std::size_t> records;  // endpoint → documents produced
  std::map<std::string, Unmapped> unmapped;    // "Parent/Element" → occurrences
  std::size_t unresolved_refs = 0;             // ref="X" with no element id="X" in the run
  std::size_t bad_values = 0;                  // text that is not of the property's type
};

using Sink = std::function<void(const schema::Endpoint&, const nlohmann::json&)>;

class Converter {
 public:
  // `ns`: the API project whose resources top-level elements are looked up in first ("ed-fi").
  Converter(const schema::SpecModel& model, const std::string& ns);
  ~Converter();
  Converter(const Converter&) = delete;
  Converter& operator=(const Converter&) = delete;

  // First pass over every file of a run: remembers the identity of each top-level element with an
  // `id` attribute, so a `ref` in any file (before or after it) resolves. Logs nothing.
  void collect_ids(const std::filesystem::path& file);
  // Second pass: every top-level element becomes one document for `sink` (or an unmapped report).
  void convert(const std::filesystem::path& file, const Sink& sink);

  const Summary& summary() const { return summary_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  Summary summary_;
};

}  // namespace lightbeam::interchange
