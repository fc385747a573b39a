// The command line (see cli.hpp). One table of options drives CLI11 and the help texts.
#include "lightbeam/cli.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/config/loader.hpp"
#include "core/config/timestamp.hpp"
#include "core/data/selector.hpp"
#include "core/error.hpp"
#include "lightbeam_version.hpp"

namespace lightbeam::cli {
namespace {

// A mistake in the arguments: exit 1, as the Python tool's for unknown arguments (and for -p, -o,
// -n and -r values it cannot parse). A missing or unknown command is an ERROR line there (255).
Error usage_error(const std::string& message) { return Error(message, exit_status::usage); }

const char* const k_hint = "; run 'lightbeam --help' for usage";

struct CommandInfo {
  std::string name;
  std::string summary;
  std::string options;  // short names of the options that matter for it (help only; all are accepted)
};

const std::vector<CommandInfo>& command_table() {
  static const std::vector<CommandInfo> t{
      {"count", "print the number of records of each endpoint in the API (Records<sep>Endpoint)", "csepw"},
      {"fetch", "download the records of the selected endpoints into {data_dir}/{endpoint}.jsonl", "csekdqpwmMID"},
      {"validate", "check the JSONL payloads (JSON, schema, descriptors, uniqueness, references) without sending", "csepwR"},
      {"send", "send the JSONL payloads to the API (only new ones unless -f/-o/-n/-r)", "csepwfonrR"},
      {"validate+send", "validate, then send", "csepwfonrR"},
      {"delete", "delete the API records matching the JSONL payloads, in reverse dependency order", "csepwfonrR"},
      {"truncate", "delete EVERY record of the selected endpoints, in reverse dependency order", "csepw"},
      {"create", "write earthmover templates (templates/{endpoint}.jsont, earthmover.yml) for the selected endpoints", "csepw"},
      {"convert", "convert Ed-Fi XML interchange files (PATH...: files or folders) into {data_dir}/{endpoint}.jsonl", "cpw"},
      {"export-state", "write the state back as the Python lightbeam's {state_dir}/{endpoint}.dat files (to go back to it)", "csep"},
  };
  return t;
}

struct OptionInfo {
  char key;            // letter used in CommandInfo::options ('R' = --results-file)
  std::string flags;   // for help
  std::string help;
};

const std::vector<OptionInfo>& option_table() {
  static const std::vector<OptionInfo> t{
      {'c', "-c, --config-file FILE", "YAML config (default ./lightbeam.yaml, then ./lightbeam.yml)"},
      {'s', "-s, --selector LIST", "endpoints to process: comma list, entries may start/end with *"},
      {'e', "-e, --exclude LIST", "endpoints to skip: comma list, entries may start/end with *"},
      {'k', "-k, --keep-keys LIST", "fetch: keep only these payload keys (comma list, * wildcards)"},
      {'d', "-d, --drop-keys LIST", "fetch: remove these payload keys (comma list, * wildcards)"},
      {'q', "-q, --query JSON", "fetch: query parameters for every GET, a JSON object"},
      {'m', "--min-change-version N", "fetch: only records changed at or after change version N (change queries)"},
      {'M', "--max-change-version N", "fetch: only records changed at or before change version N"},
      {'I', "--incremental", "fetch: only what changed since the last fetch of the endpoint from this API (-f: all)"},
      {'D', "--deletes", "fetch: also write {endpoint}.deletes.jsonl and {endpoint}.keyChanges.jsonl"},
      {'p', "-p, --params JSON", "values for ${VAR} in the config, a JSON object (override the environment)"},
      {'w', "-w, --wipe", "wipe the cached API metadata and descriptor values first"},
      {'f', "-f, --force", "process every payload, ignoring saved state"},
      {'o', "-o, -t, --older-than TS", "also process payloads last sent before TS (e.g. 2020-12-25T00:00:00)"},
      {'n', "-n, --newer-than TS", "also process payloads last sent after TS"},
      {'r', "-r, --resend-status-codes, --retry-status-codes CODES",
       "also process payloads whose last response had one of these statuses (e.g. 200,201)"},
      {'R', "--results-file FILE", "write a JSON file with the run's results"},
      {'S', "--set KEY VALUE", "override a config key after loading (repeatable), e.g. --set connection.pool_size 16"},
      {'v', "-v, --version", "print the version and exit"},
      {'h', "-h, --help", "print this help (COMMAND -h: the help of one command)"},
  };
  return t;
}

std::string option_lines(const std::string& keys) {
  std::string out;
  for (const auto& o : option_table()) {
    if (keys.find(o.key) == std::string::npos) continue;
    std::string flags = "  " + o.flags;
    if (flags.size() + 2 > 36)
      flags += "\n" + std::string(36, ' ');
    else
      flags.resize(36, ' ');
    out += flags + o.help + "\n";
  }
  return out;
}

std::string main_help() {
  std::string out = std::string("lightbeam ") + k_version +
                    ": moves Ed-Fi data between JSONL files and an Ed-Fi API\n\n"
                    "Usage: lightbeam COMMAND [options]   (options may also come before COMMAND)\n\nCommands:\n";
  for (const auto& c : command_table()) {
    std::string name = "  " + c.name;
    name.resize(18, ' ');
    out += name + c.summary + "\n";
  }
  std::string all;
  for (const auto& o : option_table()) all += o.key;
  out += "\nOptions:\n" + option_lines(all);
  out +=
      "\nExit codes (as the Python tool's): 0 done; 1 every payload failed, or a mistake in the arguments;\n"
      "2 an option without its value; 99 send skipped every payload; 130 interrupted; 255 an error.\n"
      "Run 'lightbeam COMMAND -h' for the options of one command.\n";
  return out;
}

std::string command_help(const CommandInfo& c) {
  const char* operands = c.name == "convert" ? " PATH..." : "";
  return "Usage: lightbeam " + c.name + " [options]" + operands + "\n\n" + c.summary + ".\n\nOptions:\n" + option_lines(c.options + "Svh") +
         "\nSee 'lightbeam --help' for every command.\n";
}

const CommandInfo* find_command(const std::string& name) {
  for (const auto& c : command_table())
    if (c.name == name) return &c;
  return nullptr;
}

void require_json_object(const std::string& text, const std::string& option) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error&) {
    throw usage_error(option + " is not valid JSON (\"" + text + "\"); pass an object like '{\"key\": \"value\"}'");
  }
  if (!j.is_object()) throw usage_error(option + " must be a JSON object like '{\"key\": \"value\"}', got a JSON " + std::string(j.type_name()));
}

std::vector<int> parse_status_codes(const std::string& text) {
  std::vector<int> out;
  for (const auto& item : data::split_list(text)) {
    int v = 0;
    auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (ec != std::errc() || ptr != item.data() + item.size() || v < 100 || v > 599)
      throw usage_error("-r/--resend-status-codes must be a comma list of HTTP status codes like 200,201, got \"" + text + "\"");
    out.push_back(v);
  }
  if (out.empty()) throw usage_error("-r/--resend-status-codes must be a comma list of HTTP status codes like 200,201, got \"" + text + "\"");
  return out;
}

std::uint64_t parse_change_version(const std::string& text, const std::string& option) {
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size())
    throw usage_error(option + " must be a change version, a whole number 0 or more (e.g. 1024), got \"" + text + "\"" +
                      std::string(k_hint));
  return v;
}

void check_timestamp(const std::optional<std::string>& value, const std::string& option) {
  if (value && !config::parse_timestamp(*value))
    throw usage_error(option + " must be a timestamp like 2020-12-25T00:00:00 or 2020-12-25, got \"" + *value + "\"");
}

}  // namespace

const std::vector<std::string>& commands() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& c : command_table()) n.push_back(c.name);
    return n;
  }();
  return names;
}

Parsed parse(int argc, const char* const* argv) {
  CLI::App app{"lightbeam", "lightbeam"};
  app.set_help_flag();  // our own -h: per-command help needs the command first
  std::string command, selector, exclude, keep_keys, drop_keys, query, params, resend, older, newer, min_cv, max_cv;
  bool help = false, version = false;
  CliOptions o;
  std::vector<std::pair<std::string, std::string>> sets;
  std::vector<std::string> paths;
  auto last = CLI::MultiOptionPolicy::TakeLast;  // like argparse: a repeated option's last value wins
  app.add_option("command", command);
  app.add_option("paths", paths);  // convert's operands; an error for every other command
  app.add_option("-c,--config-file", o.config_file)->multi_option_policy(last);
  app.add_option("-s,--selector", selector)->multi_option_policy(last);
  app.add_option("-e,--exclude", exclude)->multi_option_policy(last);
  app.add_option("-k,--keep-keys", keep_keys)->multi_option_policy(last);
  app.add_option("-d,--drop-keys", drop_keys)->multi_option_policy(last);
  app.add_option("-q,--query", query)->multi_option_policy(last);
  app.add_option("-p,--params", params)->multi_option_policy(last);
  app.add_flag("-w,--wipe", o.wipe);
  app.add_flag("-f,--force", o.force);
  app.add_option("-o,-t,--older-than", older)->multi_option_policy(last);
  app.add_option("-n,--newer-than", newer)->multi_option_policy(last);
  app.add_option("-r,--resend-status-codes,--retry-status-codes", resend)->multi_option_policy(last);
  app.add_option("--results-file", o.results_file)->multi_option_policy(last);
  app.add_option("--min-change-version", min_cv)->multi_option_policy(last);
  app.add_option("--max-change-version", max_cv)->multi_option_policy(last);
  app.add_flag("--incremental", o.incremental);
  app.add_flag("--deletes", o.deletes);
  app.add_option("--set", sets);
  app.add_flag("-v,--version", version);
  app.add_flag("-h,--help", help);

  std::vector<std::string> args;
  for (int i = argc - 1; i >= 1; --i) args.emplace_back(argv[i]);  // CLI11 takes them reversed
  try {
    app.parse(args);
  } catch (const CLI::ExtrasError& e) {
    // CLI11 says "The following arguments were not expected: --bogus"; keep just the arguments.
    std::string what = e.what();
    const auto colon = what.find(": ");
    throw usage_error("unknown option or argument: " + (colon == std::string::npos ? what : what.substr(colon + 2)) + k_hint);
  } catch (const CLI::ArgumentMismatch& e) {
    // CLI11 says "--set: 2 required [TEXT,TEXT] missing"; say what the option needs instead.
    std::string what = e.what();
    const std::string name = what.substr(0, what.find(':'));
    if (what.find(" required ") == std::string::npos || what.find(" missing") == std::string::npos)
      throw Error(what + k_hint, exit_status::option_syntax);
    // Python logs an ERROR for an odd --set list (255); argparse exits 2 for an option without its value.
    if (name == "--set")
      throw Error(std::string("--set needs a key and a value: --set KEY VALUE (e.g. --set connection.pool_size 4)") + k_hint);
    throw Error(name + " needs a value" + k_hint, exit_status::option_syntax);
  } catch (const CLI::ParseError& e) {
    throw Error(std::string(e.what()) + k_hint, exit_status::option_syntax);
  }

  Parsed out;
  if (version) {
    out.action = Parsed::Action::version;
    out.text = std::string("lightbeam, version ") + k_version + "\n";
    return out;
  }
  const CommandInfo* info = command.empty() ? nullptr : find_command(command);
  if (help) {
    out.action = Parsed::Action::help;
    out.text = info ? command_help(*info) : main_help();
    return out;
  }
  std::string all_commands;
  for (const auto& c : command_table()) all_commands += (all_commands.empty() ? "" : ", ") + c.name;
  if (command.empty()) throw Error("no command given: use one of " + all_commands + k_hint);
  if (!info) throw Error("unknown command \"" + command + "\": use one of " + all_commands + k_hint);

  o.command = command;
  if (command != "convert" && !paths.empty()) {
    std::string extra;
    for (const auto& p : paths) extra += (extra.empty() ? "" : " ") + p;
    throw usage_error("unknown option or argument: " + extra + k_hint);
  }
  o.paths = std::move(paths);
  o.selector = data::split_list(selector);
  o.exclude = data::split_list(exclude);
  // `-s "$UNSET"` gives an empty list; treating it as "no selector" made truncate empty every
  // endpoint. A given but empty -s/-e is a mistake for every command.
  if (app.count("--selector") > 0 && o.selector.empty())
    throw usage_error("-s/--selector is empty: give endpoint names (e.g. -s students,schools), or leave the option out to select every endpoint" + std::string(k_hint));
  if (app.count("--exclude") > 0 && o.exclude.empty())
    throw usage_error("-e/--exclude is empty: give endpoint names (e.g. -e students), or leave the option out" + std::string(k_hint));
  if (app.count("--results-file") > 0) {
    if (o.results_file.empty())
      throw usage_error("--results-file is empty: give a file name (e.g. --results-file results.json), or leave the option out" + std::string(k_hint));
    std::error_code ec;
    if (std::filesystem::is_directory(o.results_file, ec))
      throw usage_error("--results-file " + o.results_file + " is a directory: give a file name (e.g. --results-file " +
                  (std::filesystem::path(o.results_file) / "results.json").string() + ")" + std::string(k_hint));
    // Folders that do not exist yet are created at the end; a file in their place would only fail
    // then, after the run's work: say so now.
    for (auto p = std::filesystem::path(o.results_file).parent_path(); !p.empty(); p = p.parent_path()) {
      if (std::filesystem::exists(p, ec)) {
        if (!std::filesystem::is_directory(p, ec))
          throw usage_error("--results-file " + o.results_file + " cannot be written: " + p.string() + " is a file, not a folder" +
                      std::string(k_hint));
        break;
      }
      if (p == p.parent_path()) break;
    }
  }
  o.keep_keys = data::split_list(keep_keys);
  o.drop_keys = data::split_list(drop_keys);
  if (!query.empty()) {
    require_json_object(query, "-q/--query");
    o.query_json = query;
  }
  if (!params.empty()) {
    config::parse_params(params);  // checks it is a JSON object without echoing it
    o.params_json = params;
  }
  if (!older.empty()) o.older_than = older;
  if (!newer.empty()) o.newer_than = newer;
  check_timestamp(o.older_than, "-o/--older-than");
  check_timestamp(o.newer_than, "-n/--newer-than");
  if (!resend.empty()) o.resend_status_codes = parse_status_codes(resend);
  if (app.count("--min-change-version") > 0) o.min_change_version = parse_change_version(min_cv, "--min-change-version");
  if (app.count("--max-change-version") > 0) o.max_change_version = parse_change_version(max_cv, "--max-change-version");
  if (o.min_change_version && o.max_change_version && *o.min_change_version > *o.max_change_version)
    throw usage_error("--min-change-version " + min_cv + " is above --max-change-version " + max_cv +
                      ": the window would be empty" + std::string(k_hint));
  if (o.incremental && (o.min_change_version || o.max_change_version))
    throw usage_error("--incremental chooses the change-version window itself: leave out --min-change-version and "
                      "--max-change-version, or --incremental" + std::string(k_hint));
  o.overrides = sets;
  out.options = std::move(o);
  return out;
}

}  // namespace lightbeam::cli
