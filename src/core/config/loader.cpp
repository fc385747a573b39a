// Loading lightbeam.yaml into config::Config (see loader.hpp). One table of known keys drives
// setting (YAML and --set), type/range checks, unknown-key suggestions and the redacted dump.
#include "core/config/loader.hpp"

#include <fmt/format.h>
#include <pwd.h>
#include <spdlog/spdlog.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "core/data/selector.hpp"
#include "core/error.hpp"
#include "core/report/log.hpp"

namespace lightbeam::config {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;
using Params = std::map<std::string, std::string>;

// Where a value came from, for error messages.
struct Ctx {
  std::string location;      // "file:line: " or "--set: "
  std::string key;           // dotted key
  bool from_params = false;  // the value was expanded from -p: never echo it
};

std::string describe(const Ctx& c, const YAML::Node& n) {
  if (c.from_params) return "a value from -p/--params";
  if (n.IsMap()) return "a mapping";
  if (n.IsSequence()) return "a list";
  if (!n.IsDefined() || n.IsNull()) return "nothing";
  return "\"" + n.Scalar() + "\"";
}

[[noreturn]] void bad(const Ctx& c, const std::string& expected, const YAML::Node& n) {
  throw Error(c.location + c.key + " must be " + expected + ", got " + describe(c, n));
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::optional<long long> parse_int(const std::string& text) {
  std::string s = trim(text);
  if (!s.empty() && s.front() == '+') s.erase(0, 1);
  long long v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<double> parse_number(const std::string& text) {
  std::string s = trim(text);
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(s.c_str(), &end);
  if (errno != 0 || end != s.c_str() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<bool> parse_bool(const std::string& text) {
  const std::string s = lower(trim(text));
  if (s == "true" || s == "yes" || s == "on" || s == "t" || s == "y" || s == "1") return true;
  if (s == "false" || s == "no" || s == "off" || s == "f" || s == "n" || s == "0") return false;
  return std::nullopt;
}

const std::string& scalar(const Ctx& c, const YAML::Node& n, const std::string& expected) {
  if (!n.IsScalar()) bad(c, expected, n);
  return n.Scalar();
}

// A list value: a YAML sequence of scalars, or a comma-separated string.
std::vector<std::string> list_items(const Ctx& c, const YAML::Node& n, const std::string& expected) {
  std::vector<std::string> out;
  if (n.IsSequence()) {
    for (const auto& item : n) out.push_back(trim(scalar(c, item, expected)));
    return out;
  }
  return data::split_list(scalar(c, n, expected));
}

template <class T>
using Access = T& (*)(Config&);

struct KeySpec {
  std::string key;
  std::function<void(Config&, const YAML::Node&, const Ctx&)> set;
  std::function<Json(Config&)> get;
};

KeySpec string_key(std::string key, Access<std::string> acc,
                   std::function<bool(const std::string&)> ok = {}, std::string expected = "a string") {
  return {std::move(key),
          [=](Config& cfg, const YAML::Node& n, const Ctx& c) {
            const std::string& v = scalar(c, n, expected);
            if (ok && !ok(v)) bad(c, expected, n);
            acc(cfg) = v;
          },
          [=](Config& cfg) { return Json(acc(cfg)); }};
}

// Case-insensitive choice; stored in the spelling of `allowed`. `aliases` are other spellings
// accepted for an allowed value ({alias, value}), not named in the error message.
KeySpec enum_key(std::string key, Access<std::string> acc, std::vector<std::string> allowed,
                 std::vector<std::pair<std::string, std::string>> aliases = {}) {
  std::string expected = "one of";
  for (std::size_t i = 0; i < allowed.size(); ++i) expected += (i ? ", " : " ") + allowed[i];
  return {std::move(key),
          [=](Config& cfg, const YAML::Node& n, const Ctx& c) {
            std::string v = lower(trim(scalar(c, n, expected)));
            for (const auto& [alias, value] : aliases)
              if (lower(alias) == v) v = lower(value);
            for (const auto& a : allowed)
              if (lower(a) == v) {
                acc(cfg) = a;
                return;
              }
            bad(c, expected, n);
          },
          [=](Config& cfg) { return Json(acc(cfg)); }};
}

template <class T>  // int, long, std::optional<int>, std::optional<long>
KeySpec int_key(std::string key, Access<T> acc, long long min, long long max, std::string expected) {
  return {std::move(key),
          [=](Config& cfg, const YAML::Node& n, const Ctx& c) {
            auto v = parse_int(scalar(c, n, expected));
            if (!v || *v < min || *v > max) bad(c, expected, n);
            if constexpr (std::is_same_v<T, std::optional<int>> || std::is_same_v<T, int>)
              acc(cfg) = static_cast<int>(*v);
            else
              acc(cfg) = static_cast<long>(*v);
          },
          [=](Config& cfg) {
            const T& v = acc(cfg);
            if constexpr (std::is_same_v<T, int> || std::is_same_v<T, long>)
              return Json(v);
            else
              return v ? Json(*v) : Json(nullptr);
          }};
}

KeySpec number_key(std::string key, Access<double> acc, double min, bool min_inclusive, std::string expected) {
  return {std::move(key),
          [=](Config& cfg, const YAML::Node& n, const Ctx& c) {
            auto v = parse_number(scalar(c, n, expected));
            if (!v || *v < min || (!min_inclusive && *v == min)) bad(c, expected, n);
            acc(cfg) = *v;
          },
          [=](Config& cfg) { return Json(acc(cfg)); }};
}

KeySpec bool_key(std::string key, Access<bool> acc) {
  const std::string expected = "true or false";
  return {std::move(key),
          [=](Config& cfg, const YAML::Node& n, const Ctx& c) {
            auto v = parse_bool(scalar(c, n, expected));
            if (!v) bad(c, expected, n);
            acc(cfg) = *v;
          },
          [=](Config& cfg) { return Json(acc(cfg)); }};
}

KeySpec int_list_key(std::string key, Access<std::vector<int>> acc, long long min, long long max, std::string expected) {
  return {std::move(key),
          [=](Config& cfg, const YAML::Node& n, const Ctx& c) {
            std::vector<int> out;
            for (const auto& item : list_items(c, n, expected)) {
              auto v = parse_int(item);
              if (!v || *v < min || *v > max) bad(c, expected, n.IsSequence() ? YAML::Node(item) : n);  // name the item
              out.push_back(static_cast<int>(*v));
            }
            acc(cfg) = out;
          },
          [=](Config& cfg) { return Json(acc(cfg)); }};
}

// A list of names; `all_value` (when not empty) is what "*" or "all" stands for; `allowed`
// (when not empty) restricts the names.
KeySpec string_list_key(std::string key, Access<std::vector<std::string>> acc, std::vector<std::string> allowed,
                        bool star_means_all, std::string expected) {
  return {std::move(key),
          [=](Config& cfg, const YAML::Node& n, const Ctx& c) {
            auto items = list_items(c, n, expected);
            if (star_means_all && items.size() == 1 && (items[0] == "*" || lower(items[0]) == "all")) {
              acc(cfg) = allowed;
              return;
            }
            for (auto& item : items) {
              if (allowed.empty()) continue;
              auto it = std::find_if(allowed.begin(), allowed.end(), [&](const std::string& a) { return lower(a) == lower(item); });
              if (it == allowed.end()) bad(c, expected, n.IsSequence() ? YAML::Node(item) : n);  // name the item
              item = *it;
            }
            acc(cfg) = items;
          },
          [=](Config& cfg) { return Json(acc(cfg)); }};
}

bool is_http_url(const std::string& v) {
  const std::string l = lower(v);
  return v.empty() || (l.rfind("http://", 0) == 0 && l.size() > 7) || (l.rfind("https://", 0) == 0 && l.size() > 8);
}
bool not_empty(const std::string& v) { return !trim(v).empty(); }

const std::vector<KeySpec>& specs() {
  static const std::vector<KeySpec> table = [] {
    const std::string url = "an http:// or https:// URL";
    std::vector<KeySpec> t;
    t.push_back(string_key("state_dir", +[](Config& c) -> std::string& { return c.state_dir; }, not_empty, "a directory path"));
    t.push_back(string_key("data_dir", +[](Config& c) -> std::string& { return c.data_dir; }, not_empty, "a directory path"));
    t.push_back(string_key("namespace", +[](Config& c) -> std::string& { return c.namespace_; }, not_empty, "a namespace like ed-fi"));
    t.push_back(string_key("edfi_api.base_url", +[](Config& c) -> std::string& { return c.edfi_api.base_url; }, is_http_url, url));
    t.push_back(string_key("edfi_api.oauth_url", +[](Config& c) -> std::string& { return c.edfi_api.oauth_url; }, is_http_url, url));
    t.push_back(string_key("edfi_api.dependencies_url", +[](Config& c) -> std::string& { return c.edfi_api.dependencies_url; }, is_http_url, url));
    t.push_back(string_key("edfi_api.descriptors_swagger_url", +[](Config& c) -> std::string& { return c.edfi_api.descriptors_swagger_url; }, is_http_url, url));
    t.push_back(string_key("edfi_api.resources_swagger_url", +[](Config& c) -> std::string& { return c.edfi_api.resources_swagger_url; }, is_http_url, url));
    t.push_back(string_key("edfi_api.open_api_metadata_url", +[](Config& c) -> std::string& { return c.edfi_api.open_api_metadata_url; }, is_http_url, url));
    t.push_back(int_key<int>("edfi_api.version", +[](Config& c) -> int& { return c.edfi_api.version; }, 2, 3, "2 or 3"));
    t.push_back(enum_key("edfi_api.mode", +[](Config& c) -> std::string& { return c.edfi_api.mode; },
                         {"sandbox", "shared_instance", "district_specific", "year_specific", "instance_year_specific"}));
    t.push_back(int_key<std::optional<int>>("edfi_api.year", +[](Config& c) -> std::optional<int>& { return c.edfi_api.year; }, 1900, 9999, "a year like 2024"));
    t.push_back(int_key<std::optional<int>>("edfi_api.school_year", +[](Config& c) -> std::optional<int>& { return c.edfi_api.year; }, 1900, 9999, "a year like 2024"));
    t.push_back(string_key("edfi_api.district_id", +[](Config& c) -> std::string& { return c.edfi_api.district_id; }));
    t.push_back(string_key("edfi_api.instance_code", +[](Config& c) -> std::string& { return c.edfi_api.instance_code; }));
    t.push_back(string_key("edfi_api.client_id", +[](Config& c) -> std::string& { return c.edfi_api.client_id; }));
    t.push_back(string_key("edfi_api.client_secret", +[](Config& c) -> std::string& { return c.edfi_api.client_secret; }));
    t.push_back(int_key<int>("connection.pool_size", +[](Config& c) -> int& { return c.connection.pool_size; }, 1, 10000, "an integer from 1 to 10000"));
    t.push_back(number_key("connection.timeout", +[](Config& c) -> double& { return c.connection.timeout; }, 0, false, "a positive number of seconds"));
    t.push_back(int_key<int>("connection.num_retries", +[](Config& c) -> int& { return c.connection.num_retries; }, 0, 1000, "an integer from 0 to 1000"));
    t.push_back(number_key("connection.backoff_factor", +[](Config& c) -> double& { return c.connection.backoff_factor; }, 0, true, "a non-negative number"));
    t.push_back(int_list_key("connection.retry_statuses", +[](Config& c) -> std::vector<int>& { return c.connection.retry_statuses; }, 100, 599,
                             "a list of HTTP status codes like [429, 500, 503]"));
    t.push_back(bool_key("connection.verify_ssl", +[](Config& c) -> bool& { return c.connection.verify_ssl; }));
    t.push_back(string_key("count.separator", +[](Config& c) -> std::string& { return c.count.separator; },
                           [](const std::string& v) { return !v.empty(); }, "a non-empty string"));
    t.push_back(int_key<int>("fetch.page_size", +[](Config& c) -> int& { return c.fetch.page_size; }, 1, 1000000, "an integer from 1 to 1000000"));
    t.push_back(string_list_key("validate.methods", +[](Config& c) -> std::vector<std::string>& { return c.validate.methods; },
                                {"schema", "descriptors", "uniqueness", "references"}, true,
                                "a list of schema, descriptors, uniqueness, references (or \"*\")"));
    t.push_back(int_key<std::optional<long>>("validate.references.max_failures",
                                             +[](Config& c) -> std::optional<long>& { return c.validate.references.max_failures; }, 0,
                                             1000000000000LL, "a non-negative integer"));
    t.push_back(string_list_key("validate.references.selector",
                                +[](Config& c) -> std::vector<std::string>& { return c.validate.references.selector; }, {}, false,
                                "a list of endpoints (or a comma-separated string)"));
    t.push_back(enum_key("validate.references.behavior", +[](Config& c) -> std::string& { return c.validate.references.behavior; },
                         {"exclude", "include"}));
    t.push_back(bool_key("validate.references.remote", +[](Config& c) -> bool& { return c.validate.references.remote; }));
    t.push_back(bool_key("force_delete", +[](Config& c) -> bool& { return c.force_delete; }));
    t.push_back(enum_key("log_level", +[](Config& c) -> std::string& { return c.log_level; }, {"ERROR", "WARNING", "INFO", "DEBUG"},
                               {{"WARN", "WARNING"}}));  // Python's logging takes WARN (its README's example)
    t.push_back(bool_key("show_stacktrace", +[](Config& c) -> bool& { return c.show_stacktrace; }));
    t.push_back(enum_key("results_format", +[](Config& c) -> std::string& { return c.results_format; }, {"current", "legacy"}));
    return t;
  }();
  return table;
}

const KeySpec* find_spec(const std::string& key) {
  for (const auto& s : specs())
    if (s.key == key) return &s;
  return nullptr;
}

const std::vector<std::string> k_sections{"edfi_api", "connection", "count", "fetch", "validate", "validate.references"};
const std::string k_overrides = "namespace_overrides";

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string closest_key(const std::string& key) {
  std::vector<std::string> candidates = known_keys();
  candidates.insert(candidates.end(), k_sections.begin(), k_sections.end());
  candidates.push_back(k_overrides);
  std::string best;
  std::size_t best_d = std::string::npos;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(lower(key), lower(c));
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

}  // namespace

Params parse_params(const std::string& params_json) {
  Params out;
  if (trim(params_json).empty()) return out;
  Json j;
  try {
    j = Json::parse(params_json);
  } catch (const Json::parse_error& e) {
    // The text may hold secrets: report only the position.
    // Exit 1 (a mistake in the arguments), as Python's json.loads(params) failing in __init__.
    throw Error("-p/--params is not valid JSON (syntax error at byte " + std::to_string(e.byte) +
                    "); pass a JSON object like '{\"CLIENT_SECRET\": \"...\"}'",
                exit_status::usage);
  }
  if (!j.is_object())
    throw Error("-p/--params must be a JSON object like '{\"CLIENT_SECRET\": \"...\"}', got a JSON " + std::string(j.type_name()),
                exit_status::usage);
  for (const auto& [k, v] : j.items()) {
    if (v.is_string())
      out[k] = v.get<std::string>();
    else if (v.is_number() || v.is_boolean())
      out[k] = v.dump();
    else if (v.is_null())
      out[k] = "";
    else
      throw Error("-p/--params value of \"" + k + "\" must be a string or a number, got a JSON " + std::string(v.type_name()));
  }
  return out;
}

namespace {

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// ${VAR} and $VAR from -p params, else the environment, as Python's os.path.expandvars: a
// variable that is set in neither stays in the value as written (a secret may contain "$"), and
// "$$" stays "$$". Each such reference is a warning (into `unset`, when given) naming the key —
// and the variable, except for the secret and URL keys, whose text the variable is part of.
std::string expand(const std::string& s, const Params& params, const Ctx& c, bool& used_params,
                   std::vector<std::string>* unset) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] != '$' || i + 1 >= s.size()) {
      out += s[i++];
      continue;
    }
    std::string name;
    std::size_t next = i;
    if (s[i + 1] == '{') {
      std::size_t close = s.find('}', i + 2);
      if (close != std::string::npos) {
        name = s.substr(i + 2, close - i - 2);
        next = close + 1;
      }
      if (name.empty() || !is_name_start(name[0]) || !std::all_of(name.begin(), name.end(), is_name_char)) name.clear();
    } else if (is_name_start(s[i + 1])) {
      std::size_t j = i + 1;
      while (j < s.size() && is_name_char(s[j])) ++j;
      name = s.substr(i + 1, j - i - 1);
      next = j;
    }
    if (name.empty()) {  // not a variable reference ("$$", "$1", "a$"): keep the "$"
      out += s[i++];
      continue;
    }
    if (auto it = params.find(name); it != params.end()) {
      out += it->second;
      used_params = true;
    } else if (const char* env = std::getenv(name.c_str())) {
      out += env;
    } else {
      out.append(s, i, next - i);
      if (unset) {
        const bool part_of_a_secret = c.key == "edfi_api.client_secret" || c.key.ends_with("_url");
        unset->push_back(c.location + c.key + (part_of_a_secret ? " names a variable" : " uses ${" + name + "}") +
                         " that is set neither in the environment nor in -p/--params; it stays in the value as written "
                         "(as the Python tool's os.path.expandvars): export it or pass it with -p if it is a variable");
      }
    }
    i = next;
  }
  return out;
}

// A copy of a YAML value with every scalar expanded. `budget` bounds the nodes visited: YAML
// aliases share nodes, so a few hundred bytes of nested aliases ("billion laughs") would
// otherwise expand to billions of copies (docs/fuzzing.md, finding 7).
YAML::Node expand_node(const YAML::Node& n, const Params& params, const Ctx& c, bool& used_params, std::size_t& budget,
                       std::vector<std::string>* unset = nullptr) {
  if (budget == 0)
    throw Error(c.location + c.key + " holds more than 10000 values (YAML aliases repeating a large value?); " +
                "write the values out");
  --budget;
  if (n.IsScalar()) return YAML::Node(expand(n.Scalar(), params, c, used_params, unset));
  if (n.IsSequence()) {
    YAML::Node out(YAML::NodeType::Sequence);
    for (const auto& item : n) out.push_back(expand_node(item, params, c, used_params, budget, unset));
    return out;
  }
  if (n.IsMap()) {
    YAML::Node out(YAML::NodeType::Map);
    for (const auto& kv : n) out[kv.first.Scalar()] = expand_node(kv.second, params, c, used_params, budget, unset);
    return out;
  }
  return n;
}

void set_namespace_overrides(Config& cfg, const YAML::Node& n, const Ctx& c) {
  if (!n.IsMap()) bad(c, "a mapping of namespace: [endpoint, ...]", n);
  for (const auto& kv : n) {
    Ctx item = c;
    item.key = c.key + "." + kv.first.Scalar();
    if (kv.second.IsNull()) continue;
    cfg.namespace_overrides[kv.first.Scalar()] = list_items(item, kv.second, "a list of endpoints");
  }
}

std::string read_config_text(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec))
    throw Error("config file " + path + " does not exist; pass the right path with -c/--config-file");
  if (fs::is_directory(path, ec)) throw Error("config file " + path + " is a directory, not a YAML file; pass a file with -c");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read config file " + path + ": " + std::strerror(errno) + "; check its permissions");
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error("cannot read config file " + path + ": read error");
  return ss.str();
}

std::string home_dir() {
  if (const char* h = std::getenv("HOME"); h && *h) return h;
  if (const passwd* pw = getpwuid(getuid()); pw && pw->pw_dir) return pw->pw_dir;
  return "";
}

std::string expand_tilde(const std::string& p) {
  if (p == "~" || p.rfind("~/", 0) == 0) {
    std::string home = home_dir();
    if (!home.empty()) return home + p.substr(1);
  }
  return p;
}

// Checks yaml-cpp does not make (PyYAML does), on the tree and the text it came from.
// - A quoted scalar whose quote is never closed: yaml-cpp 0.7 accepts it and makes the rest of the
//   file its value (a client_secret swallowing every later key); PyYAML rejects it. Each quoted
//   scalar's Mark() is the byte offset of its opening quote (or of the &anchor/!tag before it) in
//   the text after a BOM; from there the closing quote is looked for with YAML's escapes (\" in
//   double quotes, '' in single ones). None before the end of the file: an error naming the line.
// - A key given twice in one mapping: yaml-cpp keeps both entries, PyYAML the last one silently.
//   We use the last one too (Loader::walk skips the others) and warn, naming both lines.
class YamlChecks {
 public:
  YamlChecks(const std::string& path, std::string_view text, std::vector<std::string>& warnings)
      : path_(path), text_(text), warnings_(warnings) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") text_.remove_prefix(3);
  }

  void run(const YAML::Node& root) { visit(root, ""); }

 private:
  std::string loc(const YAML::Node& n) const { return path_ + ":" + std::to_string(n.Mark().line + 1) + ": "; }

  void visit(const YAML::Node& n, const std::string& key) {
    if (n.IsScalar()) {
      check_quote(n, key);
      return;
    }
    if (!n.IsMap() && !n.IsSequence()) return;
    // An alias shares its anchor's node (and mark): visit each collection once, which also
    // bounds the walk for nested aliases ("billion laughs").
    if (!visited_.insert(n.Mark().pos).second) return;
    if (n.IsSequence()) {
      std::size_t i = 0;
      for (const auto& item : n) visit(item, key + "[" + std::to_string(i++) + "]");
      return;
    }
    std::map<std::string, int> first_line;
    for (const auto& kv : n) {
      std::string name = kv.first.IsScalar() ? kv.first.Scalar() : "";
      const std::string dotted = key.empty() ? name : key + "." + name;
      visit(kv.first, dotted);
      visit(kv.second, dotted);
      if (!kv.first.IsScalar()) continue;
      const int line = kv.first.Mark().line + 1;
      auto [it, fresh] = first_line.emplace(name, line);
      if (!fresh) {
        warnings_.push_back(loc(kv.first) + "duplicate key " + dotted + " (also on line " + std::to_string(it->second) +
                            "): the last one is used; remove the others");
        it->second = line;
      }
    }
  }

  void check_quote(const YAML::Node& n, const std::string& key) {
    if (n.Tag() == "?") return;  // a plain scalar
    const int pos = n.Mark().pos;
    if (pos < 0 || static_cast<std::size_t>(pos) >= text_.size()) return;
    std::size_t i = static_cast<std::size_t>(pos);
    // Skip node properties (&anchor, !tag) and the space after them.
    while (i < text_.size() && (text_[i] == '&' || text_[i] == '!')) {
      while (i < text_.size() && !std::isspace(static_cast<unsigned char>(text_[i]))) ++i;
      while (i < text_.size() && std::isspace(static_cast<unsigned char>(text_[i]))) ++i;
    }
    if (i >= text_.size() || (text_[i] != '"' && text_[i] != '\'')) return;  // a block scalar (| or >)
    if (!visited_.insert(static_cast<int>(i)).second) return;
    const char quote = text_[i];
    for (std::size_t j = i + 1; j < text_.size(); ++j) {
      if (quote == '"' && text_[j] == '\\') {
        ++j;
      } else if (text_[j] == quote) {
        if (quote == '\'' && j + 1 < text_.size() && text_[j + 1] == '\'') {
          ++j;
          continue;
        }
        return;  // closed
      }
    }
    const std::string q = quote == '"' ? "double" : "single";
    throw Error(loc(n) + "YAML syntax error: the " + q + " quote opened on this line" + (key.empty() ? "" : " (in " + key + ")") +
                " is never closed, so the rest of the file would be its value; close the quote");
  }

  const std::string& path_;
  std::string_view text_;
  std::vector<std::string>& warnings_;
  std::set<int> visited_;
};

class Loader {
 public:
  Loader(Config& cfg, const Params& params, std::vector<std::string>& warnings)
      : cfg_(cfg), params_(params), warnings_(warnings) {}

  void walk(const YAML::Node& map, const std::string& prefix) {
    // A key given twice: the last one counts, as in PyYAML (YamlChecks warns).
    std::map<std::string, std::size_t> last;
    std::size_t index = 0;
    for (const auto& kv : map)
      if (kv.first.IsScalar()) last[kv.first.Scalar()] = index++;
      else ++index;
    index = 0;
    for (const auto& kv : map) {
      const std::size_t i = index++;
      if (kv.first.IsScalar() && last[kv.first.Scalar()] != i) continue;
      const int line = kv.first.Mark().line + 1;
      const std::string loc = cfg_.config_file + ":" + std::to_string(line) + ": ";
      if (!kv.first.IsScalar()) throw Error(loc + "keys must be plain names");
      const std::string key = prefix.empty() ? kv.first.Scalar() : prefix + "." + kv.first.Scalar();
      const YAML::Node& value = kv.second;
      Ctx c{loc, key, false};
      if (std::find(k_sections.begin(), k_sections.end(), key) != k_sections.end()) {
        if (value.IsNull()) continue;
        if (!value.IsMap()) bad(c, "a mapping (keys indented below it)", value);
        walk(value, key);
      } else if (const KeySpec* spec = key == k_overrides ? nullptr : find_spec(key); spec || key == k_overrides) {
        if (value.IsNull()) continue;  // `key:` with no value keeps the default
        bool used_params = false;
        std::size_t budget = 10000;
        YAML::Node expanded = expand_node(value, params_, c, used_params, budget, &warnings_);
        c.from_params = used_params;
        if (spec)
          spec->set(cfg_, expanded, c);
        else
          set_namespace_overrides(cfg_, expanded, c);
        cfg_.key_lines[key] = line;
        if (used_params) cfg_.redacted_keys.push_back(key);
      } else {
        warnings_.push_back(loc + "unknown key " + key + " is ignored (did you mean " + closest_key(key) + "?)");
      }
    }
  }

  void apply_override(const std::string& key, const std::string& value) {
    Ctx c{"--set: ", key, false};
    YAML::Node node(value);
    const std::string t = trim(value);
    if (!t.empty() && (t.front() == '[' || t.front() == '{')) {
      try {
        node = YAML::Load(value);
      } catch (const YAML::Exception& e) {
        throw Error("--set " + key + ": the value is not valid YAML (" + e.msg + ")");
      }
    }
    if (key.rfind(k_overrides + ".", 0) == 0 && key.size() > k_overrides.size() + 1) {
      const std::string ns = key.substr(k_overrides.size() + 1);
      Ctx item = c;
      cfg_.namespace_overrides[ns] = list_items(item, node, "a list of endpoints");
    } else if (const KeySpec* spec = find_spec(key)) {
      spec->set(cfg_, node, c);
    } else {
      throw Error("--set " + key + ": unknown key (did you mean " + closest_key(key) +
                  "?); the keys are listed in README.md under Configuration");
    }
    cfg_.key_lines[key] = -1;
  }

 private:
  Config& cfg_;
  const Params& params_;
  std::vector<std::string>& warnings_;
};

}  // namespace

const std::vector<std::string>& known_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    for (const auto& s : specs()) k.push_back(s.key);
    return k;
  }();
  return keys;
}

std::string find_config_file(const std::string& given) {
  if (!given.empty()) return given;
  for (const char* name : {"./lightbeam.yaml", "./lightbeam.yml"}) {
    std::error_code ec;
    if (fs::is_regular_file(name, ec)) return name;
  }
  throw Error("no config file: neither ./lightbeam.yaml nor ./lightbeam.yml exists in " + fs::current_path().string() +
              "; pass one with -c/--config-file");
}

Config load(const std::string& path, const std::string& params_json, const Overrides& overrides) {
  std::vector<std::string> warnings;
  Config cfg = load(path, params_json, overrides, &warnings);
  for (const auto& w : warnings) spdlog::warn("{}", w);
  return cfg;
}

namespace {

// Messages quote keys and values as the user wrote them; a control character in them (a "\n"
// in a quoted YAML scalar) is escaped so that every error and warning stays one line
// (docs/fuzzing.md, finding 5).
std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
    else out += ch;
  }
  return out;
}

// The password in a URL's userinfo (`https://user:password@host/...`), or "".
std::string url_password(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return "";
  const auto start = scheme + 3;
  const auto end = url.find_first_of("/?#", start);
  const std::string authority = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  const auto at = authority.rfind('@');
  const auto colon = authority.find(':');
  if (at == std::string::npos || colon == std::string::npos || colon > at) return "";
  return authority.substr(colon + 1, at - colon - 1);
}

// The values of a URL's query parameters that carry credentials (`?key=...`, `?token=...`, a SAS
// `sig=`): API gateways take them so, and error messages quote the URL.
std::vector<std::string> url_query_secrets(const std::string& url) {
  static const std::vector<std::string> k_names{"key",      "api_key", "apikey", "token", "access_token", "secret",
                                                "client_secret", "password", "pwd", "sig", "signature", "code"};
  std::vector<std::string> out;
  const auto q = url.find('?');
  if (q == std::string::npos) return out;
  const std::string query = url.substr(q + 1, url.find('#', q) == std::string::npos ? std::string::npos
                                                                                       : url.find('#', q) - q - 1);
  std::size_t at = 0;
  while (at <= query.size()) {
    const auto amp = std::min(query.find('&', at), query.size());
    const std::string pair = query.substr(at, amp - at);
    const auto eq = pair.find('=');
    if (eq != std::string::npos && eq + 1 < pair.size()) {
      std::string name = pair.substr(0, eq);
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      if (std::find(k_names.begin(), k_names.end(), name) != k_names.end()) out.push_back(pair.substr(eq + 1));
    }
    at = amp + 1;
  }
  return out;
}

// The values never to print: client_secret, -p values (but not very short ones: a year or a flag
// is not worth mangling every log line for; keys that used them are still redacted as a whole in
// dumps, see redacted_keys), URL passwords and credentials in URL query strings. Longest first, so a secret containing another is
// replaced whole.
std::vector<std::string> secrets_of(const std::vector<std::string>& secrets, const std::vector<std::string>& urls, const Params& params) {
  std::vector<std::string> out;
  for (const auto& s : secrets)
    if (s.size() >= 3) out.push_back(s);  // shorter ones would mangle every message (see -p)
  for (const auto& u : urls) {
    if (auto p = url_password(u); !p.empty()) out.push_back(p);
    for (auto& v : url_query_secrets(u))
      if (v.size() >= 3) out.push_back(std::move(v));
  }
  for (const auto& [name, value] : params)
    if (value.size() >= 3) out.push_back(value);
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Before the keys are read, the secrets as written: an error about another key can quote the
// same value (one variable feeding both client_secret and base_url).
std::vector<std::string> raw_secrets(const YAML::Node& root, const Params& params, const Overrides& overrides) {
  std::vector<std::string> secrets, urls;
  try {
    for (const auto& section : root) {
      if (!section.first.IsScalar() || section.first.Scalar() != "edfi_api") continue;  // every one, if given twice
      const YAML::Node& api = section.second;
      if (!api.IsMap()) continue;
      for (const auto& kv : api) {
        if (!kv.first.IsScalar() || !kv.second.IsScalar()) continue;
        // The value as the key would get it: ${VAR} expanded from -p or the environment.
        std::string value;
        try {
          Ctx c{"", kv.first.Scalar(), false};
          bool used_params = false;
          std::size_t budget = 10000;
          value = expand_node(kv.second, params, c, used_params, budget).Scalar();
        } catch (const Error&) {
          continue;
        }
        if (kv.first.Scalar() == "client_secret") secrets.push_back(value);
        else urls.push_back(value);
      }
    }
  } catch (const YAML::Exception&) {  // best effort: the walk reports the malformed part
  }
  for (const auto& [key, value] : overrides) {
    if (key == "edfi_api.client_secret") secrets.push_back(value);
    else urls.push_back(value);
  }
  return secrets_of(secrets, urls, params);
}

// The 1-based number of the first line up to `last_line` (0-based, -1: any) whose indentation
// contains a tab, if any.
std::optional<int> first_tab_indented_line(const std::string& text, int last_line) {
  int number = 0;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (last_line >= 0 && number > last_line) break;
    ++number;
    const auto body = l.find_first_not_of(" \t");
    if (body == std::string::npos || l[body] == '#') continue;
    if (l.find('\t') < body) return number;
  }
  return std::nullopt;
}

// The 1-based line of the first [ or { (outside quotes and comments) that is never closed, and
// that bracket; nothing when every bracket is closed.
std::optional<std::pair<int, std::string>> unclosed_flow_line(const std::string& text) {
  std::vector<std::pair<int, char>> open;  // line, bracket
  int number = 0;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    ++number;
    char quote = 0;
    for (std::size_t i = 0; i < l.size(); ++i) {
      const char ch = l[i];
      if (quote) {
        if (ch == quote) quote = 0;
        continue;
      }
      if (ch == '#' && (i == 0 || l[i - 1] == ' ' || l[i - 1] == '\t')) break;
      if ((ch == '"' || ch == '\'') && (i == 0 || std::strchr(" \t[{,:", l[i - 1]))) quote = ch;
      else if (ch == '[' || ch == '{') open.emplace_back(number, ch);
      else if ((ch == ']' || ch == '}') && !open.empty()) open.pop_back();
    }
  }
  if (open.empty()) return std::nullopt;
  return std::make_pair(open.front().first, std::string(1, open.front().second));
}

Config load_unchecked(const std::string& path, const std::string& params_json, const Overrides& overrides,
                      std::vector<std::string>* warnings) {
  const Params params = parse_params(params_json);
  const std::string text = read_config_text(path);
  if (trim(text).empty()) throw Error("config file " + path + " is empty; see README.md for a minimal lightbeam.yaml");
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    const std::string line = e.mark.is_null() ? "" : ":" + std::to_string(e.mark.line + 1);
    // YAML forbids tabs in indentation; yaml-cpp's own words ("illegal map value") do not say so.
    if (const auto tab = first_tab_indented_line(text, e.mark.is_null() ? -1 : e.mark.line))
      throw Error(path + ":" + std::to_string(*tab) + ": YAML syntax error: this line is indented with a tab; YAML allows only spaces for indentation");
    // "end of sequence flow not found" is reported where the parser gave up (often the end of
    // the file); name the line whose [ or { is never closed instead.
    if (e.msg.find("flow not found") != std::string::npos)
      if (const auto open = unclosed_flow_line(text))
        throw Error(path + ":" + std::to_string(open->first) + ": YAML syntax error: the " + open->second +
                    " opened on this line is never closed; close it or quote the value");
    throw Error(path + line + ": YAML syntax error: " + e.msg + "; check indentation and quoting");
  }
  if (root.IsNull()) throw Error("config file " + path + " has no settings (only comments?); see README.md for a minimal lightbeam.yaml");
  std::vector<std::string> local_warnings;
  YamlChecks(path, text, warnings ? *warnings : local_warnings).run(root);
  if (!root.IsMap())
    throw Error(path + ":" + std::to_string(root.Mark().line + 1) + ": the config must be a mapping of keys like `edfi_api:`, got " +
                (root.IsSequence() ? "a list" : "\"" + root.Scalar() + "\""));

  Config cfg;
  cfg.config_file = path;
  Loader loader(cfg, params, warnings ? *warnings : local_warnings);
  try {
    loader.walk(root, "");
    for (const auto& [key, value] : overrides) loader.apply_override(key, value);
  } catch (const Error& e) {
    throw Error(log::redact(e.what(), raw_secrets(root, params, overrides)), e.exit_code());
  }

  if (cfg.state_dir.empty())
    (warnings ? *warnings : local_warnings).push_back("`state_dir` not specified in config; continuing without state-tracking");
  cfg.state_dir = expand_tilde(cfg.state_dir);
  cfg.data_dir = expand_tilde(cfg.data_dir);
  const auto& api = cfg.edfi_api;
  cfg.secret_values = secrets_of({api.client_secret},
                                 {api.base_url, api.oauth_url, api.dependencies_url, api.descriptors_swagger_url,
                                  api.resources_swagger_url, api.open_api_metadata_url},
                                 params);
  return cfg;
}

}  // namespace

Config load(const std::string& path, const std::string& params_json, const Overrides& overrides,
            std::vector<std::string>* warnings) {
  std::vector<std::string> local_warnings;
  std::vector<std::string>& out = warnings ? *warnings : local_warnings;
  const std::size_t first_new = out.size();
  auto escape_warnings = [&] {
    for (std::size_t i = first_new; i < out.size(); ++i) out[i] = one_line(out[i]);
  };
  try {
    Config cfg = load_unchecked(path, params_json, overrides, &out);
    escape_warnings();
    return cfg;
  } catch (const Error& e) {
    escape_warnings();
    throw Error(one_line(e.what()), e.exit_code());
  }
}

std::string where(const Config& config, const std::string& key) {
  auto it = config.key_lines.find(key);
  if (it == config.key_lines.end()) return config.config_file + ": ";
  if (it->second < 0) return "--set " + key + ": ";
  return config.config_file + ":" + std::to_string(it->second) + ": ";
}

std::string redact(std::string_view text, const Config& config) { return log::redact(text, config.secret_values); }

std::string dump_redacted(const Config& config) {
  Config copy = config;
  std::string out = "config_file: " + config.config_file;
  for (const auto& spec : specs()) {
    if (spec.key == "edfi_api.school_year") continue;  // alias of edfi_api.year
    Json v = spec.get(copy);
    const bool secret = spec.key == "edfi_api.client_secret" ||
                        std::find(config.redacted_keys.begin(), config.redacted_keys.end(), spec.key) != config.redacted_keys.end();
    // JSON text: strings quoted, so "" and "\t" are visible; invalid UTF-8 in a value is shown as
    // U+FFFD instead of throwing json's type_error out of a DEBUG log line (docs/fuzzing.md, finding 6).
    std::string text = v.dump(-1, ' ', false, Json::error_handler_t::replace);
    if (secret && text != "\"\"") text = "***";
    out += "\n" + spec.key + ": " + text;
  }
  const bool overrides_secret =
      std::find(config.redacted_keys.begin(), config.redacted_keys.end(), k_overrides) != config.redacted_keys.end();
  out += "\n" + k_overrides + ": " + (overrides_secret ? std::string("***") : Json(config.namespace_overrides).dump(-1, ' ', false, Json::error_handler_t::replace));
  return redact(out, config);
}

}  // namespace lightbeam::config
