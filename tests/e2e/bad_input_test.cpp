// The bad-input matrix (issue 15): hostile but realistic inputs to the real lightbeam binary —
// config files, variables, paths, the command line, data files, a misbehaving API, the state
// folder and secrets. One table-driven case per row of docs/bad-input.md (same id); every case
// checks the exit code, a pattern of stderr, that nothing crashed or printed a stack, that no
// secret appears in any output, and, where it matters, what was (not) written.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "core/edfi/api_client.hpp"
#include "core/http/engine.hpp"
#include "support/e2e.hpp"
#include "unit/http_test_server.hpp"

namespace {

using namespace lightbeam::testing;

// Quick failure: small timeout, one retry, short backoff (fault cases end in about a second).
ConfigOptions fast() { return ConfigOptions().pool(4).timeout_seconds(2).retries(1, 0.01); }

// The sandbox shared by every case that does not need faults (one per test process).
const Sandbox& shared_sandbox() {
  static Sandbox sandbox;
  return sandbox;
}

int closed_port() {
  MiniServer probe([](const RawRequest&) { return Reply{}; });
  return std::stoi(probe.url().substr(17));
}

// A loopback proxy in front of the shared sandbox: `tamper` answers a request itself (a broken
// body, an HTML error page), or returns nothing and the request goes to the sandbox; the
// sandbox's own address in answers is rewritten to the proxy's.
using Tamper = std::function<std::optional<Reply>(const RawRequest&)>;
class Proxy {
 public:
  explicit Proxy(Tamper tamper)
      : tamper_(std::move(tamper)), upstream_(root(shared_sandbox().base_url())),
        server_([this](const RawRequest& r) { return handle(r); }) {
    self_ = server_.url("");
    if (!self_.empty() && self_.back() == '/') self_.pop_back();
  }
  std::string url() const { return self_ + shared_sandbox().base_url().substr(upstream_.size()); }

 private:
  static std::string root(const std::string& url) {
    const auto slash = url.find('/', url.find("://") + 3);
    return slash == std::string::npos ? url : url.substr(0, slash);
  }
  static void replace_all(std::string& s, const std::string& from, const std::string& to) {
    for (auto p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  }
  Reply handle(const RawRequest& r) {
    if (auto own = tamper_(r)) return *own;
    lightbeam::http::EngineOptions o;
    o.pool_size = 1;
    o.num_retries = 0;
    lightbeam::http::Engine engine(o);
    lightbeam::http::Request q;
    q.method = r.method;
    q.url = upstream_ + r.target;
    q.body = r.body;
    for (const char* h : {"authorization", "content-type", "accept"})
      if (!r.header(h).empty()) q.headers.push_back(std::string(h) + ": " + r.header(h));
    auto out = engine.perform(q);
    if (out.status == 0) return Reply{Reply::reset, 0, {}, {}};
    std::string body = out.body;
    replace_all(body, upstream_, self_);
    Reply reply{Reply::respond, static_cast<int>(out.status), body, {}};
    if (!out.content_type.empty()) reply.headers.push_back("Content-Type: " + out.content_type);
    if (!out.total_count.empty()) reply.headers.push_back("Total-Count: " + out.total_count);
    if (!out.etag.empty()) reply.headers.push_back("ETag: " + out.etag);
    if (!out.location.empty()) {
      std::string location = out.location;
      replace_all(location, upstream_, self_);
      reply.headers.push_back("Location: " + location);
    }
    return reply;
  }
  Tamper tamper_;
  std::string upstream_, self_;
  MiniServer server_;
};

bool is_data_request(const RawRequest& r) { return r.target.find("/data/") != std::string::npos; }

// One case's world: a fresh work directory, the API it talks to, the secrets that must not leak.
struct Env {
  Work work;
  std::string base_url;
  std::vector<std::string> secrets{k_test_secret};

  fs::path dir() const { return work.dir.path(); }
  // lightbeam.yaml for base_url with the fast options and `extra` top-level YAML appended.
  void config(const std::string& extra = "", ConfigOptions o = fast()) const {
    work.write_config(base_url, o.with(extra));
  }
  void raw_config(const std::string& yaml) const { write_file(work.config, yaml); }
  void data(const std::string& name, const std::string& text) const {
    fs::create_directories((work.data / name).parent_path());
    write_file(work.data / name, text);
  }
  // A config in the work dir with every path set (so a failing load is the only problem).
  std::string paths_yaml() const {
    return "state_dir: " + work.state.string() + "\ndata_dir: " + work.data.string() + "/\n";
  }
};

enum class Api { shared, own, proxy, closed, none };

struct Case {
  Case() = default;
  Case(std::string id_, std::string what_) : id(std::move(id_)), what(std::move(what_)) {}
  std::string id;
  std::string what;
  Api api = Api::shared;
  std::vector<std::string> sandbox_flags;  // Api::own
  Tamper tamper;                           // Api::proxy
  std::function<void(Env&)> setup;
  std::vector<std::string> args;  // {config} {dir} {data} {state} {results} are replaced
  std::string stdin_data;          // fed to lightbeam's standard input (empty: end of input at once)
  int exit_code = 255;  // Python's status for an ERROR/CRITICAL line (docs/exit-codes.md)
  std::string stderr_regex;  // searched (ECMAScript) in stderr
  std::function<void(const Env&, const ProcessResult&)> check;
  std::string open;  // "known, open": the current answer is poor; the case is skipped with this reason
  bool not_as_root = false;  // permissions do not stop root: skipped when run as root
  bool hold_state_lock = false;  // this test process holds state_dir's lock during the run
};

// Unique student ids per case, so cases sharing one sandbox do not see each other's records.
std::string student(const std::string& id) {
  return json{{"studentUniqueId", id}, {"firstName", "A"}, {"lastSurname", "B"}, {"birthDate", "2010-01-01"}}.dump();
}
std::string students_of(const std::string& prefix, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += student(prefix + std::to_string(i)) + "\n";
  return out;
}

std::vector<std::string> cmd(const std::string& command, std::vector<std::string> more = {}) {
  std::vector<std::string> out{command, "-c", "{config}", "--results-file", "{results}"};
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

// The documents the sandbox holds whose studentUniqueId starts with a prefix.
long students_with_prefix(const std::string& base_url, const std::string& prefix) {
  lightbeam::config::Config c = client_config(base_url);
  lightbeam::edfi::ClientOptions options;
  options.use_cache = false;
  lightbeam::edfi::ApiClient client(c, options);
  long n = 0;
  for (int offset = 0;; offset += 500) {
    lightbeam::http::Request r;
    r.url = client.data_url("students") + "?limit=500&offset=" + std::to_string(offset);
    auto out = client.engine().perform(r);
    if (out.status != 200) return -1;
    auto page = json::parse(out.body);
    for (const auto& d : page)
      if (d.value("studentUniqueId", "").rfind(prefix, 0) == 0) ++n;
    if (page.size() < 500) return n;
  }
}

std::string file_or_empty(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) ? read_file(p) : std::string();
}

// ---- the matrix --------------------------------------------------------------------------------

const std::string k_config_secret = "CfgSecret-4711";

std::vector<Case> cases() {
  // A mistake in the arguments exits 1 (Python: unknown arguments; -p/-o/-n/-r values it cannot
  // read), an option without its value 2 (argparse); the rest are ERROR lines, 255.
  constexpr int usage = 1, option_syntax = 2;
  std::vector<Case> t;
  auto config_error = [&](std::string id, std::string what, std::string yaml, std::string regex) {
    Case c;
    c.id = std::move(id);
    c.what = std::move(what);
    c.api = Api::none;
    c.setup = [yaml](Env& e) { e.raw_config(e.paths_yaml() + yaml); };
    c.args = cmd("send");
    c.stderr_regex = std::move(regex);
    c.check = [](const Env& e, const ProcessResult&) { EXPECT_FALSE(fs::exists(e.work.state)) << "state_dir was created"; };
    t.push_back(std::move(c));
  };

  // ---- config: YAML syntax ----
  {
    Case c{"CFG-01", "unterminated double quote in client_secret"};
    c.api = Api::none;
    c.setup = [](Env& e) {
      e.secrets.push_back(k_config_secret);
      e.raw_config(e.paths_yaml() + "edfi_api:\n  client_secret: \"" + k_config_secret + "\n  client_id: x\nlog_level: DEBUG\n");
    };
    c.args = cmd("send");
    c.stderr_regex = R"(lightbeam\.yaml:4: YAML syntax error: the double quote opened on this line \(in edfi_api\.client_secret\) is never closed)";
    t.push_back(c);
  }
  config_error("CFG-02", "unterminated single quote", "edfi_api:\n  client_id: 'abc\n",
               R"(lightbeam\.yaml:4: YAML syntax error: the single quote opened on this line \(in edfi_api\.client_id\) is never closed)");
  config_error("CFG-03", "unclosed flow sequence", "edfi_api:\n  base_url: [unclosed\n",
               R"(lightbeam\.yaml:4: YAML syntax error: the \[ opened on this line is never closed; close it or quote the value)");
  config_error("CFG-04", "a key indented less than its siblings", "edfi_api:\n  client_id: x\n client_secret: y\n",
               R"(lightbeam\.yaml:5: YAML syntax error: end of map not found; check indentation and quoting)");
  config_error("CFG-05", "a line indented with a tab", "edfi_api:\n\tclient_id: x\n",
               R"(lightbeam\.yaml:4: YAML syntax error: this line is indented with a tab; YAML allows only spaces)");
  config_error("CFG-06", "the config is a YAML list", "",
               R"(lightbeam\.yaml:1: the config must be a mapping of keys like `edfi_api:`, got a list)");
  t.back().setup = [](Env& e) { e.raw_config("- state_dir: x\n- data_dir: y\n"); };
  {
    Case c{"CFG-07", "an empty config file"};
    c.api = Api::none;
    c.setup = [](Env& e) { e.raw_config(""); };
    c.args = cmd("send");
    c.stderr_regex = R"(config file .*lightbeam\.yaml is empty; see README\.md)";
    t.push_back(c);
  }
  {
    Case c{"CFG-08", "a config of comments only"};
    c.api = Api::none;
    c.setup = [](Env& e) { e.raw_config("# nothing here\n"); };
    c.args = cmd("send");
    c.stderr_regex = R"(config file .*lightbeam\.yaml has no settings \(only comments\?\))";
    t.push_back(c);
  }
  config_error("CFG-09", "a section given a scalar", "connection: 5\n",
               R"(lightbeam\.yaml:3: connection must be a mapping \(keys indented below it\), got "5")");
  {
    Case c{"CFG-10", "a key given twice: a warning naming both lines, the last one used"};
    c.setup = [](Env& e) { e.config("log_level: WARNING\n"); };  // lightbeam_yaml() wrote log_level: INFO
    c.args = cmd("count", {"-s", "schools"});
    c.exit_code = 0;
    c.stderr_regex = R"(WARNING .*lightbeam\.yaml:\d+: duplicate key log_level \(also on line \d+\): the last one is used; remove the others)";
    t.push_back(c);
  }
  {
    Case c{"CFG-11", "a misspelt key: a warning naming the closest key"};
    c.setup = [](Env& e) { e.config("connection_:\n  pool_size: 2\nfetch:\n  page_sise: 10\n"); };
    c.args = cmd("count", {"-s", "schools"});
    c.exit_code = 0;
    c.stderr_regex = R"(WARNING .*lightbeam\.yaml:\d+: unknown key fetch\.page_sise is ignored \(did you mean fetch\.page_size\?\))";
    t.push_back(c);
  }
  {
    Case c{"CFG-12", "a key with no value keeps its default"};
    c.setup = [](Env& e) { e.config("fetch:\n  page_size:\n"); };
    c.args = cmd("count", {"-s", "schools"});
    c.exit_code = 0;
    c.stderr_regex = R"(INFO done!)";
    t.push_back(c);
  }

  // ---- config: types and ranges ----
  config_error("CFG-13", "pool_size is a word", "connection:\n  pool_size: eight\n",
               R"(lightbeam\.yaml:4: connection\.pool_size must be an integer from 1 to 10000, got "eight")");
  config_error("CFG-14", "pool_size 0", "connection:\n  pool_size: 0\n",
               R"(lightbeam\.yaml:4: connection\.pool_size must be an integer from 1 to 10000, got "0")");
  config_error("CFG-15", "pool_size 10001", "connection:\n  pool_size: 10001\n",
               R"(connection\.pool_size must be an integer from 1 to 10000, got "10001")");
  config_error("CFG-16", "negative timeout", "connection:\n  timeout: -5\n",
               R"(lightbeam\.yaml:4: connection\.timeout must be a positive number of seconds, got "-5")");
  config_error("CFG-17", "timeout 0", "connection:\n  timeout: 0\n",
               R"(connection\.timeout must be a positive number of seconds, got "0")");
  config_error("CFG-18", "num_retries 1001", "connection:\n  num_retries: 1001\n",
               R"(connection\.num_retries must be an integer from 0 to 1000, got "1001")");
  config_error("CFG-19", "negative num_retries", "connection:\n  num_retries: -1\n",
               R"(connection\.num_retries must be an integer from 0 to 1000, got "-1")");
  config_error("CFG-20", "backoff_factor is a word", "connection:\n  backoff_factor: fast\n",
               R"(connection\.backoff_factor must be a non-negative number, got "fast")");
  config_error("CFG-21", "verify_ssl neither true nor false", "connection:\n  verify_ssl: maybe\n",
               R"(connection\.verify_ssl must be true or false, got "maybe")");
  config_error("CFG-22", "a retry status that is not a number", "connection:\n  retry_statuses: [429, abc]\n",
               R"(lightbeam\.yaml:4: connection\.retry_statuses must be a list of HTTP status codes like \[429, 500, 503\], got "abc")");
  config_error("CFG-23", "log_level unknown", "log_level: LOUD\n",
               R"(lightbeam\.yaml:3: log_level must be one of ERROR, WARNING, INFO, DEBUG, got "LOUD")");
  {
    Case c{"CFG-24", "log_level in lower case is accepted"};
    c.setup = [](Env& e) { e.config("log_level: debug\n"); };
    c.args = cmd("count", {"-s", "schools"});
    c.exit_code = 0;
    c.stderr_regex = R"(lightbeam DEBUG config: log_level: "DEBUG")";
    t.push_back(c);
  }
  config_error("CFG-25", "edfi_api.version 4", "edfi_api:\n  version: 4\n", R"(edfi_api\.version must be 2 or 3, got "4")");
  config_error("CFG-26", "a year that is not a number", "edfi_api:\n  year: 20x4\n",
               R"(lightbeam\.yaml:4: edfi_api\.year must be a year like 2024, got "20x4")");
  config_error("CFG-27", "an unknown mode", "edfi_api:\n  mode: weird\n",
               R"(edfi_api\.mode must be one of sandbox, shared_instance, district_specific, year_specific, instance_year_specific, got "weird")");
  config_error("CFG-28", "an unknown validate method", "validate:\n  methods: [schema, spelling]\n",
               R"(lightbeam\.yaml:4: validate\.methods must be a list of schema, descriptors, uniqueness, references \(or "\*"\), got "spelling")");
  config_error("CFG-29", "results_format unknown", "results_format: fancy\n",
               R"(results_format must be one of current, legacy, got "fancy")");
  config_error("CFG-30", "force_delete neither true nor false", "force_delete: perhaps\n",
               R"(force_delete must be true or false, got "perhaps")");
  config_error("CFG-31", "fetch.page_size 0", "fetch:\n  page_size: 0\n",
               R"(fetch\.page_size must be an integer from 1 to 1000000, got "0")");
  config_error("CFG-32", "namespace given as a list", "namespace: [a, b]\n",
               R"(lightbeam\.yaml:3: namespace must be a namespace like ed-fi, got a list)");

  // ---- config: the API address and credentials ----
  config_error("CFG-33", "base_url with another scheme", "edfi_api:\n  base_url: ftp://example.org/api\n",
               R"(lightbeam\.yaml:4: edfi_api\.base_url must be an http:// or https:// URL, got "ftp://example\.org/api")");
  config_error("CFG-34", "base_url without a scheme", "edfi_api:\n  base_url: localhost:8080/api\n",
               R"(edfi_api\.base_url must be an http:// or https:// URL, got "localhost:8080/api")");
  {
    Case c{"CFG-35", "base_url where nothing listens"};
    c.api = Api::closed;
    c.setup = [](Env& e) { e.config(); };
    c.args = cmd("count");
    c.stderr_regex = R"(ERROR could not connect to http://127\.0\.0\.1:\d+/api \(.*\): check edfi_api\.base_url and that the API is running)";
    t.push_back(c);
  }
  {
    Case c{"CFG-36", "base_url of a web server that is not an Ed-Fi API (HTML)"};
    c.api = Api::proxy;
    c.tamper = [](const RawRequest&) -> std::optional<Reply> {
      return Reply{Reply::respond, 200, "<html><body>Welcome to nginx</body></html>", {"Content-Type: text/html"}};
    };
    c.setup = [](Env& e) { e.config(); };
    c.args = cmd("count");
    c.stderr_regex = R"(ERROR could not parse response from http://127\.0\.0\.1:\d+.*HTML)";
    t.push_back(c);
  }
  {
    Case c{"CFG-37", "client_id missing"};
    c.setup = [](Env& e) {
      std::string yaml = lightbeam_yaml(e.work.state, e.work.data, e.base_url, fast());
      yaml.erase(yaml.find("  client_id: populated\n"), std::string("  client_id: populated\n").size());
      e.raw_config(yaml);
    };
    c.args = cmd("count");
    c.stderr_regex = R"(ERROR edfi_api\.client_id is empty or not set in the config .*required to authenticate at http://127\.0\.0\.1:\d+/oauth/token)";
    t.push_back(c);
  }
  {
    Case c{"CFG-38", "client_secret missing"};
    c.setup = [](Env& e) {
      std::string yaml = lightbeam_yaml(e.work.state, e.work.data, e.base_url, fast());
      yaml.erase(yaml.find("  client_secret: "), std::string("  client_secret: populatedSecret\n").size());
      e.raw_config(yaml);
    };
    c.args = cmd("count");
    c.stderr_regex = R"(ERROR edfi_api\.client_secret is empty or not set in the config)";
    t.push_back(c);
  }
  {
    Case c{"CFG-39", "wrong client_secret (DEBUG log)"};
    c.setup = [](Env& e) {
      e.secrets.push_back("WrongSecret-0042");
      e.config("", fast().client_secret("WrongSecret-0042"));
    };
    c.args = cmd("count", {"--set", "log_level", "DEBUG"});
    c.stderr_regex = R"(ERROR authentication failed at http://127\.0\.0\.1:\d+/oauth/token: check edfi_api\.client_id / client_secret)";
    t.push_back(c);
  }

  // ---- variables and -p ----
  {
    Case c{"ENV-01", "${VAR} not set: kept as written (os.path.expandvars), the secret's text never shown"};
    c.api = Api::none;
    c.setup = [](Env& e) {
      e.secrets.push_back("LB_BAD_INPUT_UNSET");  // the variable's name is now the secret's text
      e.raw_config(e.paths_yaml() + "edfi_api:\n  client_secret: ${LB_BAD_INPUT_UNSET}\n");
    };
    c.args = cmd("send");
    c.stderr_regex = R"(WARNING .*lightbeam\.yaml:4: edfi_api\.client_secret names a variable that is set neither in the environment nor in -p/--params; it stays in the value as written)";
    t.push_back(c);
  }
  {
    Case c{"ENV-02", "$VAR (no braces) not set"};
    c.api = Api::none;
    c.setup = [](Env& e) { e.raw_config(e.paths_yaml() + "edfi_api:\n  client_id: $LB_BAD_INPUT_UNSET\n"); };
    c.args = cmd("send");
    c.stderr_regex = R"(WARNING .*lightbeam\.yaml:4: edfi_api\.client_id uses \$\{LB_BAD_INPUT_UNSET\} that is set neither)";
    t.push_back(c);
  }
  {
    Case c{"ENV-03", "the secret's variable set to an empty string"};
    c.setup = [](Env& e) {
      std::string yaml = lightbeam_yaml(e.work.state, e.work.data, e.base_url, fast().client_secret("${LB_BAD_INPUT_EMPTY}"));
      e.raw_config(yaml);
    };
    c.args = {"count", "-c", "{config}", "-p", R"({"LB_BAD_INPUT_EMPTY": ""})"};
    c.stderr_regex = R"(ERROR edfi_api\.client_secret is empty or not set in the config \(an empty \$\{VAR\}\?\))";
    t.push_back(c);
  }
  {
    Case c{"ENV-04", "the secret given with -p"};
    c.setup = [](Env& e) { e.config("", fast().client_secret("${LB_BAD_INPUT_SECRET}")); };
    c.args = {"count", "-c", "{config}", "-s", "schools", "-p", R"({"LB_BAD_INPUT_SECRET": "populatedSecret"})"};
    c.exit_code = 0;
    c.stderr_regex = R"(INFO done!)";
    t.push_back(c);
  }
  {
    Case c{"ENV-05", "-p that is not JSON (the value is not echoed)"};
    c.api = Api::none;
    c.setup = [](Env& e) {
      e.secrets.push_back("ParamSecret-99");
      e.raw_config(e.paths_yaml());
    };
    c.args = {"send", "-c", "{config}", "-p", R"({"SECRET": "ParamSecret-99")"};
    c.exit_code = usage;
    c.stderr_regex = R"(ERROR -p/--params is not valid JSON \(syntax error at byte \d+)";
    t.push_back(c);
  }
  {
    Case c{"ENV-06", "-p a JSON array"};
    c.api = Api::none;
    c.setup = [](Env& e) { e.raw_config(e.paths_yaml()); };
    c.args = {"send", "-c", "{config}", "-p", "[1]"};
    c.exit_code = usage;
    c.stderr_regex = R"(ERROR -p/--params must be a JSON object like '\{"CLIENT_SECRET": "\.\.\."\}', got a JSON array)";
    t.push_back(c);
  }
  {
    Case c{"ENV-07", "-p with an object value"};
    c.api = Api::none;
    c.setup = [](Env& e) { e.raw_config(e.paths_yaml()); };
    c.args = {"send", "-c", "{config}", "-p", R"({"A": {"b": 1}})"};
    c.stderr_regex = R"(ERROR -p/--params value of "A" must be a string or a number, got a JSON object)";
    t.push_back(c);
  }
  {
    Case c{"ENV-08", "a -p secret feeding a key of the wrong type is not echoed"};
    c.api = Api::none;
    c.setup = [](Env& e) {
      e.secrets.push_back("hunter2-xyz");
      e.raw_config(e.paths_yaml() + "edfi_api:\n  client_secret: ${S}\nconnection:\n  pool_size: ${S}\n");
    };
    c.args = {"send", "-c", "{config}", "-p", R"({"S": "hunter2-xyz"})"};
    c.stderr_regex = R"(lightbeam\.yaml:6: connection\.pool_size must be an integer from 1 to 10000, got a value from -p/--params)";
    t.push_back(c);
  }
  {
    Case c{"ENV-09", "$$ stays $$ (os.path.expandvars)"};
    c.setup = [](Env& e) { e.config("count:\n  separator: \"a$$b\"\n"); };
    c.args = {"count", "-c", "{config}", "-s", "schools"};
    c.exit_code = 0;
    c.stderr_regex = R"(INFO done!)";
    c.check = [](const Env&, const ProcessResult& r) { EXPECT_EQ(r.out.rfind("Recordsa$$bEndpoint\n", 0), 0u) << r.out; };
    t.push_back(c);
  }

  // ---- paths ----
  {
    Case c{"PATH-01", "data_dir does not exist"};
    c.setup = [](Env& e) { e.config("", fast()); fs::remove_all(e.work.data); };
    c.args = cmd("send");
    c.stderr_regex = R"(ERROR data_dir .*/data/ does not exist; set data_dir in the config file)";
    t.push_back(c);
  }
  {
    Case c{"PATH-02", "data_dir is a file"};
    c.setup = [](Env& e) {
      e.config();
      fs::remove_all(e.work.data);
      write_file(e.work.data, "x\n");
    };
    c.args = cmd("validate");
    c.stderr_regex = R"(ERROR data_dir .*/data/? is not a directory)";
    t.push_back(c);
  }
  {
    Case c{"PATH-03", "data_dir is a dangling symlink"};
    c.setup = [](Env& e) {
      e.config();
      fs::remove_all(e.work.data);
      fs::create_directory_symlink(e.dir() / "gone", e.work.data);
    };
    c.args = cmd("send");
    c.stderr_regex = R"(ERROR data_dir .*/data/? is a symlink whose target does not exist)";
    t.push_back(c);
  }
  {
    Case c{"PATH-04", "state_dir is a file"};
    c.setup = [](Env& e) {
      e.config();
      e.data("students.jsonl", students_of("P4-", 2));
      write_file(e.work.state, "x\n");
    };
    c.args = cmd("send");
    c.stderr_regex = R"(ERROR state_dir .*/state is a file, not a directory; point state_dir elsewhere)";
    c.check = [](const Env& e, const ProcessResult&) {
      EXPECT_EQ(students_with_prefix(e.base_url, "P4-"), 0) << "sent without a state to record it";
    };
    t.push_back(c);
  }
  {
    Case c{"PATH-05", "state_dir in a folder nobody may write"};
    c.setup = [](Env& e) {
      if (geteuid() == 0) return;  // the test skips itself below
      e.config();
      e.data("students.jsonl", students_of("P5-", 2));
      fs::create_directories(e.dir() / "ro");
      std::string yaml = read_file(e.work.config);
      yaml.replace(0, yaml.find('\n'), "state_dir: " + (e.dir() / "ro" / "state").string());
      e.raw_config(yaml);
      chmod((e.dir() / "ro").c_str(), 0555);
    };
    c.args = cmd("send");
    c.stderr_regex = R"(ERROR cannot create state_dir .*/ro/state: Permission denied)";
    c.not_as_root = true;
    t.push_back(c);
  }

  // ---- the command line ----
  auto cli_error = [&](std::string id, std::string what, std::vector<std::string> args, std::string regex,
                       int exit_code = 255) {
    Case c;
    c.id = std::move(id);
    c.what = std::move(what);
    c.exit_code = exit_code;
    c.api = Api::none;
    c.setup = [](Env& e) { e.raw_config(e.paths_yaml()); };
    c.args = std::move(args);
    c.stderr_regex = std::move(regex);
    t.push_back(std::move(c));
  };
  cli_error("CLI-01", "unknown command", {"sned", "-c", "{config}"},
            R"(ERROR unknown command "sned": use one of count, fetch, validate, send, validate\+send, delete, truncate, create, convert, export-state)");
  cli_error("CLI-02", "no command", {"-c", "{config}"}, R"(ERROR no command given: use one of count)");
  cli_error("CLI-03", "unknown option", {"send", "-c", "{config}", "--frobnicate"},
            R"(ERROR unknown option or argument: --frobnicate; run 'lightbeam --help' for usage)", usage);
  cli_error("CLI-04", "an extra argument", {"send", "-c", "{config}", "extra"}, R"(ERROR .*extra.*run 'lightbeam --help')", usage);
  cli_error("CLI-05", "-c names a missing file", {"send", "-c", "{dir}/nope.yaml"},
            R"(ERROR config file .*/nope\.yaml does not exist; pass the right path with -c/--config-file)");
  cli_error("CLI-06", "-c names a directory", {"send", "-c", "{data}"}, R"(ERROR config file .*/data is a directory, not a YAML file)");
  {
    Case c{"CLI-07", "no -c and no ./lightbeam.yaml"};
    c.api = Api::none;
    c.setup = [](Env&) {};
    c.args = {"send"};
    c.stderr_regex = R"(ERROR no config file: neither \./lightbeam\.yaml nor \./lightbeam\.yml exists in )";
    t.push_back(c);
  }
  cli_error("CLI-08", "-c without its value", {"send", "-c"}, R"(ERROR --config-file needs a value; run 'lightbeam --help')", option_syntax);
  cli_error("CLI-09", "--set with a key only", {"send", "-c", "{config}", "--set", "connection.pool_size"},
            R"(ERROR --set needs a key and a value: --set KEY VALUE)");
  cli_error("CLI-10", "--set of an unknown key", {"send", "-c", "{config}", "--set", "connection.poolsize", "3"},
            R"(ERROR --set connection\.poolsize: unknown key \(did you mean connection\.pool_size\?\))");
  cli_error("CLI-11", "--set of a wrong value", {"send", "-c", "{config}", "--set", "connection.pool_size", "many"},
            R"(ERROR --set: connection\.pool_size must be an integer from 1 to 10000, got "many")");
  cli_error("CLI-12", "empty -s (an unset shell variable)", {"truncate", "-c", "{config}", "-s", ""},
            R"(ERROR -s/--selector is empty: give endpoint names)", usage);
  cli_error("CLI-13", "blank -e", {"send", "-c", "{config}", "-e", " , "}, R"(ERROR -e/--exclude is empty)", usage);
  {
    Case c{"CLI-14", "-s matching no endpoint"};
    c.setup = [](Env& e) { e.config(); };
    c.args = cmd("count", {"-s", "studentz"});
    c.stderr_regex = R"(ERROR selector "studentz" matches no endpoint; check the spelling)";
    t.push_back(c);
  }
  {
    Case c{"CLI-33", "-s with one entry matching no endpoint and one that does: a warning, as Python drops it"};
    c.setup = [](Env& e) { e.config(); };
    c.args = cmd("count", {"-s", "schools,studentz"});
    c.exit_code = 0;
    c.stderr_regex = R"(WARNING -s/--selector "studentz" matches no endpoint, so it selects nothing; check the spelling)";
    c.check = [](const Env&, const ProcessResult& r) { EXPECT_EQ(r.out.find("studentz"), std::string::npos) << r.out; };
    t.push_back(c);
  }
  {
    Case c{"CLI-15", "-e matching no endpoint: a warning (it excludes nothing)"};
    c.setup = [](Env& e) { e.config(); };
    c.args = cmd("count", {"-e", "studnets"});
    c.exit_code = 0;
    c.stderr_regex = R"(WARNING -e/--exclude "studnets" matches no endpoint, so it excludes nothing; check the spelling)";
    t.push_back(c);
  }
  {
    Case c{"CLI-16", "-e excluding every endpoint"};
    c.setup = [](Env& e) { e.config(); };
    c.args = cmd("count", {"-e", "*"});
    c.stderr_regex = R"(ERROR selector filtering left no endpoints to process)";
    t.push_back(c);
  }
  cli_error("CLI-17", "-r with a non-number", {"send", "-c", "{config}", "-r", "2xx"},
            R"(ERROR -r/--resend-status-codes must be a comma list of HTTP status codes like 200,201, got "2xx")", usage);
  cli_error("CLI-18", "-r out of range", {"send", "-c", "{config}", "-r", "600"}, R"(ERROR -r/--resend-status-codes .*got "600")", usage);
  cli_error("CLI-19", "-o not a timestamp", {"send", "-c", "{config}", "-o", "yesterday"},
            R"(ERROR -o/--older-than must be a timestamp like 2020-12-25T00:00:00 or 2020-12-25, got "yesterday")", usage);
  cli_error("CLI-20", "-n an impossible date", {"send", "-c", "{config}", "-n", "2020-13-45"},
            R"(ERROR -n/--newer-than must be a timestamp)", usage);
  cli_error("CLI-21", "-q not JSON", {"fetch", "-c", "{config}", "-q", "{bad"}, R"(ERROR -q/--query is not valid JSON)", usage);
  cli_error("CLI-22", "-q a JSON array", {"fetch", "-c", "{config}", "-q", "[1]"}, R"(ERROR -q/--query must be a JSON object)", usage);
  cli_error("CLI-23", "--results-file ''", {"send", "-c", "{config}", "--results-file", ""},
            R"(ERROR --results-file is empty: give a file name)", usage);
  cli_error("CLI-24", "--results-file a directory", {"send", "-c", "{config}", "--results-file", "{data}"},
            R"(ERROR --results-file .*/data is a directory: give a file name \(e\.g\. --results-file .*/data/results\.json\))", usage);
  {
    Case c{"CLI-25", "--results-file in a folder that does not exist yet"};
    c.setup = [](Env& e) { e.config(); };
    c.args = {"count", "-c", "{config}", "-s", "schools", "--results-file", "{dir}/new/folder/results.json"};
    c.exit_code = 0;
    c.stderr_regex = R"(INFO done!)";
    c.check = [](const Env& e, const ProcessResult&) {
      EXPECT_TRUE(fs::is_regular_file(e.dir() / "new" / "folder" / "results.json"));
    };
    t.push_back(c);
  }
  {
    Case c{"CLI-32", "--results-file below a file: refused before the run"};
    c.setup = [](Env& e) {
      e.config();
      e.data("students.jsonl", student("C32-0") + "\n");
      write_file(e.dir() / "afile", "x\n");
    };
    c.args = {"send", "-c", "{config}", "--results-file", "{dir}/afile/results.json"};
    c.exit_code = usage;
    c.stderr_regex = R"(ERROR --results-file .*/afile/results\.json cannot be written: .*/afile is a file, not a folder)";
    c.check = [](const Env& e, const ProcessResult&) { EXPECT_EQ(students_with_prefix(e.base_url, "C32-"), 0); };
    t.push_back(c);
  }
  {
    Case c{"CLI-26", "truncate without force_delete and no input: Python's refusal"};
    c.setup = [](Env& e) {
      e.config();
      seed(e.base_url, "students", {json::parse(student("T26-0"))});
    };
    c.args = cmd("truncate", {"-s", "students"});
    c.exit_code = usage;  // Python's exit('You did not type "yes" - exiting.')
    c.stderr_regex = R"(\nYou did not type "yes" - exiting\.\n$)";
    c.check = [](const Env& e, const ProcessResult& r) {
      EXPECT_EQ(students_with_prefix(e.base_url, "T26-"), 1);
      EXPECT_NE(r.out.find("Type \"yes\" to confirm you want to TRUNCATE ALL DATA payloads for the selected endpoints? "),
                std::string::npos)
          << r.out;
    };
    t.push_back(c);
  }
  {
    Case c{"CLI-27", "delete without force_delete, answered \"no\" on a pipe"};
    c.setup = [](Env& e) {
      e.config();
      e.data("students.jsonl", student("T27-0") + "\n");
      seed(e.base_url, "students", {json::parse(student("T27-0"))});
    };
    c.args = cmd("delete", {"-s", "students"});
    c.stdin_data = "no\n";
    c.exit_code = usage;
    c.stderr_regex = R"(\nYou did not type "yes" - exiting\.\n$)";
    c.check = [](const Env& e, const ProcessResult&) { EXPECT_EQ(students_with_prefix(e.base_url, "T27-"), 1); };
    t.push_back(c);
  }
  cli_error("CLI-28", "convert without paths", {"convert", "-c", "{config}"},
            R"(ERROR convert needs the XML interchange files or folders to read)");
  cli_error("CLI-29", "convert of a missing file", {"convert", "-c", "{config}", "{dir}/nope.xml"},
            R"(ERROR interchange file or folder .*/nope\.xml does not exist)");
  {
    Case c{"CLI-30", "convert of a file that is not XML"};
    c.setup = [](Env& e) {
      e.config();
      write_file(e.dir() / "bad.xml", "not xml <<<");
    };
    c.args = cmd("convert", {"{dir}/bad.xml"});
    c.stderr_regex = R"(ERROR .*bad\.xml:1: not well-formed XML)";
    c.check = [](const Env& e, const ProcessResult&) { EXPECT_TRUE(fs::is_empty(e.work.data)) << "a data file was written"; };
    t.push_back(c);
  }
  {
    Case c{"CLI-31", "create when the template exists: nothing is overwritten"};
    c.setup = [](Env& e) {
      e.config();
      write_file(e.dir() / "templates" / "students.jsont", "mine\n");
    };
    c.args = cmd("create", {"-s", "students"});
    c.stderr_regex = R"(ERROR .*templates/students\.jsont.*already exists)";
    c.check = [](const Env& e, const ProcessResult&) {
      EXPECT_EQ(read_file(e.dir() / "templates" / "students.jsont"), "mine\n");
      EXPECT_FALSE(fs::exists(e.dir() / "earthmover.yml"));
    };
    t.push_back(c);
  }

  // ---- data files ----
  auto data_case = [&](std::string id, std::string what, std::string file, std::string text, std::string command,
                       int exit_code, std::string regex) {
    Case c;
    c.id = std::move(id);
    c.what = std::move(what);
    c.setup = [file, text](Env& e) {
      e.config();
      e.data(file, text);
    };
    c.args = cmd(command);
    c.exit_code = exit_code;
    c.stderr_regex = std::move(regex);
    t.push_back(std::move(c));
    return &t.back();
  };
  data_case("DATA-01", "an invalid JSON line (validate)", "students.jsonl",
            student("D1-0") + "\n{\"studentUniqueId\": \"D1-1\", \"firstName\": \n" + student("D1-2") + "\n", "validate", 0,
            R"(VALIDATION ERROR \(json at line 2\): invalid JSON: The JSON document has an improper structure)");
  data_case("DATA-02", "an invalid JSON line (send): counted as failed, the rest sent", "students.jsonl",
            student("D2-0") + "\n{\"studentUniqueId\": \"D2-1\", \"firstName\": \n" + student("D2-2") + "\n", "send", 0,
            R"(WARNING invalid JSON \(.*\) +\(at line 2 of .*/students\.jsonl \))")
      ->check = [](const Env& e, const ProcessResult&) {
    EXPECT_EQ(students_with_prefix(e.base_url, "D2-"), 2);
    auto res = e.work.results_json();
    EXPECT_EQ(res["total_records_failed"], 1) << res.dump();
    EXPECT_EQ(res["resources"]["students"]["failures"][0]["line_numbers"], json::parse("[2]")) << res.dump();
    EXPECT_EQ(e.work.state_rows("students"), 2u);
  };
  data_case("DATA-03", "a line cut off at the end of the file (validate)", "students.jsonl",
            student("D3-0") + "\n" + student("D3-1").substr(0, 30), "validate", 0,
            R"(VALIDATION ERROR \(json at line 2\): invalid JSON)");
  data_case("DATA-04", "blank and white-space lines are skipped", "students.jsonl",
            "\n" + student("D4-0") + "\n\n   \n\t\n", "send", 0, R"(final status counts: \{201: 1\})")
      ->check = [](const Env& e, const ProcessResult&) { EXPECT_EQ(students_with_prefix(e.base_url, "D4-"), 1); };
  data_case("DATA-05", "a key given twice in a line (validate)", "students.jsonl",
            R"({"studentUniqueId":"D5-0","studentUniqueId":"D5-9","firstName":"A","lastSurname":"B","birthDate":"2010-01-01"})"
            "\n",
            "validate", 1,
            R"(VALIDATION ERROR \(json at line 1\): invalid JSON: the key "studentUniqueId" is given twice \(at \$\.studentUniqueId\); the API rejects the line, keep one)");
  data_case("DATA-06", "a key given twice in a line (send): the API's 400", "students.jsonl",
            R"({"studentUniqueId":"D6-0","studentUniqueId":"D6-9","firstName":"A","lastSurname":"B","birthDate":"2010-01-01"})"
            "\n",
            "send", 1, R"(reason: \[An item with the same key has already been added\. \(at \$\.studentUniqueId\)\]; instances: 1)")
      ->check = [](const Env& e, const ProcessResult&) { EXPECT_EQ(students_with_prefix(e.base_url, "D6-"), 0); };
  data_case("DATA-07", "a UTF-8 byte order mark on line 1", "students.jsonl", "\xEF\xBB\xBF" + student("D7-0") + "\n",
            "validate", 0, R"(\.\.\. all lines validate ok!)");
  data_case("DATA-08", "a line that is not UTF-8 (validate)", "students.jsonl",
            R"({"studentUniqueId":"D8-)" "\xFF" R"(","firstName":"A","lastSurname":"B","birthDate":"2010-01-01"})" "\n",
            "validate", 1, R"(VALIDATION ERROR \(json at line 1\): invalid JSON: the line is not valid UTF-8)");
  data_case("DATA-09", "a line that is not UTF-8 (send): never sent", "students.jsonl",
            R"({"studentUniqueId":"D9-)" "\xFF" R"(","firstName":"A","lastSurname":"B","birthDate":"2010-01-01"})" "\n" +
                student("D9-1") + "\n",
            "send", 0, R"(WARNING invalid UTF-8 +\(at line 1 of .*/students\.jsonl \))")
      ->check = [](const Env& e, const ProcessResult&) { EXPECT_EQ(students_with_prefix(e.base_url, "D9-"), 1); };
  data_case("DATA-10", "binary garbage", "students.jsonl", std::string("\x00\x01\x02\xfe\xff\n\x89PNG\r\n\x1a\n", 13), "validate",
            1, R"(VALIDATION ERROR \(json at line 1\): invalid JSON)");
  data_case("DATA-11", "an empty file", "students.jsonl", "", "send", 99, R"(INFO all payloads skipped)");
  data_case("DATA-12", "a line that is a JSON array", "students.jsonl", "[" + student("D12-0") + "]\n", "validate", 1,
            R"(VALIDATION ERROR \(json at line 1\): invalid JSON: the line is not a JSON object)");
  data_case("DATA-13", "lines that are JSON scalars", "students.jsonl", "\"text\"\n42\nnull\n", "validate", 1,
            R"(VALIDATION ERROR \(json at line 3\): invalid JSON: the line is not a JSON object)");
  data_case("DATA-14", "no newline after the last line", "students.jsonl", student("D14-0") + "\n" + student("D14-1"), "send", 0,
            R"(final status counts: \{201: 2\})");
  data_case("DATA-15", "CRLF line ends", "students.jsonl", student("D15-0") + "\r\n" + student("D15-1") + "\r\n", "validate", 0,
            R"(\.\.\. all lines validate ok!)");
  {
    Case* c = data_case("DATA-16", "a 12 MB line (send): the API's 413, the rest sent", "students.jsonl", "", "send", 0,
                        R"(reason: \[413: The request body is larger than the 10 MB limit\.\]; instances: 1)");
    c->setup = [](Env& e) {
      e.config();
      json big = json::parse(student("D16-0"));
      big["firstName"] = std::string(12 << 20, 'A');
      e.data("students.jsonl", big.dump() + "\n" + student("D16-1") + "\n");
    };
    c->check = [](const Env& e, const ProcessResult& r) {
      EXPECT_EQ(students_with_prefix(e.base_url, "D16-"), 1);
      EXPECT_LT(r.err.size(), 20000u) << "the huge line was echoed";
    };
  }
  {
    Case* c = data_case("DATA-17", "a 12 MB line (validate): the message is cut short", "students.jsonl", "", "validate", 1,
                        R"(VALIDATION ERROR \(schema at line 1\): 'A+\.\.\.' is too long  in firstName)");
    c->setup = [](Env& e) {
      e.config();
      json big = json::parse(student("D17-0"));
      big["firstName"] = std::string(12 << 20, 'A');
      e.data("students.jsonl", big.dump() + "\n");
    };
    c->check = [](const Env&, const ProcessResult& r) { EXPECT_LT(r.err.size(), 20000u) << "the huge line was echoed"; };
  }
  data_case("DATA-18", "a file named for no endpoint", "studentz.jsonl", student("D18-0") + "\n", "send", 255,
            R"(WARNING ignoring .*/studentz\.jsonl: the API has no endpoint named studentz \(check the file name\)[\s\S]*ERROR no data files for the selected endpoints)");
  data_case("DATA-19", "an upper-case extension", "students.JSONL", student("D19-0") + "\n", "validate", 255,
            R"(WARNING ignoring .*/students\.JSONL: the extension \.JSONL is not read \(only \.jsonl, \.ndjson and \.json, in lower case\); rename the file[\s\S]*ERROR no data files)");
  {
    Case* c = data_case("DATA-20", "a FIFO named students.jsonl: never opened (no hang)", "x", "", "send", 255,
                        R"(WARNING ignoring .*/students\.jsonl: it is a FIFO \(named pipe\), not a file)");
    c->setup = [](Env& e) {
      e.config();
      ASSERT_EQ(mkfifo((e.work.data / "students.jsonl").c_str(), 0644), 0);
    };
  }
  {
    Case* c = data_case("DATA-21", "a dangling symlink named students.jsonl", "x", "", "validate", 255,
                        R"(WARNING ignoring .*/students\.jsonl: it is a symlink whose target does not exist; fix or remove the link)");
    c->setup = [](Env& e) {
      e.config();
      fs::create_symlink(e.dir() / "gone.jsonl", e.work.data / "students.jsonl");
    };
  }
  {
    Case* c = data_case("DATA-22", "a symlink loop named students.jsonl", "x", "", "validate", 255,
                        R"(WARNING ignoring .*/students\.jsonl: it is a symlink loop)");
    c->setup = [](Env& e) {
      e.config();
      fs::create_symlink(e.work.data / "students.jsonl", e.work.data / "students.jsonl");
    };
  }
  {
    Case* c = data_case("DATA-23", "a directory named students.jsonl", "x", "", "send", 255,
                        R"(WARNING ignoring .*/students\.jsonl: it is a directory, not a file)");
    c->setup = [](Env& e) {
      e.config();
      fs::create_directories(e.work.data / "students.jsonl");
    };
  }
  data_case("DATA-24", "files in a students/ folder are read", "students/part1.jsonl", student("D24-0") + "\n", "send", 0,
            R"(final status counts: \{201: 1\})");
  data_case("DATA-26", "a pretty-printed JSON array in students.json (validate)", "students.json",
            "[\n  " + student("D26-0") + ",\n  " + student("D26-1") + "\n]\n", "validate", 0,
            R"(VALIDATION ERROR \(json at line 1\): invalid JSON: .*; each line must be one whole JSON object: is the file pretty-printed JSON instead of JSON Lines\?)");
  data_case("DATA-27", "a JSON object over several lines (send)", "students.jsonl",
            "{\"studentUniqueId\": \"D27-0\",\n \"firstName\": \"A\", \"lastSurname\": \"B\", \"birthDate\": \"2010-01-01\"}\n", "send", 1,
            R"(WARNING invalid JSON \(.*is the file pretty-printed JSON instead of JSON Lines\?\) +\(at line 1 of .*/students\.jsonl \))")
      ->check = [](const Env& e, const ProcessResult&) { EXPECT_EQ(students_with_prefix(e.base_url, "D27-"), 0); };
  {
    Case* c = data_case("DATA-28", "validate+send of a file whose every line is invalid: nothing sent", "students.jsonl",
                        "garbage\n{oops\n", "validate+send", 1,
                        R"(WARNING validation failed; nothing was sent \(fix the data, or run `lightbeam send` to send anyway\))");
    c->check = [](const Env& e, const ProcessResult&) { EXPECT_EQ(e.work.state_rows("students"), 0u); };
  }
  data_case("DATA-25", "a record the schema rejects (validate)", "students.jsonl",
            R"({"studentUniqueId":"D25-0","firstName":"A","lastSurname":"B","birthDate":"not-a-date"})" "\n", "validate", 1,
            R"(VALIDATION ERROR \(schema at line 1\):.*birthDate)");

  // ---- the API misbehaves ----
  auto fault = [&](std::string id, std::string what, std::vector<std::string> flags, std::string command, int exit_code,
                   std::string regex) {
    Case c;
    c.id = std::move(id);
    c.what = std::move(what);
    c.api = Api::own;
    c.sandbox_flags = std::move(flags);
    c.setup = [](Env& e) {
      e.config();
      e.data("students.jsonl", students_of("F-", 5));
    };
    c.args = cmd(command);
    c.exit_code = exit_code;
    c.stderr_regex = std::move(regex);
    t.push_back(std::move(c));
    return &t.back();
  };
  auto nothing_recorded = [](const Env& e, const ProcessResult&) { EXPECT_EQ(e.work.state_rows("students"), 0u); };
  fault("SRV-01", "every data request answers 500 (send): not recorded as sent",
        {"--fail-rate", "1", "--fail-status", "500", "--retry-after", "0"}, "send", 1,
        R"(WARNING 5 payloads got no definite answer .*running the same command again sends them)")
      ->check = nothing_recorded;
  fault("SRV-02", "every data request answers 503 (count)", {"--fail-rate", "1", "--fail-status", "503", "--retry-after", "0"},
        "count", 255, R"(ERROR Unable to load counts for students: HTTP 503)");
  fault("SRV-03", "every data request answers 401 (send)", {"--fail-rate", "1", "--fail-status", "401", "--retry-after", "0"},
        "send", 1, R"(WARNING 5 payloads got no definite answer)")
      ->check = nothing_recorded;
  fault("SRV-04", "every data request answers 429 (send)", {"--fail-rate", "1", "--fail-status", "429", "--retry-after", "0"},
        "send", 1, R"(reason: \[429: .*\]; instances: 5)")
      ->check = nothing_recorded;
  fault("SRV-05", "every data connection dropped (send)", {"--reset-rate", "1"}, "send", 255,
        R"(ERROR the API at http://127\.0\.0\.1:\d+.* stopped answering)")
      ->check = nothing_recorded;
  {
    Case* c = fault("SRV-06", "every data connection dropped (fetch): the old file is kept", {"--reset-rate", "1"}, "fetch", 255,
                    R"(ERROR Unable to load records for students .*/students\.jsonl was not written)");
    c->args = cmd("fetch", {"-s", "students"});
    c->check = [](const Env& e, const ProcessResult&) {
      EXPECT_EQ(read_file(e.work.data / "students.jsonl"), students_of("F-", 5));
      for (auto& f : fs::directory_iterator(e.work.data)) EXPECT_EQ(f.path().filename(), "students.jsonl") << "left behind";
    };
  }
  {
    Case* c = fault("SRV-07", "a server slower than connection.timeout (count)", {"--latency-ms", "2500"}, "count", 255,
                    R"(ERROR Unable to load counts for students: no answer from .*timed out)");
    c->setup = [](Env& e) { e.config("", fast().timeout_seconds(1)); };
    c->args = cmd("count", {"-s", "students"});
  }
  {
    Case* c = fault("SRV-08", "a server slower than connection.timeout (send)", {"--latency-ms", "2500"}, "send", 1,
                    R"(timed out)");
    c->setup = [](Env& e) {
      e.config("", fast().timeout_seconds(1));
      e.data("students.jsonl", students_of("F-", 2));
    };
    c->check = nothing_recorded;
  }
  fault("SRV-09", "a rate limit: the refused payloads are not recorded", {"--rate-limit", "2", "--retry-after", "0"}, "send", 0,
        R"(payloads got no definite answer)")
      ->check = [](const Env& e, const ProcessResult&) { EXPECT_LT(e.work.state_rows("students"), 5u); };
  fault("SRV-10", "30% of requests answer 503, retries get everything in",
        {"--fail-rate", "0.3", "--fail-status", "503", "--retry-after", "0", "--seed", "5"}, "send", 0,
        R"(final status counts: \{201: 5\})")
      ->setup = [](Env& e) {
    e.config("", fast().retries(10, 0.01));
    e.data("students.jsonl", students_of("F-", 5));
  };
  auto tampered = [&](std::string id, std::string what, Tamper tamper, std::vector<std::string> args, int exit_code,
                      std::string regex) {
    Case c;
    c.id = std::move(id);
    c.what = std::move(what);
    c.api = Api::proxy;
    c.tamper = std::move(tamper);
    c.setup = [](Env& e) { e.config(); };
    c.args = std::move(args);
    c.exit_code = exit_code;
    c.stderr_regex = std::move(regex);
    t.push_back(std::move(c));
    return &t.back();
  };
  tampered("SRV-11", "the discovery document is empty",
           [](const RawRequest& r) -> std::optional<Reply> {
             if (r.target == "/" || r.target.empty()) return Reply{Reply::respond, 200, "", {}};
             return std::nullopt;
           },
           cmd("count"), 255, R"(ERROR .*an empty body)");
  tampered("SRV-12", "the token endpoint answers invalid JSON",
           [](const RawRequest& r) -> std::optional<Reply> {
             if (r.target.find("/oauth/token") != std::string::npos)
               return Reply{Reply::respond, 200, "{\"access_token\": ", {"Content-Type: application/json"}};
             return std::nullopt;
           },
           cmd("count"), 255, R"(ERROR .*oauth/token)");
  tampered("SRV-13", "the dependencies document is not JSON",
           [](const RawRequest& r) -> std::optional<Reply> {
             if (r.target.find("dependencies") != std::string::npos)
               return Reply{Reply::respond, 200, "<html>maintenance</html>", {"Content-Type: text/html"}};
             return std::nullopt;
           },
           cmd("count"), 255,
           R"(ERROR the dependencies at http://127\.0\.0\.1:\d+/metadata/dependencies are not a JSON array \(got HTML starting with "<html>maintenance</html>"\): check edfi_api\.dependencies_url)");
  {
    Case* c = tampered("SRV-14", "a page of records cut off mid-body (fetch): no half-written data file",
                       [](const RawRequest& r) -> std::optional<Reply> {
                         if (r.method == "GET" && r.target.find("/data/ed-fi/students?") != std::string::npos &&
                             r.target.find("totalCount") == std::string::npos)
                           return Reply{Reply::respond, 200, R"([{"studentUniqueId": "x", "firstN)",
                                        {"Content-Type: application/json"}};
                         return std::nullopt;
                       },
                       cmd("fetch", {"-s", "students"}), 255, R"(ERROR .*students)");
    c->setup = [](Env& e) {
      e.config();
      e.data("students.jsonl", "old\n");
      seed(e.base_url, "students", {json::parse(student("S14-0"))});
    };
    c->check = [](const Env& e, const ProcessResult&) {
      EXPECT_EQ(read_file(e.work.data / "students.jsonl"), "old\n");
      for (auto& f : fs::directory_iterator(e.work.data)) EXPECT_EQ(f.path().filename(), "students.jsonl") << "left behind";
    };
  }
  {
    Case* c = tampered("SRV-15", "POSTs answered 502 with an HTML page (a proxy in front of the API)",
                       [](const RawRequest& r) -> std::optional<Reply> {
                         if (r.method == "POST" && is_data_request(r))
                           return Reply{Reply::respond, 502, "<html><body><h1>502 Bad Gateway</h1></body></html>",
                                        {"Content-Type: text/html"}};
                         return std::nullopt;
                       },
                       cmd("send"), 1, R"(reason: \[502: 502 Bad Gateway\]; instances: 2)");
    c->setup = [](Env& e) {
      e.config();
      e.data("students.jsonl", students_of("S15-", 2));
    };
    c->check = nothing_recorded;
  }

  // ---- state ----
  auto state_case = [&](std::string id, std::string what, std::function<void(Env&)> prepare, std::string regex) {
    Case c;
    c.id = std::move(id);
    c.what = std::move(what);
    c.setup = [prepare](Env& e) {
      e.config();
      e.data("students.jsonl", student("ST-0") + "\n");
      fs::create_directories(e.work.state);
      prepare(e);
    };
    c.args = cmd("send");
    c.stderr_regex = std::move(regex);
    t.push_back(std::move(c));
    return &t.back();
  };
  state_case("STATE-01", "the state database is not a database",
             [](Env& e) { write_file(e.work.state / "lightbeam-state.sqlite3", std::string(4096, 'x')); },
             R"(ERROR the state database .*/lightbeam-state\.sqlite3 is corrupt \(file is not a database\); delete it)")
      ->check = [](const Env& e, const ProcessResult&) {
    EXPECT_EQ(read_file(e.work.state / "lightbeam-state.sqlite3"), std::string(4096, 'x')) << "the file was changed";
  };
  state_case("STATE-02", "the state database cut short",
             [](Env& e) {
               e.data("students.jsonl", students_of("ST2-", 300));
               ASSERT_EQ(e.work.run("send").exit_code, 0);
               const auto db = e.work.state / "lightbeam-state.sqlite3";
               std::string bytes = read_file(db);
               ASSERT_GT(bytes.size(), 8192u);
               write_file(db, bytes.substr(0, 6000));
             },
             R"(ERROR the state database .*/lightbeam-state\.sqlite3 is corrupt \(database disk image is malformed\); delete it)");
  state_case("STATE-03", "a directory where the state database belongs",
             [](Env& e) { fs::create_directories(e.work.state / "lightbeam-state.sqlite3"); },
             R"(ERROR the state database .*/lightbeam-state\.sqlite3 is a directory; move it away)");
  state_case("STATE-04", "a dangling symlink where the state database belongs",
             [](Env& e) { fs::create_symlink(e.dir() / "gone.sqlite3", e.work.state / "lightbeam-state.sqlite3"); },
             R"(ERROR the state database .*/lightbeam-state\.sqlite3 is a symlink whose target does not exist)");
  state_case("STATE-05", "a Python state file (.dat) that is not a pickle",
             [](Env& e) { write_file(e.work.state / "students.dat", "not a pickle\n"); },
             R"(ERROR cannot import the Python lightbeam state file .*/students\.dat: .*move the file away \(or delete it\))")
      ->check = [](const Env& e, const ProcessResult&) {
    EXPECT_EQ(read_file(e.work.state / "students.dat"), "not a pickle\n");
    EXPECT_EQ(students_with_prefix(e.base_url, "ST-"), 0) << "sent although the state could not be read";
  };
  {
    Case* c = state_case("STATE-06", "state_dir in use by another lightbeam run",
                         [](Env& e) { write_file(e.work.state / "lightbeam-state.journal", ""); },
                         R"(ERROR state_dir .*/state is in use by another lightbeam run; wait for it to finish)");
    c->hold_state_lock = true;
  }

  {
    Case* c = state_case("STATE-07", "a state journal of random bytes (not written by lightbeam)",
                         [](Env& e) {
                           std::string junk;
                           for (int i = 0; i < 99; ++i) junk += static_cast<char>((i * 37 + 11) & 0xff);
                           write_file(e.work.state / "lightbeam-state.journal", junk);
                         },
                         R"(WARNING the state journal .*lightbeam-state\.journal ends with 99 bytes that are not a whole, intact record)");
    c->exit_code = 0;
  }

  // ---- fetch ----
  {
    Case c{"FETCH-01", "fetch -k with keys no record has: the data file must not become lines of {}"};
    c.setup = [](Env& e) {
      e.config();
      e.data("students.jsonl", "old\n");
      seed(e.base_url, "students", {json::parse(student("FE1-0"))});
    };
    c.args = cmd("fetch", {"-s", "students", "-k", "nosuchKey"});
    c.exit_code = 0;
    c.stderr_regex = R"(WARNING -k/--keep-keys "nosuchKey" matches no key of any record)";
    c.check = [](const Env& e, const ProcessResult&) {
      EXPECT_EQ(read_file(e.work.data / "students.jsonl"), "old\n") << "the old file was replaced by lines of {}";
    };
    t.push_back(c);
  }
  {
    Case c{"FETCH-02", "fetch -q with a field the API does not know"};
    c.setup = [](Env& e) { e.config(); };
    c.args = cmd("fetch", {"-s", "students", "-q", R"({"nosuchField": "1"})"});
    // Python 0.1.11 fetch.py: "Query contains keys that are not params for the endpoint {endpoint}...
    // skipping! (Supported params: ...)", and the run goes on.
    c.exit_code = 0;
    c.stderr_regex =
        R"(WARNING Query contains keys that are not params for the endpoint students\.\.\. skipping! \(Supported params: .*studentUniqueId)";
    c.check = [](const Env& e, const ProcessResult&) {
      EXPECT_FALSE(fs::exists(e.work.data / "students.jsonl")) << "an endpoint skipped for its -q keys was fetched";
    };
    t.push_back(c);
  }

  // ---- secrets ----
  {
    Case c{"SEC-01", "a password in base_url's userinfo (DEBUG log, results file)"};
    c.setup = [](Env& e) {
      e.secrets.push_back("UrlPassw0rd-77");
      std::string url = e.base_url;
      url.insert(url.find("://") + 3, "lbuser:UrlPassw0rd-77@");
      e.work.write_config(url, fast().with("log_level: DEBUG\n"));
      e.data("students.jsonl", student("SEC1-0") + "\n");
    };
    c.args = cmd("send");
    c.exit_code = 0;
    c.stderr_regex = R"(DEBUG config: edfi_api\.base_url: "http://lbuser:\*\*\*@127\.0\.0\.1:\d+")";
    c.check = [](const Env& e, const ProcessResult&) {
      EXPECT_NE(read_file(e.work.results).find("lbuser:***@"), std::string::npos);
    };
    t.push_back(c);
  }
  {
    Case c{"SEC-02", "a password in base_url's userinfo, API down"};
    c.api = Api::closed;
    c.setup = [](Env& e) {
      e.secrets.push_back("UrlPassw0rd-78");
      std::string url = e.base_url;
      url.insert(url.find("://") + 3, "lbuser:UrlPassw0rd-78@");
      e.work.write_config(url, fast());
    };
    c.args = cmd("count");
    c.stderr_regex = R"(ERROR could not connect to http://lbuser:\*\*\*@127\.0\.0\.1:\d+/api)";
    t.push_back(c);
  }
  {
    Case c{"SEC-06", "an API gateway key in base_url's query string, API down"};
    c.api = Api::closed;
    c.setup = [](Env& e) {
      e.secrets.push_back("GatewayKey-79");
      e.work.write_config(e.base_url + "?subscription=1&key=GatewayKey-79", fast());
    };
    c.args = cmd("count");
    c.stderr_regex = R"(ERROR could not connect to http://127\.0\.0\.1:\d+/api\?subscription=1&key=\*\*\*)";
    t.push_back(c);
  }
  {
    Case c{"SEC-03", "the secret given with -p, DEBUG log"};
    c.setup = [](Env& e) {
      e.config("log_level: DEBUG\n", fast().client_secret("${LB_SECRET}"));
      e.data("students.jsonl", student("SEC3-0") + "\n");
    };
    c.args = {"send", "-c", "{config}", "--results-file", "{results}", "-p", R"({"LB_SECRET": "populatedSecret"})"};
    c.exit_code = 0;
    c.stderr_regex = R"(DEBUG config: edfi_api\.client_secret: \*\*\*)";
    t.push_back(c);
  }
  cli_error("SEC-04", "--set client_secret then the same value in a key of the wrong type",
            {"send", "-c", "{config}", "--set", "edfi_api.client_secret", "SetSecret-88", "--set", "connection.pool_size",
             "SetSecret-88"},
            R"(ERROR --set: connection\.pool_size must be an integer from 1 to 10000, got "\*\*\*")");
  t.back().setup = [](Env& e) {
    e.secrets.push_back("SetSecret-88");
    e.raw_config(e.paths_yaml());
  };
  config_error("SEC-05", "the secret also used as base_url (a wrong variable)",
               "edfi_api:\n  base_url: notAUrlSecret99\n  client_secret: notAUrlSecret99\n",
               R"(lightbeam\.yaml:4: edfi_api\.base_url must be an http:// or https:// URL)");
  t.back().setup = [](Env& e) {
    e.secrets.push_back("notAUrlSecret99");
    e.raw_config(e.paths_yaml() + "edfi_api:\n  base_url: notAUrlSecret99\n  client_secret: notAUrlSecret99\n");
  };
  return t;
}

// ---- running one case --------------------------------------------------------------------------

std::string substitute(std::string arg, const Env& e) {
  const std::pair<const char*, std::string> names[] = {{"{config}", e.work.config.string()},
                                                       {"{results}", e.work.results.string()},
                                                       {"{data}", e.work.data.string()},
                                                       {"{state}", e.work.state.string()},
                                                       {"{dir}", e.dir().string()}};
  for (const auto& [from, to] : names)
    for (auto p = arg.find(from); p != std::string::npos; p = arg.find(from)) arg.replace(p, std::string(from).size(), to);
  return arg;
}

// gtest prints a parameter with this (instead of its bytes).
void PrintTo(const Case& c, std::ostream* os) { *os << c.id; }

class BadInput : public ::testing::TestWithParam<Case> {};

TEST_P(BadInput, Case) {
  const Case& c = GetParam();
  if (!c.open.empty()) GTEST_SKIP() << c.id << " is known, open (docs/bad-input.md): " << c.open;
  if (c.not_as_root && geteuid() == 0) GTEST_SKIP() << "running as root: directory permissions do not stop root";
  std::unique_ptr<Sandbox> own;
  std::unique_ptr<Proxy> proxy;
  Env env;
  switch (c.api) {
    case Api::shared: env.base_url = shared_sandbox().base_url(); break;
    case Api::own:
      own = std::make_unique<Sandbox>(c.sandbox_flags);
      env.base_url = own->base_url();
      break;
    case Api::proxy:
      proxy = std::make_unique<Proxy>(c.tamper);
      env.base_url = proxy->url();
      break;
    case Api::closed:
    case Api::none: env.base_url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/api"; break;
  }
  ASSERT_NO_FATAL_FAILURE(c.setup(env));
  int lock_fd = -1;
  if (c.hold_state_lock) {  // another run holds the state lock
    lock_fd = ::open((env.work.state / "lightbeam-state.journal").c_str(), O_WRONLY | O_CREAT, 0644);
    ASSERT_EQ(::flock(lock_fd, LOCK_EX), 0);
  }
  std::vector<std::string> args;
  for (const auto& a : c.args) args.push_back(substitute(a, env));
  RunOptions options;
  options.cwd = env.dir();
  options.stdin_data = c.stdin_data;
  const ProcessResult r = run_lightbeam(args, options);
  if (lock_fd >= 0) ::close(lock_fd);
  // LB_BAD_INPUT_SHOW=1 prints what each case printed (to review the answers, refresh the doc).
  if (std::getenv("LB_BAD_INPUT_SHOW")) {
    std::string line;
    for (const auto& a : c.args) line += (line.empty() ? "" : " ") + (a.empty() || a.find(' ') != std::string::npos ? "'" + a + "'" : a);
    std::cout << "---- " << c.id << " (exit " << r.exit_code << "): " << c.what << "\nARGS " << line << "\n" << r.err << r.out;
  }

  EXPECT_EQ(r.exit_code, c.exit_code) << c.id << ": " << c.what << "\n" << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex(c.stderr_regex)))
      << c.id << ": " << c.what << "\nexpected /" << c.stderr_regex << "/ in stderr:\n" << r.err;
  for (const char* crash : {"terminate called", "what():", "filesystem error", "Segmentation", "exception type",
                            "AddressSanitizer", "runtime error:", "unexpected error"})
    EXPECT_EQ(r.err.find(crash), std::string::npos) << c.id << ": " << crash << "\n" << r.err;
  const std::string results = file_or_empty(env.work.results);
  for (const auto& secret : env.secrets) {
    EXPECT_EQ(r.err.find(secret), std::string::npos) << c.id << ": secret in stderr\n" << r.err;
    EXPECT_EQ(r.out.find(secret), std::string::npos) << c.id << ": secret in stdout\n" << r.out;
    EXPECT_EQ(results.find(secret), std::string::npos) << c.id << ": secret in the results file\n" << results;
  }
  if (c.check) c.check(env, r);
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string name = info.param.id;
  for (auto& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Matrix, BadInput, ::testing::ValuesIn(cases()), case_name);

// docs/bad-input.md has one row per case, with the same id and exit code, and no other ids.
TEST(BadInputDoc, EveryCaseHasOneRowAndEveryRowACase) {
  const std::string doc = read_file(fs::path(LIGHTBEAM_SOURCE_DIR) / "docs" / "bad-input.md");
  std::map<std::string, std::string> rows;  // id -> exit code column
  static const std::regex row(R"(^\| *([A-Z]+-\d+) *\| *([^ |]+) *\|)");  // | id | exit | ...
  std::istringstream in(doc);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, row)) {
      EXPECT_TRUE(rows.emplace(m[1], m[2]).second) << "two rows for " << m[1];
    }
  }
  std::set<std::string> ids;
  for (const auto& c : cases()) {
    EXPECT_TRUE(ids.insert(c.id).second) << "two cases named " << c.id;
    auto it = rows.find(c.id);
    if (it == rows.end()) {
      ADD_FAILURE() << c.id << " (" << c.what << ") has no row in docs/bad-input.md";
      continue;
    }
    if (c.open.empty()) {
      EXPECT_EQ(it->second, std::to_string(c.exit_code)) << c.id << ": exit code in docs/bad-input.md";
    }
  }
  for (const auto& [id, code] : rows) EXPECT_TRUE(ids.count(id)) << id << " is in docs/bad-input.md but not a test case";
  EXPECT_GE(ids.size(), 60u);
}

}  // namespace
