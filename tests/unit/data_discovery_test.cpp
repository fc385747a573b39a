// Data-file discovery: extensions, sub-folders, case variants, no double counting, errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
