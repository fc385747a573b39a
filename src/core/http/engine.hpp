// The request engine: a libcurl-multi window of exactly pool_size requests in flight, with
// keep-alive handle reuse, retries (backoff + jitter, Retry-After), and bearer auth with one shared
// refresh on 401. Nothing here knows about commands: callers hand in Requests and get Outcomes.
#pragma once
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.hpp"

namespace lightbeam::http {

struct Request {
  std::string method = "GET";          // GET, POST, PUT, DELETE
  std::string url;                     // absolute, query string already encoded
  std::string body;                    // sent when non-empty (or for POST/PUT)
  std::vector<std::string> headers;    // "Name: value" lines; Authorization is added by the engine
  uint64_t tag = 0;                    // caller's id, copied into the Outcome
};

struct Outcome {
  uint64_t tag = 0;
  long status = 0;                     // HTTP status of the last attempt; 0 = transport failure
  std::string body;                    // response body of the last attempt
  std::string error;                   // transport error text (status 0), else empty
  bool timed_out = false;              // status 0 because the last attempt hit total_timeout/connect_timeout
  int attempts = 0;                    // 1 = no retry
  double elapsed_seconds = 0;          // first attempt start → final completion (incl. backoff)
  // Selected response headers (empty when absent).
  std::string location;
  std::string total_count;
  std::string etag;
  std::string retry_after;
  std::string content_type;

  bool transport_failed() const { return status == 0; }
  bool ok() const { return status >= 200 && status < 300; }
};

struct EngineOptions {
  int pool_size = 8;                   // requests in flight (and connections kept alive)
  double connect_timeout = 60;         // seconds (connection.timeout)
  double total_timeout = 60;           // seconds for one attempt, 0 = none (connection.timeout)
  int num_retries = 10;                // extra attempts after the first
  double backoff_factor = 1.5;         // delay before retry n (1-based) = factor * 2^(n-1) (+ jitter)
  double max_backoff = 120;            // cap on one computed delay (Retry-After is honoured up to 3600)
  std::vector<int> retry_statuses{429, 500, 501, 503, 504};
  bool retry_transport_errors = true;  // connection errors and timeouts are retried too
  bool verify_ssl = true;
  std::string user_agent;              // empty = "lightbeam/<k_version>"
  // A larger response body (after decompression) ends the request with an error instead of
  // growing without bound; 64× the largest Ed-Fi OpenAPI document (DS 5.2: 3.4 MB).
  std::size_t max_response_bytes = k_max_response_bytes;
  static constexpr std::size_t k_max_response_bytes = std::size_t{256} << 20;
};

// connection.* → engine options (timeout is both the connect and the per-attempt total timeout).
EngineOptions options_from_config(const config::Connection& connection);

// Supplies the Authorization header. invalidate() is called with the header value a request
// was sent with when it got 401; an implementation refreshes only when that value is still the
// current one, so concurrent 401s lead to exactly one refresh. Either may throw lightbeam::Error
// (e.g. wrong credentials), which ends Engine::run().
class Auth {
 public:
  virtual ~Auth() = default;
  virtual std::string authorization_header() = 0;   // e.g. "Bearer abc" (value only, no name)
  virtual void invalidate(const std::string& header_that_failed) = 0;
};

struct EngineStats {
  uint64_t requests = 0;     // completed Outcomes
  uint64_t attempts = 0;     // HTTP attempts incl. retries
  uint64_t retries = 0;
  uint64_t auth_refreshes = 0;  // 401s that led to a retry with a new header
};

class Engine {
 public:
  explicit Engine(EngineOptions options, std::shared_ptr<Auth> auth = nullptr);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Pulls requests from `next` and hands each final Outcome to `done`. nullopt from `next` means
  // "nothing right now": it is asked again after the next outcome; the run ends when `next`
  // returns nullopt while nothing is in flight or waiting for a retry. Both callbacks run on the
  // calling thread; `done` may be called before `next` is asked again, so `next` can depend on
  // earlier outcomes. Exactly min(pool_size, available) requests are in flight; a request waiting
  // for its retry keeps its place, so it never waits for a free slot after its backoff and one
  // request ends within (num_retries + 1) × total_timeout plus its backoff delays. Exceptions from
  // the callbacks or from Auth end the run (in-flight requests are abandoned) and propagate.
  void run(const std::function<std::optional<Request>()>& next,
           const std::function<void(Outcome&&)>& done);

  // Convenience: every request, outcomes returned in the order of the input.
  std::vector<Outcome> run_all(std::vector<Request> requests);

  // One blocking request (with retries) — for discovery, metadata and similar.
  Outcome perform(Request request);

  // Asks run() to stop pulling new requests; in-flight ones still complete. Safe from a signal
  // handler thread or another thread.
  void request_stop();

  const EngineOptions& options() const;
  EngineStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Seconds to wait before retry number `retry` (1-based): backoff_factor * 2^(retry-1), capped at
// max_backoff, plus up to 10% jitter (jitter_unit in [0,1) chooses where in that range).
double backoff_delay(const EngineOptions& options, int retry, double jitter_unit);

// Retry-After as seconds from `now`: delta-seconds ("120") or an HTTP date
// ("Wed, 21 Oct 2015 07:28:00 GMT", RFC 850 and asctime forms too). nullopt when unparseable;
// dates in the past give 0.
std::optional<double> parse_retry_after(std::string_view value, std::time_t now);

// Percent-encodes a query-string component (RFC 3986 unreserved characters kept).
std::string url_encode(std::string_view text);

}  // namespace lightbeam::http
