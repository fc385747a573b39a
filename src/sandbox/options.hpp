// The edfi-sandbox command line (architecture.md §6) as one plain struct.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace lightbeam::sandbox {

enum class Flavor { dms, ods };
enum class ErrorStyle { problem, legacy };

struct Options {
  std::string specs_dir;                   // resources-spec.json + descriptors-spec.json
  std::string host = "127.0.0.1";
  int port = 0;                            // 0 = ephemeral
  std::string db = ":memory:";             // SQLite file, or :memory: (no persistence)
  Flavor flavor = Flavor::dms;
  ErrorStyle errors = ErrorStyle::problem;
  int openapi = 3;                         // 3 or 2 (Swagger 2.0 definitions, ods flavour)
  std::vector<std::pair<std::string, std::string>> clients;  // id, secret
  // Authorization (edfi-api-behavior.md §11, §8.2 #31/#32), by client id; a client absent from a map
  // is unrestricted in that respect.
  std::map<std::string, std::vector<std::string>> namespace_prefixes;  // --namespace-prefix ID=PREFIX
  std::map<std::string, std::vector<std::string>> claim_sets;          // --claim-set ID=PATTERN[,PATTERN...]
  int token_ttl = 1800;                    // seconds
  int page_max = 500;
  bool change_queries = true;              // false: as an ODS/API with the ChangeQueries feature off
  int latency_ms = 0;
  double fail_rate = 0;
  int fail_status = 503;
  double reset_rate = 0;
  double hang_rate = 0;                    // never answered (held until the client gives up)
  double rate_limit = 0;                   // requests per second, 0 = off
  int retry_after = 1;                     // seconds in Retry-After of injected 429/503
  std::uint64_t seed = 1;
  int threads = 0;                         // 0 = automatic (>= 128)
  bool quiet = false;
  // Decimal precision / equality constraints table (docs/sandbox-constraints.md); empty: the
  // specs folder's constraints.json when present, else none.
  std::string constraints_file;
  // Seed data (docs/sandbox.md, "Templates"): none, school-years, minimal, populated or a folder;
  // empty: the flavour's own start (ods school-years, dms none).
  std::string template_name;
  std::string templates_dir;               // holds minimal/ and populated/ (metadata/ds-5.2/template)
};

}  // namespace lightbeam::sandbox
