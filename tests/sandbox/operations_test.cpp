// edfi-sandbox as a program: command line, start-up errors, clean stop, persistence, stats/reset,
// fault injection (deterministic with --seed), token expiry, concurrency, and loading DS 5.2.
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "sandbox_client.hpp"

using namespace sandbox_test;
using lightbeam::testing::run_process;
using lightbeam::testing::TempDir;
namespace fs = std::filesystem;

namespace {

TEST(SandboxProgram, MissingSpecsFolderIsAClearError) {
  auto r = run_process({lightbeam::testing::sandbox_bin(), "--specs", "/nonexistent/specs", "--port", "0"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/nonexistent/specs"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("terminate"), std::string::npos);
}

TEST(SandboxProgram, InvalidSpecFileIsAClearError) {
  TempDir dir;
  lightbeam::testing::write_file(dir / "resources-spec.json", "{not json");
  lightbeam::testing::write_file(dir / "descriptors-spec.json", "{}");
  auto r = run_process({lightbeam::testing::sandbox_bin(), "--specs", dir.path().string(), "--port", "0"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("resources-spec.json"), std::string::npos) << r.err;
}

// A copy of the program in <root>/bin reads <root>/share/lightbeam/metadata, as `make install` and
// the .deb lay it out, before the source tree. The planted files make it stop with their paths.
TEST(SandboxProgram, InstalledCopyReadsShareLightbeamMetadata) {
  TempDir root;
  fs::create_directories(root / "bin");
  fs::copy_file(lightbeam::testing::sandbox_bin(), root / "bin/edfi-sandbox");
  const fs::path share = root.path() / "share/lightbeam/metadata";
  fs::create_directories(share);
  lightbeam::testing::write_file(share / "resources-spec.json", "{not json");
  lightbeam::testing::write_file(share / "descriptors-spec.json", "{}");
  auto r = run_process({(root / "bin/edfi-sandbox").string(), "--port", "0"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find((share / "resources-spec.json").string()), std::string::npos) << r.err;

  for (auto name : {"resources-spec.json", "descriptors-spec.json"})
    fs::copy_file(lightbeam::testing::own_metadata_dir() / name, share / name, fs::copy_options::overwrite_existing);
  fs::create_directories(share / "ds-5.2/template");  // without its minimal/ folder
  r = run_process({(root / "bin/edfi-sandbox").string(), "--port", "0", "--template", "minimal"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find((share / "ds-5.2/template/minimal").string() + " does not exist"), std::string::npos) << r.err;
}

TEST(SandboxProgram, BadOptionsExitNonZero) {
  EXPECT_NE(run_process({lightbeam::testing::sandbox_bin(), "--flavor", "xyz"}).exit_code, 0);
  EXPECT_NE(run_process({lightbeam::testing::sandbox_bin(), "--client", "nocolon"}).exit_code, 0);
}

TEST(SandboxProgram, StopsCleanlyOnSigterm) {
  lightbeam::testing::Sandbox sb;
  EXPECT_EQ(sb.base_url().rfind("http://127.0.0.1:", 0), 0u);
  EXPECT_EQ(http("GET", sb.base_url()).status, 200);
  EXPECT_EQ(sb.stop(), 0);
}

TEST(SandboxProgram, CustomClientsAndTokenExpiry) {
  Api api("dms", {"--client", "alice:secret1", "--client", "bob:secret2", "--token-ttl", "1"});
  EXPECT_TRUE(api.token().empty());  // the default client is replaced
  std::string token = api.fetch_token("bob:secret2");
  ASSERT_FALSE(token.empty());
  std::vector<std::string> auth{"Authorization: Bearer " + token};
  EXPECT_EQ(http("GET", api.data() + "/ed-fi/students", "", auth).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  Response expired = http("GET", api.data() + "/ed-fi/students", "", auth);
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(expired.json_body()["errors"], json::array({"Invalid token"}));
}

TEST(SandboxProgram, StatsAndReset) {
  Api api;
  api.create("/ed-fi/students", student("s1"));
  api.post("/ed-fi/students", student("s1"));
  api.post("/ed-fi/students", json::object());
  api.get("/ed-fi/nothing");
  json s = api.stats();
  EXPECT_EQ(s["requests"]["by_route"]["POST /ed-fi/students"]["201"], 1);
  EXPECT_EQ(s["requests"]["by_route"]["POST /ed-fi/students"]["200"], 1);
  EXPECT_EQ(s["requests"]["by_route"]["POST /ed-fi/students"]["400"], 1);
  EXPECT_EQ(s["requests"]["by_route"]["POST /oauth/token"]["200"], 1);
  EXPECT_EQ(s["requests"]["by_route"]["GET not-found"]["404"], 1);
  EXPECT_EQ(s["requests"]["by_method"]["POST"], 4);
  EXPECT_EQ(s["documents"]["/ed-fi/students"], 1);
  EXPECT_EQ(s["documents_total"], 1);
  EXPECT_EQ(http("POST", api.host() + "/_sandbox/reset", "", {}, true).status, 200);
  json after = api.stats();
  EXPECT_EQ(after["documents_total"], 0);
  EXPECT_EQ(after["requests"]["total"], 0);
  EXPECT_EQ(api.get("/ed-fi/students").json_body(), json::array());
}

TEST(SandboxProgram, PersistsInASqliteFile) {
  TempDir dir;
  std::string db = (dir / "sandbox.db").string();
  std::string id;
  {
    Api api("dms", {"--db", db});
    seed_school(api);
    api.create("/ed-fi/students", student("s1"));
    id = api.create("/ed-fi/studentSchoolAssociations", ssa("s1"));
  }
  Api again("dms", {"--db", db});
  Response got = again.get("/ed-fi/studentSchoolAssociations/" + id);
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.json_body()["studentReference"]["studentUniqueId"], "s1");
  // References survive the restart: the student cannot be deleted, the upsert finds the same id.
  std::string student_id = again.get("/ed-fi/students").json_body()[0]["id"];
  EXPECT_EQ(again.del("/ed-fi/students/" + student_id).status, 409);
  EXPECT_EQ(again.post("/ed-fi/studentSchoolAssociations", ssa("s1")).status, 200);
}

// Injected failures: status, Retry-After, counted in stats; never on OAuth or metadata.
TEST(SandboxFaults, FailRateAndStatus) {
  Api api("dms", {"--fail-rate", "1", "--fail-status", "503", "--retry-after", "2"});
  ASSERT_FALSE(api.token().empty());
  Response r = api.get("/ed-fi/students");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.header("retry-after"), "2");
  EXPECT_EQ(http("GET", api.base()).status, 200);
  EXPECT_EQ(api.stats()["requests"]["faults"]["failed"], 1);

  Api throttled("dms", {"--fail-rate", "1", "--fail-status", "429"});
  Response t = throttled.get("/ed-fi/students");
  EXPECT_EQ(t.status, 429);
  EXPECT_EQ(t.header("retry-after"), "1");
}

TEST(SandboxFaults, SeedMakesFailuresReproducible) {
  auto run = [](const std::string& seed) {
    Api api("dms", {"--fail-rate", "0.5", "--seed", seed});
    std::string pattern;
    for (int i = 0; i < 40; ++i) pattern += api.get("/ed-fi/students").status == 200 ? '.' : 'x';
    return pattern;
  };
  std::string a = run("7"), b = run("7"), c = run("8");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a.find('x'), std::string::npos);
  EXPECT_NE(a.find('.'), std::string::npos);
}

TEST(SandboxFaults, ResetDropsTheConnection) {
  Api api("dms", {"--reset-rate", "1"});
  Response r = api.get("/ed-fi/students");
  EXPECT_EQ(r.status, 0) << r.body;
  EXPECT_FALSE(r.error.empty());
  EXPECT_EQ(api.stats()["requests"]["faults"]["reset"], 1);
  EXPECT_EQ(http("GET", api.base()).status, 200);  // the server keeps serving
}

TEST(SandboxFaults, RateLimitAnswers429) {
  Api api("dms", {"--rate-limit", "2"});
  int limited = 0;
  for (int i = 0; i < 10; ++i) {
    Response r = api.get("/ed-fi/students");
    if (r.status == 429) {
      ++limited;
      EXPECT_EQ(r.header("retry-after"), "1");
    }
  }
  EXPECT_GT(limited, 0);
}

TEST(SandboxFaults, LatencyIsAdded) {
  Api api("dms", {"--latency-ms", "200"});
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(api.get("/ed-fi/students").status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
}

// 64 concurrent keep-alive clients posting distinct students: every one stored once.
TEST(SandboxConcurrency, ManyConnections) {
  Api api;
  std::atomic<int> created{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 64; ++t) {
    threads.emplace_back([&, t] {
      CURL* curl = curl_easy_init();
      std::string auth = "Authorization: Bearer " + api.token();
      curl_slist* list = curl_slist_append(nullptr, auth.c_str());
      list = curl_slist_append(list, "Content-Type: application/json");
      for (int i = 0; i < 20; ++i) {
        std::string sid = std::string("c").append(std::to_string(t)).append("-").append(std::to_string(i));
        std::string body = student(sid).dump();
        std::string out;
        std::string url = api.data() + "/ed-fi/students";
        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_cb);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
        if (curl_easy_perform(curl) == CURLE_OK) {
          long status = 0;
          curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
          if (status == 201) ++created;
        }
      }
      curl_slist_free_all(list);
      curl_easy_cleanup(curl);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 64 * 20);
  EXPECT_EQ(api.stats()["documents"]["/ed-fi/students"], 64 * 20);
}

TEST(SandboxDs52, LoadsAllResourcesAndDescriptors) {
  if (!lightbeam::testing::have_ds52_specs()) GTEST_SKIP() << "DS 5.2 specs not found at " << lightbeam::testing::ds52_specs_dir();
  for (std::string flavor : {"dms", "ods"}) {
    Api api(flavor, {"--specs", lightbeam::testing::ds52_specs_dir().string()});
    std::string err = api.sandbox().stderr_text();
    EXPECT_NE(err.find("loaded 153 resources and 229 descriptors"), std::string::npos) << err;
    // A studentSchoolAssociation with its school, student and descriptors; the TPDM project is served too.
    api.create("/ed-fi/gradeLevelDescriptors", descriptor("GradeLevelDescriptor", "Ninth grade"));
    api.create("/ed-fi/educationOrganizationCategoryDescriptors", descriptor("EducationOrganizationCategoryDescriptor", "School"));
    api.create("/ed-fi/schools", json{{"schoolId", 255901},
                                      {"nameOfInstitution", "Grand Bend High School"},
                                      {"gradeLevels", {{{"gradeLevelDescriptor", "uri://ed-fi.org/GradeLevelDescriptor#Ninth grade"}}}},
                                      {"educationOrganizationCategories",
                                       {{{"educationOrganizationCategoryDescriptor",
                                          "uri://ed-fi.org/EducationOrganizationCategoryDescriptor#School"}}}}});
    api.create("/ed-fi/students", student("s1"));
    Response r = api.post("/ed-fi/studentSchoolAssociations", ssa("s1"));
    EXPECT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(api.get("/tpdm/candidates").status, 200);
    json deps = http("GET", api.base() + (flavor == "ods" ? "/metadata/data/v3/dependencies" : "/metadata/dependencies")).json_body();
    EXPECT_GT(deps.size(), 380u);
  }
}

}  // namespace
