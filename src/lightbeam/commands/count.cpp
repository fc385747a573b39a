// `lightbeam count`: one `limit=0&totalCount=true` GET per selected endpoint, all in flight
// together (pool_size at a time); prints `Records<sep>Endpoint` rows (counts > 0) in dependency
// order, or writes every endpoint, zeros too, to --results-file.
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "core/edfi/api_client.hpp"
#include "core/edfi/metadata_cache.hpp"
#include "core/error.hpp"
#include "core/report/reasons.hpp"
#include "lightbeam/commands/commands.hpp"

namespace lightbeam::commands {

int run_count(const RunContext& ctx) {
  const auto start = std::chrono::steady_clock::now();
  edfi::ClientOptions client_options;
  client_options.wipe = ctx.options.wipe;
  client_options.load_school_years = true;  // the school years an ODS holds are read like any resource
  edfi::ApiClient client(ctx.config, client_options);
  std::vector<edfi::EndpointEntry> endpoints = client.select_endpoints(ctx.options.selector, ctx.options.exclude);
  client.authenticate();  // as Python: the token first, so wrong credentials fail before anything else

  std::vector<http::Request> requests;
  requests.reserve(endpoints.size());
  for (size_t i = 0; i < endpoints.size(); ++i) {
    http::Request r;
    r.url = client.data_url(endpoints[i].name) + "?limit=0&totalCount=true";
    r.tag = i;
    requests.push_back(std::move(r));
  }
  spdlog::debug("fetching record counts of {} endpoints...", endpoints.size());
  std::vector<http::Outcome> outcomes = client.engine().run_all(std::move(requests));

  const std::string& sep = ctx.config.count.separator;
  std::string console = "Records" + sep + "Endpoint\n";
  std::string file = console;
  int errors = 0;
  for (size_t i = 0; i < endpoints.size(); ++i) {
    const http::Outcome& o = outcomes[i];
    const std::string& name = endpoints[i].name;
    std::string problem;
    long count = -1;
    if (o.transport_failed()) {
      problem = "no answer from " + client.data_url(name) + " (" + report::transport_reason(o.error) + ")";
    } else if (o.status == 403) {
      // A claim set that does not cover the endpoint: the Python tool's warning, and the run goes on.
      spdlog::warn("Unable to load counts for {}... 403 API response.", name);
      continue;
    } else if (o.status != 200) {
      problem = "HTTP " + std::to_string(o.status) + " (" + report::reduce_reason(static_cast<int>(o.status), o.body) + ")";
    } else {
      try {
        size_t used = 0;
        count = std::stol(o.total_count, &used);
        if (used != o.total_count.size() || count < 0) count = -1;
      } catch (...) {
        count = -1;
      }
      if (count < 0)
        problem = o.total_count.empty() ? "HTTP 200 without a Total-Count header"
                                        : "HTTP 200 with an invalid Total-Count '" + o.total_count + "'";
    }
    if (!problem.empty()) {
      spdlog::error("Unable to load counts for {}: {}", name, problem);
      ++errors;
      continue;
    }
    std::string row = std::to_string(count) + sep + name + "\n";
    if (count > 0) console += row;
    file += row;
  }

  if (!ctx.options.results_file.empty()) {
    edfi::write_file_atomically(std::filesystem::path(ctx.options.results_file), file);
    spdlog::info("record counts written to {}", ctx.options.results_file);
  } else {
    if (std::fwrite(console.data(), 1, console.size(), stdout) != console.size() || std::fflush(stdout) != 0)
      throw Error("could not write the counts to standard output");
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  spdlog::debug("counted {} endpoints in {:.3f} s", endpoints.size(), seconds);
  if (errors > 0) {
    spdlog::error("could not count {} of {} endpoints", errors, endpoints.size());
    return exit_status::error;
  }
  return 0;
}

}  // namespace lightbeam::commands
