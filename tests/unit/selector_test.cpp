// Selectors/excludes: wildcards at either end, comma lists, order kept, no-match error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/data/selector.hpp"
#include "core/error.hpp"

using lightbeam::Error;
using namespace lightbeam::data;
using ::testing::HasSubstr;

TEST(Selector, WildcardMatch) {
  EXPECT_TRUE(wildcard_match("*", "anything"));
  EXPECT_TRUE(wildcard_match("student*", "studentSchoolAssociations"));
  EXPECT_FALSE(wildcard_match("student*", "schools"));
  EXPECT_TRUE(wildcard_match("*Descriptors", "gradeLevelDescriptors"));
  EXPECT_FALSE(wildcard_match("*Descriptors", "descriptorsX"));
  EXPECT_TRUE(wildcard_match("*School*", "studentSchoolAssociations"));
  EXPECT_TRUE(wildcard_match("schools", "schools"));
  EXPECT_FALSE(wildcard_match("schools", "school"));
  EXPECT_TRUE(wildcard_match("_*", "_etag"));
}

TEST(Selector, SplitList) {
  EXPECT_EQ(split_list(" a, b,,c "), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(split_list("").empty());
}

TEST(Selector, ReadmeExample) {
  const std::vector<std::string> endpoints{"schools", "students", "parents", "studentSchoolAttendanceEvents",
                                           "studentSchoolAssociations", "studentParentAssociations", "gradeLevelDescriptors"};
  EXPECT_EQ(apply_selectors(endpoints, split_list("student*,parent*"), split_list("*Associations,*Descriptors")),
            (std::vector<std::string>{"students", "parents", "studentSchoolAttendanceEvents"}));
  EXPECT_EQ(apply_selectors(endpoints, {}, {"*Descriptors"}).size(), 6u);
  EXPECT_EQ(apply_selectors(endpoints, {"*"}, {}), endpoints);
  // Input order is kept, not selector order.
  EXPECT_EQ(apply_selectors(endpoints, {"students", "schools"}, {}), (std::vector<std::string>{"schools", "students"}));
}

// Python's apply_selections drops entries that match nothing; only a selection with no match
// at all ends the run.
TEST(Selector, EntryWithNoMatchIsDroppedWhileAnotherMatches) {
  std::vector<std::string> unmatched;
  EXPECT_EQ(apply_selectors({"schools", "students"}, {"schools", "studnets"}, {}, &unmatched),
            std::vector<std::string>{"schools"});
  EXPECT_EQ(unmatched, std::vector<std::string>{"studnets"});
  try {
    apply_selectors({"schools"}, {"studnets", "skools"}, {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("selector \"studnets\", \"skools\" match no endpoint"));
  }
}
