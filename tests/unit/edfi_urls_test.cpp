// URL building for every edfi_api.mode in both layouts, discovery-document reading, and the
// small helpers of the client (base64, md5, atomic cache files).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/edfi/metadata_cache.hpp"
#include "core/edfi/oauth.hpp"
#include "core/edfi/urls.hpp"
#include "core/error.hpp"

namespace {

using namespace lightbeam;
using edfi::Layout;

config::EdfiApi api(const std::string& base, const std::string& mode, std::optional<int> year = std::nullopt,
                    const std::string& district = "", const std::string& instance = "") {
  config::EdfiApi a;
  a.base_url = base;
  a.mode = mode;
  a.year = year;
  a.district_id = district;
  a.instance_code = instance;
  return a;
}

TEST(EdfiUrls, JoinHandlesSlashes) {
  EXPECT_EQ(edfi::url_join("http://h/api", "data/v3"), "http://h/api/data/v3");
  EXPECT_EQ(edfi::url_join("http://h/api/", "/data/v3"), "http://h/api/data/v3");
  EXPECT_EQ(edfi::url_join("http://h/api//", "x"), "http://h/api/x");
  EXPECT_EQ(edfi::url_join("", "x"), "x");
  EXPECT_EQ(edfi::url_join("a/", ""), "a");
}

TEST(EdfiUrls, OdsModesWithoutDiscovery) {
  // As the Python tool builds them from base_url.
  EXPECT_EQ(edfi::build_data_url(api("http://h/api", ""), "", Layout::ods, 2030), "http://h/api/data/v3");
  EXPECT_EQ(edfi::build_data_url(api("http://h/api/", "sandbox"), "", Layout::ods, 2030), "http://h/api/data/v3");
  EXPECT_EQ(edfi::build_data_url(api("http://h/api", "shared_instance"), "", Layout::ods, 2030), "http://h/api/data/v3");
  EXPECT_EQ(edfi::build_data_url(api("http://h/api", "district_specific", std::nullopt, "255901"), "", Layout::ods, 2030),
            "http://h/api/data/v3");
  EXPECT_EQ(edfi::build_data_url(api("http://h/api", "year_specific", 2024), "", Layout::ods, 2030),
            "http://h/api/data/v3/2024");
  EXPECT_EQ(edfi::build_data_url(api("http://h/api", "year_specific"), "", Layout::ods, 2030),
            "http://h/api/data/v3/2030");  // README: the default year is the current year
  EXPECT_EQ(edfi::build_data_url(api("http://h/api", "instance_year_specific", 2024, "", "inst1"), "", Layout::ods, 2030),
            "http://h/api/data/v3/inst1/2024");
}

TEST(EdfiUrls, OdsModesFromDiscoveredDataUrl) {
  const std::string discovered = "https://h/v7/api/data/v3/";  // ODS writes a trailing slash
  EXPECT_EQ(edfi::build_data_url(api("https://h/v7/api", "sandbox"), discovered, Layout::ods, 2030),
            "https://h/v7/api/data/v3");
  EXPECT_EQ(edfi::build_data_url(api("https://h/v7/api", "year_specific", 2025), discovered, Layout::ods, 2030),
            "https://h/v7/api/data/v3/2025");
  EXPECT_EQ(edfi::build_data_url(api("https://h/v7/api", "instance_year_specific", 2025, "", "i9"), discovered,
                                 Layout::ods, 2030),
            "https://h/v7/api/data/v3/i9/2025");
  // A discovery document served at a year-specific root already carries the year: not added twice.
  EXPECT_EQ(edfi::build_data_url(api("https://h/api", "year_specific", 2025), "https://h/api/data/v3/2025/",
                                 Layout::ods, 2030),
            "https://h/api/data/v3/2025");
}

TEST(EdfiUrls, DmsQualifiersGoBeforeData) {
  const std::string discovered = "http://127.0.0.1:5123/data";
  EXPECT_EQ(edfi::build_data_url(api("http://127.0.0.1:5123", ""), discovered, Layout::dms, 2030), discovered);
  EXPECT_EQ(edfi::build_data_url(api("http://127.0.0.1:5123", "sandbox"), discovered, Layout::dms, 2030), discovered);
  EXPECT_EQ(edfi::build_data_url(api("http://127.0.0.1:5123", "district_specific", std::nullopt, "255901"), discovered,
                                 Layout::dms, 2030),
            "http://127.0.0.1:5123/255901/data");
  EXPECT_EQ(edfi::build_data_url(api("http://127.0.0.1:5123", "year_specific", 2024), discovered, Layout::dms, 2030),
            "http://127.0.0.1:5123/2024/data");
  EXPECT_EQ(edfi::build_data_url(api("http://127.0.0.1:5123", "year_specific", 2024, "255901"), discovered,
                                 Layout::dms, 2030),
            "http://127.0.0.1:5123/255901/2024/data");
  EXPECT_EQ(edfi::build_data_url(api("http://127.0.0.1:5123", "instance_year_specific", 2024, "", "tenant1"),
                                 discovered, Layout::dms, 2030),
            "http://127.0.0.1:5123/tenant1/2024/data");
  // Discovery at a qualified root already includes the qualifiers.
  EXPECT_EQ(edfi::build_data_url(api("http://h/255901/2024", "year_specific", 2024, "255901"),
                                 "http://h/255901/2024/data", Layout::dms, 2030),
            "http://h/255901/2024/data");
  // Without a discovered URL the DMS root is base/data.
  EXPECT_EQ(edfi::build_data_url(api("http://h/", "year_specific", 2026), "", Layout::dms, 2030), "http://h/2026/data");
}

TEST(EdfiUrls, BadModesAreClearErrors) {
  try {
    edfi::build_data_url(api("http://h", "yearly"), "", Layout::ods, 2030);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("edfi_api.mode 'yearly'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("instance_year_specific"), std::string::npos);
  }
  EXPECT_THROW(edfi::build_data_url(api("http://h", "instance_year_specific", 2024), "", Layout::ods, 2030), Error);
  EXPECT_THROW(edfi::build_data_url(api("http://h", "district_specific"), "", Layout::dms, 2030), Error);
}

TEST(EdfiUrls, LayoutFromDataUrl) {
  EXPECT_EQ(edfi::layout_of_data_url("http://h/api/data/v3/"), Layout::ods);
  EXPECT_EQ(edfi::layout_of_data_url("http://h/api/data/v3"), Layout::ods);
  EXPECT_EQ(edfi::layout_of_data_url("http://h/data"), Layout::dms);
  EXPECT_EQ(edfi::layout_of_data_url("http://h/data/"), Layout::dms);
}

TEST(EdfiDiscovery, ReadsDmsDocument) {
  auto doc = nlohmann::json::parse(R"({
    "version": "1.0", "applicationName": "Ed-Fi API",
    "dataModels": [{"name": "Ed-Fi", "version": "5.2.0"}, {"name": "TPDM", "version": "1.1.0"}],
    "urls": {"dependencies": "http://h/metadata/dependencies", "openApiMetadata": "http://h/metadata/specifications",
             "oauth": "http://h/oauth/token", "dataManagementApi": "http://h/data"}})");
  edfi::ApiUrls urls;
  auto missing = edfi::apply_discovery(doc, urls);
  EXPECT_TRUE(missing.empty());
  EXPECT_EQ(urls.oauth, "http://h/oauth/token");
  EXPECT_EQ(urls.dependencies, "http://h/metadata/dependencies");
  EXPECT_EQ(urls.open_api_metadata, "http://h/metadata/specifications");
  EXPECT_EQ(urls.data, "http://h/data");
  EXPECT_EQ(urls.layout, Layout::dms);
  EXPECT_EQ(urls.api_version, "1.0");
  EXPECT_EQ(urls.data_standard_version, "5.2.0");
}

TEST(EdfiDiscovery, ExplicitUrlsWin) {
  auto doc = nlohmann::json::parse(R"({"urls": {"dependencies": "http://h/d", "openApiMetadata": "http://h/m",
             "oauth": "http://h/o", "dataManagementApi": "http://h/api/data/v3/"}})");
  edfi::ApiUrls urls;
  urls.oauth = "https://elsewhere/token";
  edfi::apply_discovery(doc, urls);
  EXPECT_EQ(urls.oauth, "https://elsewhere/token");
  EXPECT_EQ(urls.dependencies, "http://h/d");
  EXPECT_EQ(urls.layout, Layout::ods);
}

TEST(EdfiDiscovery, MissingUrlsFallBackToReadmeDefaults) {
  edfi::ApiUrls urls;
  auto missing = edfi::apply_discovery(nlohmann::json::parse(R"({"version": "5.3"})"), urls);
  ASSERT_EQ(missing, std::vector<std::string>{"urls"});
  auto a = api("https://h/v5.3/api", "year_specific", 2024);
  edfi::apply_default_urls(a, urls, 2030);
  EXPECT_EQ(urls.oauth, "https://h/v5.3/api/oauth/token");
  EXPECT_EQ(urls.dependencies, "https://h/v5.3/api/metadata/data/v3/2024/dependencies");
  EXPECT_EQ(urls.resources_spec, "https://h/v5.3/api/metadata/data/v3/2024/resources/swagger.json");
  EXPECT_EQ(urls.descriptors_spec, "https://h/v5.3/api/metadata/data/v3/2024/descriptors/swagger.json");
  EXPECT_EQ(edfi::apply_discovery(nlohmann::json::parse("[1]"), urls), std::vector<std::string>{"urls"});
}

TEST(EdfiDiscovery, PartialUrlsAreReported) {
  edfi::ApiUrls urls;
  auto missing = edfi::apply_discovery(nlohmann::json::parse(R"({"urls": {"oauth": "http://h/o"}})"), urls);
  EXPECT_EQ(missing, (std::vector<std::string>{"urls.dependencies", "urls.openApiMetadata"}));
}

TEST(EdfiHelpers, Base64AndMd5) {
  EXPECT_EQ(edfi::base64_encode(""), "");
  EXPECT_EQ(edfi::base64_encode("f"), "Zg==");
  EXPECT_EQ(edfi::base64_encode("fo"), "Zm8=");
  EXPECT_EQ(edfi::base64_encode("foo"), "Zm9v");
  EXPECT_EQ(edfi::base64_encode("client:secret"), "Y2xpZW50OnNlY3JldA==");
  EXPECT_EQ(edfi::md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(edfi::md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
}

TEST(EdfiCache, AtomicWriteReadTtlWipeAndDiscard) {
  auto dir = std::filesystem::temp_directory_path() / ("lb-cache-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {
    edfi::MetadataCache cache(dir, true, false);
    EXPECT_FALSE(cache.read("a.json").has_value());
    cache.write("a.json", "{\"x\":1}");
    ASSERT_TRUE(cache.read("a.json").has_value());
    EXPECT_EQ(*cache.read("a.json"), "{\"x\":1}");
    // No temporary file is left behind.
    int files = 0;
    for (auto& e : std::filesystem::directory_iterator(dir)) files += e.is_regular_file() ? 1 : 0;
    EXPECT_EQ(files, 1);
    cache.discard("a.json", "test");
    EXPECT_FALSE(std::filesystem::exists(dir / "a.json"));
  }
  {
    edfi::MetadataCache cache(dir, true, false);
    cache.write("b.json", "1");
    edfi::MetadataCache wiped(dir, true, true);
    EXPECT_FALSE(wiped.read("b.json").has_value());
    edfi::MetadataCache expired(dir, true, false, 0.0);
    EXPECT_FALSE(expired.read("b.json").has_value());
    edfi::MetadataCache disabled(dir, false, false);
    EXPECT_FALSE(disabled.read("b.json").has_value());
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
