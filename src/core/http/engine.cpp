// The libcurl-multi request engine: a fixed window of reusable easy handles (one per pool slot,
// so connections stay alive), a retry queue ordered by not-before time, and completion callbacks
// on the caller's thread.
#include "core/http/engine.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <mutex>
#include <queue>
#include <random>
#include <stdexcept>

#include "core/error.hpp"
#include "lightbeam_version.hpp"

namespace lightbeam::http {

namespace {

using Clock = std::chrono::steady_clock;

void ensure_curl_global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool iequals_prefix(const char* data, size_t size, std::string_view name) {
  if (size < name.size() + 1) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = data[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != name[i]) return false;
  }
  return data[name.size()] == ':';
}

std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r' || v.back() == '\n'))
    v.remove_suffix(1);
  return v;
}

// Transport errors that a retry cannot fix (wrong name, bad certificate, bad URL): fail at once.
bool transport_error_is_permanent(CURLcode code) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_FILESIZE_EXCEEDED:
    case CURLE_OUT_OF_MEMORY:
      return true;
    default:
      return false;
  }
}

}  // namespace

EngineOptions options_from_config(const config::Connection& c) {
  EngineOptions o;
  o.pool_size = std::max(1, c.pool_size);
  o.connect_timeout = c.timeout;
  o.total_timeout = c.timeout;
  o.num_retries = std::max(0, c.num_retries);
  o.backoff_factor = std::max(0.0, c.backoff_factor);
  o.retry_statuses = c.retry_statuses;
  o.verify_ssl = c.verify_ssl;
  return o;
}

double backoff_delay(const EngineOptions& options, int retry, double jitter_unit) {
  if (retry < 1) retry = 1;
  double base = options.backoff_factor * std::pow(2.0, std::min(retry - 1, 30));
  base = std::min(base, options.max_backoff);
  if (base < 0) base = 0;
  return base + base * 0.1 * std::clamp(jitter_unit, 0.0, 1.0);
}

std::optional<double> parse_retry_after(std::string_view value, std::time_t now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) return 1e9;
    return static_cast<double>(std::stol(std::string(value)));
  }
  // HTTP date: curl_getdate understands RFC 1123, RFC 850 and asctime forms.
  std::string text(value);
  time_t when = curl_getdate(text.c_str(), nullptr);
  if (when == -1) return std::nullopt;
  double delta = std::difftime(when, now);
  return delta < 0 ? 0.0 : delta;
}

std::string url_encode(std::string_view text) {
  static const char* k_hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() + 8);
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(k_hex[c >> 4]);
      out.push_back(k_hex[c & 15]);
    }
  }
  return out;
}

// A request on its way: the caller's Request plus retry bookkeeping.
struct Pending {
  Request request;
  int attempts = 0;          // attempts made so far
  int auth_retries = 0;      // 401 → refresh → retry, at most twice
  std::string last_error;    // transport error of the last attempt (reported if stopped before a retry)
  bool last_timed_out = false;
  Clock::time_point started{};
  Clock::time_point not_before{};
  uint64_t seq = 0;          // FIFO among equal not_before
};

struct PendingLater {
  bool operator()(const Pending* a, const Pending* b) const {
    if (a->not_before != b->not_before) return a->not_before > b->not_before;
    return a->seq > b->seq;
  }
};

struct Slot {
  CURL* easy = nullptr;
  curl_slist* header_list = nullptr;
  std::vector<std::string> cached_headers;  // what header_list was built from
  std::string cached_auth;
  bool cached_has_body = false;
  bool cached_valid = false;
  std::unique_ptr<Pending> pending;
  std::string auth_used;
  std::string body;
  std::string location, total_count, etag, retry_after, content_type;
  char error_buffer[CURL_ERROR_SIZE];
  bool active = false;
  std::size_t max_body = 0;
  bool too_large = false;  // the body passed max_body: the transfer was aborted
};

struct Engine::Impl {
  EngineOptions options;
  std::shared_ptr<Auth> auth;
  CURLM* multi = nullptr;
  std::vector<Slot> slots;
  std::vector<Slot*> free_slots;
  std::priority_queue<Pending*, std::vector<Pending*>, PendingLater> waiting;  // owned raw ptrs
  std::atomic<bool> stop{false};
  std::mt19937_64 rng{std::random_device{}()};
  uint64_t next_seq = 0;
  EngineStats stats;
  bool running = false;

  explicit Impl(EngineOptions o, std::shared_ptr<Auth> a) : options(std::move(o)), auth(std::move(a)) {
    ensure_curl_global_init();
    if (options.pool_size < 1) options.pool_size = 1;
    if (options.user_agent.empty()) options.user_agent = std::string("lightbeam/") + k_version;
    multi = curl_multi_init();
    if (!multi) throw Error("could not initialise libcurl");
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(options.pool_size));
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(options.pool_size));
    slots.resize(static_cast<size_t>(options.pool_size));
    for (auto& s : slots) {
      s.easy = curl_easy_init();
      if (!s.easy) throw Error("could not initialise libcurl");
      configure_easy(s);
      free_slots.push_back(&s);
    }
  }

  ~Impl() {
    abandon_active();
    while (!waiting.empty()) {
      delete waiting.top();
      waiting.pop();
    }
    for (auto& s : slots) {
      if (s.header_list) curl_slist_free_all(s.header_list);
      if (s.easy) curl_easy_cleanup(s.easy);
    }
    if (multi) curl_multi_cleanup(multi);
  }

  static size_t write_cb(char* data, size_t size, size_t nmemb, void* user) {
    auto* slot = static_cast<Slot*>(user);
    if (slot->body.size() + size * nmemb > slot->max_body) {
      slot->too_large = true;
      return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    }
    slot->body.append(data, size * nmemb);
    return size * nmemb;
  }

  static size_t header_cb(char* data, size_t size, size_t nmemb, void* user) {
    auto* slot = static_cast<Slot*>(user);
    size_t n = size * nmemb;
    if (n >= 5 && std::memcmp(data, "HTTP/", 5) == 0) {
      // A new response (after 100-continue or a redirect): forget the previous one's headers.
      slot->location.clear();
      slot->total_count.clear();
      slot->etag.clear();
      slot->retry_after.clear();
      slot->content_type.clear();
      slot->body.clear();
      return n;
    }
    auto value = [&](size_t name_len) {
      return std::string(trim(std::string_view(data + name_len + 1, n - name_len - 1)));
    };
    switch (n > 0 ? (data[0] | 0x20) : 0) {
      case 'l':
        if (iequals_prefix(data, n, "location")) slot->location = value(8);
        break;
      case 't':
        if (iequals_prefix(data, n, "total-count")) slot->total_count = value(11);
        break;
      case 'e':
        if (iequals_prefix(data, n, "etag")) slot->etag = value(4);
        break;
      case 'r':
        if (iequals_prefix(data, n, "retry-after")) slot->retry_after = value(11);
        break;
      case 'c':
        if (iequals_prefix(data, n, "content-type")) slot->content_type = value(12);
        break;
      default:
        break;
    }
    return n;
  }

  void configure_easy(Slot& s) {
    CURL* e = s.easy;
    curl_easy_setopt(e, CURLOPT_PRIVATE, &s);
    s.max_body = options.max_response_bytes;
    // A Content-Length over the limit fails before the body is read (CURLE_FILESIZE_EXCEEDED).
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_response_bytes));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Impl::write_cb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Impl::header_cb);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &s);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s.error_buffer);
    curl_easy_setopt(e, CURLOPT_USERAGENT, options.user_agent.c_str());
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    long connect_ms = static_cast<long>(std::max(0.0, options.connect_timeout) * 1000.0);
    long total_ms = static_cast<long>(std::max(0.0, options.total_timeout) * 1000.0);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect_ms > 0 ? connect_ms : 0L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, total_ms > 0 ? total_ms : 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, options.verify_ssl ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, options.verify_ssl ? 2L : 0L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  }

  double jitter() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng); }

  // Builds (or reuses) the slot's header list for this request.
  void set_headers(Slot& s, const Request& r, bool has_body) {
    if (s.cached_valid && s.cached_has_body == has_body && s.cached_auth == s.auth_used &&
        s.cached_headers == r.headers) {
      return;
    }
    if (s.header_list) curl_slist_free_all(s.header_list);
    curl_slist* list = nullptr;
    bool have_content_type = false;
    for (const auto& h : r.headers) {
      if (h.size() >= 13 && iequals_prefix(h.data(), h.size(), "content-type")) have_content_type = true;
      list = curl_slist_append(list, h.c_str());
    }
    if (has_body && !have_content_type) list = curl_slist_append(list, "Content-Type: application/json");
    // Expect: 100-continue costs a round trip per POST; Ed-Fi servers do not need it.
    list = curl_slist_append(list, "Expect:");
    if (!s.auth_used.empty()) list = curl_slist_append(list, ("Authorization: " + s.auth_used).c_str());
    s.header_list = list;
    s.cached_headers = r.headers;
    s.cached_auth = s.auth_used;
    s.cached_has_body = has_body;
    s.cached_valid = true;
    curl_easy_setopt(s.easy, CURLOPT_HTTPHEADER, list);
  }

  void start(Slot& s, std::unique_ptr<Pending> p) {
    CURL* e = s.easy;
    const Request& r = p->request;
    if (p->attempts == 0) p->started = Clock::now();
    ++p->attempts;
    ++stats.attempts;
    s.body.clear();
    s.location.clear();
    s.total_count.clear();
    s.etag.clear();
    s.retry_after.clear();
    s.content_type.clear();
    s.error_buffer[0] = 0;
    s.too_large = false;
    s.auth_used = auth ? auth->authorization_header() : std::string();

    curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
    const std::string& m = r.method;
    bool has_body = false;
    if (m == "GET" || m.empty()) {
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, nullptr);
      curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
      curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
      curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
    } else {
      curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
      if (m == "POST" || m == "PUT" || m == "PATCH" || !r.body.empty()) {
        has_body = true;
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.data());
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m == "POST" ? nullptr : m.c_str());
      } else {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m.c_str());
      }
    }
    set_headers(s, r, has_body);
    s.pending = std::move(p);
    s.active = true;
    CURLMcode rc = curl_multi_add_handle(multi, e);
    if (rc != CURLM_OK) {
      s.active = false;
      throw Error(std::string("libcurl could not start a request: ") + curl_multi_strerror(rc));
    }
  }

  void abandon_active() {
    for (auto& s : slots) {
      if (s.active) {
        curl_multi_remove_handle(multi, s.easy);
        s.active = false;
        s.pending.reset();
        free_slots.push_back(&s);
      }
    }
  }

  void requeue(std::unique_ptr<Pending> p, double delay_seconds) {
    p->not_before = Clock::now() + std::chrono::microseconds(static_cast<int64_t>(delay_seconds * 1e6));
    p->seq = next_seq++;
    waiting.push(p.release());
  }

  Outcome make_outcome(Slot& s, Pending& p, long status, std::string error) {
    Outcome o;
    o.tag = p.request.tag;
    o.status = status;
    o.body = std::move(s.body);
    o.error = std::move(error);
    o.attempts = p.attempts;
    o.elapsed_seconds = std::chrono::duration<double>(Clock::now() - p.started).count();
    o.location = std::move(s.location);
    o.total_count = std::move(s.total_count);
    o.etag = std::move(s.etag);
    o.retry_after = std::move(s.retry_after);
    o.content_type = std::move(s.content_type);
    return o;
  }

  // Handles one finished transfer: retry it or hand its outcome to `done`.
  void finish(Slot& s, CURLcode result, const std::function<void(Outcome&&)>& done) {
    curl_multi_remove_handle(multi, s.easy);
    s.active = false;
    std::unique_ptr<Pending> p = std::move(s.pending);
    free_slots.push_back(&s);
    bool stopping = stop.load(std::memory_order_relaxed);

    if (result != CURLE_OK) {
      std::string error = s.error_buffer[0] ? std::string(s.error_buffer) : curl_easy_strerror(result);
      const bool too_large = s.too_large || result == CURLE_FILESIZE_EXCEEDED;
      if (too_large) {
        s.body.clear();
        s.body.shrink_to_fit();
        error = "the response is larger than " + std::to_string(options.max_response_bytes >> 20) +
                " MiB, lightbeam's limit for one response; check that the URL is an Ed-Fi API (a smaller page_size helps for fetch)";
      }
      bool retry = !stopping && !too_large && options.retry_transport_errors && !transport_error_is_permanent(result) &&
                   p->attempts <= options.num_retries;
      const bool timed_out = result == CURLE_OPERATION_TIMEDOUT;
      if (retry) {
        ++stats.retries;
        p->last_error = std::move(error);
        p->last_timed_out = timed_out;
        double delay = backoff_delay(options, p->attempts, jitter());
        requeue(std::move(p), delay);
        return;
      }
      ++stats.requests;
      Outcome o = make_outcome(s, *p, 0, std::move(error));
      o.timed_out = timed_out;
      done(std::move(o));
      return;
    }
    long status = 0;
    curl_easy_getinfo(s.easy, CURLINFO_RESPONSE_CODE, &status);
    p->last_error.clear();
    p->last_timed_out = false;
    if (status == 401 && auth && p->auth_retries < 2 && !stopping) {
      auth->invalidate(s.auth_used);  // may throw (wrong credentials): ends the run
      ++p->auth_retries;
      ++stats.auth_refreshes;
      requeue(std::move(p), 0);
      return;
    }
    bool retry_status =
        std::find(options.retry_statuses.begin(), options.retry_statuses.end(), static_cast<int>(status)) !=
        options.retry_statuses.end();
    if (retry_status && !stopping && p->attempts <= options.num_retries) {
      double delay = backoff_delay(options, p->attempts, jitter());
      if (!s.retry_after.empty()) {
        if (auto ra = parse_retry_after(s.retry_after, std::time(nullptr))) delay = std::min(*ra, 3600.0);
      }
      ++stats.retries;
      requeue(std::move(p), delay);
      return;
    }
    ++stats.requests;
    done(make_outcome(s, *p, status, {}));
  }

  void run(const std::function<std::optional<Request>()>& next, const std::function<void(Outcome&&)>& done) {
    if (running) throw std::logic_error("http::Engine::run is not re-entrant");
    running = true;
    struct Guard {
      Impl* impl;
      ~Guard() {
        impl->abandon_active();
        impl->running = false;
      }
    } guard{this};
    stop.store(false);
    bool source_done = false;
    size_t active = 0;
    for (;;) {
      // Fill the window: due retries first, then new requests.
      while (!free_slots.empty()) {
        bool stopping = stop.load(std::memory_order_relaxed);
        if (!waiting.empty() && (stopping || waiting.top()->not_before <= Clock::now())) {
          std::unique_ptr<Pending> p(waiting.top());
          waiting.pop();
          if (stopping) {
            // Stop: a request waiting for its retry is reported with its last result.
            ++stats.requests;
            Outcome o;
            o.tag = p->request.tag;
            o.status = 0;
            o.error = p->last_error.empty() ? "stopped before retrying" : p->last_error + " (not retried: the run is stopping)";
            o.timed_out = p->last_timed_out;
            o.attempts = p->attempts;
            o.elapsed_seconds = std::chrono::duration<double>(Clock::now() - p->started).count();
            done(std::move(o));
            continue;
          }
          Slot* s = free_slots.back();
          free_slots.pop_back();
          try {
            start(*s, std::move(p));
          } catch (...) {
            free_slots.push_back(s);
            throw;
          }
          ++active;
          continue;
        }
        if (source_done || stopping) break;
        // A request waiting for its retry holds a slot: new requests would otherwise take the
        // slots while it backs off, and it would wait for one (with a server that never answers,
        // about one more timeout per attempt).
        if (free_slots.size() <= waiting.size()) break;
        std::optional<Request> r = next();
        if (!r) {
          source_done = true;
          break;
        }
        auto p = std::make_unique<Pending>();
        p->request = std::move(*r);
        Slot* s = free_slots.back();
        free_slots.pop_back();
        try {
          start(*s, std::move(p));
        } catch (...) {
          free_slots.push_back(s);
          throw;
        }
        ++active;
      }
      if (active == 0 && waiting.empty() && (source_done || stop.load())) break;

      int timeout_ms = 1000;
      if (!waiting.empty()) {
        auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(waiting.top()->not_before - Clock::now());
        timeout_ms = static_cast<int>(std::clamp<int64_t>(wait.count() + 1, 0, 1000));
      }
      if (active > 0) {
        int running_handles = 0;
        curl_multi_perform(multi, &running_handles);
        if (static_cast<size_t>(running_handles) == active) {
          curl_multi_poll(multi, nullptr, 0, timeout_ms, nullptr);
          curl_multi_perform(multi, &running_handles);
        }
      } else {
        curl_multi_poll(multi, nullptr, 0, timeout_ms, nullptr);
      }
      int msgs = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi, &msgs)) {
        if (msg->msg != CURLMSG_DONE) continue;
        Slot* s = nullptr;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&s));
        CURLcode result = msg->data.result;
        --active;
        finish(*s, result, done);
        // `next` may have more to give now that an outcome arrived (nullopt means "nothing now").
        source_done = false;
      }
    }
  }
};

Engine::Engine(EngineOptions options, std::shared_ptr<Auth> auth)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(auth))) {}

Engine::~Engine() = default;

void Engine::run(const std::function<std::optional<Request>()>& next,
                 const std::function<void(Outcome&&)>& done) {
  impl_->run(next, done);
}

std::vector<Outcome> Engine::run_all(std::vector<Request> requests) {
  std::vector<Outcome> outcomes(requests.size());
  std::vector<uint64_t> tags(requests.size());
  size_t i = 0;
  run(
      [&]() -> std::optional<Request> {
        if (i >= requests.size()) return std::nullopt;
        Request r = std::move(requests[i]);
        tags[i] = r.tag;
        r.tag = i++;
        return r;
      },
      [&](Outcome&& o) {
        size_t index = static_cast<size_t>(o.tag);
        outcomes[index] = std::move(o);
      });
  // Give callers back their own tags.
  for (size_t k = 0; k < outcomes.size(); ++k) outcomes[k].tag = tags[k];
  return outcomes;
}

Outcome Engine::perform(Request request) {
  std::vector<Request> one;
  one.push_back(std::move(request));
  return std::move(run_all(std::move(one)).front());
}

void Engine::request_stop() {
  impl_->stop.store(true);
  curl_multi_wakeup(impl_->multi);
}

const EngineOptions& Engine::options() const { return impl_->options; }

EngineStats Engine::stats() const { return impl_->stats; }

}  // namespace lightbeam::http
