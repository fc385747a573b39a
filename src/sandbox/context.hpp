// The state every request stage and route family of edfi-sandbox shares (options, model, store,
// checks, counters) and the response helpers they all answer with (responses.cpp).
#pragma once
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "core/schema/spec_model.hpp"
#include "sandbox/auth.hpp"
#include "sandbox/authorization.hpp"
#include "sandbox/constraints.hpp"
#include "sandbox/faults.hpp"
#include "sandbox/options.hpp"
#include "sandbox/problem.hpp"
#include "sandbox/stats.hpp"
#include "sandbox/store.hpp"
#include "sandbox/template.hpp"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace lightbeam::sandbox {

inline constexpr const char* k_json = "application/json; charset=utf-8";
inline constexpr const char* k_problem_json = "application/problem+json";

struct Context {
  Options options;
  schema::SpecModel model;
  Store store;
  Constraints constraints;  // §5 step 11: decimals, equality constraints, key unification
  Auth auth;
  Authorization authz;
  Faults faults;
  Stats stats;
  nlohmann::json dependencies;
  int port = 0;
  std::mutex spec_cache_mutex;
  std::map<std::string, std::string> spec_cache;  // "<host>|resources" → rendered document
  TemplateLoad template_load;
  std::mutex hang_mutex;  // --hang-rate: unanswered requests wait on hang_cv until stop()
  std::condition_variable hang_cv;
  bool stopping = false;

  Context(Options o, schema::SpecModel m);

  void load_seed();

  bool ods() const { return options.flavor == Flavor::ods; }
  std::string base_path() const { return ods() ? "/api" : ""; }
  std::string data_path() const { return ods() ? "/api/data/v3" : "/data"; }

  static std::string host_of(const httplib::Request& req, int port);
  std::string root(const httplib::Request& req) const { return host_of(req, port) + base_path(); }
  std::string data_root(const httplib::Request& req) const { return host_of(req, port) + data_path(); }

  // ---- responses (responses.cpp) --------------------------------------------------------------

  void send(httplib::Response& res, int status, const std::string& body, const char* type = k_json);
  std::string correlation_of(const httplib::Request& req) const;
  void send_problem(const httplib::Request& req, httplib::Response& res, const Problem& p,
                    const std::string& resource_name = {});
  void record(const httplib::Request& req, const std::string& route, const httplib::Response& res);
};

}  // namespace lightbeam::sandbox
