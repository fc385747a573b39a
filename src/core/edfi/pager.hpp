// Offset paging over many endpoints at once with one engine: a Total-Count request per endpoint,
// then every page, pool_size in flight across endpoints, each endpoint's pages delivered in API
// order. Used by fetch, by descriptor-value loading (validate) and by truncate.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/http/engine.hpp"

namespace lightbeam::edfi {

struct PagedEndpoint {
  std::string endpoint;   // name, for the caller's messages
  std::string url;        // data URL of the endpoint (no query)
  std::string query;      // extra encoded filters "a=1&b=x" (may be empty)
};

struct PageEvents {
  // Total-Count of an endpoint (-1 when the server sent none: then pages run until a short page).
  std::function<void(size_t index, long total)> on_total;
  // One page body, in order. Returns the number of records in it, or -1 when it is not a JSON
  // array (that ends the endpoint with an error). Fewer records than the page size, or 0, ends it.
  std::function<long(size_t index, uint64_t offset, std::string&& body)> on_page;
  // The request that ended an endpoint with an error (status 0 = transport failure); `what` says
  // which request ("count" or "offset N").
  std::function<void(size_t index, const http::Outcome& outcome, const std::string& what)> on_error;
  // Called exactly once per endpoint, after its last page (ok) or its error (!ok).
  std::function<void(size_t index, bool ok)> on_finished;
  // When set and true, no new request is started (an interrupt): the ones in flight are answered,
  // and endpoints not complete by then end with on_finished(i, false).
  std::function<bool()> stopped;
};

// `skip_count`: do not ask for Total-Count (pages run until a short page).
void fetch_pages(http::Engine& engine, const std::vector<PagedEndpoint>& endpoints, long page_size,
                 const PageEvents& events, bool skip_count = false);

// "{url}?{query}&limit=0&totalCount=true" style joining of a query onto a URL.
std::string with_query(const std::string& url, const std::string& query);

}  // namespace lightbeam::edfi
