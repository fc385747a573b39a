// Template loading: generated school years plus JSONL seed folders (metadata/ds-5.2/template/).
#include "sandbox/template.hpp"

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/schema/dependencies.hpp"
#include "sandbox/normalize.hpp"

namespace lightbeam::sandbox {

using nlohmann::json;

namespace {

constexpr int k_first_school_year = 1991;
constexpr int k_last_school_year = 2050;
constexpr std::size_t k_failures_kept = 10;

// Keeps the first failure of each file (`where` is "<file>:<line>"), so one bad file does not hide the others.
void note_failure(TemplateLoad& out, const std::string& where, const std::string& reason) {
  ++out.failed;
  std::string file = where.substr(0, where.find(':'));
  for (auto& f : out.first_failures)
    if (f.rfind(file + ":", 0) == 0) return;
  if (out.first_failures.size() < k_failures_kept) out.first_failures.push_back(where + ": " + reason);
}

std::string reason_of(const Problem& p) {
  std::string text = p.detail;
  if (!p.validation_errors.empty()) text += " " + p.validation_errors.dump();
  if (!p.errors.empty()) text += " " + p.errors.dump();
  return text;
}

void post(const schema::Endpoint& ep, json doc, const std::string& where, Store& store, TemplateLoad& out) {
  json errors = json::object();
  normalize_document(ep, doc, errors, schema::Coercion::dms);  // template files hold typed values
  if (!errors.empty()) return note_failure(out, where, errors.dump());
  WriteOutcome w = store.post(ep, std::move(doc), {});
  if (w.problem) return note_failure(out, where, reason_of(*w.problem));
  ++out.loaded;
}

// As an ODS database has them: every year of the SchoolYearType table, none marked current.
void load_school_years(const schema::SpecModel& model, Store& store, TemplateLoad& out) {
  const schema::Endpoint* ep = model.find("ed-fi", "schoolYearTypes");
  if (!ep) return;
  for (int year = k_first_school_year; year <= k_last_school_year; ++year)
    post(*ep,
         json{{"schoolYear", year},
              {"currentSchoolYear", false},
              {"schoolYearDescription", fmt::format("{}-{}", year - 1, year)}},
         fmt::format("schoolYearTypes {}", year), store, out);
}

void load_folder(const std::filesystem::path& dir, const schema::SpecModel& model, Store& store, TemplateLoad& out) {
  for (const auto& dep : schema::compute_dependencies(model)) {
    if (dep.operations.size() == 1 && dep.operations[0] == "Update") continue;  // the person split's second entry
    const schema::Endpoint* ep = model.find_path(dep.resource);
    if (!ep) continue;
    std::filesystem::path file = dir / (ep->name + ".jsonl");
    if (!std::filesystem::exists(file)) continue;
    std::ifstream in(file);
    std::string line;
    for (std::size_t n = 1; std::getline(in, line); ++n) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      std::string where = fmt::format("{}:{}", file.filename().string(), n);
      json doc = json::parse(line, nullptr, false);
      if (!doc.is_object()) {
        note_failure(out, where, "not a JSON object");
        continue;
      }
      post(*ep, std::move(doc), where, store, out);
    }
  }
}

}  // namespace

std::vector<std::string> template_folders(const std::string& name, const std::string& templates_dir) {
  if (name == "none" || name == "school-years") return {};
  if (name == "minimal") return {templates_dir + "/minimal"};
  if (name == "populated") return {templates_dir + "/minimal", templates_dir + "/populated"};
  if (std::filesystem::is_directory(name)) return {name};
  throw Error(fmt::format("--template expects none, school-years, minimal, populated or a folder of "
                          "{{resource}}.jsonl files, got '{}'",
                          name));
}

TemplateLoad load_template(const std::string& name, const std::string& templates_dir, const schema::SpecModel& model,
                           Store& store) {
  TemplateLoad out;
  auto folders = template_folders(name, templates_dir);
  if (name == "none") return out;
  load_school_years(model, store, out);
  for (const auto& dir : folders) {
    if (!std::filesystem::is_directory(dir))
      throw Error(fmt::format("--template {}: folder {} does not exist; run scripts/generate-templates", name, dir));
    load_folder(dir, model, store, out);
  }
  return out;
}

}  // namespace lightbeam::sandbox
