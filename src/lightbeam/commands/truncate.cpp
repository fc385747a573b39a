// `lightbeam truncate`: delete EVERY record of each selected endpoint (reverse dependency order),
// whatever the local files say: read a page of ids, DELETE them (pool_size in flight), repeat; then
// clear the endpoint's state. Memory is one page of ids plus the ids that could not be deleted.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/edfi/api_client.hpp"
#include "core/error.hpp"
#include "core/http/engine.hpp"
#include "core/report/progress.hpp"
#include "core/report/reasons.hpp"
#include "core/report/results.hpp"
#include "core/state/state_store.hpp"
#include "core/state/untracked.hpp"
#include "lightbeam/commands/commands.hpp"
#include "lightbeam/commands/destructive.hpp"

namespace lightbeam::commands {

namespace {

using destructive::SkipReasons;

// Why paging restarts from the top at most this often: a DELETE that failed on our side (timeout)
// but succeeded on the server shifts the pages by one; a final count catches it.
constexpr int k_max_passes = 3;

class EndpointTruncator {
 public:
  EndpointTruncator(edfi::ApiClient& client, const std::string& name, report::Results& results, SkipReasons& skips)
      : client_(client), name_(name), results_(results), skips_(skips), url_(client.data_url(name)) {
    // fetch.page_size (as the Python tool pages), capped by the API's maximum.
    const long max = client.max_page_size(name);
    page_size_ = std::max<long>(1, client.config().fetch.page_size);
    if (max > 0) page_size_ = std::min(page_size_, max);
  }

  void run() {
    results_.begin_endpoint(name_);
    const long total = count();
    spdlog::info("TRUNCATING ALL DATA from endpoint {} ({} record(s)) ...", name_,
                 total >= 0 ? std::to_string(total) : std::string("unknown number of"));
    total_ = total;
    progress_.start(name_, 0);
    for (int pass = 1; pass <= k_max_passes && !stopped(); ++pass) {
      if (!one_pass()) break;
      // Everything left should be what failed to delete; if not, pages shifted: go again.
      const long left = count();
      if (left < 0 || left <= static_cast<long>(failed_ids_.size())) break;
      spdlog::debug("{}: {} record(s) left after pass {} ({} failed); paging again", name_, left, pass,
                    failed_ids_.size());
    }
    progress_.clear();
  }

 private:
  static bool stopped() { return destructive::InterruptGuard::requested(); }

  // Total-Count of the endpoint, -1 when unknown.
  long count() {
    http::Request r;
    r.url = url_ + "?limit=0&totalCount=true";
    http::Outcome o = client_.engine().perform(std::move(r));
    if (!o.ok() || o.total_count.empty()) return -1;
    try {
      return std::stol(o.total_count);
    } catch (...) {
      return -1;
    }
  }

  // Pages through the endpoint from the top; false when listing failed.
  bool one_pass() {
    long offset = 0;  // records before the cursor that are still there (failed to delete)
    while (!stopped()) {
      http::Request r;
      r.url = fmt::format("{}?offset={}&limit={}", url_, offset, page_size_);
      http::Outcome o = client_.engine().perform(std::move(r));
      if (!o.ok()) {
        const int status = static_cast<int>(o.status);
        const std::string why = o.transport_failed() ? report::transport_reason(o.error)
                                                     : report::reduce_reason(status, o.body);
        results_.record_failure(name_, status, "listing the ids to delete failed: " + why, url_, 0);
        spdlog::error("{}: listing ids at offset {} failed: {}", name_, offset, why);
        return false;
      }
      nlohmann::json page = nlohmann::json::parse(o.body, nullptr, false);
      if (!page.is_array()) {
        results_.record_failure(name_, static_cast<int>(o.status),
                                "listing the ids to delete returned a response that is not a list", url_, 0);
        return false;
      }
      std::vector<std::string> fresh;
      long kept = 0;  // records of this page that stay (failed before)
      for (const auto& rec : page) {
        if (!rec.is_object() || !rec.contains("id") || !rec["id"].is_string()) {
          ++kept;
          continue;
        }
        std::string id = rec["id"].get<std::string>();
        if (failed_ids_.count(id) != 0)
          ++kept;
        else
          fresh.push_back(std::move(id));
      }
      const long failed_before = static_cast<long>(failed_ids_.size());
      delete_ids(fresh);
      offset += kept + (static_cast<long>(failed_ids_.size()) - failed_before);
      if (static_cast<long>(page.size()) < page_size_) return true;  // short page: end reached
    }
    return true;
  }

  void delete_ids(const std::vector<std::string>& ids) {
    std::size_t next_index = 0;
    client_.engine().run(
        [&]() -> std::optional<http::Request> {
          if (next_index >= ids.size() || stopped()) return std::nullopt;
          http::Request r;
          r.method = "DELETE";
          r.url = client_.item_url(name_, ids[next_index]);
          r.tag = next_index++;
          return r;
        },
        [&](http::Outcome&& o) {
          const std::string& id = ids[o.tag];
          ++sequence_;
          if (o.ok()) {
            results_.record_success(name_, static_cast<int>(o.status));
          } else if (o.status == 404) {
            results_.record_skipped(name_);
            skips_.add(name_, "record already deleted", url_, sequence_);
            ++skipped_;
          } else {
            const int status = static_cast<int>(o.status);
            results_.record_failure(name_, status,
                                    o.transport_failed() ? report::transport_reason(o.error)
                                                         : report::reduce_reason(status, o.body),
                                    url_, sequence_);
            failed_ids_.insert(id);
            ++failed_;
          }
          progress_.update_counts(sequence_, total_, failed_, skipped_);
        });
  }

  edfi::ApiClient& client_;
  const std::string name_;
  report::Results& results_;
  SkipReasons& skips_;
  const std::string url_;
  long page_size_ = 100;
  std::unordered_set<std::string> failed_ids_;
  std::size_t sequence_ = 0, failed_ = 0, skipped_ = 0;
  long total_ = -1;  // Total-Count at the start, -1 when unknown (for progress)
  report::Progress progress_;
};

}  // namespace

int run_truncate(const RunContext& ctx) {
  const config::Config& cfg = ctx.config;
  edfi::ClientOptions client_options;
  client_options.wipe = ctx.options.wipe;
  edfi::ApiClient client(cfg, client_options);

  std::vector<std::string> names = client.select_endpoint_names(ctx.options.selector, ctx.options.exclude);
  if (ctx.options.selector.empty())
    spdlog::warn("no selector (-s) given: truncate will delete EVERY record of all {} selected endpoint(s) of the API",
                 names.size());
  client.authenticate();  // as Python: before the confirmation, so wrong credentials fail first
  std::reverse(names.begin(), names.end());
  destructive::confirm(cfg, names, "TRUNCATE ALL DATA");

  const state::StateLocation state_location(cfg.state_dir);
  state::StateStore store(state_location.path());
  destructive::Run run(ctx, "truncate");

  for (const auto& name : names) {
    if (run.stopped()) break;
    EndpointTruncator(client, name, run.results, run.skips).run();
    // The state no longer describes what the API holds for this endpoint (as the Python tool does).
    store.clear(name);
    run.endpoint_done(name);
  }
  store.flush();

  return run.finish("interrupted: requests in flight were completed; run the command again to delete the rest");
}

}  // namespace lightbeam::commands
