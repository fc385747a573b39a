// Construction of the shared sandbox state (the store seeded from the template) and the URL roots
// the responses name.
#include "sandbox/context.hpp"

#include <httplib.h>

#include "core/schema/dependencies.hpp"

namespace lightbeam::sandbox {

Context::Context(Options o, schema::SpecModel m)
    : options(std::move(o)),
      model(std::move(m)),
      store(model, options.db, options.seed),
      constraints(model, Constraints::choose_file(options.specs_dir, options.constraints_file)),
      auth(options.clients, options.token_ttl),
      authz(model, options),
      faults(options),
      dependencies(schema::dependencies_to_json(schema::compute_dependencies(model))) {
  // A template seeds a new database only, as a real one is created from it once.
  if (store.size() == 0) load_seed();
}

void Context::load_seed() {
  template_load = load_template(options.template_name, options.templates_dir, model, store);
}

std::string Context::host_of(const httplib::Request& req, int port) {
  std::string host = req.get_header_value("Host");
  if (host.empty()) host = "127.0.0.1:" + std::to_string(port);
  return "http://" + host;
}

}  // namespace lightbeam::sandbox
