// Offset paging over many endpoints (see pager.hpp).
#include "core/edfi/pager.hpp"

#include <algorithm>
#include <map>

namespace lightbeam::edfi {

std::string with_query(const std::string& url, const std::string& query) {
  if (query.empty()) return url;
  return url + (url.find('?') == std::string::npos ? "?" : "&") + query;
}

namespace {

struct State {
  long total = -1;
  uint64_t planned = 0;      // pages to request (grows by one at a time when total is unknown)
  uint64_t issued = 0;
  uint64_t delivered = 0;
  bool counted = false;
  bool finished = false;
  std::map<uint64_t, std::string> buffer;  // out-of-order pages waiting for their turn
};

}  // namespace

void fetch_pages(http::Engine& engine, const std::vector<PagedEndpoint>& endpoints, long page_size,
                 const PageEvents& events, bool skip_count) {
  if (page_size < 1) page_size = 1;
  std::vector<State> states(endpoints.size());
  const uint64_t window = static_cast<uint64_t>(std::max(4, engine.options().pool_size * 4));

  auto finish = [&](size_t i, bool ok) {
    if (states[i].finished) return;
    states[i].finished = true;
    states[i].buffer.clear();
    if (events.on_finished) events.on_finished(i, ok);
  };

  // Phase 1: one count request per endpoint, all in flight together.
  if (!skip_count) {
    size_t next_index = 0;
    engine.run(
        [&]() -> std::optional<http::Request> {
          if (next_index >= endpoints.size() || (events.stopped && events.stopped())) return std::nullopt;
          http::Request r;
          r.url = with_query(with_query(endpoints[next_index].url, endpoints[next_index].query),
                             "limit=0&totalCount=true");
          r.tag = next_index++;
          return r;
        },
        [&](http::Outcome&& o) {
          size_t i = static_cast<size_t>(o.tag);
          if (o.status != 200) {
            if (events.on_error) events.on_error(i, o, "count");
            finish(i, false);
            return;
          }
          long total = -1;
          if (!o.total_count.empty()) {
            try {
              total = std::stol(o.total_count);
            } catch (...) {
              total = -1;
            }
          }
          states[i].total = total;
          states[i].counted = true;
        });
  }
  for (size_t i = 0; i < endpoints.size(); ++i) {
    State& s = states[i];
    if (s.finished) continue;
    if (skip_count) s.total = -1;
    if (events.on_total) events.on_total(i, s.total);
    if (s.total == 0) {
      finish(i, true);
      continue;
    }
    s.planned = s.total > 0 ? static_cast<uint64_t>((s.total + page_size - 1) / page_size) : 1;
  }

  // Phase 2: pages, in endpoint order, pool_size in flight across endpoints.
  size_t cursor = 0;
  auto make_request = [&](size_t i) {
    State& s = states[i];
    uint64_t page = s.issued++;
    http::Request r;
    r.url = with_query(with_query(endpoints[i].url, endpoints[i].query),
                       "offset=" + std::to_string(page * static_cast<uint64_t>(page_size)) +
                           "&limit=" + std::to_string(page_size));
    r.tag = (static_cast<uint64_t>(i) << 32) | page;
    return r;
  };
  engine.run(
      [&]() -> std::optional<http::Request> {
        if (events.stopped && events.stopped()) return std::nullopt;
        while (cursor < endpoints.size()) {
          State& s = states[cursor];
          if (s.finished || s.issued >= s.planned) {
            // Move on only when this endpoint has nothing left to ask; an unknown total may still
            // add a page once the last one arrives, so keep later endpoints flowing meanwhile.
            bool can_grow = !s.finished && s.total < 0;
            if (!can_grow) {
              ++cursor;
              continue;
            }
            // Look ahead for another endpoint with work.
            for (size_t j = cursor + 1; j < endpoints.size(); ++j) {
              State& t = states[j];
              if (!t.finished && t.issued < t.planned && t.issued < t.delivered + window) return make_request(j);
            }
            return std::nullopt;  // asked again after the next completion
          }
          if (s.issued >= s.delivered + window) return std::nullopt;  // bound the reorder buffer
          return make_request(cursor);
        }
        return std::nullopt;
      },
      [&](http::Outcome&& o) {
        size_t i = static_cast<size_t>(o.tag >> 32);
        uint64_t page = o.tag & 0xffffffffu;
        State& s = states[i];
        if (s.finished) return;
        if (o.status != 200) {
          if (events.on_error) events.on_error(i, o, "offset " + std::to_string(page * static_cast<uint64_t>(page_size)));
          finish(i, false);
          return;
        }
        s.buffer.emplace(page, std::move(o.body));
        while (!s.finished && !s.buffer.empty() && s.buffer.begin()->first == s.delivered) {
          std::string body = std::move(s.buffer.begin()->second);
          s.buffer.erase(s.buffer.begin());
          uint64_t offset = s.delivered * static_cast<uint64_t>(page_size);
          long n = events.on_page ? events.on_page(i, offset, std::move(body)) : 0;
          ++s.delivered;
          if (n < 0) {
            http::Outcome bad;
            bad.status = 200;
            bad.error = "the answer was not a JSON array of records";
            if (events.on_error) events.on_error(i, bad, "offset " + std::to_string(offset));
            finish(i, false);
          } else if (n < page_size) {
            finish(i, true);  // short or empty page: the end
          } else if (s.delivered >= s.planned) {
            if (s.total < 0) {
              ++s.planned;  // unknown total: one more page
            } else {
              finish(i, true);
            }
          }
        }
      });
  // Anything not finished by now (stop requested) ends without error callbacks.
  for (size_t i = 0; i < endpoints.size(); ++i) finish(i, states[i].finished ? true : states[i].delivered >= states[i].planned);
}

}  // namespace lightbeam::edfi
