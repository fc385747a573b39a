// Seed data a real server starts with (docs/sandbox.md, "Templates"): an ODS database always holds the
// school years; its minimal template adds the standard descriptors, its populated template the Grand
// Bend sample data. DMS starts empty.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "core/schema/spec_model.hpp"
#include "sandbox/store.hpp"

namespace lightbeam::sandbox {

struct TemplateLoad {
  std::size_t loaded = 0;
  std::size_t failed = 0;
  std::vector<std::string> first_failures;  // "<file>:<line>: <reason>", the first of each file, at most 10
};

// Checks `name` (none, school-years, minimal, populated, or a folder of {resource}.jsonl files) and
// returns the folders it loads, in order; throws Error for a name that is neither.
std::vector<std::string> template_folders(const std::string& name, const std::string& templates_dir);

// Posts the template's documents into `store`: the school years 1991–2050 (unless `name` is none),
// then every folder's {resource}.jsonl in dependency order, each line normalised as a POST body.
// Lines the store rejects (e.g. a reference to a record the sample leaves out) are counted, not fatal.
TemplateLoad load_template(const std::string& name, const std::string& templates_dir, const schema::SpecModel& model,
                           Store& store);

}  // namespace lightbeam::sandbox
