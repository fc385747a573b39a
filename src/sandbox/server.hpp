// The HTTP side of edfi-sandbox: routes (discovery, metadata, OAuth, data, stats), the write
// pipeline checks that precede the store (§5 steps 1–12), fault injection and response headers.
#pragma once
#include <memory>
#include <string>

#include "core/schema/spec_model.hpp"
#include "sandbox/options.hpp"

namespace lightbeam::sandbox {

class Server {
 public:
  Server(Options options, schema::SpecModel model);
  ~Server();
  // Binds 127.0.0.1:port (0 = ephemeral); returns the bound port. Throws Error when it cannot bind.
  int bind();
  // The discovery URL (what a client uses as base_url) for the bound port.
  std::string base_url() const;
  // What the template put into the store at start-up: "<n> documents from template <name>" (plus
  // the failures), empty when none was loaded.
  std::string template_summary() const;
  // Serves until stop() (from a signal-watching thread).
  void run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lightbeam::sandbox
