// Config loading: defaults, every key, env/-p expansion, --set autocast, and every bad input of
// issue 3 (each error names file, line and key).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "core/config/loader.hpp"
#include "core/config/timestamp.hpp"
#include "core/error.hpp"
#include "support/process.hpp"

using lightbeam::Error;
using lightbeam::config::Config;
using lightbeam::config::load;
using lightbeam::config::Overrides;
using lightbeam::testing::TempDir;
using lightbeam::testing::write_file;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

// Loads `yaml` from a fresh file called lightbeam.yaml; returns the config.
struct Fixture {
  TempDir dir;
  std::string path = (dir / "lightbeam.yaml").string();
  Config load_yaml(const std::string& yaml, const std::string& params = "", const Overrides& overrides = {},
                   std::vector<std::string>* warnings = nullptr) {
    write_file(path, yaml);
    std::vector<std::string> local;
    return load(path, params, overrides, warnings ? warnings : &local);
  }
  // The message of the Error that loading `yaml` throws ("" if none).
  std::string error_of(const std::string& yaml, const std::string& params = "", const Overrides& overrides = {}) {
    try {
      load_yaml(yaml, params, overrides);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
};

}  // namespace

TEST(Config, DefaultsMatchTheReadme) {
  Fixture f;
  Config c = f.load_yaml("namespace: ed-fi\n");
  EXPECT_EQ(c.data_dir, "./");
  EXPECT_EQ(c.namespace_, "ed-fi");
  EXPECT_EQ(c.edfi_api.base_url, "https://localhost/api");
  EXPECT_EQ(c.edfi_api.version, 3);
  EXPECT_EQ(c.connection.pool_size, 8);
  EXPECT_EQ(c.connection.timeout, 60);
  EXPECT_EQ(c.connection.num_retries, 10);
  EXPECT_DOUBLE_EQ(c.connection.backoff_factor, 1.5);
  EXPECT_EQ(c.connection.retry_statuses, (std::vector<int>{429, 500, 501, 503, 504}));
  EXPECT_TRUE(c.connection.verify_ssl);
  EXPECT_EQ(c.count.separator, "\t");
  EXPECT_EQ(c.fetch.page_size, 100);
  EXPECT_EQ(c.validate.methods, (std::vector<std::string>{"schema", "descriptors", "uniqueness"}));
  EXPECT_FALSE(c.force_delete);
  EXPECT_EQ(c.log_level, "INFO");
  EXPECT_FALSE(c.show_stacktrace);
  EXPECT_EQ(c.results_format, "current");
  EXPECT_EQ(c.state_dir, "");  // not given: no state tracking, as in Python
}

TEST(Config, ReadsEveryKey) {
  Fixture f;
  Config c = f.load_yaml(R"(state_dir: /tmp/lb-state
data_dir: ./data/
namespace: tpdm
namespace_overrides:
  tpdm: [candidates]
  ed-fi: schools, students
edfi_api:
  base_url: http://127.0.0.1:8080/api
  oauth_url: http://127.0.0.1:8080/api/oauth/token
  dependencies_url: http://127.0.0.1:8080/api/metadata/data/v3/dependencies
  descriptors_swagger_url: http://127.0.0.1:8080/d.json
  resources_swagger_url: http://127.0.0.1:8080/r.json
  open_api_metadata_url: http://127.0.0.1:8080/metadata
  version: 3
  mode: year_specific
  school_year: 2024
  district_id: 255901
  instance_code: inst1
  client_id: populated
  client_secret: populatedSecret
connection:
  pool_size: 16
  timeout: 2.5
  num_retries: 0
  backoff_factor: 0
  retry_statuses: [429, 502]
  verify_ssl: False
count:
  separator: ','
fetch:
  page_size: 500
validate:
  methods: "*"
  references:
    max_failures: 10
    selector: students,schools
    behavior: include
    remote: no
force_delete: True
log_level: debug
show_stacktrace: yes
results_format: legacy
)");
  EXPECT_EQ(c.state_dir, "/tmp/lb-state");
  EXPECT_EQ(c.data_dir, "./data/");
  EXPECT_EQ(c.namespace_, "tpdm");
  EXPECT_EQ(c.namespace_overrides.at("tpdm"), (std::vector<std::string>{"candidates"}));
  EXPECT_EQ(c.namespace_overrides.at("ed-fi"), (std::vector<std::string>{"schools", "students"}));
  EXPECT_EQ(c.edfi_api.base_url, "http://127.0.0.1:8080/api");
  EXPECT_EQ(c.edfi_api.oauth_url, "http://127.0.0.1:8080/api/oauth/token");
  EXPECT_EQ(c.edfi_api.open_api_metadata_url, "http://127.0.0.1:8080/metadata");
  EXPECT_EQ(c.edfi_api.mode, "year_specific");
  EXPECT_EQ(c.edfi_api.year, 2024);
  EXPECT_EQ(c.edfi_api.district_id, "255901");
  EXPECT_EQ(c.edfi_api.instance_code, "inst1");
  EXPECT_EQ(c.edfi_api.client_id, "populated");
  EXPECT_EQ(c.edfi_api.client_secret, "populatedSecret");
  EXPECT_EQ(c.connection.pool_size, 16);
  EXPECT_DOUBLE_EQ(c.connection.timeout, 2.5);
  EXPECT_EQ(c.connection.num_retries, 0);
  EXPECT_EQ(c.connection.retry_statuses, (std::vector<int>{429, 502}));
  EXPECT_FALSE(c.connection.verify_ssl);
  EXPECT_EQ(c.count.separator, ",");
  EXPECT_EQ(c.fetch.page_size, 500);
  EXPECT_EQ(c.validate.methods, (std::vector<std::string>{"schema", "descriptors", "uniqueness", "references"}));
  EXPECT_EQ(c.validate.references.max_failures, 10);
  EXPECT_EQ(c.validate.references.selector, (std::vector<std::string>{"students", "schools"}));
  EXPECT_EQ(c.validate.references.behavior, "include");
  EXPECT_FALSE(c.validate.references.remote);
  EXPECT_TRUE(c.force_delete);
  EXPECT_EQ(c.log_level, "DEBUG");
  EXPECT_TRUE(c.show_stacktrace);
  EXPECT_EQ(c.results_format, "legacy");
  EXPECT_EQ(c.key_lines.at("connection.pool_size"), 22);
}

// Python's logging.getLevelName takes WARN, and its README's example config says `log_level: WARN`.
TEST(Config, LogLevelWarnIsWarning) {
  Fixture f;
  EXPECT_EQ(f.load_yaml("log_level: WARN\n").log_level, "WARNING");
  EXPECT_EQ(f.load_yaml("log_level: warn\n").log_level, "WARNING");
  EXPECT_THAT(f.error_of("log_level: WARNS\n"), HasSubstr("one of ERROR, WARNING, INFO, DEBUG"));
}

TEST(Config, ReadsTheReferenceExamples) {
  const std::string example = std::string(SHARED_DIR) + "/reference/lightbeam-examples/example-lightbeam.yml";
  if (access(example.c_str(), R_OK) != 0) GTEST_SKIP() << "reference examples not found at " << example;
  std::vector<std::string> warnings;
  Config c = load(example, "", {}, &warnings);
  EXPECT_EQ(c.edfi_api.mode, "sandbox");
  EXPECT_EQ(c.fetch.page_size, 500);
  // It has no state_dir: Python's warning, nothing else.
  EXPECT_EQ(warnings, (std::vector<std::string>{"`state_dir` not specified in config; continuing without state-tracking"}));
  warnings.clear();
  // The test config uses ${VAR}s, given here through -p.
  Config t = load(std::string(SHARED_DIR) + "/reference/lightbeam-examples/test-lightbeam.yaml",
                  R"({"BASE_DIR": "/x", "BASE_URL": "http://h/api", "CLIENT_ID": "id", "CLIENT_SECRET": "sec"})", {}, &warnings);
  EXPECT_EQ(t.data_dir, "/x/data/");
  EXPECT_EQ(t.validate.methods.size(), 4u);
}

TEST(Config, MissingFile) {
  TempDir d;
  try {
    load((d / "nope.yaml").string(), "", {});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("nope.yaml does not exist"));
  }
}

TEST(Config, UnreadableFile) {
  if (geteuid() == 0) GTEST_SKIP() << "running as root: file permissions do not stop reads";
  Fixture f;
  write_file(f.path, "namespace: ed-fi\n");
  chmod(f.path.c_str(), 0);
  try {
    load(f.path, "", {});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot read config file"));
    EXPECT_THAT(e.what(), HasSubstr("lightbeam.yaml"));
  }
}

TEST(Config, DirectoryInsteadOfFile) {
  TempDir d;
  EXPECT_THROW(load(d.path().string(), "", {}), Error);
}

TEST(Config, EmptyFile) {
  Fixture f;
  EXPECT_THAT(f.error_of(""), HasSubstr("is empty"));
  EXPECT_THAT(f.error_of("  \n\n"), HasSubstr("is empty"));
  EXPECT_THAT(f.error_of("# only a comment\n"), HasSubstr("has no settings"));
}

TEST(Config, YamlSyntaxErrorShowsTheLine) {
  Fixture f;
  const std::string msg = f.error_of("namespace: ed-fi\nedfi_api:\n  base_url: [unclosed\n  client_id: x\n");
  EXPECT_THAT(msg, HasSubstr("lightbeam.yaml:"));
  EXPECT_THAT(msg, HasSubstr("YAML syntax error"));
  const std::string msg2 = f.error_of("a: b\n  c: d\n");
  EXPECT_THAT(msg2, HasSubstr("lightbeam.yaml:2: YAML syntax error"));
}

// Issue 15: yaml-cpp accepts a quote that is never closed and makes the rest of the file the
// value; PyYAML rejects it. The error names the line of the opening quote and never the value.
TEST(Config, UnterminatedQuoteIsAnErrorNamingTheLine) {
  Fixture f;
  std::string msg = f.error_of("data_dir: ./\nedfi_api:\n  client_secret: \"abc\n  client_id: x\nlog_level: DEBUG\n");
  EXPECT_THAT(msg, HasSubstr("lightbeam.yaml:3: YAML syntax error: the double quote opened on this line (in edfi_api.client_secret) is never closed"));
  EXPECT_THAT(msg, Not(HasSubstr("abc")));
  EXPECT_THAT(f.error_of("namespace: 'ed-fi\ndata_dir: ./\n"), HasSubstr("lightbeam.yaml:1: YAML syntax error: the single quote"));
  EXPECT_THAT(f.error_of("\xEF\xBB\xBFnamespace: ed-fi\r\nedfi_api:\r\n  client_id: &id \"x\r\n"),
              HasSubstr("lightbeam.yaml:3: YAML syntax error: the double quote"));
  EXPECT_THAT(f.error_of("validate:\n  methods: [schema, \"uniqueness]\n"), HasSubstr("YAML syntax error"));  // yaml-cpp's own
  EXPECT_THAT(f.error_of("\"namespace: ed-fi\n"), HasSubstr("lightbeam.yaml:1: YAML syntax error: the double quote"));
  // Closed quotes with escapes, doubled single quotes, multi-line quoted values, aliases, block
  // scalars and quotes inside plain scalars are fine.
  Config c = f.load_yaml("edfi_api:\n  client_secret: \"a\\\"b\\\\\"\n  client_id: 'it''s'\n"
                         "namespace: \"ed-\n  fi\"\ndata_dir: &d \"./x\"\nstate_dir: *d\nlog_level: >\n  DEBUG\ncount:\n  separator: it's\n");
  EXPECT_EQ(c.edfi_api.client_secret, "a\"b\\");
  EXPECT_EQ(c.edfi_api.client_id, "it's");
  EXPECT_EQ(c.namespace_, "ed- fi");
  EXPECT_EQ(c.state_dir, "./x");
  EXPECT_EQ(c.log_level, "DEBUG");
  EXPECT_EQ(c.count.separator, "it's");
}

// Issue 15: PyYAML keeps the last of duplicate keys silently; we keep the last one too, at any
// level (a repeated section replaces the earlier one whole, as in PyYAML), and warn.
TEST(Config, DuplicateKeyWarnsAndTheLastOneIsUsed) {
  Fixture f;
  std::vector<std::string> warnings;
  Config c = f.load_yaml("log_level: DEBUG\nedfi_api:\n  client_id: a\n  client_id: b\n  base_url: http://h/api\n"
                         "log_level: ERROR\nedfi_api:\n  client_id: c\nnamespace_overrides:\n  x: [a]\n  x: [b]\nstate_dir: s\n",
                         "", {}, &warnings);
  EXPECT_EQ(c.log_level, "ERROR");
  EXPECT_EQ(c.edfi_api.client_id, "c");
  EXPECT_EQ(c.edfi_api.base_url, "https://localhost/api");  // the first edfi_api section is replaced whole
  EXPECT_EQ(c.namespace_overrides.at("x"), (std::vector<std::string>{"b"}));
  ASSERT_EQ(warnings.size(), 4u);
  EXPECT_EQ(warnings[0], f.path + ":4: duplicate key edfi_api.client_id (also on line 3): the last one is used; remove the others");
  EXPECT_EQ(warnings[1], f.path + ":6: duplicate key log_level (also on line 1): the last one is used; remove the others");
  EXPECT_EQ(warnings[2], f.path + ":7: duplicate key edfi_api (also on line 2): the last one is used; remove the others");
  EXPECT_EQ(warnings[3], f.path + ":11: duplicate key namespace_overrides.x (also on line 10): the last one is used; remove the others");
}

TEST(Config, RootMustBeAMapping) {
  Fixture f;
  EXPECT_THAT(f.error_of("- a\n- b\n"), HasSubstr("must be a mapping"));
  EXPECT_THAT(f.error_of("just text\n"), HasSubstr("must be a mapping"));
}

TEST(Config, WrongTypesNameFileLineAndKey) {
  Fixture f;
  EXPECT_EQ(f.error_of("namespace: ed-fi\nconnection:\n  pool_size: eight\n"),
            f.path + ":3: connection.pool_size must be an integer from 1 to 10000, got \"eight\"");
  EXPECT_THAT(f.error_of("connection:\n  verify_ssl: maybe\n"), HasSubstr(":2: connection.verify_ssl must be true or false, got \"maybe\""));
  EXPECT_THAT(f.error_of("connection:\n  timeout: soon\n"), HasSubstr(":2: connection.timeout must be a positive number"));
  EXPECT_THAT(f.error_of("connection:\n  retry_statuses: [429, abc]\n"), HasSubstr(":2: connection.retry_statuses must be a list of HTTP status codes"));
  EXPECT_THAT(f.error_of("connection: 8\n"), HasSubstr(":1: connection must be a mapping"));
  EXPECT_THAT(f.error_of("edfi_api:\n  base_url: localhost/api\n"), HasSubstr(":2: edfi_api.base_url must be an http:// or https:// URL"));
  EXPECT_THAT(f.error_of("edfi_api:\n  mode: yearly\n"), HasSubstr(":2: edfi_api.mode must be one of sandbox, shared_instance"));
  EXPECT_THAT(f.error_of("edfi_api:\n  version: 4\n"), HasSubstr("edfi_api.version must be 2 or 3, got \"4\""));
  EXPECT_THAT(f.error_of("edfi_api:\n  year: twenty\n"), HasSubstr("edfi_api.year must be a year"));
  EXPECT_THAT(f.error_of("edfi_api:\n  client_id: [a, b]\n"), HasSubstr("edfi_api.client_id must be a string, got a list"));
  EXPECT_THAT(f.error_of("fetch:\n  page_size: 0\n"), HasSubstr("fetch.page_size must be an integer from 1 to 1000000, got \"0\""));
  EXPECT_THAT(f.error_of("validate:\n  methods: [schema, spelling]\n"), HasSubstr("validate.methods must be a list of schema"));
  EXPECT_THAT(f.error_of("validate:\n  references:\n    behavior: maybe\n"), HasSubstr(":3: validate.references.behavior must be one of exclude, include"));
  EXPECT_THAT(f.error_of("log_level: LOUD\n"), HasSubstr(":1: log_level must be one of ERROR, WARNING, INFO, DEBUG"));
  EXPECT_THAT(f.error_of("results_format: new\n"), HasSubstr("results_format must be one of current, legacy"));
  EXPECT_THAT(f.error_of("force_delete: sure\n"), HasSubstr("force_delete must be true or false"));
  EXPECT_THAT(f.error_of("namespace_overrides: [a]\n"), HasSubstr("namespace_overrides must be a mapping"));
  EXPECT_THAT(f.error_of("count:\n  separator: ''\n"), HasSubstr("count.separator must be a non-empty string"));
}

TEST(Config, NegativeOrZeroPoolSize) {
  Fixture f;
  EXPECT_THAT(f.error_of("connection:\n  pool_size: -3\n"), HasSubstr(":2: connection.pool_size must be an integer from 1 to 10000, got \"-3\""));
  EXPECT_THAT(f.error_of("connection:\n  pool_size: 0\n"), HasSubstr("must be an integer from 1 to 10000"));
  EXPECT_THAT(f.error_of("connection:\n  pool_size: 10001\n"), HasSubstr("pool_size must be an integer from 1 to 10000, got \"10001\""));
  EXPECT_THAT(f.error_of("connection:\n  num_retries: -1\n"), HasSubstr("connection.num_retries must be an integer from 0 to 1000"));
}

TEST(Config, UnknownKeyWarnsWithClosestKnownKey) {
  Fixture f;
  std::vector<std::string> warnings;
  Config c = f.load_yaml("namespace: ed-fi\nconnection:\n  pool_sise: 4\nlog_levle: DEBUG\nstate_dir: s\n", "", {}, &warnings);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_THAT(warnings[0], HasSubstr("lightbeam.yaml:3: unknown key connection.pool_sise is ignored (did you mean connection.pool_size?)"));
  EXPECT_THAT(warnings[1], HasSubstr(":4: unknown key log_levle is ignored (did you mean log_level?)"));
  EXPECT_EQ(c.connection.pool_size, 8);
}

TEST(Config, NullValueKeepsTheDefault) {
  Fixture f;
  Config c = f.load_yaml("edfi_api:\nconnection:\n  pool_size:\n");
  EXPECT_EQ(c.connection.pool_size, 8);
}

TEST(Config, EnvironmentExpansion) {
  Fixture f;
  setenv("LB_TEST_URL", "http://127.0.0.1:9/api", 1);
  setenv("LB_TEST_POOL", "12", 1);
  Config c = f.load_yaml("edfi_api:\n  base_url: ${LB_TEST_URL}\n  client_id: pre-$LB_TEST_POOL-post\n"
                         "connection:\n  pool_size: ${LB_TEST_POOL}\ndata_dir: a$$b/\nnamespace: $ \n");
  EXPECT_EQ(c.edfi_api.base_url, "http://127.0.0.1:9/api");
  EXPECT_EQ(c.edfi_api.client_id, "pre-12-post");
  EXPECT_EQ(c.connection.pool_size, 12);
  EXPECT_EQ(c.data_dir, "a$$b/");  // os.path.expandvars keeps "$$"
  EXPECT_EQ(c.namespace_, "$");
  unsetenv("LB_TEST_URL");
  unsetenv("LB_TEST_POOL");
}

// Issue 13 item 11: as os.path.expandvars, an unset variable stays in the value as written (a
// secret may contain "$"), with a warning naming the key (and the variable, but never a part of
// the secret).
TEST(Config, UndefinedVariableStaysAsWrittenWithAWarning) {
  Fixture f;
  unsetenv("LB_TEST_UNSET_VAR");
  unsetenv("rt9");
  std::vector<std::string> warnings;
  Config c = f.load_yaml("namespace: ed-fi\nedfi_api:\n  client_secret: pa$rt9-${LB_TEST_UNSET_VAR}\ndata_dir: $LB_TEST_UNSET_VAR/x\n",
                         "", {}, &warnings);
  EXPECT_EQ(c.edfi_api.client_secret, "pa$rt9-${LB_TEST_UNSET_VAR}");
  EXPECT_EQ(c.data_dir, "$LB_TEST_UNSET_VAR/x");
  std::erase_if(warnings, [](const std::string& w) { return w.find("set neither") == std::string::npos; });
  ASSERT_EQ(warnings.size(), 3u);  // $rt9 and ${LB_TEST_UNSET_VAR} in the secret, then data_dir's
  EXPECT_THAT(warnings[0], HasSubstr(":3: edfi_api.client_secret names a variable that is set neither in the environment nor in -p/--params"));
  EXPECT_THAT(warnings[0], Not(HasSubstr("rt9")));
  EXPECT_THAT(warnings[1], Not(HasSubstr("LB_TEST_UNSET_VAR")));
  EXPECT_THAT(warnings[2], HasSubstr(":4: data_dir uses ${LB_TEST_UNSET_VAR} that is set neither"));
}

TEST(Config, ParamsOverrideTheEnvironment) {
  Fixture f;
  setenv("LB_TEST_ID", "from-env", 1);
  Config c = f.load_yaml("edfi_api:\n  client_id: ${LB_TEST_ID}\n  client_secret: ${LB_TEST_SECRET}\nfetch:\n  page_size: $SIZE\n",
                         R"({"LB_TEST_ID": "from-params", "LB_TEST_SECRET": "s3cr3t-value", "SIZE": 250})");
  EXPECT_EQ(c.edfi_api.client_id, "from-params");
  EXPECT_EQ(c.edfi_api.client_secret, "s3cr3t-value");
  EXPECT_EQ(c.fetch.page_size, 250);
  Config env_only = f.load_yaml("edfi_api:\n  client_id: ${LB_TEST_ID}\n");
  EXPECT_EQ(env_only.edfi_api.client_id, "from-env");
  unsetenv("LB_TEST_ID");
}

TEST(Config, MalformedParams) {
  Fixture f;
  const std::string msg = f.error_of("namespace: ed-fi\n", R"({"SECRET": "hunter2")");
  EXPECT_THAT(msg, HasSubstr("-p/--params is not valid JSON"));
  EXPECT_THAT(msg, Not(HasSubstr("hunter2")));
  EXPECT_THAT(f.error_of("namespace: ed-fi\n", R"(["a"])"), HasSubstr("-p/--params must be a JSON object"));
  EXPECT_THAT(f.error_of("namespace: ed-fi\n", R"({"A": {"b": 1}})"), HasSubstr("value of \"A\" must be a string or a number"));
}

TEST(Config, BadValueFromParamsIsNotEchoed) {
  Fixture f;
  const std::string msg = f.error_of("connection:\n  pool_size: ${P}\n", R"({"P": "secretish"})");
  EXPECT_THAT(msg, HasSubstr("connection.pool_size must be an integer from 1 to 10000, got a value from -p/--params"));
  EXPECT_THAT(msg, Not(HasSubstr("secretish")));
}

TEST(Config, SetOverridesWithAutocast) {
  Fixture f;
  Config c = f.load_yaml("connection:\n  pool_size: 4\n", "",
                         {{"connection.pool_size", "32"},
                          {"connection.verify_ssl", "off"},
                          {"force_delete", "Y"},
                          {"connection.timeout", "1.25"},
                          {"connection.retry_statuses", "500,503"},
                          {"validate.methods", "all"},
                          {"edfi_api.client_id", "true"},
                          {"namespace_overrides.tpdm", "candidates"},
                          {"validate.references.selector", "[a, b]"}});
  EXPECT_EQ(c.connection.pool_size, 32);
  EXPECT_FALSE(c.connection.verify_ssl);
  EXPECT_TRUE(c.force_delete);
  EXPECT_DOUBLE_EQ(c.connection.timeout, 1.25);
  EXPECT_EQ(c.connection.retry_statuses, (std::vector<int>{500, 503}));
  EXPECT_EQ(c.validate.methods.size(), 4u);
  EXPECT_EQ(c.edfi_api.client_id, "true");  // a string key keeps the text
  EXPECT_EQ(c.namespace_overrides.at("tpdm"), (std::vector<std::string>{"candidates"}));
  EXPECT_EQ(c.validate.references.selector, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(lightbeam::config::where(c, "connection.pool_size"), "--set connection.pool_size: ");
  for (auto t : {"true", "YES", "on", "T", "y"}) EXPECT_TRUE(f.load_yaml("a: 1\n", "", {{"show_stacktrace", t}}).show_stacktrace) << t;
  for (auto t : {"false", "No", "OFF", "f", "n"}) EXPECT_FALSE(f.load_yaml("a: 1\n", "", {{"connection.verify_ssl", t}}).connection.verify_ssl) << t;
}

TEST(Config, SetUnknownKeyOrBadValue) {
  Fixture f;
  EXPECT_THAT(f.error_of("namespace: ed-fi\n", "", {{"connection.pool_sise", "4"}}),
              HasSubstr("--set connection.pool_sise: unknown key (did you mean connection.pool_size?)"));
  EXPECT_THAT(f.error_of("namespace: ed-fi\n", "", {{"connection.pool_size", "eight"}}),
              HasSubstr("--set: connection.pool_size must be an integer from 1 to 10000, got \"eight\""));
}

TEST(Config, WhereNamesFileAndLine) {
  Fixture f;
  Config c = f.load_yaml("namespace: ed-fi\nedfi_api:\n  base_url: http://x/api\n");
  EXPECT_EQ(lightbeam::config::where(c, "edfi_api.base_url"), f.path + ":3: ");
  EXPECT_EQ(lightbeam::config::where(c, "connection.pool_size"), f.path + ": ");
}

TEST(Config, DumpRedactsSecretsAndParams) {
  Fixture f;
  Config c = f.load_yaml("edfi_api:\n  client_id: ${ID}\n  client_secret: topsecret-1\n  base_url: http://h/${TENANT}\n",
                         R"({"ID": "client-from-p", "TENANT": "tenant-abc"})");
  const std::string dump = lightbeam::config::dump_redacted(c);
  EXPECT_THAT(dump, HasSubstr("edfi_api.client_secret: ***"));
  EXPECT_THAT(dump, HasSubstr("edfi_api.client_id: ***"));
  EXPECT_THAT(dump, HasSubstr("edfi_api.base_url: ***"));
  EXPECT_THAT(dump, HasSubstr("connection.pool_size: 8"));
  EXPECT_THAT(dump, Not(HasSubstr("topsecret-1")));
  EXPECT_THAT(dump, Not(HasSubstr("client-from-p")));
  EXPECT_THAT(dump, Not(HasSubstr("tenant-abc")));
  EXPECT_EQ(lightbeam::config::redact("token for client-from-p with topsecret-1", c), "token for *** with ***");
}

TEST(Config, FindConfigFile) {
  EXPECT_EQ(lightbeam::config::find_config_file("given.yaml"), "given.yaml");
}

TEST(Timestamp, ParsesThePythonToolsForms) {
  using lightbeam::config::parse_timestamp;
  auto a = parse_timestamp("2020-12-25T00:00:00");
  auto b = parse_timestamp("2020-12-25 00:00:00");
  auto c = parse_timestamp("2020-12-25");
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(*a, *c);
  EXPECT_EQ(*parse_timestamp("2020-12-25T00:00:00Z"), 1608854400.0);
  EXPECT_EQ(*parse_timestamp("2020-12-25T01:00:00+01:00"), 1608854400.0);
  EXPECT_DOUBLE_EQ(*parse_timestamp("2020-12-25T00:00:00.5Z"), 1608854400.5);
  EXPECT_TRUE(parse_timestamp("2020/12/25"));
  EXPECT_TRUE(parse_timestamp("2020-12-25T10:30"));
  for (auto bad : {"", "yesterday", "2020-13-01", "2020-02-30", "2020-12-25T25:00:00", "2020-12-25X", "12/25/2020"})
    EXPECT_FALSE(parse_timestamp(bad)) << bad;
}
