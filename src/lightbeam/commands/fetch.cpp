// `lightbeam fetch`: pages every selected endpoint (offset paging, Total-Count for progress,
// pool_size requests in flight across endpoints) into {data_dir}/{endpoint}.jsonl, one compact JSON
// object per line in the API's order, through a temporary file renamed at the end. With a change
// version window (--min/--max-change-version, --incremental) only what changed in it, and with
// --deletes the endpoint's deletes and key changes too ({endpoint}.deletes.jsonl, .keyChanges.jsonl).
#include <simdjson.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/data/python_json.hpp"
#include "core/data/selector.hpp"
#include "core/edfi/api_client.hpp"
#include "core/edfi/pager.hpp"
#include "core/error.hpp"
#include "core/http/engine.hpp"
#include "core/report/reasons.hpp"
#include "lightbeam/commands/commands.hpp"
#include "lightbeam/commands/interrupts.hpp"

namespace lightbeam::commands {

namespace fs = std::filesystem;

namespace {

// -q '{"k": v}' → "k=v&..." (strings as they are, other values as JSON text).
std::string query_string(const std::string& json_text) {
  if (json_text.empty()) return "";
  nlohmann::json q = nlohmann::json::parse(json_text, nullptr, false);
  if (q.is_discarded() || !q.is_object())
    throw Error("-q/--query must be a JSON object, e.g. '{\"studentUniqueId\": \"12345\"}' (got: " + json_text + ")");
  std::string out;
  for (auto it = q.begin(); it != q.end(); ++it) {
    std::string value;
    if (it->is_string()) value = it->get<std::string>();
    else if (it->is_boolean()) value = it->get<bool>() ? "true" : "false";
    else if (it->is_null()) value = "";
    else value = it->dump();
    if (!out.empty()) out += '&';
    out += http::url_encode(it.key()) + "=" + http::url_encode(value);
  }
  return out;
}

// The change-query window in -q (upstream #94): checked against the API's availableChangeVersions
// instead of the endpoint's OpenAPI parameters, which not every API lists.
bool change_version_key(const std::string& key) { return key == "minChangeVersion" || key == "maxChangeVersion"; }

struct KeyFilter {
  std::vector<std::string> keep;  // empty = every key
  std::vector<std::string> drop;
  // Which `keep` entries matched a key of some record: an entry that matched none is a typo the user
  // must hear about (every record would otherwise be written as {} without a word).
  std::vector<bool> keep_matched;
  bool active() const { return !(keep.empty() || (keep.size() == 1 && keep[0] == "*")) || !drop.empty(); }
  bool wanted(std::string_view key) {
    if (!keep.empty()) {
      bool any = false;
      for (size_t i = 0; i < keep.size(); ++i)
        if (data::wildcard_match(keep[i], key)) any = keep_matched[i] = true;
      if (!any) return false;
    }
    return drop.empty() || !data::matches_any(drop, key);
  }
};

// One page body → JSONL lines appended to `out`, each record as Python's json.dumps() writes it
// (the Python tool's bytes); the number of records, or -1 if not an array.
// `emptied` counts the records the filter left without any key.
long page_to_lines(simdjson::ondemand::parser& parser, std::string& body, KeyFilter& filter, std::string& out,
                   uint64_t& emptied) {
  size_t length = body.size();
  body.append(simdjson::SIMDJSON_PADDING, ' ');
  simdjson::ondemand::document doc;
  if (parser.iterate(simdjson::padded_string_view(body.data(), length, body.size())).get(doc)) return -1;
  simdjson::ondemand::array array;
  if (doc.get_array().get(array)) return -1;
  long n = 0;
  bool filtering = filter.active();
  for (auto element : array) {
    simdjson::ondemand::value value;
    if (element.get(value)) return -1;
    simdjson::ondemand::object object;
    if (filtering && value.get_object().get(object) == simdjson::SUCCESS) {
      out += '{';
      bool first = true;
      for (auto field : object) {
        std::string_view key;
        if (field.unescaped_key().get(key)) return -1;
        simdjson::ondemand::value v;
        if (field.value().get(v)) return -1;
        if (!filter.wanted(key)) continue;
        if (!first) out += ", ";
        first = false;
        data::append_python_string(out, key);
        out += ": ";
        if (!data::append_python_json(out, v)) return -1;
      }
      if (first) ++emptied;
      out += "}\n";
    } else {
      if (!data::append_python_json(out, value)) return -1;
      out += '\n';
    }
    ++n;
  }
  return n;
}

struct Output {
  bool records = true;  // false: a deletes/keyChanges stream (no -k/-d filter)
  fs::path final_path;
  fs::path temp_path;
  std::FILE* file = nullptr;
  long total = -1;
  uint64_t written = 0;
  uint64_t emptied = 0;  // records written as {} by the key filter
};

// --incremental's memory: {state_dir}/fetch-change-versions.json, {data URL of an endpoint: the
// newest change version its last complete fetch covered}. Keyed by URL, so each API, instance and
// school year has its own; written through a temporary file and a rename.
class ChangeVersionMemory {
 public:
  explicit ChangeVersionMemory(const fs::path& state_dir) : path_(state_dir / "fetch-change-versions.json") {
    std::error_code ec;
    if (!fs::exists(path_, ec)) return;
    std::FILE* f = std::fopen(path_.c_str(), "rb");
    std::string text;
    if (f) {
      char buf[65536];
      for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
      std::fclose(f);
    }
    doc_ = nlohmann::json::parse(text, nullptr, false);
    if (!doc_.is_object()) {
      spdlog::warn("{} is not a JSON object; --incremental starts over for every endpoint", path_.string());
      doc_ = nlohmann::json::object();
    }
  }
  std::optional<std::uint64_t> get(const std::string& url) const {
    auto it = doc_.find(url);
    if (it == doc_.end() || !it->is_number_unsigned()) return std::nullopt;
    return it->get<std::uint64_t>();
  }
  void set(const std::string& url, std::uint64_t version) { doc_[url] = version; }
  void save() const {
    std::error_code ec;
    fs::create_directories(path_.parent_path(), ec);
    fs::path temp = path_;
    temp += ".tmp-" + std::to_string(::getpid());
    std::string text = doc_.dump(2) + "\n";
    std::FILE* f = std::fopen(temp.c_str(), "wb");
    bool ok = f && std::fwrite(text.data(), 1, text.size(), f) == text.size();
    if (f) ok = std::fclose(f) == 0 && ok;
    if (ok) fs::rename(temp, path_, ec);
    if (!ok || ec) {
      fs::remove(temp, ec);
      throw Error("could not write " + path_.string() + ": check that state_dir is writable");
    }
  }

 private:
  fs::path path_;
  nlohmann::json doc_ = nlohmann::json::object();
};

}  // namespace

int run_fetch(const RunContext& ctx) {
  const auto start = std::chrono::steady_clock::now();
  const long page_size = ctx.config.fetch.page_size;
  if (page_size < 1)
    throw Error("fetch.page_size must be at least 1 (got " + std::to_string(page_size) + ")");
  const std::string query = query_string(ctx.options.query_json);
  KeyFilter filter;
  for (const auto& k : ctx.options.keep_keys)
    for (auto& part : data::split_list(k)) filter.keep.push_back(part);
  for (const auto& k : ctx.options.drop_keys)
    for (auto& part : data::split_list(k)) filter.drop.push_back(part);
  filter.keep_matched.assign(filter.keep.size(), false);

  edfi::ClientOptions client_options;
  client_options.wipe = ctx.options.wipe;
  client_options.load_school_years = true;  // the school years an ODS holds are read like any resource
  edfi::ApiClient client(ctx.config, client_options);
  std::vector<edfi::EndpointEntry> endpoints = client.select_endpoints(ctx.options.selector, ctx.options.exclude);
  client.authenticate();  // as Python: the token first, so wrong credentials fail before anything else

  // -q keys an endpoint does not take would be ignored by the API, which then returns every record:
  // such an endpoint is skipped with the Python tool's warning (upstream 0.1.9, #81).
  if (const auto q = nlohmann::json::parse(ctx.options.query_json, nullptr, false); q.is_object() && !q.empty()) {
    try {
      std::vector<edfi::EndpointEntry> supported;
      for (auto& e : endpoints) {
        const std::vector<std::string> names = client.query_parameter_names(e.name);
        bool all_known = true;
        for (auto it = q.begin(); it != q.end(); ++it)
          if (std::find(names.begin(), names.end(), it.key()) == names.end() && !change_version_key(it.key()))
            all_known = false;
        if (all_known) {
          supported.push_back(std::move(e));
          continue;
        }
        std::string list;
        for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
        spdlog::warn("Query contains keys that are not params for the endpoint {}... skipping! (Supported params: {})",
                     e.name, list);
      }
      endpoints = std::move(supported);
    } catch (const Error& e) {
      spdlog::warn("could not read the query parameters from the API's OpenAPI documents ({}); -q is sent unchecked",
                   e.what());
    }
  }

  // The page size must not exceed the server's maximum: check it before sending anything.
  try {
    for (const auto& e : endpoints) {
      long max = client.max_page_size(e.name);
      if (max > 0 && page_size > max)
        throw Error("fetch.page_size " + std::to_string(page_size) + " is above the API's maximum page size " +
                    std::to_string(max) + " (the `limit` maximum of GET /" + e.ns + "/" + e.name +
                    " in its OpenAPI document): set fetch.page_size to " + std::to_string(max) + " or less");
    }
  } catch (const Error& e) {
    if (std::string(e.what()).rfind("fetch.page_size", 0) == 0) throw;
    spdlog::warn("could not read the maximum page size from the API's OpenAPI documents ({}); using fetch.page_size {}",
                 e.what(), page_size);
  }

  fs::path data_dir(ctx.config.data_dir.empty() ? "." : ctx.config.data_dir);
  std::error_code ec;
  fs::create_directories(data_dir, ec);

  // Change queries: a window from the options or from -q, or --incremental's; checked against the API
  // first, so an API without change queries is one clear error, not a full fetch the user did not ask for.
  const auto& opts = ctx.options;
  const auto q = nlohmann::json::parse(opts.query_json, nullptr, false);
  bool window_in_query = false;
  if (q.is_object())
    for (auto it = q.begin(); it != q.end(); ++it) window_in_query = window_in_query || change_version_key(it.key());
  const bool windowed = opts.min_change_version || opts.max_change_version || opts.incremental || window_in_query;
  std::optional<ChangeVersionMemory> memory;
  std::uint64_t newest = 0;
  if (windowed || opts.deletes) {
    if (window_in_query && (opts.min_change_version || opts.max_change_version || opts.incremental))
      throw Error("-q/--query names minChangeVersion or maxChangeVersion, and so do the change-version options: use one");
    newest = client.newest_change_version();
    spdlog::debug("the API's newest change version is {}", newest);
  }
  if (opts.incremental) memory.emplace(ctx.config.state_dir.empty() ? fs::path(".") : fs::path(ctx.config.state_dir));
  // The window of one endpoint as query parameters ("" = none).
  auto window_of = [&](const std::string& url) -> std::string {
    std::optional<std::uint64_t> min = opts.min_change_version, max = opts.max_change_version;
    if (opts.incremental) {
      max = newest;
      if (auto last = memory->get(url); last && !opts.force) min = *last + 1;
    }
    std::string w;
    if (min) w += "minChangeVersion=" + std::to_string(*min);
    if (max) w += std::string(w.empty() ? "" : "&") + "maxChangeVersion=" + std::to_string(*max);
    return w;
  };
  auto joined = [](const std::string& a, const std::string& b) { return a.empty() ? b : b.empty() ? a : a + "&" + b; };

  std::vector<edfi::PagedEndpoint> targets;
  std::vector<Output> outputs;
  std::vector<size_t> endpoint_of;  // target → index into endpoints
  auto add_target = [&](size_t e, const std::string& suffix, const std::string& url, const std::string& target_query) {
    const std::string name = endpoints[e].name + suffix;
    targets.push_back({name, url, target_query});
    Output out;
    out.records = suffix.empty();
    out.final_path = data_dir / (name + ".jsonl");
    out.temp_path = data_dir / (name + ".jsonl.tmp-" + std::to_string(::getpid()));
    outputs.push_back(std::move(out));
    endpoint_of.push_back(e);
  };
  for (size_t i = 0; i < endpoints.size(); ++i) {
    const std::string url = client.data_url(endpoints[i].name);
    const std::string window = window_of(url);
    if (!window.empty()) spdlog::debug("{}: change versions {}", endpoints[i].name, window);
    add_target(i, "", url, joined(query, window));
    if (opts.deletes) {
      add_target(i, ".deletes", url + "/deletes", window);
      add_target(i, ".keyChanges", url + "/keyChanges", window);
    }
  }
  std::vector<int> unfinished(endpoints.size(), 0);  // targets of each endpoint not yet written
  for (size_t e : endpoint_of) ++unfinished[e];
  std::vector<bool> endpoint_failed(endpoints.size(), false);
  KeyFilter no_filter;

  simdjson::ondemand::parser parser;
  std::string lines;
  uint64_t total_records = 0;
  int failed = 0;
  auto last_progress = std::chrono::steady_clock::now();

  auto close_output = [&](Output& out, bool keep) {
    if (out.file) {
      bool ok = std::fclose(out.file) == 0;
      out.file = nullptr;
      if (keep && !ok) {
        fs::remove(out.temp_path, ec);
        throw Error("could not write " + out.temp_path.string() + " (disk full?)");
      }
    }
    if (!keep) {
      fs::remove(out.temp_path, ec);
      return;
    }
  };

  // Temporary files are created, written, closed and removed under this lock, so that a second
  // SIGINT/SIGTERM (handled on another thread) removes every one and none appears afterwards.
  std::mutex files;
  Interrupts signals({.on_first =
                          [&] {
                            spdlog::warn("interrupted: no new requests; waiting for the ones in flight, then removing the "
                                         "unfinished files (press Ctrl-C again to quit at once)");
                            client.engine().request_stop();
                          },
                      .second_message = "interrupted again: quitting at once; removing the unfinished temporary files "
                                        "(files already complete are kept)",
                      .on_second =
                          [&] {
                            files.lock();  // held until _exit: nothing is written after the removal
                            for (auto& out : outputs) {
                              std::error_code rec;
                              fs::remove(out.temp_path, rec);
                            }
                          }});

  edfi::PageEvents events;
  events.stopped = [] { return Interrupts::requested(); };
  events.on_total = [&](size_t i, long total) {
    outputs[i].total = total;
    spdlog::debug("{}: {} records to fetch", targets[i].endpoint, total < 0 ? std::string("?") : std::to_string(total));
  };
  events.on_page = [&](size_t i, uint64_t offset, std::string&& body) -> long {
    lines.clear();
    std::lock_guard lock(files);
    Output& out = outputs[i];
    long n = page_to_lines(parser, body, out.records ? filter : no_filter, lines, out.emptied);
    if (n <= 0) return n;
    if (!out.file) {
      out.file = std::fopen(out.temp_path.c_str(), "wb");
      if (!out.file)
        throw Error("cannot write " + out.temp_path.string() + ": check that data_dir exists and is writable");
      std::setvbuf(out.file, nullptr, _IOFBF, 1 << 20);
    }
    if (std::fwrite(lines.data(), 1, lines.size(), out.file) != lines.size())
      throw Error("could not write " + out.temp_path.string() + " (disk full?)");
    out.written += static_cast<uint64_t>(n);
    if (out.records) total_records += static_cast<uint64_t>(n);
    auto now = std::chrono::steady_clock::now();
    if (now - last_progress > std::chrono::seconds(2)) {
      last_progress = now;
      spdlog::info("fetching {}: {}/{} records", targets[i].endpoint, out.written,
                   out.total < 0 ? std::string("?") : std::to_string(out.total));
    }
    (void)offset;
    return n;
  };
  events.on_error = [&](size_t i, const http::Outcome& o, const std::string& what) {
    if (Interrupts::requested() && o.status == 0) return;  // a retry cut short by the interrupt: not the API's fault
    std::string reason;
    if (o.transport_failed()) reason = "no answer (" + report::transport_reason(o.error) + ")";
    else if (!o.error.empty()) reason = o.error;
    else reason = "HTTP " + std::to_string(o.status) + " (" + report::reduce_reason(static_cast<int>(o.status), o.body) + ")";
    spdlog::error("Unable to load records for {} ({}): {}; {} was not written", targets[i].endpoint, what, reason,
                  outputs[i].final_path.string());
  };
  // --incremental remembers an endpoint's window once all its files are written.
  auto target_done = [&](size_t i, bool ok) {
    size_t e = endpoint_of[i];
    if (!ok) endpoint_failed[e] = true;
    if (--unfinished[e] == 0 && memory && !endpoint_failed[e]) memory->set(client.data_url(endpoints[e].name), newest);
  };
  events.on_finished = [&](size_t i, bool ok) {
    std::lock_guard lock(files);
    Output& out = outputs[i];
    if (!ok) {
      ++failed;
      close_output(out, false);
      target_done(i, false);
      return;
    }
    if (!out.file && (windowed || !out.records)) {
      // A window with no changes is an empty file: an older file of changes must not stay in its place.
      out.file = std::fopen(out.temp_path.c_str(), "wb");
      if (!out.file)
        throw Error("cannot write " + out.temp_path.string() + ": check that data_dir exists and is writable");
    }
    if (!out.file) {
      spdlog::info("{}: no records", targets[i].endpoint);
      target_done(i, true);
      return;
    }
    if (out.records && filter.active() && out.written > 0 && out.emptied == out.written) {
      close_output(out, false);
      spdlog::warn("{}: the -k/--keep-keys and --drop-keys filters left no key in any of its {} records; {} was not "
                   "written", targets[i].endpoint, out.written, out.final_path.string());
      target_done(i, true);
      return;
    }
    close_output(out, true);
    fs::rename(out.temp_path, out.final_path, ec);
    if (ec) {
      fs::remove(out.temp_path, ec);
      throw Error("could not rename " + out.temp_path.string() + " to " + out.final_path.string());
    }
    spdlog::info("fetched {} {} from {} into {}", out.written, out.records ? "records" : "items", targets[i].endpoint,
                 out.final_path.string());
    target_done(i, true);
  };

  try {
    edfi::fetch_pages(client.engine(), targets, page_size, events);
  } catch (...) {
    std::lock_guard lock(files);
    for (auto& out : outputs) {
      if (out.file) std::fclose(out.file);
      out.file = nullptr;
      fs::remove(out.temp_path, ec);
    }
    throw;
  }
  if (Interrupts::requested()) {
    {
      std::lock_guard lock(files);
      for (auto& out : outputs) {
        if (out.file) std::fclose(out.file);
        out.file = nullptr;
        fs::remove(out.temp_path, ec);
      }
    }
    spdlog::warn("interrupted: {} record(s) fetched; the unfinished endpoints' temporary files were removed, "
                 "existing {{endpoint}}.jsonl files of those endpoints were left as they were; run the same command again to fetch them",
                 total_records);
    return exit_status::interrupted;
  }
  if (memory) memory->save();
  if (total_records > 0)
    for (size_t k = 0; k < filter.keep.size(); ++k)
      if (!filter.keep_matched[k] && filter.keep[k] != "*")
        spdlog::warn("-k/--keep-keys \"{}\" matches no key of any record", filter.keep[k]);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  spdlog::info("fetched {} records from {} endpoint(s) in {:.3f} s", total_records, endpoints.size(), seconds);
  if (failed > 0) {
    spdlog::error("could not fetch {} of {} endpoints", std::count(endpoint_failed.begin(), endpoint_failed.end(), true),
                  endpoints.size());
    return exit_status::error;
  }
  return 0;
}

}  // namespace lightbeam::commands
