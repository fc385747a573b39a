// `lightbeam validate`: checks every selected endpoint's JSONL lines by the configured methods
// (json, schema, descriptors, uniqueness, references) on all cores. Each file is read in blocks
// that end at a newline; worker threads validate blocks; the main thread merges block results in
// order (deterministic output, exact line numbers), checks identities for duplicates, resolves
// what references stayed unresolved through concurrent, de-duplicated API lookups, then logs
// failures the way the Python lightbeam does and records them in the results file.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <simdjson.h>

#include "core/data/discovery.hpp"
#include "core/data/selector.hpp"
#include "core/edfi/api_client.hpp"
#include "core/error.hpp"
#include "core/http/engine.hpp"
#include "core/report/results.hpp"
#include "core/schema/spec_model.hpp"
#include "core/schema/validator.hpp"
#include "lightbeam/commands/commands.hpp"

namespace lightbeam::commands {
namespace {

namespace fs = std::filesystem;
using schema::EndpointValidator;
using schema::LineResult;
using schema::Method;

// A block is ~256 KB of whole lines (more for a longer line): small enough that the blocks of a
// few-MB file spread evenly over the workers (with 1 MB blocks a 4 MB file gave one worker 3 blocks
// and the other 2), large enough that handing blocks over costs nothing.
constexpr size_t k_block_bytes = 256 << 10;
constexpr size_t k_max_shown_per_endpoint = 10;  // failures logged per endpoint (all are counted)

// --- reading files in blocks of whole lines ---

struct Block {
  uint64_t seq = 0;
  size_t first_line = 1;  // number of the block's first line
  std::string buf;        // data followed by SIMDJSON_PADDING spare bytes
  size_t len = 0;         // data bytes
};

// Reads a file as blocks that end after a newline (or at EOF). Strips a UTF-8 BOM at the start.
class BlockReader {
 public:
  explicit BlockReader(const fs::path& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw Error("cannot open data file " + path.string() + ": " + std::strerror(errno));
  }
  ~BlockReader() {
    if (fd_ >= 0) ::close(fd_);
  }
  BlockReader(const BlockReader&) = delete;
  BlockReader& operator=(const BlockReader&) = delete;

  std::shared_ptr<Block> next() {
    if (eof_ && carry_.empty()) return nullptr;
    auto b = std::make_shared<Block>();
    b->seq = seq_++;
    b->first_line = next_line_;
    b->buf = std::move(carry_);
    carry_.clear();
    size_t data = b->buf.size();
    size_t search_from = 0;
    while (true) {
      if (!eof_) {
        b->buf.resize(data + k_block_bytes + simdjson::SIMDJSON_PADDING);
        ssize_t n;
        do {
          n = ::read(fd_, b->buf.data() + data, k_block_bytes);
        } while (n < 0 && errno == EINTR);
        if (n < 0) throw Error("cannot read data file " + path_.string() + ": " + std::strerror(errno));
        if (n == 0) eof_ = true;
        data += static_cast<size_t>(n);
        if (first_) {
          if (data >= 3 && std::memcmp(b->buf.data(), "\xEF\xBB\xBF", 3) == 0) {
            b->buf.erase(0, 3);
            data -= 3;
          }
          if (data >= 3 || eof_) first_ = false;
        }
      }
      if (eof_) break;
      // Cut after the last newline; a line longer than the block makes the block grow.
      const char* base = b->buf.data();
      const void* nl = memrchr(base + search_from, '\n', data - search_from);
      if (nl) {
        size_t cut = static_cast<size_t>(static_cast<const char*>(nl) - base) + 1;
        carry_.assign(base + cut, data - cut);
        data = cut;
        break;
      }
      search_from = data;
    }
    b->len = data;
    b->buf.resize(data + simdjson::SIMDJSON_PADDING);
    size_t newlines = static_cast<size_t>(std::count(b->buf.data(), b->buf.data() + data, '\n'));
    next_line_ += newlines;
    return b->len == 0 && eof_ ? nullptr : b;
  }

 private:
  fs::path path_;
  int fd_ = -1;
  std::string carry_;
  bool eof_ = false;
  bool first_ = true;
  uint64_t seq_ = 0;
  size_t next_line_ = 1;
};

// Calls f(line_number, text) for every non-blank line of a block (CR before LF removed).
template <typename F>
void for_each_line(const Block& b, F&& f) {
  const char* p = b.buf.data();
  const char* end = p + b.len;
  size_t line = b.first_line;
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    const char* stop = nl ? nl : end;
    const char* e = stop;
    if (e > p && e[-1] == '\r') --e;
    const char* s = p;
    while (s < e && (*s == ' ' || *s == '\t' || *s == '\r')) ++s;
    if (s < e) f(line, static_cast<size_t>(p - b.buf.data()), std::string_view(p, static_cast<size_t>(e - p)));
    ++line;
    if (!nl) break;
    p = nl + 1;
  }
}

// --- per-block results ---

struct LineOut {
  size_t line;
  size_t offset, len;
  LineResult result;
};

struct IdentityOut {
  size_t line;
  size_t offset, len;
  schema::Hash128 hash;
};

struct BlockOut {
  std::shared_ptr<Block> block;
  size_t lines = 0;                 // non-blank lines
  std::vector<LineOut> noteworthy;  // lines with failures or remote checks
  std::vector<IdentityOut> identities;
};

// One failure of one line, as logged and recorded.
struct Failure {
  size_t line;
  Method method;
  std::string message;
};

struct PendingRemote {
  size_t line;
  std::vector<schema::RemoteCheck> checks;
};

// Validates one file on `threads` workers; merges in order. stop_after: stop reading once this many
// lines failed (0 = never).
class FileRun {
 public:
  FileRun(const EndpointValidator* validator, std::string unknown_message, bool uniqueness, schema::HashSet& identities,
          unsigned threads)
      : validator_(validator),
        unknown_message_(std::move(unknown_message)),
        uniqueness_(uniqueness),
        identities_(identities),
        threads_(threads) {}

  void run(const fs::path& file, size_t stop_after) {
    BlockReader reader(file);
    std::vector<std::thread> workers;
    for (unsigned i = 0; i < threads_; ++i) workers.emplace_back([this] { work(); });
    const size_t max_in_flight = threads_ * 2 + 2;
    uint64_t read = 0, merged = 0;
    bool eof = false;
    try {
      while (true) {
        if (!eof && !stopped_ && read - merged < max_in_flight) {
          auto b = reader.next();
          if (!b) {
            eof = true;
          } else {
            std::lock_guard<std::mutex> lk(mu_);
            input_.push_back(std::move(b));
            ++read;
            cv_in_.notify_one();
          }
          continue;
        }
        if (merged == read) break;
        BlockOut out;
        {
          std::unique_lock<std::mutex> lk(mu_);
          cv_out_.wait(lk, [&] { return done_.count(merged) > 0 || worker_error_; });
          if (worker_error_) break;
          out = std::move(done_[merged]);
          done_.erase(merged);
        }
        ++merged;
        if (!stopped_) merge(out, stop_after);
      }
    } catch (...) {
      shutdown(workers);
      throw;
    }
    shutdown(workers);
    if (worker_error_) throw Error(*worker_error_);
  }

  size_t lines = 0;
  size_t failed_lines = 0;
  std::vector<Failure> failures;
  std::vector<PendingRemote> remote;
  bool stopped_ = false;

 private:
  void shutdown(std::vector<std::thread>& workers) {
    {
      std::lock_guard<std::mutex> lk(mu_);
      closing_ = true;
      input_.clear();
    }
    cv_in_.notify_all();
    for (auto& t : workers) t.join();
  }

  void work() {
    simdjson::dom::parser parser;
    LineResult r;
    while (true) {
      std::shared_ptr<Block> b;
      {
        std::unique_lock<std::mutex> lk(mu_);
        cv_in_.wait(lk, [&] { return closing_ || !input_.empty(); });
        if (input_.empty()) return;
        b = std::move(input_.front());
        input_.pop_front();
      }
      BlockOut out;
      try {
        for_each_line(*b, [&](size_t line, size_t offset, std::string_view text) {
          ++out.lines;
          if (!validator_) {
            LineOut lo{line, offset, text.size(), {}};
            lo.result.failures.emplace_back(Method::schema, unknown_message_);
            out.noteworthy.push_back(std::move(lo));
            return;
          }
          validator_->check_line(parser, text, r);
          if (r.has_identity && uniqueness_) out.identities.push_back(IdentityOut{line, offset, text.size(), r.identity});
          if (!r.failures.empty() || !r.remote.empty()) {
            out.noteworthy.push_back(LineOut{line, offset, text.size(), std::move(r)});
            r = LineResult{};
          }
        });
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lk(mu_);
        worker_error_ = e.what();
        cv_out_.notify_all();
        return;
      }
      out.block = std::move(b);
      uint64_t seq = out.block->seq;
      {
        std::lock_guard<std::mutex> lk(mu_);
        done_.emplace(seq, std::move(out));
      }
      cv_out_.notify_all();
    }
  }

  // Lines in order: identities checked against everything seen before (first occurrence wins).
  void merge(BlockOut& out, size_t stop_after) {
    size_t ni = 0, nn = 0;
    // Walk both sorted lists by line number.
    auto next_line = [&]() -> size_t {
      size_t a = ni < out.identities.size() ? out.identities[ni].line : SIZE_MAX;
      size_t b = nn < out.noteworthy.size() ? out.noteworthy[nn].line : SIZE_MAX;
      return std::min(a, b);
    };
    size_t counted_lines = out.lines;
    while (true) {
      size_t line = next_line();
      if (line == SIZE_MAX) break;
      LineOut* note = (nn < out.noteworthy.size() && out.noteworthy[nn].line == line) ? &out.noteworthy[nn++] : nullptr;
      IdentityOut* id = (ni < out.identities.size() && out.identities[ni].line == line) ? &out.identities[ni++] : nullptr;
      bool early = note && !note->result.failures.empty() &&
                   (note->result.failures.front().first == Method::json || note->result.failures.front().first == Method::schema ||
                    note->result.failures.front().first == Method::descriptors);
      bool failed = false;
      if (note && early) {
        failures.push_back(Failure{line, note->result.failures.front().first, note->result.failures.front().second});
        failed = true;
      } else {
        bool dup = false;
        if (id) {
          dup = !identities_.insert(id->hash).second;
          if (dup) {
            simdjson::dom::element doc;
            std::string_view text(out.block->buf.data() + id->offset, id->len);
            if (parser_.parse(text.data(), text.size(), false).get(doc) == simdjson::SUCCESS) {
              failures.push_back(Failure{line, Method::uniqueness, validator_->duplicate_message(doc)});
              failed = true;
            }
          }
        }
        if (note) {
          for (auto& [m, msg] : note->result.failures) {
            if (m == Method::uniqueness && dup) continue;  // one uniqueness message per line
            failures.push_back(Failure{line, m, std::move(msg)});
            failed = true;
          }
          if (!note->result.remote.empty()) remote.push_back(PendingRemote{line, std::move(note->result.remote)});
        }
      }
      if (failed) ++failed_lines;
      if (stop_after && failed_lines >= stop_after) {
        stopped_ = true;
        // Lines after this one are not counted as processed.
        counted_lines = 0;
        for_each_line(*out.block, [&](size_t l, size_t, std::string_view) { counted_lines += l <= line; });
        break;
      }
    }
    lines += counted_lines;
  }

  const EndpointValidator* validator_;
  std::string unknown_message_;
  bool uniqueness_;
  schema::HashSet& identities_;
  unsigned threads_;
  simdjson::dom::parser parser_;

  std::mutex mu_;
  std::condition_variable cv_in_, cv_out_;
  std::deque<std::shared_ptr<Block>> input_;
  std::map<uint64_t, BlockOut> done_;
  bool closing_ = false;
  std::optional<std::string> worker_error_;
};

// Remote reference lookups of one run: de-duplicated, concurrent, cached for the run.
class RemoteReferences {
 public:
  explicit RemoteReferences(edfi::ApiClient& client) : client_(client) {}

  // Resolves every query of `pending` not yet known (concurrently through the engine).
  void resolve(const std::vector<PendingRemote>& pending) {
    std::vector<std::string> todo;
    for (const auto& p : pending)
      for (const auto& c : p.checks)
        for (const auto& q : c.queries)
          if (!known_.count(q)) {
            known_.emplace(q, false);
            todo.push_back(q);
          }
    if (todo.empty()) return;
    spdlog::info("looking up {} distinct reference(s) in the API...", todo.size());
    std::string data = client_.urls().data;
    std::vector<http::Request> requests;
    requests.reserve(todo.size());
    for (size_t i = 0; i < todo.size(); ++i) {
      http::Request r;
      r.url = data + "/" + todo[i];
      r.tag = i;
      requests.push_back(std::move(r));
    }
    auto outcomes = client_.engine().run_all(std::move(requests));
    simdjson::dom::parser parser;
    size_t errors = 0;
    for (size_t i = 0; i < outcomes.size(); ++i) {
      const auto& o = outcomes[i];
      bool found = false;
      if (o.status == 200) {
        simdjson::dom::element doc;
        simdjson::dom::array arr;
        if (parser.parse(o.body).get(doc) == simdjson::SUCCESS && doc.get_array().get(arr) == simdjson::SUCCESS)
          found = arr.size() > 0;
      } else if (o.status != 404 && o.status != 400) {
        if (errors++ < 3)
          spdlog::warn("Unable to resolve reference {}... API returned {} status.", todo[i],
                       o.status == 0 ? std::string("no") : std::to_string(o.status));
      }
      known_[todo[i]] = found;
    }
  }

  bool found(const schema::RemoteCheck& c) const {
    for (const auto& q : c.queries) {
      auto it = known_.find(q);
      if (it != known_.end() && it->second) return true;
    }
    return false;
  }

 private:
  edfi::ApiClient& client_;
  std::unordered_map<std::string, bool> known_;
};

// Calls fn(doc) for every line of the endpoint's local data files that parses as JSON (lines that do
// not are the json method's to report).
template <typename F>
void for_each_local_document(const std::string& data_dir, const std::string& endpoint, simdjson::dom::parser& parser,
                             F&& fn) {
  for (const auto& file : data::find_files(data_dir, endpoint)) {
    BlockReader reader(file);
    while (auto b = reader.next()) {
      for_each_line(*b, [&](size_t, size_t, std::string_view text) {
        simdjson::dom::element doc;
        if (parser.parse(text.data(), text.size(), false).get(doc) != simdjson::SUCCESS) return;
        fn(doc);
      });
    }
  }
}

schema::DescriptorSet load_descriptors(edfi::ApiClient& client, const config::Config& cfg,
                                       const std::vector<edfi::EndpointEntry>& all) {
  schema::DescriptorSet set;
  size_t local = 0;
  simdjson::dom::parser parser;
  for (const auto& e : all) {
    if (!e.descriptor) continue;
    for_each_local_document(cfg.data_dir, e.name, parser, [&](simdjson::dom::element doc) {
      std::string_view ns, cv;
      if (doc["namespace"].get(ns) != simdjson::SUCCESS || doc["codeValue"].get(cv) != simdjson::SUCCESS) return;
      set.add(e.name, ns, cv);
      ++local;
    });
  }
  const auto& remote = client.descriptor_values();
  for (const auto& d : remote) set.add(d.descriptor, d.ns, d.code_value);
  spdlog::info("loaded {} descriptor values ({} from the API, {} from local files)", set.size(), remote.size(), local);
  return set;
}

}  // namespace

int run_validate(const RunContext& ctx) {
  const auto& cfg = ctx.config;
  const auto& opts = ctx.options;
  data::require_data_dir(cfg.data_dir);

  schema::ValidatorOptions vopt;
  vopt.methods = schema::parse_methods(cfg.validate.methods);
  vopt.remote_references = cfg.validate.references.remote;
  vopt.reference_selector = cfg.validate.references.selector;
  vopt.selector_include = schema::iequals(cfg.validate.references.behavior, "include");
  if (!vopt.selector_include && !schema::iequals(cfg.validate.references.behavior, "exclude"))
    throw Error("validate.references.behavior must be exclude or include, not \"" + cfg.validate.references.behavior + "\"");
  const size_t max_failures =
      cfg.validate.references.max_failures && *cfg.validate.references.max_failures > 0 ? size_t(*cfg.validate.references.max_failures) : 0;

  report::Results results(report::run_info(cfg, "validate", opts.config_file));
  const auto layout = report::parse_layout(cfg.results_format);

  edfi::ApiClient client(cfg, edfi::ClientOptions{.wipe = opts.wipe, .load_school_years = true});
  const auto& all = client.all_endpoints();
  auto selected = client.select_endpoints(opts.selector, opts.exclude);
  // The payloads are checked as the API they go to reads them (docs/coercion.md).
  vopt.coercion = client.urls().layout == edfi::Layout::dms ? schema::Coercion::dms : schema::Coercion::ods;
  {
    std::vector<std::string> names;
    for (const auto& e : all) names.push_back(e.name);
    for (const auto& w : data::data_dir_warnings(cfg.data_dir, names)) spdlog::warn("{}", w);
  }

  struct Work {
    edfi::EndpointEntry entry;
    std::vector<fs::path> files;
  };
  std::vector<Work> work;
  for (const auto& e : selected) {
    auto files = data::find_files(cfg.data_dir, e.name);
    if (!files.empty()) work.push_back(Work{e, std::move(files)});
  }
  if (work.empty())
    throw Error("no data files for the selected endpoints in data_dir " + cfg.data_dir +
                " (looked for {endpoint}.jsonl, .ndjson, .json and {endpoint}/*.jsonl)");

  // The API's descriptor values (from the cache, or on a cold cache ~2 requests per descriptor
  // endpoint) load on a second thread while this one loads and builds the OpenAPI model: on a cold
  // cache the downloads overlap the model's CPU work. Both only read what select_endpoints() set up.
  std::future<void> remote_descriptors;
  if (vopt.methods.descriptors) remote_descriptors = std::async(std::launch::async, [&client] { client.descriptor_values(); });
  const schema::SpecModel& model = client.spec_model();
  spdlog::info("validating by methods {}...", schema::methods_text(vopt.methods));
  if (vopt.methods.references && !vopt.remote_references)
    spdlog::info("(references will only be validated against local data, since `config.validate.references.remote: False`)");

  std::optional<schema::DescriptorSet> descriptors;
  if (vopt.methods.descriptors) {
    remote_descriptors.get();  // rethrows a download failure here, where it was reported before
    descriptors = load_descriptors(client, cfg, all);
  }

  // Validators (schemas compiled once per endpoint) and the local reference index.
  std::vector<std::unique_ptr<EndpointValidator>> validators;
  schema::LocalReferenceIndex local_refs;
  for (const auto& w : work) {
    const schema::Endpoint* ep = model.find(w.entry.ns, w.entry.name);
    if (!ep) {
      validators.push_back(nullptr);
      continue;
    }
    validators.push_back(std::make_unique<EndpointValidator>(model, *ep, vopt, descriptors ? &*descriptors : nullptr,
                                                             vopt.methods.references ? &local_refs : nullptr));
    if (vopt.methods.references && !ep->is_descriptor)
      for (const auto* r : validators.back()->references()) local_refs.want(r);
  }
  if (vopt.methods.references) {
    simdjson::dom::parser parser;
    size_t docs = 0;
    for (const auto* ep : local_refs.wanted_endpoints()) {
      for_each_local_document(cfg.data_dir, ep->name, parser, [&](simdjson::dom::element doc) {
        local_refs.add_document(*ep, doc);
        ++docs;
      });
    }
    spdlog::debug("local reference index: {} documents, {} keys", docs, local_refs.size());
  }

  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  if (const char* t = std::getenv("LIGHTBEAM_VALIDATE_THREADS")) threads = std::max(1, std::atoi(t));
  std::optional<RemoteReferences> remote;
  if (vopt.methods.references && vopt.remote_references) remote.emplace(client);

  bool stopped = false;
  for (size_t wi = 0; wi < work.size() && !stopped; ++wi) {
    const auto& w = work[wi];
    const EndpointValidator* validator = validators[wi].get();
    const std::string& endpoint = w.entry.name;
    results.begin_endpoint(endpoint);
    std::string unknown = "the API's OpenAPI documents have no endpoint /" + w.entry.ns + "/" + endpoint + "; it cannot be validated";
    if (!validator) spdlog::error("{}", unknown);
    schema::HashSet identities;
    size_t endpoint_failed = 0, shown = 0;
    for (const auto& file : w.files) {
      const std::string file_name = file.string();
      spdlog::info("validating {} against {} schema...", file_name, validator ? validator->endpoint().schema_name : std::string("(no)"));
      if (vopt.methods.uniqueness && identities.empty()) {
        std::error_code ec;
        auto size = fs::file_size(file, ec);
        if (!ec) identities.reserve(size / 256 + 16);  // ~one identity per 256 bytes of JSONL, sized once
      }
      FileRun run(validator, unknown, vopt.methods.uniqueness, identities, threads);
      size_t stop_after = max_failures ? max_failures - std::min(max_failures - 1, endpoint_failed) : 0;
      run.run(file, stop_after);
      if (remote && !run.remote.empty()) {
        remote->resolve(run.remote);
        for (auto& p : run.remote) {
          for (auto& c : p.checks) {
            if (remote->found(c)) continue;
            run.failures.push_back(Failure{p.line, Method::references, std::move(c.message)});
            break;  // the first invalid reference of a line, as the Python tool
          }
        }
        std::stable_sort(run.failures.begin(), run.failures.end(), [](const Failure& a, const Failure& b) { return a.line < b.line; });
      }
      // Log (first 10 per endpoint), record every failure, count lines.
      size_t file_failed = 0;
      size_t last_line = 0;
      for (const auto& f : run.failures) {
        bool new_line = f.line != last_line;
        if (new_line) {
          if (max_failures && endpoint_failed >= max_failures) break;
          ++file_failed;
          ++endpoint_failed;
        }
        last_line = f.line;
        if (shown < k_max_shown_per_endpoint) {
          spdlog::warn("... VALIDATION ERROR ({} at line {}): {}", schema::method_name(f.method), f.line, f.message);
          ++shown;
        }
        results.record_method_failure(endpoint, schema::method_name(f.method), f.message, file_name, f.line, new_line);
      }
      results.add_counts(endpoint, run.lines > file_failed ? run.lines - file_failed : 0, 0, 0);
      if (file_failed == 0) {
        spdlog::info("... all lines validate ok!");
      } else {
        if (endpoint_failed > k_max_shown_per_endpoint)
          spdlog::warn("... and {} others!", endpoint_failed - k_max_shown_per_endpoint);
        spdlog::warn("... VALIDATION ERRORS on {} of {} lines in {}; see details above.", file_failed, run.lines, file_name);
      }
      if (max_failures && endpoint_failed >= max_failures) {
        spdlog::critical("... STOPPING; found {} >= validate.references.max_failures={} VALIDATION ERRORS.", endpoint_failed,
                         max_failures);
        stopped = true;
        break;
      }
    }
  }

  if (!opts.results_file.empty()) {
    results.write(opts.results_file, layout);
    spdlog::info("results written to {}", fs::absolute(opts.results_file).string());
  }
  // Python's exit statuses: the max_failures stop is a CRITICAL line (255); otherwise 1 only when
  // every line failed (the Airflow signal), 0 when some passed.
  if (stopped) return exit_status::error;
  auto t = results.totals();
  if (t.processed > 0 && t.processed == t.failed) {
    spdlog::info("all payloads failed");
    return exit_status::all_failed;
  }
  return 0;
}

}  // namespace lightbeam::commands
