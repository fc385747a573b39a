// Change queries (sandbox/routes_read.cpp, store change versions), both flavours: one change version
// counter per API advanced by every write, min/maxChangeVersion windows (both ends included) on
// collections and partitions, /deletes and /keyChanges in the ODS/API's item shapes, and
// availableChangeVersions. The ODS ChangeQueries Postman suite checks the same (scripts/conformance).
#include <gtest/gtest.h>

#include "sandbox/sandbox_client.hpp"

using namespace sandbox_test;

namespace {

class ChangeQueries : public ::testing::TestWithParam<std::string> {
 protected:
  std::uint64_t newest() const {
    Response r = http("GET", api.host() + (api.flavor() == "ods" ? "/api" : "") + "/changeQueries/v1/availableChangeVersions",
                      "", {"Authorization: Bearer " + api.token()});
    EXPECT_EQ(r.status, 200) << r.body;
    json j = r.json_body();
    EXPECT_EQ(j.value("oldestChangeVersion", -1), 0) << r.body;
    return j.value("newestChangeVersion", std::uint64_t{0});
  }
  std::vector<std::string> ids(const Response& r) const {
    std::vector<std::string> out;
    for (auto& d : r.json_body()) out.push_back(d["id"]);
    return out;
  }
  Api api{GetParam()};
};

}  // namespace

TEST_P(ChangeQueries, EveryWriteTakesTheNextChangeVersionAndNoOpWritesNone) {
  std::uint64_t start = newest();
  std::string id = api.create("/ed-fi/students", student("s1"));
  EXPECT_EQ(newest(), start + 1);
  json changed = student("s1");
  changed["firstName"] = "Changed";
  if (api.flavor() == "dms") changed["id"] = id;
  ASSERT_EQ(api.put("/ed-fi/students/" + id, changed).status, 204);
  EXPECT_EQ(newest(), start + 2);
  ASSERT_EQ(api.put("/ed-fi/students/" + id, changed).status, 204);  // the same document: nothing changed
  EXPECT_EQ(newest(), start + 2);
  changed.erase("id");
  ASSERT_EQ(api.post("/ed-fi/students", changed).status, 200);  // an upsert of the same document: nothing either
  EXPECT_EQ(newest(), start + 2);
  ASSERT_EQ(api.del("/ed-fi/students/" + id).status, 204);
  EXPECT_EQ(newest(), start + 3);
}

TEST_P(ChangeQueries, WindowKeepsDocumentsWhoseLastWriteIsInItBothEndsIncluded) {
  std::string before = api.create("/ed-fi/students", student("s0"));
  std::string a = api.create("/ed-fi/students", student("s1"));
  std::uint64_t cv1 = newest();
  std::string b = api.create("/ed-fi/students", student("s2"));
  std::uint64_t cv2 = newest();
  std::string c = api.create("/ed-fi/students", student("s3"));
  std::uint64_t cv3 = newest();

  EXPECT_EQ(ids(api.get("/ed-fi/students?minChangeVersion=" + std::to_string(cv3))), std::vector<std::string>{c});
  EXPECT_EQ(ids(api.get("/ed-fi/students?maxChangeVersion=" + std::to_string(cv2))), (std::vector<std::string>{before, a, b}));
  Response both = api.get("/ed-fi/students?totalCount=true&minChangeVersion=" + std::to_string(cv1) +
                          "&maxChangeVersion=" + std::to_string(cv2));
  EXPECT_EQ(ids(both), (std::vector<std::string>{a, b}));
  EXPECT_EQ(both.header("total-count"), "2");
  // An update moves a document into a later window; it keeps its place in the collection's order.
  json changed = student("s1");
  changed["firstName"] = "Later";
  if (api.flavor() == "dms") changed["id"] = a;
  ASSERT_EQ(api.put("/ed-fi/students/" + a, changed).status, 204);
  EXPECT_EQ(ids(api.get("/ed-fi/students?minChangeVersion=" + std::to_string(cv3))), (std::vector<std::string>{a, c}));
  EXPECT_EQ(ids(api.get("/ed-fi/students?minChangeVersion=" + std::to_string(newest() + 1))), std::vector<std::string>{});
}

TEST_P(ChangeQueries, DeletesListIdChangeVersionAndNaturalKeyOldestFirst) {
  seed_school(api);
  std::uint64_t start = newest();
  std::string s1 = api.create("/ed-fi/students", student("s1"));
  std::string s2 = api.create("/ed-fi/students", student("s2"));
  std::string e1 = api.create("/ed-fi/studentSchoolAssociations", ssa("s1"));
  ASSERT_EQ(api.del("/ed-fi/studentSchoolAssociations/" + e1).status, 204);
  std::uint64_t cv_enrollment = newest();
  ASSERT_EQ(api.del("/ed-fi/students/" + s2).status, 204);
  std::uint64_t cv_s2 = newest();
  ASSERT_EQ(api.del("/ed-fi/students/" + s1).status, 204);
  std::uint64_t cv_s1 = newest();

  Response r = api.get("/ed-fi/students/deletes?totalCount=true&minChangeVersion=" + std::to_string(start + 1));
  ASSERT_EQ(r.status, 200) << r.body;
  json items = r.json_body();
  ASSERT_EQ(items.size(), 2u) << r.body;
  EXPECT_EQ(items[0], (json{{"id", s2}, {"changeVersion", cv_s2}, {"keyValues", {{"studentUniqueId", "s2"}}}}));
  EXPECT_EQ(items[1], (json{{"id", s1}, {"changeVersion", cv_s1}, {"keyValues", {{"studentUniqueId", "s1"}}}}));
  EXPECT_EQ(r.header("total-count"), "2");
  // A reference's fields appear by their own names (schoolReference.schoolId → schoolId).
  json enrollment = api.get("/ed-fi/studentSchoolAssociations/deletes").json_body();
  ASSERT_EQ(enrollment.size(), 1u);
  EXPECT_EQ(enrollment[0]["changeVersion"], cv_enrollment);
  EXPECT_EQ(enrollment[0]["keyValues"],
            (json{{"entryDate", "2024-08-20"}, {"schoolId", 255901}, {"studentUniqueId", "s1"}}));
  // Windows and paging, as on collections.
  EXPECT_EQ(api.get("/ed-fi/students/deletes?maxChangeVersion=" + std::to_string(cv_s2)).json_body().size(), 1u);
  json second = api.get("/ed-fi/students/deletes?offset=1&limit=1").json_body();
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0]["id"], s1);
  // A deleted document is gone from the collection, whatever the window.
  EXPECT_TRUE(api.get("/ed-fi/students?minChangeVersion=0").json_body().empty());
}

TEST_P(ChangeQueries, KeyChangeByPutIsAnEventOfItsOwnWithOldAndNewKeys) {
  seed_school(api);
  api.create("/ed-fi/students", student("s1"));
  std::string id = api.create("/ed-fi/studentSchoolAssociations", ssa("s1", 255901, "2024-08-20"));
  std::uint64_t before = newest();
  json moved = ssa("s1", 255901, "2024-09-03");
  if (api.flavor() == "dms") moved["id"] = id;
  Response put = api.put("/ed-fi/studentSchoolAssociations/" + id, moved);
  ASSERT_EQ(put.status, 204) << put.body;
  // The row's update and the key change each take a change version, as the ODS's triggers do.
  EXPECT_EQ(newest(), before + 2);
  Response r = api.get("/ed-fi/studentSchoolAssociations/keyChanges?minChangeVersion=" + std::to_string(before + 1));
  ASSERT_EQ(r.status, 200) << r.body;
  json items = r.json_body();
  ASSERT_EQ(items.size(), 1u) << r.body;
  EXPECT_EQ(items[0]["id"], id);
  EXPECT_EQ(items[0]["changeVersion"], before + 2);
  EXPECT_EQ(items[0]["oldKeyValues"], (json{{"entryDate", "2024-08-20"}, {"schoolId", 255901}, {"studentUniqueId", "s1"}}));
  EXPECT_EQ(items[0]["newKeyValues"], (json{{"entryDate", "2024-09-03"}, {"schoolId", 255901}, {"studentUniqueId", "s1"}}));
  // The document itself is in the window of its update.
  EXPECT_EQ(ids(api.get("/ed-fi/studentSchoolAssociations?minChangeVersion=" + std::to_string(before + 1))),
            std::vector<std::string>{id});
  EXPECT_TRUE(api.get("/ed-fi/studentSchoolAssociations/deletes").json_body().empty());
}

TEST_P(ChangeQueries, PartitionsAndPagesTakeTheWindowToo) {
  if (api.flavor() != "ods") GTEST_SKIP() << "cursor paging is the ODS/API 7.3's (the DMS has none)";
  for (int i = 0; i < 4; ++i) api.create("/ed-fi/students", student("s" + std::to_string(i)));
  std::uint64_t half = newest() - 1;  // the last two
  std::string window = "minChangeVersion=" + std::to_string(half);
  json tokens = api.get("/ed-fi/students/partitions?number=1&" + window).json_body()["pageTokens"];
  ASSERT_EQ(tokens.size(), 1u);
  Response page = api.get("/ed-fi/students?pageSize=10&pageToken=" + tokens[0].get<std::string>() + "&" + window);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.json_body().size(), 2u);
}

TEST_P(ChangeQueries, BadChangeVersionsAreParameterErrors) {
  for (const char* query : {"minChangeVersion=abc", "maxChangeVersion=-1"}) {
    Response r = api.get(std::string("/ed-fi/students?") + query);
    EXPECT_EQ(r.status, 400) << query << " " << r.body;
    Response d = api.get(std::string("/ed-fi/students/deletes?") + query);
    EXPECT_EQ(d.status, 400) << query << " " << d.body;
  }
  EXPECT_EQ(api.get("/ed-fi/nothings/deletes").status, 404);
  EXPECT_EQ(api.post("/ed-fi/students/deletes", student("x")).status, 405);
}

TEST_P(ChangeQueries, DiscoveryNamesTheChangeQueriesUrl) {
  Response root = http("GET", api.base(), "");
  ASSERT_EQ(root.status, 200);
  std::string url = root.json_body()["urls"].value("changeQueries", "");
  ASSERT_FALSE(url.empty()) << root.body;
  Response r = http("GET", url + "availableChangeVersions", "", {"Authorization: Bearer " + api.token()});
  EXPECT_EQ(r.status, 200) << url << " " << r.body;
}

INSTANTIATE_TEST_SUITE_P(Flavors, ChangeQueries, ::testing::Values("dms", "ods"));
