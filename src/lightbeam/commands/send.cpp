// `lightbeam send`: stream every selected endpoint's JSONL lines into the request engine (pool_size
// requests always in flight, endpoints of one dependency order back to back without a barrier),
// skip payloads the state has seen, record each outcome in the state and the results as it
// arrives, and stop cleanly on the first SIGINT/SIGTERM (the second quits at once; interrupts.hpp).
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/config/timestamp.hpp"
#include "core/data/discovery.hpp"
#include "core/data/jsonl_reader.hpp"
#include "core/edfi/api_client.hpp"
#include "core/error.hpp"
#include "core/http/engine.hpp"
#include "core/report/progress.hpp"
#include "core/report/reasons.hpp"
#include "core/report/results.hpp"
#include "core/schema/self_references.hpp"
#include "core/schema/spec_model.hpp"
#include "core/state/state_store.hpp"
#include "core/state/untracked.hpp"
#include "lightbeam/commands/commands.hpp"
#include "lightbeam/commands/interrupts.hpp"

namespace lightbeam::commands {
namespace {

namespace fs = std::filesystem;

// Read buffer of a data file (it grows for longer lines). Small on purpose: the reader's default
// 1 MiB is above malloc's mmap threshold, so every file got fresh zero-filled pages — 256 page
// faults per file, a visible part of an all-skipped re-send on this VM — while 64 KiB is reused.
constexpr std::size_t k_read_buffer = 64 * 1024;

// An answer about the payload itself (2xx, or a 4xx on its content): anything else says nothing
// about the payload (server error, expired session, throttling, timeout) and must not be remembered.
bool definite_answer(int status) {
  return status >= 200 && status < 500 && status != 401 && status != 408 && status != 429;
}

// Consecutive transport failures (after the engine's retries) that end the run: the API is gone.
constexpr int k_max_consecutive_transport_failures = 3;

// A record held back until the records of its own endpoint that it references have been answered.
struct Deferred {
  std::uint32_t file;
  std::size_t line;
  state::Digest digest;
  std::string body;
  schema::Hash128 own;
  std::vector<schema::Hash128> parents;
  bool force = false;  // released without waiting (a cycle or a parent that never comes)
};

using KeyCount = std::unordered_map<schema::Hash128, std::uint32_t, schema::Hash128Hasher>;

struct EndpointWork {
  std::string name;
  std::string url;
  std::vector<fs::path> files;
  std::vector<std::string> file_names;  // as reported in results and logs
  std::uintmax_t bytes = 0;
  state::SkipSet skip;  // payloads the state says this run does not send
  std::size_t skipped_logged = 0;
  // Self-referencing endpoints only: records of this run not answered yet, by the key their
  // children reference them by, and the children waiting for each. Decided at the first line
  // that is sent, so a run that skips every payload never loads the OpenAPI model.
  bool self_checked = false;
  std::optional<schema::SelfReferences> self;
  KeyCount pending;
  std::unordered_map<schema::Hash128, std::vector<Deferred>, schema::Hash128Hasher> waiting;
  std::size_t deferred = 0;
};

struct InFlight {
  std::uint32_t endpoint;
  std::uint32_t file;
  std::size_t line;
  state::Digest digest;
  bool tracked = false;  // w.self: its answer releases the children waiting for `own`
  schema::Hash128 own;
};

state::ResendCriteria criteria_from(const CliOptions& o) {
  state::ResendCriteria c;
  c.force = o.force;
  if (o.older_than && !o.older_than->empty()) {
    c.older_than = config::parse_timestamp(*o.older_than);
    if (!c.older_than)
      throw Error("-o/--older-than: cannot read \"" + *o.older_than +
                  "\" as a timestamp; use e.g. 2020-12-25T00:00:00 or 2020-12-25");
  }
  if (o.newer_than && !o.newer_than->empty()) {
    c.newer_than = config::parse_timestamp(*o.newer_than);
    if (!c.newer_than)
      throw Error("-n/--newer-than: cannot read \"" + *o.newer_than +
                  "\" as a timestamp; use e.g. 2020-12-25T00:00:00 or 2020-12-25");
  }
  c.statuses = o.resend_status_codes;
  return c;
}

class Sender {
 public:
  // The resend criteria are applied when the skip sets are loaded (state::StateStore::load_skip_set).
  // `raw_messages`: failure messages are "<status>: <the response body as it came>", as the
  // `results_format: legacy` example of the Python tool's README shows them.
  Sender(edfi::ApiClient& client, state::StateStore& store, report::Results& results, bool raw_messages)
      : client_(client), store_(store), results_(results), timeout_(client.engine().options().total_timeout),
        raw_messages_(raw_messages) {}

  // Sends one dependency-order group of endpoints (no barrier between them).
  void send_group(std::vector<EndpointWork>& group) {
    group_ = &group;
    ep_ = 0;
    file_ = 0;
    reader_.reset();
    done_ = 0;
    bytes_done_ = 0;
    lines_read_ = 0;
    std::uintmax_t bytes = 0;
    std::string label;
    for (auto& w : group) {
      bytes += w.bytes;
      label += (label.empty() ? "" : ",") + w.name;
      results_.begin_endpoint(w.name);
      spdlog::info("sending endpoint {} ...", w.name);
    }
    progress_.start(label, bytes);
    auto& engine = client_.engine();
    engine.run([this] { return next(); }, [this](http::Outcome&& o) { done(std::move(o)); });
    store_.flush();
    progress_.clear();
    for (auto& w : group) {
      if (w.deferred > 0)
        spdlog::debug("{}: {} records waited for a record of the same endpoint they reference", w.name, w.deferred);
      auto c = results_.counts(w.name);
      if (c.skipped > 0)
        spdlog::info("skipped {} of {} payloads because they were previously processed and did not match any resend criteria",
                     c.skipped, c.processed);
      spdlog::info("finished processing endpoint {}!", w.name);
      results_.log_summary(w.name);
    }
    if (abort_) throw Error(*abort_);
  }

  bool interrupted() const { return Interrupts::requested(); }
  std::size_t undecided() const { return undecided_; }

 private:
  std::optional<http::Request> next() {
    // Outcomes that arrived since the last call reach the state journal (one write) before any
    // new request starts: a crash then loses only outcomes of requests in flight (≤ pool_size).
    store_.write_journal();
    if (abort_) return std::nullopt;
    if (auto req = next_ready()) return req;
    auto& group = *group_;
    while (ep_ < group.size()) {
      if (interrupted()) {
        if (!stop_logged_) {
          progress_.clear();
          spdlog::warn("interrupted: no new requests; waiting for the {} in flight (press Ctrl-C again to quit at once)",
                       in_flight_.size());
          stop_logged_ = true;
        }
        return std::nullopt;
      }
      EndpointWork& w = group[ep_];
      if (file_ >= w.files.size()) {
        ++ep_;
        file_ = 0;
        continue;
      }
      if (!reader_) reader_ = std::make_unique<data::JsonlReader>(w.files[file_], k_read_buffer);
      auto line = reader_->next();
      if (!line) {
        reader_.reset();
        ++file_;
        continue;
      }
      bytes_done_ += line->text.size() + 1;
      ++lines_read_;
      state::Digest digest = state::payload_hash(line->text);
      if (w.skip.contains(digest)) {
        results_.record_skipped(w.name);
        ++done_;
        continue;
      }
      simdjson::dom::element doc;
      std::string error;
      if (!data::parse_line(parser_, w.files[file_], *line, doc, error)) {
        // Counted as a failure of this line (the API would answer 400); never sent, not in state.
        std::string message = error;
        auto pos = message.find(": ");
        if (pos != std::string::npos && message.compare(0, pos, data::where(w.files[file_], line->number).substr(0, pos)) == 0)
          message = message.substr(pos + 2);
        spdlog::warn("{}  (at line {} of {} )", message, line->number, w.file_names[file_]);
        results_.record_failure(w.name, 400, message, w.file_names[file_], line->number);
        ++done_;
        continue;
      }
      InFlight f{static_cast<std::uint32_t>(ep_), static_cast<std::uint32_t>(file_), line->number, digest, false, {}};
      if (!w.self_checked) check_self_references(w);
      if (w.self) {
        f.tracked = true;
        f.own = w.self->own_key(doc);
        std::vector<schema::Hash128> parents;
        w.self->parent_keys(doc, parents);
        if (!parents.empty()) {
          Deferred d{f.file, f.line, digest, std::string(state::strip_ascii_whitespace(line->text)), f.own,
                     std::move(parents)};
          if (defer(w, d)) {
            ++w.deferred;
            continue;
          }
        }
      }
      return post(w, f, std::string(state::strip_ascii_whitespace(line->text)));
    }
    if (auto req = next_ready()) return req;
    // Every line is read and nothing is in flight, yet records still wait: their parents are not
    // coming (a reference cycle). Send them as they are; the API answers for each.
    if (in_flight_.empty()) {
      for (std::uint32_t e = 0; e < group.size(); ++e) {
        for (auto& [key, list] : group[e].waiting)
          for (auto& d : list) {
            d.force = true;
            ready_.emplace_back(e, std::move(d));
          }
        group[e].waiting.clear();
      }
      return next_ready();
    }
    return std::nullopt;
  }

  http::Request post(const EndpointWork& w, const InFlight& f, std::string body) {
    http::Request req;
    req.method = "POST";
    req.url = w.url;
    req.body = std::move(body);
    req.tag = next_tag_++;
    in_flight_.emplace(req.tag, f);
    return req;
  }

  // Holds `d` back under the first of its parents that is still to be answered in this run;
  // false when none is (send it now).
  bool defer(EndpointWork& w, Deferred& d) {
    if (d.force) return false;
    for (const auto& p : d.parents) {
      auto it = w.pending.find(p);
      if (it != w.pending.end() && it->second > 0) {
        w.waiting[p].push_back(std::move(d));
        return true;
      }
    }
    return false;
  }

  // The next released child whose parents have all been answered.
  std::optional<http::Request> next_ready() {
    while (!ready_.empty()) {
      auto [e, d] = std::move(ready_.front());
      ready_.pop_front();
      EndpointWork& w = (*group_)[e];
      if (defer(w, d)) continue;
      InFlight f{e, d.file, d.line, d.digest, true, d.own};
      return post(w, f, std::move(d.body));
    }
    return std::nullopt;
  }

  // A record of a self-referencing endpoint was answered (or will never be sent): release the
  // children that waited for it once no other record of the same key is outstanding.
  void answered(std::uint32_t e, const schema::Hash128& own) {
    EndpointWork& w = (*group_)[e];
    auto it = w.pending.find(own);
    if (it == w.pending.end() || --it->second > 0) return;
    w.pending.erase(it);
    auto wit = w.waiting.find(own);
    if (wit == w.waiting.end()) return;
    for (auto& d : wit->second) ready_.emplace_back(e, std::move(d));
    w.waiting.erase(wit);
  }

  // At the endpoint's first line to be sent: does it reference itself (from the OpenAPI model)?
  // If so, the keys of every record this run will POST, from one pass over its files (the lines
  // before this one were all skipped or unreadable, so none is missed).
  void check_self_references(EndpointWork& w) {
    w.self_checked = true;
    try {
      const schema::SpecModel& model = client_.spec_model();
      if (const auto* ep = model.find(client_.namespace_of(w.name), w.name)) w.self = schema::SelfReferences::of(*ep);
    } catch (const Error& e) {
      spdlog::debug("{}: no OpenAPI model ({}); records referencing their own endpoint are not held back", w.name,
                    e.what());
      return;
    }
    if (!w.self) return;
    spdlog::debug("{} references its own endpoint: a record waits for the answer to the record it references", w.name);
    for (const auto& file : w.files) {
      data::JsonlReader reader(file, k_read_buffer);
      while (auto line = reader.next()) {
        if (w.skip.contains(state::payload_hash(line->text))) continue;
        simdjson::dom::element doc;
        std::string error;
        if (!data::parse_line(prepass_parser_, file, *line, doc, error)) continue;
        ++w.pending[w.self->own_key(doc)];
      }
    }
  }

  void done(http::Outcome&& o) {
    auto it = in_flight_.find(o.tag);
    if (it == in_flight_.end()) return;
    InFlight f = it->second;
    in_flight_.erase(it);
    if (f.tracked) answered(f.endpoint, f.own);
    EndpointWork& w = (*group_)[f.endpoint];
    const std::string& file = w.file_names[f.file];
    ++done_;
    const int status = static_cast<int>(o.status);
    if (o.transport_failed()) {
      // One text per timeout setting (curl's says "after 1001 milliseconds"), so timeouts group
      // into one failure entry with every line number.
      std::string reason = o.timed_out ? fmt::format("timed out after {:g} s ({} attempt{}; connection.timeout: {:g})",
                                                     timeout_, o.attempts, o.attempts == 1 ? "" : "s", timeout_)
                                       : report::transport_reason(o.error);
      results_.record_failure(w.name, 0, reason, file, f.line);
      spdlog::warn("{}  (at line {} of {} )", reason, f.line, file);
      ++undecided_;
      if (++consecutive_transport_ >= k_max_consecutive_transport_failures && !abort_) {
        abort_ = "the API at " + w.url + " stopped answering (" + reason +
                 "); the state of every payload sent so far is saved, so running the same command again sends only the rest";
        // No retries of the requests still out: each would take up to another (num_retries + 1)
        // timeouts to say the same thing.
        client_.engine().request_stop();
      }
    } else {
      consecutive_transport_ = 0;
      if (status >= 200 && status < 300) {
        results_.record_success(w.name, status);
        store_.record(w.name, f.digest, status);
      } else {
        const std::vector<std::string> messages =
            raw_messages_ ? std::vector<std::string>{std::to_string(status) + ": " + o.body} : report::failure_messages(status, o.body);
        results_.record_failure(w.name, status, messages, file, f.line);
        // Only a definite answer on the content is remembered. As the Python tool, a 400 is not
        // (the payload counts as never sent); unlike it, neither is an answer about the server or
        // the session (5xx, 401, 408, 429 after every retry), so a rerun sends it again.
        if (status == 400) {
          // Python's `raise ValueError("; ".join(messages))` → a WARNING per line refused with 400.
          std::string joined;
          for (const auto& m : messages) joined += (joined.empty() ? "" : "; ") + m;
          spdlog::warn("{}  (at line {} of {} )", joined, f.line, file);
        } else if (definite_answer(status)) {
          store_.record(w.name, f.digest, status);
        } else {
          ++undecided_;
        }
      }
    }
    // Progress redraws at most every 200 ms; asking it at most every 50 ms spares copying the
    // status counts per outcome.
    auto now = std::chrono::steady_clock::now();
    if (now - last_progress_ >= std::chrono::milliseconds(50)) {
      last_progress_ = now;
      progress_.update(done_, lines_read_, bytes_done_, results_.status_counts(w.name));
    }
  }

  edfi::ApiClient& client_;
  state::StateStore& store_;
  report::Results& results_;
  const double timeout_;  // connection.timeout, for the text of a timed-out request
  const bool raw_messages_;
  report::Progress progress_;
  simdjson::dom::parser parser_;
  simdjson::dom::parser prepass_parser_;  // check_self_references() runs while parser_ holds a line

  std::vector<EndpointWork>* group_ = nullptr;
  std::size_t ep_ = 0, file_ = 0;
  std::unique_ptr<data::JsonlReader> reader_;
  std::unordered_map<std::uint64_t, InFlight> in_flight_;
  std::deque<std::pair<std::uint32_t, Deferred>> ready_;
  std::uint64_t next_tag_ = 1;
  std::size_t done_ = 0;
  std::uintmax_t bytes_done_ = 0;  // of the lines read so far
  std::size_t lines_read_ = 0;
  int consecutive_transport_ = 0;
  std::size_t undecided_ = 0;  // payloads that got no definite answer: not in the state
  std::optional<std::string> abort_;
  bool stop_logged_ = false;
  std::chrono::steady_clock::time_point last_progress_{};
};

}  // namespace

int run_send(const RunContext& ctx) {
  const auto& cfg = ctx.config;
  const auto& opts = ctx.options;
  (void)criteria_from(opts);  // bad -o/-n values fail before anything else happens
  data::require_data_dir(cfg.data_dir);

  report::Results results(report::run_info(cfg, "send", opts.config_file));  // validate+send's too, as Python's
  const auto layout = report::parse_layout(cfg.results_format);

  edfi::ApiClient client(cfg, edfi::ClientOptions{.wipe = opts.wipe, .load_school_years = true});
  auto endpoints = client.select_endpoints(opts.selector, opts.exclude);
  client.authenticate();  // wrong credentials fail the run even when every payload would be skipped
  if (opts.command != "validate+send") {  // validate has said it already
    std::vector<std::string> names;
    for (const auto& e : client.all_endpoints()) names.push_back(e.name);
    for (const auto& w : data::data_dir_warnings(cfg.data_dir, names)) spdlog::warn("{}", w);
  }

  // Endpoints with data, grouped by dependency order.
  std::vector<std::vector<EndpointWork>> groups;
  int last_order = -1;
  std::size_t with_data = 0;
  for (const auto& e : endpoints) {
    auto files = data::find_files(cfg.data_dir, e.name);
    if (files.empty()) continue;
    EndpointWork w;
    w.name = e.name;
    w.files = files;
    for (const auto& f : files) {
      w.file_names.push_back(f.string());
      std::error_code ec;
      auto size = fs::file_size(f, ec);
      if (!ec) w.bytes += size;
    }
    if (groups.empty() || e.order != last_order) groups.emplace_back();
    last_order = e.order;
    groups.back().push_back(std::move(w));
    ++with_data;
  }
  if (with_data == 0)
    throw Error("no data files for the selected endpoints in data_dir " + cfg.data_dir +
                " (looked for {endpoint}.jsonl, .ndjson, .json and {endpoint}/*.jsonl)");

  const state::ResendCriteria criteria = criteria_from(opts);
  state::StoreOptions store_options;
  store_options.defer_journal_writes = true;  // Sender::next() writes the journal before each new request
  const state::StateLocation state_location(cfg.state_dir);
  state::StateStore store(state_location.path(), store_options);
  for (auto& g : groups)
    for (auto& w : g) {
      w.url = client.data_url(w.name);
      w.skip = store.load_skip_set(w.name, criteria);
    }

  // The first SIGINT/SIGTERM stops new requests (Sender::next); the second quits at once: the state
  // journal then holds every outcome written before it (a torn last record is dropped on reading),
  // and the answers not yet written are for payloads that the next run sends again.
  Interrupts signals({.on_first = {},
                      .second_message = "interrupted again: quitting at once; the state keeps every answer recorded so far "
                                        "(requests still in flight are sent again next time); run the same command again to send the rest",
                      .on_second = {}});
  Sender sender(client, store, results, layout == report::Layout::legacy);
  bool interrupted = false;
  auto write_results = [&](bool was_interrupted) {
    if (opts.results_file.empty()) return;
    results.write(opts.results_file, layout, was_interrupted);
    spdlog::info("results written to {}", fs::absolute(opts.results_file).string());
  };
  auto say_undecided = [&] {
    if (std::size_t n = sender.undecided())
      spdlog::warn("{} payload{} got no definite answer (transport error, 5xx, 401, 408 or 429 after every retry); "
                   "{} not recorded as sent, so running the same command again sends {}",
                   n, n == 1 ? "" : "s", n == 1 ? "it is" : "they are", n == 1 ? "it" : "them");
  };
  try {
    for (auto& g : groups) {
      sender.send_group(g);
      if (sender.interrupted()) {
        interrupted = true;
        break;
      }
    }
  } catch (const Error&) {
    store.flush();
    write_results(sender.interrupted());
    say_undecided();
    throw;
  }
  store.flush();
  write_results(interrupted);
  say_undecided();
  if (interrupted) {
    spdlog::warn("interrupted: state saved; run the same command again to send the rest");
    return exit_status::interrupted;
  }
  auto t = results.totals();
  if (t.processed == t.skipped) {
    spdlog::info("all payloads skipped");
    return exit_status::all_skipped;
  }
  if (t.processed == t.failed) {
    spdlog::info("all payloads failed");
    return exit_status::all_failed;
  }
  return 0;
}

}  // namespace lightbeam::commands
