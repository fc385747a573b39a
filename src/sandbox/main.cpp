// edfi-sandbox: a local Ed-Fi API (OAuth, discovery, metadata, data operations) for tests, demos
// and offline pipelines. Prints its base URL on the first line of stdout.
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/schema/spec_model.hpp"
#include "core/share_dir.hpp"
#include "sandbox/options.hpp"
#include "sandbox/server.hpp"
#include "sandbox/template.hpp"

using namespace lightbeam;
using namespace lightbeam::sandbox;

namespace {

std::pair<std::string, std::string> parse_client(const std::string& text) {
  auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0)
    throw Error(fmt::format("--client expects ID:SECRET, got '{}'", text.substr(0, text.find(':'))));
  return {text.substr(0, colon), text.substr(colon + 1)};
}

// "ID=VALUE" of --namespace-prefix / --claim-set.
std::pair<std::string, std::string> parse_assignment(const std::string& option, const std::string& text,
                                                     const std::string& example) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw Error(fmt::format("{} expects ID=VALUE (e.g. {} {}), got '{}'", option, option, example, text));
  return {text.substr(0, eq), text.substr(eq + 1)};
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    auto comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string flavor = "dms", errors = "problem";
  std::vector<std::string> clients, namespace_prefixes, claim_sets;
  CLI::App app{"edfi-sandbox: a local Ed-Fi API that behaves like the real servers (ODS/API and DMS)."};
  app.add_option("--specs", o.specs_dir, "Folder with resources-spec.json and descriptors-spec.json (default: our small set, share/lightbeam/metadata "
                 "beside the program, else the source tree's metadata/)");
  app.add_option("--port", o.port, "TCP port on 127.0.0.1 (0 = an ephemeral port)")->check(CLI::Range(0, 65535));
  app.add_option("--db", o.db, "SQLite file that keeps the data across restarts, or :memory:");
  app.add_option("--flavor", flavor, "URL layout and names: dms (/data, EdFi_Student) or ods (/api/data/v3, edFi_student)")
      ->check(CLI::IsMember({"dms", "ods"}));
  app.add_option("--errors", errors, "Error bodies: problem (Ed-Fi problem details) or legacy ({\"message\": ...}, ODS <= 7.1)")
      ->check(CLI::IsMember({"problem", "legacy"}));
  app.add_option("--openapi", o.openapi, "OpenAPI version of the served specs: 3, or 2 (Swagger 2.0 definitions)")
      ->check(CLI::IsMember({2, 3}));
  app.add_option("--client", clients, "An OAuth client ID:SECRET (repeatable; default populated:populatedSecret)");
  app.add_option("--namespace-prefix", namespace_prefixes,
                 "Restrict client ID to data whose namespace starts with PREFIX: ID=PREFIX (repeatable, also ID=P1,P2); "
                 "others get 403 and collections are filtered (a client without prefixes is unrestricted)");
  app.add_option("--claim-set", claim_sets,
                 "Resources client ID may use: ID=ed-fi/students,ed-fi/*Descriptors,... (repeatable; * matches any "
                 "characters; other resources get 403; a client without a claim set may use every resource)");
  app.add_option("--token-ttl", o.token_ttl, "Token lifetime in seconds")->check(CLI::Range(1, 1000000000));
  app.add_option("--page-max", o.page_max, "Maximum page size (limit)")->check(CLI::Range(1, 1000000));
  bool no_change_queries = false;
  app.add_flag("--no-change-queries", no_change_queries,
               "Answer as an API with change queries turned off: no urls.changeQueries, 404 on their routes, "
               "min/maxChangeVersion ignored");
  app.add_option("--latency-ms", o.latency_ms, "Added latency per data request")->check(CLI::Range(0, 600000));
  app.add_option("--fail-rate", o.fail_rate, "Fraction of data requests answered with --fail-status")->check(CLI::Range(0.0, 1.0));
  app.add_option("--fail-status", o.fail_status, "Status of injected failures (5xx or 429)")->check(CLI::Range(400, 599));
  app.add_option("--reset-rate", o.reset_rate, "Fraction of data requests whose connection is dropped unanswered")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--hang-rate", o.hang_rate,
                 "Fraction of data requests never answered (held open until the client gives up or the server stops)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--rate-limit", o.rate_limit, "Data requests per second above which the answer is 429 + Retry-After")
      ->check(CLI::Range(0.0, 1e9));
  app.add_option("--retry-after", o.retry_after, "Retry-After seconds on injected 429/503 answers")->check(CLI::Range(0, 3600));
  app.add_option("--seed", o.seed, "Seed for fault decisions and generated ids");
  app.add_option("--threads", o.threads, "Worker threads (each keep-alive connection holds one; default 128)")
      ->check(CLI::Range(1, 4096));
  app.add_option("--template", o.template_name,
                 "Seed data at start: none, school-years (ods default), minimal (+ standard descriptors), populated "
                 "(+ Grand Bend sample data), or a folder of {resource}.jsonl files");
  app.add_flag("--quiet", o.quiet, "No start-up log line on stderr");
  app.add_option("--constraints", o.constraints_file,
                 "Decimal precision / equality constraints table (JSON; default: constraints.json in the --specs folder "
                 "when present; see docs/sandbox-constraints.md)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  // Diagnostics go to stderr: stdout carries only the base URL.
  spdlog::set_default_logger(spdlog::stderr_logger_mt("edfi-sandbox"));
  try {
    o.flavor = flavor == "ods" ? Flavor::ods : Flavor::dms;
    o.change_queries = !no_change_queries;
    o.errors = errors == "legacy" ? ErrorStyle::legacy : ErrorStyle::problem;
    for (auto& c : clients) o.clients.push_back(parse_client(c));
    if (o.clients.empty()) o.clients.push_back({"populated", "populatedSecret"});
    for (auto& text : namespace_prefixes) {
      auto [id, value] = parse_assignment("--namespace-prefix", text, "populated=uri://ed-fi.org");
      for (auto& prefix : split_commas(value)) o.namespace_prefixes[id].push_back(prefix);
    }
    for (auto& text : claim_sets) {
      auto [id, value] = parse_assignment("--claim-set", text, "populated=ed-fi/students,ed-fi/*Descriptors");
      for (auto& pattern : split_commas(value)) o.claim_sets[id].push_back(pattern);
    }
    if (o.template_name.empty()) o.template_name = o.flavor == Flavor::ods ? "school-years" : "none";
    template_folders(o.template_name, "");  // a wrong name stops the start before the specs load
    if (o.template_name == "minimal" || o.template_name == "populated")
      o.templates_dir = find_share_path("metadata/ds-5.2/template", "template folder",
                                        "run scripts/generate-templates in a source tree, or pass --template a folder of {resource}.jsonl files")
                            .string();
    if (o.specs_dir.empty())
      o.specs_dir = find_share_path("metadata", "metadata folder",
                                    "pass --specs DIR, a folder with resources-spec.json and descriptors-spec.json")
                        .string();
    if (!std::filesystem::is_directory(o.specs_dir))
      throw Error(fmt::format("--specs folder {} does not exist; pass a folder with resources-spec.json and descriptors-spec.json",
                              o.specs_dir));

    // Signals are taken by a watcher thread so the server stops cleanly (exit 0).
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    signal(SIGPIPE, SIG_IGN);

    auto started = std::chrono::steady_clock::now();
    auto model = schema::SpecModel::load_dir(o.specs_dir);
    std::size_t resources = model.resources().size(), descriptors = model.descriptors().size();
    bool quiet = o.quiet;
    std::string specs_dir = o.specs_dir;
    Server server(std::move(o), std::move(model));
    server.bind();
    std::cout << server.base_url() << std::endl;
    if (!quiet)
      std::cerr << fmt::format("edfi-sandbox: loaded {} resources and {} descriptors from {}; listening on {} ({} ms)\n",
                               resources, descriptors, specs_dir, server.base_url(),
                               std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
    if (!quiet && !server.template_summary().empty()) std::cerr << "edfi-sandbox: " << server.template_summary() << "\n";
    std::thread watcher([&server, set] {
      int sig = 0;
      sigwait(&set, &sig);
      server.stop();
    });
    server.run();
    // run() returned: either a signal (watcher done) or a listen failure; wake the watcher if needed.
    pthread_kill(watcher.native_handle(), SIGTERM);
    watcher.join();
    return 0;
  } catch (const Error& e) {
    std::cerr << "edfi-sandbox: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "edfi-sandbox: " << e.what() << "\n";
    return 1;
  }
}
