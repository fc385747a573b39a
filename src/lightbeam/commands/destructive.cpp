// What `delete` and `truncate` share: confirmation, interrupt, skip reasons, results.
#include "lightbeam/commands/destructive.hpp"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/config/timestamp.hpp"
#include "core/error.hpp"

namespace lightbeam::commands::destructive {

void confirm(const config::Config& config, const std::vector<std::string>& endpoints, std::string_view verbiage) {
  if (config.force_delete) return;
  std::string list;  // Python's "\n\t - ".join(...) after a first "•"
  for (const auto& e : endpoints) {
    if (!list.empty()) list += "\n\t - ";
    list += e;
  }
  std::fprintf(stdout, "Preparing to delete the following endpoints:\n\t \u2022 %s\n", list.c_str());
  std::fprintf(stdout, "Type \"yes\" to confirm you want to %.*s payloads for the selected endpoints? ",
               static_cast<int>(verbiage.size()), verbiage.data());
  std::fflush(stdout);
  std::string answer;
  if (!std::getline(std::cin, answer)) answer.clear();
  if (!answer.empty() && answer.back() == '\r') answer.pop_back();
  if (answer != "yes") throw Refusal("You did not type \"yes\" - exiting.");
}

// ---- interrupt -------------------------------------------------------------------------------

namespace {
std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");
struct sigaction g_old_int, g_old_term;

extern "C" void on_signal(int) { g_interrupted.store(true); }
}  // namespace

InterruptGuard::InterruptGuard() {
  g_interrupted.store(false);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;  // the second signal gets the default action: stop at once
  sigaction(SIGINT, &sa, &g_old_int);
  sigaction(SIGTERM, &sa, &g_old_term);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
}

bool InterruptGuard::requested() { return g_interrupted.load(); }

// ---- skip reasons ----------------------------------------------------------------------------

void SkipReasons::add(const std::string& endpoint, const std::string& message, const std::string& file,
                      std::size_t line) {
  auto [eit, fresh] = endpoints_.try_emplace(endpoint);
  if (fresh) order_.push_back(endpoint);
  Endpoint& e = eit->second;
  auto [it, inserted] = e.index.try_emplace({message, file}, e.groups.size());
  if (inserted) e.groups.push_back(Group{message, file, {}});
  e.groups[it->second].lines.push_back(static_cast<std::uint32_t>(std::min<std::size_t>(line, UINT32_MAX)));
}

std::vector<std::pair<std::string, std::size_t>> SkipReasons::reasons(const std::string& endpoint) const {
  std::vector<std::pair<std::string, std::size_t>> out;
  auto it = endpoints_.find(endpoint);
  if (it == endpoints_.end()) return out;
  for (const auto& g : it->second.groups) {
    auto found = std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.first == g.message; });
    if (found == out.end())
      out.emplace_back(g.message, g.lines.size());
    else
      found->second += g.lines.size();
  }
  return out;
}

void SkipReasons::log(const std::string& endpoint) const {
  auto rs = reasons(endpoint);
  constexpr std::size_t k_max_reasons = 10;
  for (std::size_t i = 0; i < rs.size() && i < k_max_reasons; ++i)
    spdlog::info("  (skipped: {} {})", rs[i].second, rs[i].first);
  if (rs.size() > k_max_reasons) spdlog::info("  ... and {} others", rs.size() - k_max_reasons);
}

void SkipReasons::merge_into(nlohmann::ordered_json& doc, report::Layout layout) const {
  if (!doc.contains("resources") || !doc["resources"].is_object()) return;
  auto& resources = doc["resources"];
  for (const auto& name : order_) {
    if (!resources.contains(name)) continue;
    const Endpoint& e = endpoints_.at(name);
    nlohmann::ordered_json out;
    if (layout == report::Layout::legacy) {
      out = nlohmann::ordered_json::object();
      for (const auto& g : e.groups) {
        std::vector<std::uint32_t> lines = g.lines;
        std::sort(lines.begin(), lines.end());
        std::string joined;
        for (auto l : lines) {
          if (!joined.empty()) joined += ',';
          joined += std::to_string(l);
        }
        out[g.message]["files"][g.file] = {{"line_numbers", joined}, {"count", g.lines.size()}};
      }
    } else {
      out = nlohmann::ordered_json::array();
      for (const auto& g : e.groups) {
        std::vector<std::uint32_t> lines = g.lines;
        std::sort(lines.begin(), lines.end());
        nlohmann::ordered_json item = nlohmann::ordered_json::object();
        item["message"] = g.message;
        item["file"] = g.file;
        item["line_numbers"] = lines;
        item["count"] = g.lines.size();
        out.push_back(std::move(item));
      }
    }
    resources[name]["skipped_reasons"] = std::move(out);
  }
}

// ---- results, criteria, exit code ------------------------------------------------------------

state::ResendCriteria criteria_from(const CliOptions& options) {
  state::ResendCriteria c;
  c.force = options.force;
  if (options.older_than) {
    c.older_than = config::parse_timestamp(*options.older_than);
    if (!c.older_than)
      throw Error(fmt::format("-o/--older-than: '{}' is not a timestamp; use e.g. 2020-12-25T00:00:00",
                              *options.older_than));
  }
  if (options.newer_than) {
    c.newer_than = config::parse_timestamp(*options.newer_than);
    if (!c.newer_than)
      throw Error(fmt::format("-n/--newer-than: '{}' is not a timestamp; use e.g. 2020-12-25T00:00:00",
                              *options.newer_than));
  }
  c.statuses = options.resend_status_codes;
  return c;
}

void write_results(const RunContext& ctx, const report::Results& results, const SkipReasons& skips,
                   bool interrupted) {
  if (ctx.options.results_file.empty()) return;
  const report::Layout layout = report::parse_layout(ctx.config.results_format);
  nlohmann::ordered_json doc = results.to_json(layout, interrupted);
  skips.merge_into(doc, layout);
  report::Results::write_document(ctx.options.results_file, doc);
  spdlog::info("results written to {}", ctx.options.results_file);
}


Run::Run(const RunContext& ctx, const std::string& command)
    : results(report::run_info(ctx.config, command, ctx.options.config_file)), ctx_(ctx) {}

void Run::endpoint_done(const std::string& name) const {
  spdlog::info("finished processing endpoint {}!", name);
  results.log_summary(name);
  skips.log(name);
}

int Run::finish(const std::string& interrupted_hint) const {
  const bool interrupted = stopped();
  write_results(ctx_, results, skips, interrupted);
  if (interrupted) {
    spdlog::warn("{}", interrupted_hint);
    return exit_status::interrupted;
  }
  return 0;  // as Python: records deleted, skipped or refused (409) alike; only errors end otherwise
}

std::optional<std::string> query_value(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::string:
      return value.get<std::string>();
    case nlohmann::json::value_t::boolean:
      return value.get<bool>() ? std::string("true") : std::string("false");
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      return value.dump();
    default:
      return std::nullopt;
  }
}

}  // namespace lightbeam::commands::destructive
