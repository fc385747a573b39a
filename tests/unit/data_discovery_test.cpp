// Data-file discovery: extensions, sub-folders, case variants, no double counting, errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "core/data/discovery.hpp"
#include "core/error.hpp"
#include "support/process.hpp"

namespace fs = std::filesystem;
using lightbeam::Error;
using lightbeam::data::find_files;
using lightbeam::testing::TempDir;
using lightbeam::testing::write_file;
using ::testing::HasSubstr;

namespace {
std::vector<std::string> names(const std::vector<fs::path>& files, const fs::path& base) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(fs::relative(f, base).string());
  return out;
}
}  // namespace

TEST(Discovery, FindsEveryExtensionAndSubfolder) {
  TempDir d;
  write_file(d / "schools.jsonl", "{}\n");
  write_file(d / "schools.ndjson", "{}\n");
  write_file(d / "schools.json", "{}\n");
  write_file(d / "schools.csv", "x\n");             // not a data extension
  write_file(d / "schools/2.jsonl", "{}\n");
  write_file(d / "schools/1.json", "{}\n");
  write_file(d / "schools/notes.txt", "x\n");
  write_file(d / "schoolsX.jsonl", "{}\n");          // another endpoint
  write_file(d / "students.jsonl", "{}\n");
  EXPECT_EQ(names(find_files(d.path(), "schools"), d.path()),
            (std::vector<std::string>{"schools.json", "schools.jsonl", "schools.ndjson", "schools/1.json", "schools/2.jsonl"}));
}

TEST(Discovery, TriesCaseVariantsWithoutCountingTwice) {
  TempDir d;
  write_file(d / "Students.jsonl", "{}\n");
  write_file(d / "STUDENTSCHOOLASSOCIATIONS.jsonl", "{}\n");
  write_file(d / "studentschoolassociations/a.jsonl", "{}\n");
  EXPECT_EQ(names(find_files(d.path(), "students"), d.path()), (std::vector<std::string>{"Students.jsonl"}));
  EXPECT_EQ(names(find_files(d.path(), "studentSchoolAssociations"), d.path()),
            (std::vector<std::string>{"STUDENTSCHOOLASSOCIATIONS.jsonl", "studentschoolassociations/a.jsonl"}));
  // A symlink to a file already found is the same file.
  fs::create_symlink(d / "Students.jsonl", d / "students.jsonl");
  EXPECT_EQ(find_files(d.path(), "students").size(), 1u);
}

TEST(Discovery, NoFilesIsEmpty) {
  TempDir d;
  EXPECT_TRUE(find_files(d.path(), "schools").empty());
}

TEST(Discovery, MissingDataDirNamesIt) {
  TempDir d;
  try {
    find_files(d / "nowhere", "schools");
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr((d / "nowhere").string() + " does not exist"));
  }
  write_file(d / "file", "x");
  EXPECT_THROW(find_files(d / "file", "schools"), Error);
}

// Issue 15: what looks like data but is not a regular file, and names matching no endpoint, are
// one warning line each (no `filesystem error` text); find_files skips them and never opens a FIFO.
TEST(Discovery, NonRegularEntriesAndUnknownNamesAreWarnings) {
  TempDir d;
  write_file(d / "schools.jsonl", "{}\n");
  ASSERT_EQ(mkfifo((d / "students.jsonl").c_str(), 0600), 0);
  fs::create_symlink(d / "nowhere.jsonl", d / "staffs.jsonl");
  fs::create_symlink(d / "loopB.jsonl", d / "calendars.jsonl");
  fs::create_symlink(d / "calendars.jsonl", d / "loopB.jsonl");
  fs::create_directories(d / "sessions.json");
  fs::create_symlink(d / "gone", d / "courses");                 // an endpoint folder that leads nowhere
  write_file(d / "studentz.jsonl", "{}\n");                      // misspelt
  write_file(d / "Notes/readme.jsonl", "{}\n");                  // a folder of no endpoint
  write_file(d / "README.md", "x\n");                            // not data: no warning
  write_file(d / ".git/config.json", "x\n");                    // hidden: no warning
  ASSERT_EQ(mkfifo((d / "grades").c_str(), 0600), 0);            // not data, not an endpoint: no warning
  write_file(d / "programs/1.jsonl", "{}\n");
  fs::create_directories(d / "programs/2.jsonl");
  fs::create_symlink(d / "programs/none.jsonl", d / "programs/3.jsonl");

  const std::vector<std::string> endpoints{"schools", "students", "staffs", "calendars", "sessions", "courses", "programs", "grades"};
  auto w = lightbeam::data::data_dir_warnings(d.path(), endpoints);
  const std::string p = d.path().string() + "/";
  EXPECT_EQ(w, (std::vector<std::string>{
                   "ignoring " + p + "Notes: the API has no endpoint named Notes (check the file name)",
                   "ignoring " + p + "calendars.jsonl: it is a symlink loop; fix or remove the link",
                   "ignoring " + p + "courses: it is a symlink whose target does not exist; fix or remove the link",
                   "ignoring " + p + "loopB.jsonl: it is a symlink loop; fix or remove the link",
                   "ignoring " + p + "programs/2.jsonl: it is a directory, not a file; put the data in a file of that name",
                   "ignoring " + p + "programs/3.jsonl: it is a symlink whose target does not exist; fix or remove the link",
                   "ignoring " + p + "sessions.json: it is a directory, not a file; put the data in a file of that name",
                   "ignoring " + p + "staffs.jsonl: it is a symlink whose target does not exist; fix or remove the link",
                   "ignoring " + p + "students.jsonl: it is a FIFO (named pipe), not a file; lightbeam reads only regular files: write the data to a file",
                   "ignoring " + p + "studentz.jsonl: the API has no endpoint named studentz (check the file name)",
               }));
  for (const char* e : {"students", "staffs", "calendars", "sessions", "courses"}) EXPECT_TRUE(find_files(d.path(), e).empty()) << e;
  EXPECT_EQ(names(find_files(d.path(), "programs"), d.path()), (std::vector<std::string>{"programs/1.jsonl"}));
}

TEST(Discovery, DataDirThatIsABrokenLinkNamesIt) {
  TempDir d;
  fs::create_symlink(d / "missing", d / "data");
  fs::create_symlink(d / "loop2", d / "loop1");
  fs::create_symlink(d / "loop1", d / "loop2");
  try {
    lightbeam::data::require_data_dir(d / "data");
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("/data is a symlink whose target does not exist; fix the link"));
  }
  try {
    lightbeam::data::require_data_dir(d / "loop1");
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("/loop1 is a symlink loop"));
  }
}
