// The collection GET: query parameters (paging, totalCount, cursor paging, filters, change-version
// window) and their errors in the flavour's words, then the page, its Total-Count and
// Next-Page-Token, or the partitions; the deletes and key changes; the available change versions.
#include "sandbox/routes_read.hpp"

#include <httplib.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <optional>

#include <fmt/format.h>

#include "sandbox/cursor_paging.hpp"
#include "sandbox/normalize.hpp"
#include "sandbox/paths.hpp"
#include "sandbox/stage_authentication.hpp"
#include "sandbox/stage_authorization.hpp"
#include "sandbox/stage_faults.hpp"

namespace lightbeam::sandbox::routes {

using nlohmann::json;
using schema::Endpoint;

void query(Context& ctx, const httplib::Request& req, httplib::Response& res, const Endpoint& ep, Read what) {
  const bool partitions = what == Read::partitions;
  const bool tracked = what == Read::deletes || what == Read::key_changes;
  const Options& options = ctx.options;
  ChangeWindow window;
  std::string window_error;
  std::size_t offset = 0;
  std::size_t limit = ctx.ods() ? 25 : static_cast<std::size_t>(options.page_max);
  limit = std::min<std::size_t>(limit, static_cast<std::size_t>(options.page_max));
  bool total_count = false, has_offset = false;
  std::string offset_error, limit_error, total_error;
  std::optional<std::string> page_token, page_size, number;
  bool allow_small = false;
  std::vector<QueryFilter> filters;
  std::vector<std::string> unknown;
  json value_errors = json::object();
  // ODS 7.3 words the paging errors differently from DMS (and from its own 7.1, --errors legacy).
  bool ods_texts = ctx.ods() || options.errors == ErrorStyle::legacy;
  for (auto& [name, value] : req.params) {
    std::string n = lower(name);
    if (n == "offset") {
      has_offset = true;
      long long v = -1;
      bool ok = all_digits(value) && value.size() < 18;
      if (ok) v = std::stoll(value);
      if (!ok || v < 0)
        offset_error = ods_texts ? "Offset cannot be a negative value."
                                 : "Offset must be a numeric value greater than or equal to 0.";
      else
        offset = static_cast<std::size_t>(v);
    } else if (n == "limit") {
      bool ok = all_digits(value) && value.size() < 18 && std::stoll(value) <= options.page_max;
      if (!ok)
        limit_error = ods_texts
                          ? fmt::format("Limit must be a value between 0 and {}.", options.page_max)
                          : fmt::format("Limit must be omitted or set to a numeric value between 0 and {}.", options.page_max);
      else
        limit = static_cast<std::size_t>(std::stoll(value));
    } else if (n == "totalcount") {
      std::string v = lower(value);
      if (v == "true")
        total_count = true;
      else if (v == "false")
        total_count = false;
      else
        total_error = "TotalCount must be a boolean value.";
    } else if ((n == "minchangeversion" || n == "maxchangeversion") && !ctx.options.change_queries) {
      // an API with change queries off takes them and ignores them
    } else if (n == "minchangeversion" || n == "maxchangeversion") {
      bool ok = all_digits(value) && value.size() < 19;
      (n == "minchangeversion" ? window.min : window.max) = ok ? std::stoull(value) : 0;
      if (!ok)
        window_error = fmt::format("{} must be a numeric value greater than or equal to 0.",
                                   n == "minchangeversion" ? "MinChangeVersion" : "MaxChangeVersion");
    } else if (ctx.ods() && n == "correlationid") {
      // the ODS's request tracing parameter, accepted on every route
    } else if (tracked) {
      unknown.push_back(name);  // deletes and key changes take paging and the window only
    } else if (ctx.ods() && n == "pagetoken") {
      page_token = value;
    } else if (ctx.ods() && n == "pagesize") {
      page_size = value;
    } else if (ctx.ods() && partitions && n == "number") {
      number = value;
    } else if (ctx.ods() && partitions && n == "allowsmallpartitions") {
      allow_small = lower(value) == "true";
    } else if (n == "id") {
      filters.push_back({nullptr, lower(value)});
    } else {
      const schema::QueryField* f = ep.find_query_field(name);
      if (!f) {
        unknown.push_back(name);
        continue;
      }
      std::optional<std::string> v;
      if (f->type == "number") {
        char* end = nullptr;
        std::strtod(value.c_str(), &end);
        if (!value.empty() && end && *end == '\0') v = value;
      } else if (f->type == "boolean") {
        std::string b = lower(value);
        if (b == "true" || b == "false") v = b;
      } else if (f->type == "date") {
        v = parse_date(value);
        if (!v) {
          if (auto dt = parse_date_time(value)) v = dt->substr(0, 10);
        }
      } else if (f->type == "date-time") {
        v = parse_date_time(value);
      } else if (f->type == "time") {
        v = parse_time(value);
      } else {
        v = value;
      }
      if (!v)
        add_error(value_errors, "$." + f->path.dotted, fmt::format("The value '{}' is not valid for {}.", value, name));
      else
        filters.push_back({f, *v});
    }
  }
  // Listed in the order offset, limit, totalCount whatever the order in the URL, then cursor paging's.
  json paging_errors = json::array();
  for (auto* e : {&offset_error, &limit_error, &total_error, &window_error})
    if (!e->empty()) paging_errors.push_back(*e);
  std::optional<SeqRange> range;
  std::size_t page = limit;
  if (page_token) {
    range = cursor_paging::decode_token(*page_token);
    if (!range) paging_errors.push_back("The page token provided was invalid.");
    if (has_offset)
      paging_errors.push_back(
          "Both offset and pageToken parameters were provided, but they support alternative paging approaches and cannot "
          "be used together.");
    if (total_count) paging_errors.push_back("Total count cannot be determined while using cursor paging (when pageToken is specified).");
  } else if (page_size) {
    paging_errors.push_back("PageToken is required when pageSize is specified.");
  }
  if (page_size) {
    bool ok = all_digits(*page_size) && page_size->size() < 18 && std::stoll(*page_size) <= options.page_max;
    if (ok)
      page = static_cast<std::size_t>(std::stoll(*page_size));
    else
      paging_errors.push_back(fmt::format("PageSize must be a value between 0 and {}.", options.page_max));
  }
  std::optional<std::size_t> partition_number;
  if (number) {
    bool ok = all_digits(*number) && number->size() < 4 && std::stoul(*number) >= 1 &&
              std::stoul(*number) <= cursor_paging::k_max_partitions;
    if (ok)
      partition_number = std::stoul(*number);
    else
      paging_errors.push_back(fmt::format("Number of partitions must be between 1 and {}.", cursor_paging::k_max_partitions));
  }
  if (!paging_errors.empty()) {
    Problem p;
    p.status = 400;
    p.type = "urn:ed-fi:api:bad-request:parameter-validation-failed";
    p.title = "Parameter Validation Failed";
    p.detail = ctx.ods() ? "The request construction was invalid." : "Parameters supplied to the request were invalid.";
    p.errors = paging_errors;
    ctx.send_problem(req, res, p);
    return;
  }
  if (!unknown.empty()) {
    ctx.send_problem(req, res, bad_request(fmt::format("The query field '{}' is not valid for this resource.", unknown.front())));
    return;
  }
  if (!value_errors.empty()) {
    ctx.send_problem(req, res, data_validation(value_errors));
    return;
  }
  // Authorization after query validation (as DMS); namespace-secured resources are filtered.
  std::function<bool(const json&)> visible;
  if (auto denied = stage::collection_denied(ctx, req, ep, visible)) {
    ctx.send_problem(req, res, *denied);
    return;
  }
  if (tracked) {
    std::size_t total = 0;
    std::string body = ctx.store.tracked(ep, what == Read::deletes ? TrackedKind::deletes : TrackedKind::key_changes,
                                         window, offset, limit, total);
    if (total_count) res.set_header("Total-Count", std::to_string(total));
    ctx.send(res, 200, body);
    return;
  }
  if (partitions) {
    auto seqs = ctx.store.matching(ep, filters, visible, window);
    std::size_t count = cursor_paging::partition_count(seqs.size(), partition_number, allow_small,
                                                       static_cast<std::size_t>(options.page_max));
    ctx.send(res, 200, json{{"pageTokens", cursor_paging::partition_tokens(seqs, count)}}.dump());
    return;
  }
  std::size_t total = 0;
  std::uint64_t last_seq = 0;
  std::string body = range ? ctx.store.query(ep, filters, 0, page, total, visible, *range, &last_seq, window)
                           : ctx.store.query(ep, filters, offset, limit, total, visible, {}, nullptr, window);
  if (total_count) res.set_header("Total-Count", std::to_string(total));
  // The rest of the partition, while this page was not empty.
  if (range && last_seq != 0 && last_seq < range->last)
    res.set_header("Next-Page-Token", cursor_paging::encode_token({last_seq + 1, range->last}));
  res.set_header("Vary", "Accept");
  ctx.send(res, 200, body);
}

bool change_versions(Context& ctx, const httplib::Request& req, httplib::Response& res) {
  const std::string prefix = ctx.base_path() + "/changeQueries/v1/";
  if (!ctx.options.change_queries) return false;
  if (lower(req.path).rfind(lower(prefix), 0) != 0) return false;
  auto segs = split_path(req.path.substr(prefix.size()));
  if (!segs.empty() && segs.back().empty()) segs.pop_back();
  if (segs.size() == 2 && all_digits(segs[0])) segs.erase(segs.begin());  // year-specific layout
  if (segs.size() != 1 || lower(segs[0]) != "availablechangeversions") return false;
  if (req.method != "GET") {
    res.set_header("Allow", "GET");
    ctx.send_problem(req, res, method_not_allowed(fmt::format("The endpoint of the request does not support the '{}' method.", req.method)));
  } else if (!stage::inject_faults(ctx, req, res) && !stage::reject_unauthenticated(ctx, req, res)) {
    // The ODS answers its sequence's last value and leaves oldestChangeVersion at 0.
    ctx.send(res, 200, json{{"oldestChangeVersion", 0}, {"newestChangeVersion", ctx.store.newest_change_version()}}.dump());
  }
  ctx.record(req, "/changeQueries/v1/availableChangeVersions", res);
  return true;
}

}  // namespace lightbeam::sandbox::routes
