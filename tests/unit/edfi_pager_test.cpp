// The offset pager: pages delivered in API order per endpoint, many endpoints in one engine run,
// unknown totals, errors and early empty pages ending an endpoint (never an endless loop).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/edfi/pager.hpp"
#include "unit/http_test_server.hpp"

namespace {

using namespace lightbeam;
using lightbeam::testing::MiniServer;
using lightbeam::testing::RawRequest;
using lightbeam::testing::Reply;

std::map<std::string, std::string> query_of(const std::string& target) {
  std::map<std::string, std::string> q;
  size_t p = target.find('?');
  if (p == std::string::npos) return q;
  std::string rest = target.substr(p + 1);
  size_t pos = 0;
  while (pos <= rest.size()) {
    size_t amp = rest.find('&', pos);
    if (amp == std::string::npos) amp = rest.size();
    std::string kv = rest.substr(pos, amp - pos);
    size_t eq = kv.find('=');
    if (eq != std::string::npos) q[kv.substr(0, eq)] = kv.substr(eq + 1);
    pos = amp + 1;
  }
  return q;
}

// /a has `sizes["a"]` records [{"n":0},...]; `/broken` answers 500 at offset 2; `/nocount` sends
// no Total-Count; `/liar` claims 10 records but has 3.
Reply paging_handler(const RawRequest& r, const std::map<std::string, int>& sizes) {
  std::string path = r.target.substr(0, r.target.find('?'));
  auto q = query_of(r.target);
  std::string name = path.substr(1);
  int size = sizes.count(name) ? sizes.at(name) : 0;
  Reply reply;
  if (q["totalCount"] == "true" && name != "nocount")
    reply.headers.push_back("Total-Count: " + std::to_string(name == "liar" ? 10 : size));
  int limit = q.count("limit") ? std::stoi(q["limit"]) : 25;
  int offset = q.count("offset") ? std::stoi(q["offset"]) : 0;
  if (name == "broken" && offset >= 2) return Reply{Reply::respond, 500, "{\"detail\":\"boom\"}", {}};
  reply.body = "[";
  for (int i = offset; i < std::min(size, offset + limit); ++i)
    reply.body += (i > offset ? "," : "") + std::string("{\"n\":") + std::to_string(i) + "}";
  reply.body += "]";
  return reply;
}

struct Collected {
  std::map<size_t, std::vector<uint64_t>> offsets;
  std::map<size_t, long> totals;
  std::map<size_t, int> records;
  std::map<size_t, bool> finished;
  std::map<size_t, std::string> errors;
};

edfi::PageEvents collect(Collected& c) {
  edfi::PageEvents ev;
  ev.on_total = [&c](size_t i, long t) { c.totals[i] = t; };
  ev.on_page = [&c](size_t i, uint64_t offset, std::string&& body) -> long {
    c.offsets[i].push_back(offset);
    long n = 0;
    for (size_t p = body.find("\"n\":"); p != std::string::npos; p = body.find("\"n\":", p + 1)) {
      // Records arrive in order: n equals the running count.
      EXPECT_EQ(std::stoi(body.substr(p + 4)), c.records[i]);
      ++c.records[i];
      ++n;
    }
    return n;
  };
  ev.on_error = [&c](size_t i, const http::Outcome& o, const std::string& what) {
    c.errors[i] = what + ":" + std::to_string(o.status);
  };
  ev.on_finished = [&c](size_t i, bool ok) {
    EXPECT_FALSE(c.finished.count(i)) << "finished twice";
    c.finished[i] = ok;
  };
  return ev;
}

http::EngineOptions options() {
  http::EngineOptions o;
  o.pool_size = 4;
  o.num_retries = 0;
  return o;
}

TEST(EdfiPager, PagesManyEndpointsInOrder) {
  std::map<std::string, int> sizes{{"a", 23}, {"b", 0}, {"c", 5}, {"d", 10}};
  MiniServer server([&](const RawRequest& r) { return paging_handler(r, sizes); });
  http::Engine engine(options());
  std::vector<edfi::PagedEndpoint> eps{{"a", server.url("/a"), ""}, {"b", server.url("/b"), ""},
                                       {"c", server.url("/c"), ""}, {"d", server.url("/d"), ""}};
  Collected c;
  edfi::fetch_pages(engine, eps, 5, collect(c));
  EXPECT_EQ(c.totals[0], 23);
  EXPECT_EQ(c.records[0], 23);
  EXPECT_EQ(c.offsets[0], (std::vector<uint64_t>{0, 5, 10, 15, 20}));
  EXPECT_EQ(c.records[1], 0);
  EXPECT_EQ(c.offsets.count(1), 0u);  // a zero count asks for no page
  EXPECT_EQ(c.records[2], 5);
  EXPECT_EQ(c.records[3], 10);
  EXPECT_EQ(c.offsets[3], (std::vector<uint64_t>{0, 5}));  // the Total-Count is trusted: no extra page
  for (size_t i = 0; i < 4; ++i) EXPECT_TRUE(c.finished[i]);
  EXPECT_TRUE(c.errors.empty());
  EXPECT_EQ(server.requests(), 4 + 5 + 1 + 2);
}

TEST(EdfiPager, QueryIsAddedToEveryRequest) {
  std::vector<std::string> targets;
  std::mutex mu;
  MiniServer server([&](const RawRequest& r) {
    std::lock_guard lock(mu);
    targets.push_back(r.target);
    return paging_handler(r, {{"a", 3}});
  });
  http::Engine engine(options());
  Collected c;
  edfi::fetch_pages(engine, {{"a", server.url("/a"), "studentUniqueId=12"}}, 2, collect(c));
  ASSERT_EQ(targets.size(), 3u);
  for (auto& t : targets) EXPECT_NE(t.find("studentUniqueId=12"), std::string::npos) << t;
  EXPECT_EQ(c.records[0], 3);
}

TEST(EdfiPager, UnknownTotalPagesUntilAShortPage) {
  MiniServer server([&](const RawRequest& r) { return paging_handler(r, {{"nocount", 7}}); });
  http::Engine engine(options());
  Collected c;
  edfi::fetch_pages(engine, {{"nocount", server.url("/nocount"), ""}}, 3, collect(c));
  EXPECT_EQ(c.totals[0], -1);
  EXPECT_EQ(c.records[0], 7);
  EXPECT_EQ(c.offsets[0], (std::vector<uint64_t>{0, 3, 6}));
  EXPECT_TRUE(c.finished[0]);
}

TEST(EdfiPager, EarlyEmptyPageEndsTheEndpoint) {
  MiniServer server([&](const RawRequest& r) { return paging_handler(r, {{"liar", 3}}); });
  http::Engine engine(options());
  Collected c;
  edfi::fetch_pages(engine, {{"liar", server.url("/liar"), ""}}, 2, collect(c));
  EXPECT_EQ(c.totals[0], 10);
  EXPECT_EQ(c.records[0], 3);
  EXPECT_TRUE(c.finished[0]);
  EXPECT_LE(server.requests(), 1 + 5);
}

TEST(EdfiPager, ErrorStatusEndsOnlyThatEndpoint) {
  std::map<std::string, int> sizes{{"broken", 10}, {"a", 4}};
  MiniServer server([&](const RawRequest& r) { return paging_handler(r, sizes); });
  http::Engine engine(options());
  Collected c;
  edfi::fetch_pages(engine, {{"broken", server.url("/broken"), ""}, {"a", server.url("/a"), ""}}, 2, collect(c));
  EXPECT_FALSE(c.finished[0]);
  // Pages 2, 4, 6 and 8 are in flight together and all fail; whichever 500 arrives first ends it.
  EXPECT_THAT(c.errors[0], ::testing::MatchesRegex("offset [2468]:500"));
  EXPECT_TRUE(c.finished[1]);
  EXPECT_EQ(c.records[1], 4);
}

TEST(EdfiPager, CountErrorAndNonArrayBodies) {
  MiniServer server([&](const RawRequest& r) {
    if (r.target.rfind("/missing", 0) == 0) return Reply{Reply::respond, 404, "{}", {}};
    Reply reply;
    reply.headers = {"Total-Count: 2"};
    reply.body = "<html>oops</html>";
    return reply;
  });
  http::Engine engine(options());
  Collected c;
  auto ev = collect(c);
  ev.on_page = [](size_t, uint64_t, std::string&& body) -> long { return body.front() == '[' ? 0 : -1; };
  edfi::fetch_pages(engine, {{"missing", server.url("/missing"), ""}, {"html", server.url("/html"), ""}}, 5, ev);
  EXPECT_EQ(c.errors[0], "count:404");
  EXPECT_FALSE(c.finished[0]);
  EXPECT_EQ(c.errors[1], "offset 0:200");
  EXPECT_FALSE(c.finished[1]);
}

}  // namespace
