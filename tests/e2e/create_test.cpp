// End to end: the real `lightbeam create` scaffolds an earthmover project from a real edfi-sandbox's
// OpenAPI model; the generated template, rendered by real Jinja2 (as earthmover does) with sample
// values, is a payload `lightbeam validate` accepts and the API stores. Plus every refusal.
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "support/e2e.hpp"

namespace lightbeam::testing {
namespace {

// Renders `template_file` with earthmover's macro prepended, StrictUndefined (a variable the
// template needs but the test did not give fails), and `vars` as the variables.
constexpr const char* k_render = R"PY(
import json, sys, jinja2
macro = "{% macro descriptor_namespace() -%}\n  uri://ed-fi.org\n{%- endmacro %}\n"
env = jinja2.Environment(undefined=jinja2.StrictUndefined)
text = env.from_string(macro + open(sys.argv[1]).read()).render(**json.loads(sys.argv[2]))
print(json.dumps(json.loads(text)))
)PY";

bool have_jinja2() { return run_process({"/usr/bin/env", "python3", "-c", "import jinja2"}).exit_code == 0; }

std::string render(const fs::path& template_file, const json& vars) {
  auto r = run_process({"/usr/bin/env", "python3", "-c", k_render, template_file.string(), vars.dump()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

// Every create test: a sandbox, a work directory pointed at it and an empty earthmover project
// folder `em`.
class Create : public ::testing::Test {
 protected:
  Create() { fs::create_directories(em); }

  // `lightbeam create -c <config> -s <selector>`, run in the project folder.
  ProcessResult run_create(const std::string& selector) const {
    RunOptions in_em;
    in_em.cwd = em;
    return run_lightbeam({"create", "-c", w.config.string(), "-s", selector}, in_em);
  }

  Sandbox sandbox;
  Work w{sandbox.base_url(), ConfigOptions().with(k_force_delete)};
  const fs::path em = w.dir / "em";
};

TEST_F(Create, FilledTemplateIsAPayloadThatValidatesAndTheApiAccepts) {
  if (!have_jinja2()) GTEST_SKIP() << "python3 with jinja2 (earthmover's template engine) is not installed";
  ASSERT_NO_FATAL_FAILURE(w.send_data({2, 3}));  // descriptors, schools and students the payloads refer to

  auto c = run_create("studentSchoolAssociations,schools");
  ASSERT_EQ(c.exit_code, 0) << diag(c);
  ASSERT_TRUE(fs::exists(em / "templates" / "studentSchoolAssociations.jsont"));
  ASSERT_TRUE(fs::exists(em / "templates" / "schools.jsont"));
  const std::string ssa_template = read_file(em / "templates" / "studentSchoolAssociations.jsont");
  EXPECT_NE(ssa_template.find("{{descriptor_namespace()}}/GradeLevelDescriptor#{{entryGradeLevelDescriptor}}"),
            std::string::npos);
  EXPECT_NE(ssa_template.find("identity"), std::string::npos);
  EXPECT_NE(ssa_template.find("{% if "), std::string::npos);  // optional fields are conditional

  YAML::Node doc = YAML::LoadFile((em / "earthmover.yml").string());
  ASSERT_TRUE(doc["destinations"]["schools"]);
  EXPECT_EQ(doc["destinations"]["schools"]["template"].as<std::string>(), "templates/schools.jsont");
  EXPECT_NE(doc["config"]["macros"].as<std::string>().find("descriptor_namespace"), std::string::npos);

  // Required fields only, and required plus some optional ones (incl. a nested collection).
  const std::string ssa_min = render(em / "templates" / "studentSchoolAssociations.jsont",
                                     {{"entryDate", "2024-08-21"},
                                      {"entryGradeLevelDescriptor", "Tenth grade"},
                                      {"schoolId", 101},
                                      {"studentUniqueId", student_id(0)}});
  const std::string ssa_more = render(em / "templates" / "studentSchoolAssociations.jsont",
                                      {{"entryDate", "2024-08-22"},
                                       {"entryGradeLevelDescriptor", "Ninth grade"},
                                       {"schoolId", 100},
                                       {"studentUniqueId", student_id(1)},
                                       {"primarySchool", true},
                                       {"exitWithdrawDate", "2025-06-01"},
                                       {"nextYearSchool_schoolId", 101}});
  const std::string school = render(
      em / "templates" / "schools.jsont",
      {{"schoolId", 300},
       {"nameOfInstitution", "Created School"},
       {"educationOrganizationCategories", json::array({{{"educationOrganizationCategoryDescriptor", "School"}}})},
       {"gradeLevels", json::array({{{"gradeLevelDescriptor", "Ninth grade"}}, {{"gradeLevelDescriptor", "Tenth grade"}}})}});
  ASSERT_FALSE(ssa_min.empty());
  ASSERT_FALSE(school.empty());
  EXPECT_EQ(json::parse(ssa_more)["nextYearSchoolReference"]["schoolId"], 101);

  Work out(sandbox.base_url(), ConfigOptions().with(k_force_delete));
  write_file(out.data / "studentSchoolAssociations.jsonl", ssa_min + ssa_more);
  write_file(out.data / "schools.jsonl", school);
  auto v = out.run("validate", {"-s", "schools,studentSchoolAssociations"});
  EXPECT_EQ(v.exit_code, 0) << diag(v);
  auto vr = out.results_json();
  EXPECT_EQ(vr["total_records_processed"], 3) << vr.dump(2);
  EXPECT_EQ(vr["total_records_failed"], 0) << vr.dump(2);

  auto s = out.run("send", {"-s", "schools,studentSchoolAssociations"});
  EXPECT_EQ(s.exit_code, 0) << diag(s);
  EXPECT_EQ(out.results_json()["total_records_failed"], 0) << out.results_json().dump(2);
  EXPECT_EQ(documents(sandbox.base_url(), "schools"), 3);
  EXPECT_EQ(documents(sandbox.base_url(), "studentSchoolAssociations"), 5);
}

TEST_F(Create, ExistingEarthmoverYmlKeepsItsContentAndGetsTheNewDestinations) {
  const std::string before =
      "version: 2\n# my own comment\nsources:\n  roster:\n    file: roster.csv\ndestinations:\n"
      "    students:\n        source: $transformations.students\n        template: mine/students.jsont\n"
      "\n# trailing section\ntransformations:\n  students:\n    source: $sources.roster\n";
  write_file(em / "earthmover.yml", before);
  auto r = run_create("schools");
  ASSERT_EQ(r.exit_code, 0) << diag(r);
  const std::string after = read_file(em / "earthmover.yml");
  EXPECT_NE(after.find("# my own comment"), std::string::npos) << after;
  EXPECT_NE(after.find("# trailing section"), std::string::npos) << after;
  YAML::Node doc = YAML::Load(after);
  EXPECT_EQ(doc["destinations"]["students"]["template"].as<std::string>(), "mine/students.jsont");
  EXPECT_EQ(doc["destinations"]["schools"]["template"].as<std::string>(), "templates/schools.jsont");
  EXPECT_EQ(doc["transformations"]["students"]["source"].as<std::string>(), "$sources.roster");
  EXPECT_TRUE(fs::exists(em / "templates" / "schools.jsont"));
}

TEST_F(Create, EndpointAlreadyInDestinationsIsRefusedAndNothingIsWritten) {
  const std::string before = "version: 2\ndestinations:\n  schools:\n    template: templates/schools.jsont\n";
  write_file(em / "earthmover.yml", before);
  auto r = run_create("students,schools");
  EXPECT_EQ(r.exit_code, 255);
  EXPECT_NE(r.err.find("$destinations.schools"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(em / "earthmover.yml"), before);
  EXPECT_FALSE(fs::exists(em / "templates" / "students.jsont"));
}

TEST_F(Create, ExistingTemplateIsNeverOverwritten) {
  fs::create_directories(em / "templates");
  write_file(em / "templates" / "schools.jsont", "mine\n");
  auto r = run_create("schools");
  EXPECT_EQ(r.exit_code, 255);
  EXPECT_NE(r.err.find("templates/schools.jsont` already exists"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(em / "templates" / "schools.jsont"), "mine\n");
  EXPECT_FALSE(fs::exists(em / "earthmover.yml"));
}

TEST_F(Create, SelectorMatchingNothingIsAnError) {
  auto r = run_create("noSuchThings");
  EXPECT_EQ(r.exit_code, 255);
  EXPECT_NE(r.err.find("noSuchThings"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::is_empty(em));
}

// Runs lightbeam as user `nobody` (root ignores directory permissions, so the test drops them).
ProcessResult run_as_nobody(const std::vector<std::string>& args, const fs::path& cwd, const fs::path& log_dir) {
  const fs::path out = log_dir / "nobody.out", err = log_dir / "nobody.err";
  pid_t pid = fork();
  if (pid == 0) {
    int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
    int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
    dup2(o, 1);
    dup2(e, 2);
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(126);
    if (chdir(cwd.c_str()) != 0) _exit(125);
    exec_lightbeam(args);
  }
  const int code = wait_exit_code(pid);
  return {code, read_file(out), read_file(err)};
}

TEST_F(Create, ReadOnlyDirectoryIsAClearError) {
  fs::permissions(w.dir.path(), fs::perms::all);  // nobody must reach the config, logs and state
  fs::create_directories(w.state);
  fs::permissions(w.state, fs::perms::all);
  fs::permissions(w.config, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                fs::perms::others_read);
  const fs::path readonly = w.dir / "readonly";
  fs::create_directories(readonly);
  fs::permissions(readonly, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
  auto r = run_as_nobody({"create", "-c", w.config.string(), "-s", "schools"}, readonly, w.dir.path());
  if (r.exit_code == 126 || r.exit_code == 127)
    GTEST_SKIP() << "cannot run lightbeam as an unprivileged user here (exit " << r.exit_code << ")";
  EXPECT_EQ(r.exit_code, 255) << r.err;
  EXPECT_NE(r.err.find("cannot create"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Permission denied"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::is_empty(readonly));
  fs::permissions(readonly, fs::perms::owner_all);
}

}  // namespace
}  // namespace lightbeam::testing
