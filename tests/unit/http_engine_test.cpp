// Unit tests of the request engine against a tiny loopback HTTP/1.1 server written with raw
// sockets (tests/unit/http_test_server.hpp), so each fault — reset, silence, 429, 503 — is exact.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/http/engine.hpp"
#include "unit/http_test_server.hpp"

namespace {

using namespace lightbeam;
using lightbeam::testing::MiniServer;
using lightbeam::testing::RawRequest;
using lightbeam::testing::Reply;

http::EngineOptions fast_options(int pool = 4) {
  http::EngineOptions o;
  o.pool_size = pool;
  o.connect_timeout = 5;
  o.total_timeout = 10;
  o.num_retries = 3;
  o.backoff_factor = 0.01;
  return o;
}

TEST(HttpEngine, GetReturnsStatusBodyHeadersAndTags) {
  MiniServer server([](const RawRequest& r) {
    Reply reply;
    reply.status = r.target == "/missing" ? 404 : 200;
    reply.body = r.method + " " + r.target + " ua=" + r.header("user-agent");
    reply.headers = {"Total-Count: 42", "Location: http://x/y", "ETag: \"abc\"", "Content-Type: application/json"};
    return reply;
  });
  http::Engine engine(fast_options());
  std::vector<http::Request> requests;
  for (int i = 0; i < 10; ++i) {
    http::Request r;
    r.url = server.url(i == 3 ? "/missing" : "/item/" + std::to_string(i));
    r.tag = 100 + static_cast<uint64_t>(i);
    requests.push_back(r);
  }
  auto outcomes = engine.run_all(requests);
  ASSERT_EQ(outcomes.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    const auto& o = outcomes[static_cast<size_t>(i)];
    EXPECT_EQ(o.tag, 100u + static_cast<uint64_t>(i));
    EXPECT_EQ(o.status, i == 3 ? 404 : 200);
    EXPECT_EQ(o.attempts, 1);
    EXPECT_EQ(o.total_count, "42");
    EXPECT_EQ(o.location, "http://x/y");
    EXPECT_EQ(o.etag, "\"abc\"");
    EXPECT_EQ(o.content_type, "application/json");
    EXPECT_NE(o.body.find("ua=lightbeam/"), std::string::npos) << o.body;
  }
}

TEST(HttpEngine, MethodsAndBodiesAreSent) {
  MiniServer server([](const RawRequest& r) {
    Reply reply;
    reply.body = r.method + "|" + r.body + "|" + r.header("content-type") + "|" + r.header("x-test");
    return reply;
  });
  http::Engine engine(fast_options(2));
  std::vector<http::Request> rs(4);
  rs[0] = {"POST", server.url("/a"), "{\"a\":1}", {}, 0};
  rs[1] = {"PUT", server.url("/a/1"), "{\"b\":2}", {"X-Test: yes"}, 1};
  rs[2] = {"DELETE", server.url("/a/1"), "", {}, 2};
  rs[3] = {"POST", server.url("/t"), "grant_type=client_credentials",
           {"Content-Type: application/x-www-form-urlencoded"}, 3};
  auto out = engine.run_all(rs);
  EXPECT_EQ(out[0].body, "POST|{\"a\":1}|application/json|");
  EXPECT_EQ(out[1].body, "PUT|{\"b\":2}|application/json|yes");
  EXPECT_EQ(out[2].body, "DELETE|||");
  EXPECT_EQ(out[3].body, "POST|grant_type=client_credentials|application/x-www-form-urlencoded|");
}

TEST(HttpEngine, KeepsExactlyPoolSizeInFlightAndReusesConnections) {
  MiniServer server([](const RawRequest&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return Reply{};
  });
  http::Engine engine(fast_options(4));
  std::vector<http::Request> rs(40);
  for (auto& r : rs) r.url = server.url("/x");
  auto out = engine.run_all(rs);
  for (auto& o : out) EXPECT_EQ(o.status, 200);
  EXPECT_EQ(server.max_in_flight(), 4);
  EXPECT_LE(server.connections(), 4);  // keep-alive: one connection per slot at most
  EXPECT_EQ(server.requests(), 40);
}

TEST(HttpEngine, NextMayDependOnEarlierOutcomes) {
  MiniServer server([](const RawRequest& r) {
    Reply reply;
    reply.body = r.target.substr(1);
    return reply;
  });
  http::Engine engine(fast_options(1));
  int issued = 0;
  std::vector<std::string> seen;
  engine.run(
      [&]() -> std::optional<http::Request> {
        if (issued >= 5) return std::nullopt;
        // With a window of 1, every earlier outcome has been delivered before the next pull.
        EXPECT_EQ(seen.size(), static_cast<size_t>(issued));
        http::Request r;
        r.url = server.url("/" + std::to_string(issued++));
        return r;
      },
      [&](http::Outcome&& o) { seen.push_back(o.body); });
  EXPECT_EQ(seen, (std::vector<std::string>{"0", "1", "2", "3", "4"}));
}

TEST(HttpEngine, RetriesRetryStatusesThenSucceeds) {
  std::atomic<int> calls{0};
  MiniServer server([&](const RawRequest&) {
    Reply reply;
    if (++calls <= 2) reply.status = 503;
    reply.body = "ok";
    return reply;
  });
  http::Engine engine(fast_options(1));
  http::Request r;
  r.url = server.url("/x");
  auto o = engine.perform(r);
  EXPECT_EQ(o.status, 200);
  EXPECT_EQ(o.attempts, 3);
  EXPECT_EQ(engine.stats().retries, 2u);
}

TEST(HttpEngine, GivesUpAfterNumRetries) {
  MiniServer server([](const RawRequest&) { return Reply{Reply::respond, 500, "boom", {}}; });
  auto options = fast_options(1);
  options.num_retries = 2;
  http::Engine engine(options);
  http::Request r;
  r.url = server.url("/x");
  auto o = engine.perform(r);
  EXPECT_EQ(o.status, 500);
  EXPECT_EQ(o.body, "boom");
  EXPECT_EQ(o.attempts, 3);
  EXPECT_EQ(server.requests(), 3);
}

// Issue 15 Bad #2: a 1 GiB answer drove RSS to 6.9 GiB. Over the limit the request fails at
// once, with or without a Content-Length, and is not retried.
TEST(HttpEngine, ResponseOverTheLimitFailsWithoutRetry) {
  for (auto kind : {Reply::respond, Reply::until_close}) {
    MiniServer server([kind](const RawRequest&) { return Reply{kind, 200, std::string(3 << 20, 'x'), {}}; });
    auto options = fast_options(1);
    options.max_response_bytes = std::size_t{1} << 20;
    http::Engine engine(options);
    http::Request r;
    r.url = server.url("/big");
    auto o = engine.perform(r);
    EXPECT_EQ(o.status, 0) << kind;
    EXPECT_NE(o.error.find("the response is larger than 1 MiB"), std::string::npos) << o.error;
    EXPECT_TRUE(o.body.empty());
    EXPECT_EQ(o.attempts, 1) << kind;
    // Under the limit the same server's answer arrives whole.
    options.max_response_bytes = std::size_t{4} << 20;
    http::Engine roomy(options);
    auto whole = roomy.perform(r);
    EXPECT_EQ(whole.status, 200) << whole.error;
    EXPECT_EQ(whole.body.size(), std::size_t{3} << 20);
  }
}

TEST(HttpEngine, StatusNotInRetryListIsFinal) {
  MiniServer server([](const RawRequest&) { return Reply{Reply::respond, 502, "bad gateway", {}}; });
  http::Engine engine(fast_options(1));  // default retry_statuses exclude 502
  http::Request r;
  r.url = server.url("/x");
  auto o = engine.perform(r);
  EXPECT_EQ(o.status, 502);
  EXPECT_EQ(o.attempts, 1);
}

TEST(HttpEngine, HonoursRetryAfterSeconds) {
  std::atomic<int> calls{0};
  MiniServer server([&](const RawRequest&) {
    Reply reply;
    if (++calls == 1) {
      reply.status = 429;
      reply.headers = {"Retry-After: 1"};
    }
    return reply;
  });
  http::Engine engine(fast_options(1));  // backoff alone would wait ~10 ms
  http::Request r;
  r.url = server.url("/x");
  auto o = engine.perform(r);
  EXPECT_EQ(o.status, 200);
  EXPECT_EQ(o.attempts, 2);
  EXPECT_GE(o.elapsed_seconds, 0.95);
}

TEST(HttpEngine, ResetConnectionIsRetried) {
  std::atomic<int> calls{0};
  MiniServer server([&](const RawRequest&) {
    if (++calls == 1) return Reply{Reply::reset, 0, {}, {}};
    return Reply{};
  });
  http::Engine engine(fast_options(1));
  http::Request r;
  r.url = server.url("/x");
  auto o = engine.perform(r);
  EXPECT_EQ(o.status, 200);
  EXPECT_EQ(o.attempts, 2);
}

TEST(HttpEngine, ConnectionRefusedIsATransportFailure) {
  int port;
  {
    MiniServer probe([](const RawRequest&) { return Reply{}; });
    port = std::stoi(probe.url().substr(17));
  }  // closed: nothing listens there now
  auto options = fast_options(1);
  options.num_retries = 2;
  http::Engine engine(options);
  http::Request r;
  r.url = "http://127.0.0.1:" + std::to_string(port) + "/x";
  auto o = engine.perform(r);
  EXPECT_EQ(o.status, 0);
  EXPECT_TRUE(o.transport_failed());
  EXPECT_FALSE(o.error.empty());
  EXPECT_EQ(o.attempts, 3);
}

TEST(HttpEngine, DnsFailureIsNotRetried) {
  auto options = fast_options(1);
  http::Engine engine(options);
  http::Request r;
  r.url = "http://nonexistent.invalid/x";
  auto o = engine.perform(r);
  EXPECT_EQ(o.status, 0);
  EXPECT_EQ(o.attempts, 1);
  EXPECT_FALSE(o.error.empty());
}

TEST(HttpEngine, SilentServerTimesOut) {
  MiniServer server([](const RawRequest&) { return Reply{Reply::hang, 0, {}, {}}; });
  auto options = fast_options(1);
  options.total_timeout = 0.5;
  options.num_retries = 1;
  http::Engine engine(options);
  http::Request r;
  r.url = server.url("/x");
  auto o = engine.perform(r);
  EXPECT_EQ(o.status, 0);
  EXPECT_EQ(o.attempts, 2);
  EXPECT_NE(o.error.find("imed out"), std::string::npos) << o.error;
}

// Issue 15: with new requests taking the slots of requests backing off, a request that is never
// answered waited for a slot before each retry (about twice the timeouts in all). A retry keeps
// its slot: the server sees every attempt of the first pool_size requests before any other.
TEST(HttpEngine, RetriesKeepTheirSlotSoAHungRequestEndsAfterItsOwnAttempts) {
  std::mutex mu;
  std::vector<std::string> seen;
  MiniServer server([&](const RawRequest& r) {
    std::lock_guard lock(mu);
    seen.push_back(r.target);
    return Reply{Reply::hang, 0, {}, {}};
  });
  auto options = fast_options(2);
  options.total_timeout = 0.3;
  options.num_retries = 2;
  http::Engine engine(options);
  std::vector<http::Request> rs(4);
  for (std::size_t i = 0; i < rs.size(); ++i) rs[i].url = server.url("/" + std::string(1, static_cast<char>('a' + i)));
  auto out = engine.run_all(rs);
  for (auto& o : out) {
    EXPECT_EQ(o.status, 0);
    EXPECT_TRUE(o.timed_out) << o.error;
    EXPECT_EQ(o.attempts, 3);
  }
  std::lock_guard lock(mu);
  ASSERT_EQ(seen.size(), 12u);
  for (std::size_t i = 0; i < 6; ++i) EXPECT_TRUE(seen[i] == "/a" || seen[i] == "/b") << i << ": " << seen[i];
}

class CountingAuth : public http::Auth {
 public:
  std::string authorization_header() override {
    std::lock_guard lock(mu);
    return "Bearer t" + std::to_string(version);
  }
  void invalidate(const std::string& failed) override {
    std::lock_guard lock(mu);
    if (failed == "Bearer t" + std::to_string(version)) {
      ++version;
      ++refreshes;
    }
  }
  std::mutex mu;
  int version = 1;
  int refreshes = 0;
};

TEST(HttpEngine, ConcurrentUnauthorizedShareOneRefresh) {
  MiniServer server([](const RawRequest& r) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto it = r.headers.find("authorization");
    if (it == r.headers.end() || it->second != "Bearer t2") return Reply{Reply::respond, 401, "", {}};
    return Reply{};
  });
  auto auth = std::make_shared<CountingAuth>();
  http::Engine engine(fast_options(8), auth);
  std::vector<http::Request> rs(16);
  for (auto& r : rs) r.url = server.url("/x");
  auto out = engine.run_all(rs);
  for (auto& o : out) EXPECT_EQ(o.status, 200);
  EXPECT_EQ(auth->refreshes, 1);
}

TEST(HttpEngine, PersistentUnauthorizedEndsWith401NotALoop) {
  MiniServer server([](const RawRequest&) { return Reply{Reply::respond, 401, "no", {}}; });
  auto auth = std::make_shared<CountingAuth>();
  http::Engine engine(fast_options(1), auth);
  http::Request r;
  r.url = server.url("/x");
  auto o = engine.perform(r);
  EXPECT_EQ(o.status, 401);
  EXPECT_LE(o.attempts, 3);
}

class FailingAuth : public http::Auth {
 public:
  std::string authorization_header() override { return "Bearer x"; }
  void invalidate(const std::string&) override { throw Error("authentication failed"); }
};

TEST(HttpEngine, AuthErrorsEndTheRunAndTheEngineStaysUsable) {
  MiniServer server([](const RawRequest& r) {
    if (r.target == "/ok") return Reply{};
    return Reply{Reply::respond, 401, "", {}};
  });
  http::Engine engine(fast_options(2), std::make_shared<FailingAuth>());
  std::vector<http::Request> rs(4);
  for (auto& r : rs) r.url = server.url("/x");
  EXPECT_THROW(engine.run_all(rs), Error);
  http::Request ok;
  ok.url = server.url("/ok");
  EXPECT_EQ(engine.perform(ok).status, 200);
}

TEST(HttpEngine, RequestStopEndsWithoutPullingMore) {
  MiniServer server([](const RawRequest&) { return Reply{}; });
  http::Engine engine(fast_options(2));
  int pulled = 0, done = 0;
  engine.run(
      [&]() -> std::optional<http::Request> {
        ++pulled;
        http::Request r;
        r.url = server.url("/x");
        return r;
      },
      [&](http::Outcome&&) {
        if (++done == 5) engine.request_stop();
      });
  EXPECT_GE(done, 5);
  EXPECT_EQ(done, pulled);  // in-flight ones completed, nothing was lost
}

TEST(HttpRetryAfter, ParsesSecondsAndDates) {
  std::time_t now = 1445412480;  // Wed, 21 Oct 2015 07:28:00 GMT
  EXPECT_EQ(http::parse_retry_after("120", now), 120.0);
  EXPECT_EQ(http::parse_retry_after(" 0 ", now), 0.0);
  EXPECT_EQ(http::parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), 30.0);
  EXPECT_EQ(http::parse_retry_after("Wednesday, 21-Oct-15 07:29:00 GMT", now), 60.0);
  EXPECT_EQ(http::parse_retry_after("Wed Oct 21 07:28:10 2015", now), 10.0);
  EXPECT_EQ(http::parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), 0.0);  // past
  EXPECT_FALSE(http::parse_retry_after("soon", now).has_value());
  EXPECT_FALSE(http::parse_retry_after("", now).has_value());
  EXPECT_FALSE(http::parse_retry_after("-5", now).has_value());
}

TEST(HttpBackoff, ExponentialWithBoundedJitterAndCap) {
  http::EngineOptions o;
  o.backoff_factor = 1.5;
  o.max_backoff = 120;
  EXPECT_DOUBLE_EQ(http::backoff_delay(o, 1, 0.0), 1.5);
  EXPECT_DOUBLE_EQ(http::backoff_delay(o, 2, 0.0), 3.0);
  EXPECT_DOUBLE_EQ(http::backoff_delay(o, 4, 0.0), 12.0);
  EXPECT_DOUBLE_EQ(http::backoff_delay(o, 4, 1.0), 13.2);
  EXPECT_DOUBLE_EQ(http::backoff_delay(o, 20, 0.0), 120.0);
  double a = http::backoff_delay(o, 3, 0.5);
  EXPECT_GT(a, 6.0);
  EXPECT_LT(a, 6.6 + 1e-9);
  o.backoff_factor = 0;
  EXPECT_DOUBLE_EQ(http::backoff_delay(o, 5, 0.7), 0.0);
}

TEST(HttpUrl, EncodesQueryComponents) {
  EXPECT_EQ(http::url_encode("abc-_.~XYZ09"), "abc-_.~XYZ09");
  EXPECT_EQ(http::url_encode("uri://ed-fi.org/X#Y z"), "uri%3A%2F%2Fed-fi.org%2FX%23Y%20z");
}

TEST(HttpOptions, FromConnectionConfig) {
  config::Connection c;
  c.pool_size = 3;
  c.timeout = 7;
  c.num_retries = 2;
  c.backoff_factor = 0.5;
  c.retry_statuses = {429};
  c.verify_ssl = false;
  auto o = http::options_from_config(c);
  EXPECT_EQ(o.pool_size, 3);
  EXPECT_EQ(o.connect_timeout, 7);
  EXPECT_EQ(o.total_timeout, 7);
  EXPECT_EQ(o.num_retries, 2);
  EXPECT_EQ(o.backoff_factor, 0.5);
  EXPECT_EQ(o.retry_statuses, std::vector<int>{429});
  EXPECT_FALSE(o.verify_ssl);
}

}  // namespace
