// `lightbeam delete`: for each payload of the selected files, in reverse dependency order, find the
// record's id with a GET by its natural key and DELETE it by id; GETs and DELETEs are pipelined
// through the request engine (pool_size in flight) and the state rows of deleted payloads removed.
#include <algorithm>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/data/discovery.hpp"
#include "core/data/jsonl_reader.hpp"
#include "core/edfi/api_client.hpp"
#include "core/error.hpp"
#include "core/http/engine.hpp"
#include "core/report/progress.hpp"
#include "core/report/reasons.hpp"
#include "core/report/results.hpp"
#include "core/schema/spec_model.hpp"
#include "core/state/state_store.hpp"
#include "core/state/untracked.hpp"
#include "lightbeam/commands/commands.hpp"
#include "lightbeam/commands/destructive.hpp"

namespace lightbeam::commands {

namespace {

namespace fs = std::filesystem;
using destructive::SkipReasons;

// One query parameter of the natural-key lookup: its name in the query string and where its value
// lives in a payload.
struct KeyField {
  std::string param;
  schema::JsonPath path;
};

// The natural key flattened into query parameters, as the Python tool does: each identity leaf
// (reference fields included) under its query-field name (`schoolReference.schoolId` → `schoolId`).
// When two references share a field name, the API knows only the first one; the values are unified
// (equal) in a valid payload, so the second is left out.
std::vector<KeyField> lookup_keys(const schema::Endpoint& ep) {
  std::vector<KeyField> keys;
  std::vector<schema::JsonPath> paths = ep.identity_paths;
  if (paths.empty() && ep.is_descriptor) {
    paths.push_back(schema::JsonPath({"codeValue"}));
    paths.push_back(schema::JsonPath({"namespace"}));
  }
  for (const auto& p : paths) {
    const schema::QueryField* by_path = nullptr;
    for (const auto& qf : ep.query_fields)
      if (qf.path == p) {
        by_path = &qf;
        break;
      }
    std::string param;
    if (by_path != nullptr) {
      param = by_path->name;
    } else {
      const std::string& leaf = p.segments.back();
      if (ep.find_query_field(leaf) != nullptr) continue;  // shared name: the other path carries it
      param = leaf;
    }
    const bool dup = std::any_of(keys.begin(), keys.end(),
                                 [&](const KeyField& k) { return schema::iequals(k.param, param); });
    if (!dup) keys.push_back(KeyField{param, p});
  }
  return keys;
}

struct Target {
  edfi::EndpointEntry entry;
  std::vector<fs::path> files;
};

// One payload on its way through GET → DELETE.
struct Pending {
  std::uint32_t file = 0;
  std::size_t line = 0;
  state::Digest digest{};
  bool deleting = false;  // false: the lookup GET is in flight
};

class EndpointDeleter {
 public:
  EndpointDeleter(edfi::ApiClient& client, const schema::Endpoint& model, const Target& target,
                  state::StateStore& store, const state::ResendCriteria& criteria, report::Results& results,
                  SkipReasons& skips)
      : client_(client),
        target_(target),
        name_(target.entry.name),
        store_(store),
        criteria_(criteria),
        results_(results),
        skips_(skips),
        keys_(lookup_keys(model)),
        data_url_(client.data_url(name_)) {}

  void run() {
    if (keys_.empty())
      throw Error(fmt::format("cannot delete from {}: the API's OpenAPI model gives it no identity fields to look "
                              "payloads up by",
                              name_));
    state_ = store_.load(name_);
    results_.begin_endpoint(name_);
    spdlog::info("deleting data from endpoint {} ...", name_);
    progress_.start(name_, 0);
    client_.engine().run([this] { return next(); }, [this](http::Outcome&& o) { done(std::move(o)); });
    progress_.clear();
    store_.flush();
    if (skipped_by_state_ > 0)
      spdlog::info("  {} payload(s) of {} skipped: the state shows them as sent before (use -f, or -o/-n/-r, to "
                   "delete those too)",
                   skipped_by_state_, name_);
  }

 private:
  std::optional<http::Request> next() {
    if (!deletes_.empty()) {
      http::Request r = std::move(deletes_.front());
      deletes_.pop_front();
      return r;
    }
    if (destructive::InterruptGuard::requested()) return std::nullopt;
    while (true) {
      if (!reader_) {
        if (file_index_ >= target_.files.size()) return std::nullopt;
        reader_.emplace(target_.files[file_index_]);
        file_name_ = target_.files[file_index_].string();
      }
      std::optional<data::Line> line = reader_->next();
      if (!line) {
        reader_.reset();
        ++file_index_;
        continue;
      }
      if (auto r = prepare(*line)) return r;
    }
  }

  // A lookup GET for the line, or nullopt when the line ends here (skipped or failed).
  std::optional<http::Request> prepare(const data::Line& line) {
    const state::Digest digest = state::payload_hash(line.text);
    if (const state::Entry* seen = state_.find(digest); seen != nullptr && !criteria_.matches(*seen)) {
      results_.record_skipped(name_);
      ++skipped_by_state_;
      ++done_;
      return std::nullopt;
    }
    nlohmann::json doc = nlohmann::json::parse(line.text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
      fail_method("json", doc.is_discarded() ? "invalid JSON" : "payload is not a JSON object", line.number);
      return std::nullopt;
    }
    std::string query;
    for (const auto& k : keys_) {
      const nlohmann::json* v = k.path.find_in(doc);
      std::optional<std::string> text = v != nullptr ? destructive::query_value(*v) : std::nullopt;
      if (!text) {
        fail_method("identity",
                    fmt::format("payload has no {} value for `{}`, part of the natural key; cannot look it up",
                                v == nullptr ? "" : "scalar", k.path.dotted),
                    line.number);
        return std::nullopt;
      }
      if (!query.empty()) query += '&';
      query += http::url_encode(k.param);
      query += '=';
      query += http::url_encode(*text);
    }
    const std::uint64_t tag = next_tag_++;
    pending_.emplace(tag, Pending{static_cast<std::uint32_t>(file_index_), line.number, digest, false});
    http::Request r;
    r.method = "GET";
    r.url = data_url_ + "?" + query;
    r.tag = tag;
    return r;
  }

  void done(http::Outcome&& o) {
    auto it = pending_.find(o.tag);
    if (it == pending_.end()) return;
    Pending p = it->second;
    if (!p.deleting) {
      if (auto id = found_id(o, p)) {
        it->second.deleting = true;
        http::Request r;
        r.method = "DELETE";
        r.url = client_.item_url(name_, *id);
        r.tag = o.tag;
        deletes_.push_back(std::move(r));
        return;
      }
    } else if (o.ok()) {
      results_.record_success(name_, static_cast<int>(o.status));
      store_.remove(name_, p.digest);  // only a confirmed delete removes the state row
      ++deleted_;
    } else if (o.status == 404) {
      skip("payload not found in API (deleted meanwhile)", p);
      store_.remove(name_, p.digest);
    } else if (o.transport_failed()) {
      fail(0, report::transport_reason(o.error), p);
    } else {
      fail(static_cast<int>(o.status), report::reduce_reason(static_cast<int>(o.status), o.body), p);
    }
    pending_.erase(it);
    ++done_;
    progress_.update_counts(done_, -1, failed_, skipped_);
  }

  // The id the lookup found; otherwise records why the payload ends here and returns nullopt.
  std::optional<std::string> found_id(const http::Outcome& o, const Pending& p) {
    if (o.transport_failed()) {
      fail(0, "looking the payload up failed: " + report::transport_reason(o.error), p);
      return std::nullopt;
    }
    if (!o.ok()) {
      fail(static_cast<int>(o.status),
           "looking the payload up by its natural key failed: " +
               report::reduce_reason(static_cast<int>(o.status), o.body),
           p);
      return std::nullopt;
    }
    nlohmann::json j = nlohmann::json::parse(o.body, nullptr, false);
    if (!j.is_array()) {
      skip("searching API for payload returned a response that is not a list", p);
    } else if (j.empty()) {
      skip("payload not found in API", p);
      // Not in the API: a state row would make `send` skip a payload the API does not have.
      store_.remove(name_, p.digest);
    } else if (j.size() > 1) {
      skip("multiple matching payloads found in API", p);
    } else if (!j[0].is_object() || !j[0].contains("id") || !j[0]["id"].is_string()) {
      skip("searching API for payload returned a record without an `id`", p);
    } else {
      return j[0]["id"].get<std::string>();
    }
    return std::nullopt;
  }

  void skip(const std::string& reason, const Pending& p) {
    results_.record_skipped(name_);
    skips_.add(name_, reason, target_.files[p.file].string(), p.line);
    ++skipped_;
  }
  void fail(int status, const std::string& message, const Pending& p) {
    results_.record_failure(name_, status, message, target_.files[p.file].string(), p.line);
    ++failed_;
  }
  void fail_method(const std::string& method, const std::string& message, std::size_t line) {
    results_.record_method_failure(name_, method, message, file_name_, line);
    ++failed_;
    ++done_;
  }

  edfi::ApiClient& client_;
  const Target& target_;
  const std::string name_;
  state::StateStore& store_;
  const state::ResendCriteria& criteria_;
  report::Results& results_;
  SkipReasons& skips_;
  const std::vector<KeyField> keys_;
  const std::string data_url_;
  state::EndpointState state_;
  report::Progress progress_;

  std::size_t file_index_ = 0;
  std::string file_name_;
  std::optional<data::JsonlReader> reader_;
  std::unordered_map<std::uint64_t, Pending> pending_;
  std::deque<http::Request> deletes_;
  std::uint64_t next_tag_ = 1;
  std::size_t done_ = 0, deleted_ = 0, failed_ = 0, skipped_ = 0, skipped_by_state_ = 0;
};

}  // namespace

int run_delete(const RunContext& ctx) {
  const config::Config& cfg = ctx.config;
  const state::ResendCriteria criteria = destructive::criteria_from(ctx.options);
  edfi::ClientOptions client_options;
  client_options.wipe = ctx.options.wipe;
  edfi::ApiClient client(cfg, client_options);
  client.authenticate();  // as Python: the token before anything else, so wrong credentials fail first

  // Only selected endpoints that have data files; then reverse dependency order, so records go
  // before the records they reference.
  std::vector<Target> targets;
  for (auto& e : client.select_endpoints(ctx.options.selector, ctx.options.exclude)) {
    auto files = data::find_files(cfg.data_dir, e.name);
    if (!files.empty()) targets.push_back(Target{e, std::move(files)});
  }
  if (targets.empty())
    throw Error(fmt::format("`data_dir` {} has no *.jsonl files for selected endpoints", cfg.data_dir));
  std::reverse(targets.begin(), targets.end());

  std::vector<std::string> names;
  for (const auto& t : targets) names.push_back(t.entry.name);
  destructive::confirm(cfg, names, "delete");

  const schema::SpecModel& model = client.spec_model();
  const state::StateLocation state_location(cfg.state_dir);
  state::StateStore store(state_location.path());
  destructive::Run run(ctx, "delete");

  for (const auto& t : targets) {
    if (run.stopped()) break;
    const schema::Endpoint* ep = model.find(t.entry.ns, t.entry.name);
    if (ep == nullptr)
      throw Error(fmt::format("endpoint {}/{} is not in the API's OpenAPI documents, so its natural key is unknown",
                              t.entry.ns, t.entry.name));
    EndpointDeleter(client, *ep, t, store, criteria, run.results, run.skips).run();
    run.endpoint_done(t.entry.name);
  }
  store.flush();

  return run.finish(
      "interrupted: requests in flight were completed and the state of confirmed deletes saved; run the command "
      "again to delete the rest");
}

}  // namespace lightbeam::commands
