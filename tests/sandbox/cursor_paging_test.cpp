// ODS/API 7.3 cursor paging (sandbox/cursor_paging.hpp): partitions, page tokens, Next-Page-Token and
// the parameter errors, as the ODS Postman suites expect them.
#include <gtest/gtest.h>

#include "sandbox/sandbox_client.hpp"

using namespace sandbox_test;

namespace {

class CursorPaging : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 7; ++i) api.create("/ed-fi/students", student("s" + std::to_string(i)));
  }
  std::vector<std::string> ids(const Response& r) const {
    std::vector<std::string> out;
    for (auto& d : r.json_body()) out.push_back(d["id"]);
    return out;
  }
  Api api{"ods"};
};

}  // namespace

TEST_F(CursorPaging, PartitionsCoverEveryDocumentInOrder) {
  std::vector<std::string> expected = ids(api.get("/ed-fi/students"));
  Response parts = api.get("/ed-fi/students/partitions?number=2&allowSmallPartitions=true");
  ASSERT_EQ(parts.status, 200) << parts.body;
  json tokens = parts.json_body()["pageTokens"];
  ASSERT_EQ(tokens.size(), 2u);
  std::vector<std::string> seen;
  std::vector<std::size_t> sizes;
  for (auto& token : tokens) {
    std::string next = token;
    while (!next.empty()) {
      Response page = api.get("/ed-fi/students?pageSize=2&pageToken=" + next);
      ASSERT_EQ(page.status, 200) << page.body;
      auto got = ids(page);
      seen.insert(seen.end(), got.begin(), got.end());
      next = page.header("next-page-token");
      if (got.empty()) {
        EXPECT_EQ(next, "");  // no token after an empty page
      }
    }
    sizes.push_back(seen.size());
  }
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(sizes.front(), 3u);  // 7 into 2: 3, then the remainder 4
}

TEST_F(CursorPaging, PartitionCounts) {
  auto count = [&](const std::string& query) {
    return api.get("/ed-fi/students/partitions" + query).json_body()["pageTokens"].size();
  };
  EXPECT_EQ(count("?number=200&allowSmallPartitions=true"), 7u);  // one per document at most
  EXPECT_EQ(count(""), 1u);                                      // small sets: partitions of 5 pages of 500
  EXPECT_EQ(count("?studentUniqueId=s3&number=5&allowSmallPartitions=true"), 1u);
  Response bad = api.get("/ed-fi/students/partitions?number=201");
  expect_problem(bad, 400, "urn:ed-fi:api:bad-request:parameter-validation-failed", "Parameter Validation Failed",
                 "The request construction was invalid.");
  EXPECT_EQ(bad.json_body()["errors"], json::array({"Number of partitions must be between 1 and 200."}));
  EXPECT_EQ(api.get("/ed-fi/nothing/partitions").status, 404);
}

TEST_F(CursorPaging, ParameterErrors) {
  std::string token = api.get("/ed-fi/students/partitions").json_body()["pageTokens"][0];
  auto errors = [&](const std::string& query) { return api.get("/ed-fi/students" + query).json_body()["errors"]; };
  EXPECT_EQ(errors("?pageSize=2"), json::array({"PageToken is required when pageSize is specified."}));
  EXPECT_EQ(errors("?pageSize=2&pageToken=DefinitelyNotValid"), json::array({"The page token provided was invalid."}));
  EXPECT_EQ(errors("?pageSize=2&pageToken=%20" + token), json::array({"The page token provided was invalid."}));
  EXPECT_EQ(errors("?pageSize=2&offset=0&pageToken=" + token),
            json::array({"Both offset and pageToken parameters were provided, but they support alternative paging "
                         "approaches and cannot be used together."}));
  EXPECT_EQ(errors("?pageSize=2&totalCount=true&pageToken=" + token),
            json::array({"Total count cannot be determined while using cursor paging (when pageToken is specified)."}));
  EXPECT_EQ(api.get("/ed-fi/students?pageToken=" + token).status, 200);  // default page size
  EXPECT_EQ(api.get("/ed-fi/students?limit=0&pageSize=2&pageToken=" + token).status, 200);
}

TEST(CursorPagingDms, IsAnOdsFeature) {
  Api api("dms");
  EXPECT_EQ(api.get("/ed-fi/students?pageSize=2&pageToken=MCwx").status, 400);
}
