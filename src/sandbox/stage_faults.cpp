// The fault stage: latency, the 429 of the rate limit, injected failures, connection resets and
// requests that are never answered.
#include "sandbox/stage_faults.hpp"

#include <httplib.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <thread>

namespace lightbeam::sandbox::stage {

namespace {

// Finds the accepted socket behind this request (same peer and local port) and drops it with a
// reset: httplib does not expose the socket to handlers.
void drop_connection(const httplib::Request& req) {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  int max_fd = static_cast<int>(std::min<rlim_t>(lim.rlim_cur, 65536));
  for (int fd = 3; fd < max_fd; ++fd) {
    sockaddr_storage peer{}, local{};
    socklen_t len = sizeof peer, llen = sizeof local;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) continue;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &llen) != 0) continue;
    auto port_of = [](const sockaddr_storage& a) {
      if (a.ss_family == AF_INET) return static_cast<int>(ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port));
      if (a.ss_family == AF_INET6) return static_cast<int>(ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port));
      return -1;
    };
    if (port_of(peer) != req.remote_port || port_of(local) != req.local_port) continue;
    linger l{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    shutdown(fd, SHUT_RDWR);
    return;
  }
}

}  // namespace

bool inject_faults(Context& ctx, const httplib::Request& req, httplib::Response& res) {
  Faults& faults = ctx.faults;
  if (faults.latency_ms() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(faults.latency_ms()));
  switch (faults.decide()) {
    case Faults::Action::none: break;
    case Faults::Action::rate_limited: {
      ctx.stats.record_fault("rate_limited");
      res.set_header("Retry-After", std::to_string(ctx.options.retry_after));
      Problem p;
      p.status = 429;
      p.type = "urn:ed-fi:api:too-many-requests";
      p.title = "Too Many Requests";
      p.detail = "The request rate limit was exceeded. Retry after the number of seconds in the Retry-After header.";
      ctx.send_problem(req, res, p);
      ctx.record(req, "fault", res);
      return true;
    }
    case Faults::Action::fail: {
      ctx.stats.record_fault("failed");
      if (faults.fail_status() == 429 || faults.fail_status() == 503)
        res.set_header("Retry-After", std::to_string(ctx.options.retry_after));
      // 500 is the §8.2 #34 body exactly; other statuses say they were injected.
      Problem p = system_error();
      if (faults.fail_status() != 500) {
        p.status = faults.fail_status();
        p.title = p.status == 429 ? "Too Many Requests" : "System Error";
        p.detail = "An injected fault (edfi-sandbox --fail-rate).";
        p.legacy_message.clear();
      }
      ctx.send_problem(req, res, p);
      ctx.record(req, "fault", res);
      return true;
    }
    case Faults::Action::reset:
      ctx.stats.record_fault("reset");
      drop_connection(req);
      res.status = 499;
      return true;
    case Faults::Action::hang: {
      // Counted on arrival, so a test can count the attempts a client made. Held until the
      // server stops (httplib's stop() waits for its handlers); the client's timeout ends it
      // on the other side, and the thread is freed when the server stops.
      ctx.stats.record_fault("hung");
      std::unique_lock lock(ctx.hang_mutex);
      ctx.hang_cv.wait(lock, [&ctx] { return ctx.stopping; });
      drop_connection(req);
      res.status = 499;
      return true;
    }
  }
  return false;
}

}  // namespace lightbeam::sandbox::stage
