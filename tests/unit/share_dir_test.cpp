// Installed data lookup: beside the program first (share/lightbeam), then the source tree; a clear error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/share_dir.hpp"

using lightbeam::Error;
using lightbeam::find_share_path;
using lightbeam::share_candidates;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

TEST(ShareDir, InstalledTreeFirstThenSourceTree) {
  EXPECT_EQ(share_candidates("/opt/lb/bin/edfi-sandbox", "/src/lightbeam", "metadata/ds-5.2/template"),
            (std::vector<fs::path>{"/opt/lb/share/lightbeam/metadata/ds-5.2/template",
                                   "/src/lightbeam/metadata/ds-5.2/template"}));
}

TEST(ShareDir, WithoutTheProgramsPathOnlyTheSourceTree) {
  EXPECT_EQ(share_candidates("", "/src/lightbeam", "metadata"), (std::vector<fs::path>{"/src/lightbeam/metadata"}));
}

TEST(ShareDir, FindsTheSourceTreeFromABuildDirectory) {
  // The test binary lives in build/, which has no share/lightbeam: the source tree answers.
  EXPECT_EQ(find_share_path("metadata", "metadata folder", "pass --specs"),
            (fs::path(LIGHTBEAM_SOURCE_DIR) / "metadata").lexically_normal());
}

TEST(ShareDir, NeitherPlaceIsOneLineNamingBoth) {
  try {
    find_share_path("no-such-folder", "metadata folder", "pass --specs DIR");
    FAIL() << "no error";
  } catch (const Error& e) {
    std::string message = e.what();
    EXPECT_THAT(message, HasSubstr("no metadata folder found (looked in "));
    EXPECT_THAT(message, HasSubstr("/share/lightbeam/no-such-folder and "));
    EXPECT_THAT(message, HasSubstr((fs::path(LIGHTBEAM_SOURCE_DIR) / "no-such-folder").lexically_normal().string()));
    EXPECT_THAT(message, HasSubstr("); pass --specs DIR"));
    EXPECT_EQ(message.find('\n'), std::string::npos);
  }
}
