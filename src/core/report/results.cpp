// Structured results (see results.hpp).
#include "core/report/results.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <unordered_map>

#include "core/config/config.hpp"
#include "core/error.hpp"
#include "core/report/log.hpp"

namespace lightbeam::report {

RunInfo run_info(const config::Config& config, const std::string& command, const std::string& config_file) {
  RunInfo info;
  info.command = command;
  info.config_file = config_file;
  info.data_dir = config.data_dir;
  info.api_url = log::redact(config.edfi_api.base_url, config.secret_values);  // no URL password in the file
  info.namespace_ = config.namespace_;
  info.namespace_overrides = config.namespace_overrides;
  return info;
}
namespace {

constexpr std::size_t k_max_reasons_logged = 10;

struct Group {
  bool by_method = false;
  int status = 0;
  std::string method;
  std::string message;
  std::string file;
  std::vector<std::uint32_t> lines;  // arrival order; sorted when written
};

struct EndpointData {
  Results::Counts counts;
  std::vector<std::pair<int, std::size_t>> statuses;   // every status, first-seen order
  std::vector<std::pair<int, std::size_t>> successes;  // success statuses only
  std::vector<Group> groups;
  std::unordered_map<std::string, std::size_t> group_index;
  std::vector<std::pair<std::string, std::size_t>> reasons;
  std::unordered_map<std::string, std::size_t> reason_index;
};

void bump(std::vector<std::pair<int, std::size_t>>& v, int status) {
  for (auto& [s, n] : v)
    if (s == status) {
      ++n;
      return;
    }
  v.emplace_back(status, 1);
}

std::uint32_t clamp_line(std::size_t line) {
  return line > UINT32_MAX ? UINT32_MAX : static_cast<std::uint32_t>(line);
}

std::string join_lines(std::vector<std::uint32_t> lines) {
  std::sort(lines.begin(), lines.end());
  std::string out;
  out.reserve(lines.size() * 6);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i) out.push_back(',');
    out += std::to_string(lines[i]);
  }
  return out;
}

}  // namespace

Layout parse_layout(std::string_view results_format) {
  return results_format == "legacy" ? Layout::legacy : Layout::current;
}

std::string iso_local_micros(std::chrono::system_clock::time_point t) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(us / 1000000);
  long frac = static_cast<long>(us % 1000000);
  if (frac < 0) {
    frac += 1000000;
    --secs;
  }
  std::tm tm{};
  localtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[80];
  std::snprintf(out, sizeof out, "%s.%06ld", buf, frac);
  return out;
}

struct Results::Impl {
  RunInfo info;
  std::chrono::system_clock::time_point started_wall;
  std::chrono::steady_clock::time_point started;
  std::vector<std::string> order;
  std::unordered_map<std::string, EndpointData> endpoints;

  EndpointData& ep(const std::string& name) {
    auto it = endpoints.find(name);
    if (it != endpoints.end()) return it->second;
    order.push_back(name);
    return endpoints[name];
  }
  const EndpointData* find(const std::string& name) const {
    auto it = endpoints.find(name);
    return it == endpoints.end() ? nullptr : &it->second;
  }

  void add_group(EndpointData& e, bool by_method, int status, std::string_view method, std::string_view message,
                 const std::string& file, std::size_t line) {
    std::string key;
    key.reserve(message.size() + file.size() + 16);
    key += by_method ? std::string("m:").append(method) : "s:" + std::to_string(status);
    key.push_back('\x1f');
    key.append(message);
    key.push_back('\x1f');
    key += file;
    auto [it, inserted] = e.group_index.try_emplace(std::move(key), e.groups.size());
    if (inserted) {
      Group g;
      g.by_method = by_method;
      g.status = status;
      g.method = std::string(method);
      g.message = std::string(message);
      g.file = file;
      e.groups.push_back(std::move(g));
    }
    e.groups[it->second].lines.push_back(clamp_line(line));

    // The reason is the message as it is, as Python's increment_status_reason(message): the
    // ODS-style messages carry their "<status>: " already, the 7.2+/DMS ones do not.
    std::string reason(message);
    auto [rit, rnew] = e.reason_index.try_emplace(reason, e.reasons.size());
    if (rnew) e.reasons.emplace_back(reason, 0);
    ++e.reasons[rit->second].second;
  }
};

Results::Results(RunInfo info) : impl_(std::make_unique<Impl>()) {
  impl_->info = std::move(info);
  if (impl_->info.working_dir.empty()) {
    std::error_code ec;
    impl_->info.working_dir = std::filesystem::current_path(ec).string();
  }
  impl_->started_wall = std::chrono::system_clock::now();
  impl_->started = std::chrono::steady_clock::now();
}

Results::~Results() = default;

void Results::begin_endpoint(const std::string& endpoint) { impl_->ep(endpoint); }

void Results::record_skipped(const std::string& endpoint) {
  auto& e = impl_->ep(endpoint);
  ++e.counts.processed;
  ++e.counts.skipped;
}

void Results::record_success(const std::string& endpoint, int status_code) {
  auto& e = impl_->ep(endpoint);
  ++e.counts.processed;
  bump(e.statuses, status_code);
  bump(e.successes, status_code);
}

void Results::record_failure(const std::string& endpoint, int status_code, std::string_view message,
                             const std::string& file, std::size_t line) {
  auto& e = impl_->ep(endpoint);
  ++e.counts.processed;
  ++e.counts.failed;
  bump(e.statuses, status_code);
  impl_->add_group(e, false, status_code, {}, message, file, line);
}

void Results::record_failure(const std::string& endpoint, int status_code, const std::vector<std::string>& messages,
                             const std::string& file, std::size_t line) {
  auto& e = impl_->ep(endpoint);
  ++e.counts.processed;
  ++e.counts.failed;
  bump(e.statuses, status_code);
  for (const auto& message : messages) impl_->add_group(e, false, status_code, {}, message, file, line);
}

void Results::record_method_failure(const std::string& endpoint, std::string_view method, std::string_view message,
                                    const std::string& file, std::size_t line, bool count_record) {
  auto& e = impl_->ep(endpoint);
  if (count_record) {
    ++e.counts.processed;
    ++e.counts.failed;
  }
  impl_->add_group(e, true, 0, method, message, file, line);
}

void Results::add_counts(const std::string& endpoint, std::size_t processed, std::size_t skipped, std::size_t failed) {
  auto& e = impl_->ep(endpoint);
  e.counts.processed += processed;
  e.counts.skipped += skipped;
  e.counts.failed += failed;
}

Results::Counts Results::counts(const std::string& endpoint) const {
  const auto* e = impl_->find(endpoint);
  return e ? e->counts : Counts{};
}

Results::Counts Results::totals() const {
  Counts t;
  for (const auto& [name, e] : impl_->endpoints) {
    t.processed += e.counts.processed;
    t.skipped += e.counts.skipped;
    t.failed += e.counts.failed;
  }
  return t;
}

std::vector<std::pair<int, std::size_t>> Results::status_counts(const std::string& endpoint) const {
  const auto* e = impl_->find(endpoint);
  return e ? e->statuses : std::vector<std::pair<int, std::size_t>>{};
}

std::vector<std::pair<std::string, std::size_t>> Results::reasons(const std::string& endpoint) const {
  const auto* e = impl_->find(endpoint);
  return e ? e->reasons : std::vector<std::pair<std::string, std::size_t>>{};
}

void Results::log_summary(const std::string& endpoint) const {
  const auto* e = impl_->find(endpoint);
  if (!e) return;
  std::string counts = "{";
  for (std::size_t i = 0; i < e->statuses.size(); ++i) {
    if (i) counts += ", ";
    counts += std::to_string(e->statuses[i].first) + ": " + std::to_string(e->statuses[i].second);
  }
  counts += "}";
  spdlog::info("  (final status counts: {}) ", counts);
  std::size_t shown = 0;
  for (const auto& [reason, n] : e->reasons) {
    if (shown == k_max_reasons_logged) break;
    spdlog::info("  (reason: [{}]; instances: {})", reason, n);
    ++shown;
  }
  if (e->reasons.size() > k_max_reasons_logged)
    spdlog::info("  (... and {} others)", e->reasons.size() - k_max_reasons_logged);
}

nlohmann::ordered_json Results::to_json(Layout layout, bool interrupted) const {
  using J = nlohmann::ordered_json;
  const auto& info = impl_->info;
  J doc = J::object();
  doc["started_at"] = iso_local_micros(impl_->started_wall);
  doc["working_dir"] = info.working_dir;
  doc["config_file"] = info.config_file;
  doc["data_dir"] = info.data_dir;
  doc["api_url"] = info.api_url;
  doc["namespace"] = info.namespace_;
  if (layout == Layout::current) {  // the legacy layout (the seed README's example) has neither this nor "command"
    J overrides = J::object();
    for (const auto& [ns, eps] : info.namespace_overrides) overrides[ns] = eps;
    doc["namespace_overrides"] = overrides;
  }
  J resources = J::object();
  for (const auto& name : impl_->order) {
    const auto& e = impl_->endpoints.at(name);
    J r = J::object();
    if (layout == Layout::current) {
      if (!e.successes.empty()) {
        J s = J::array();
        for (const auto& [status, n] : e.successes) s.push_back(J{{"status_code", status}, {"count", n}});
        r["successes"] = s;
      }
      if (!e.groups.empty()) {
        J f = J::array();
        for (const auto& g : e.groups) {
          J item = J::object();
          if (g.by_method)
            item["method"] = g.method;
          else
            item["status_code"] = g.status;
          item["message"] = g.message;
          item["file"] = g.file;
          std::vector<std::uint32_t> lines = g.lines;
          std::sort(lines.begin(), lines.end());
          item["line_numbers"] = lines;
          item["count"] = g.lines.size();
          f.push_back(std::move(item));
        }
        r["failures"] = f;
      }
    } else if (!e.groups.empty()) {
      J fs = J::object();
      for (const auto& g : e.groups) {
        std::string key = g.by_method ? g.method : std::to_string(g.status);
        J& bucket = fs[key];
        if (!bucket.contains("count")) bucket["count"] = 0;
        J& file = bucket[g.message]["files"][g.file];
        file["line_numbers"] = join_lines(g.lines);
        file["count"] = g.lines.size();
        bucket["count"] = bucket["count"].get<std::size_t>() + g.lines.size();
      }
      // "count" last within each status, as the Python tool wrote it.
      for (auto& [status, bucket] : fs.items()) {
        auto n = bucket["count"];
        bucket.erase("count");
        bucket["count"] = n;
      }
      r["failed_statuses"] = fs;
    }
    r["records_processed"] = e.counts.processed;
    r["records_skipped"] = e.counts.skipped;
    r["records_failed"] = e.counts.failed;
    resources[name] = std::move(r);
  }
  doc["resources"] = std::move(resources);
  if (layout == Layout::current) doc["command"] = info.command;
  doc["completed_at"] = iso_local_micros(std::chrono::system_clock::now());
  doc["runtime_sec"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - impl_->started).count();
  auto t = totals();
  doc["total_records_processed"] = t.processed;
  doc["total_records_skipped"] = t.skipped;
  doc["total_records_failed"] = t.failed;
  if (interrupted) doc["interrupted"] = true;
  return doc;
}

std::string Results::render(const nlohmann::ordered_json& doc) {
  std::string text = doc.dump(4, ' ', /*ensure_ascii=*/true);
  // Python: re.sub(r'"line_numbers": \[(\d|,|\s|\n)*\]', <remove whitespace>, content)
  static constexpr std::string_view k_key = "\"line_numbers\": [";
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (true) {
    auto hit = text.find(k_key, pos);
    if (hit == std::string::npos) break;
    std::size_t end = hit + k_key.size();
    bool ok = true;
    while (end < text.size() && text[end] != ']') {
      char c = text[end];
      if (!(std::isdigit(static_cast<unsigned char>(c)) || c == ',' || c == ' ' || c == '\n' || c == '\t' || c == '\r')) {
        ok = false;
        break;
      }
      ++end;
    }
    if (!ok || end >= text.size()) {
      out.append(text, pos, hit + k_key.size() - pos);
      pos = hit + k_key.size();
      continue;
    }
    out.append(text, pos, hit - pos);
    for (std::size_t i = hit; i <= end; ++i) {
      char c = text[i];
      if (c != ' ' && c != '\n' && c != '\t' && c != '\r') out.push_back(c);
    }
    pos = end + 1;
  }
  out.append(text, pos, std::string::npos);
  return out;
}

void Results::write(const std::filesystem::path& path, Layout layout, bool interrupted) const {
  write_document(path, to_json(layout, interrupted));
}

void Results::write_document(const std::filesystem::path& path, const nlohmann::ordered_json& doc) {
  const std::string text = render(doc);
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  if (ec)
    throw Error("cannot create the directory of the results file " + path.string() + ": " + ec.message());
  std::filesystem::path tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error("cannot write the results file " + path.string() + ": " + std::strerror(errno));
  std::size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw Error("cannot write the results file " + path.string() + ": " + std::strerror(err));
    }
    off += static_cast<std::size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw Error("cannot write the results file " + path.string() + ": " + std::strerror(err));
  }
}

}  // namespace lightbeam::report
