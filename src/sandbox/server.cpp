// edfi-sandbox's HTTP server: httplib setup, the §9 headers of every response, the dispatch to the
// route families (control, OAuth, data, metadata; one file each), the catch-all 500, and the answers
// httplib gives itself (bodies without a length, 413).
#include "sandbox/server.hpp"

#include <httplib.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "sandbox/context.hpp"
#include "sandbox/routes_control.hpp"
#include "sandbox/routes_data.hpp"
#include "sandbox/routes_metadata.hpp"
#include "sandbox/routes_read.hpp"
#include "sandbox/routes_token.hpp"

namespace lightbeam::sandbox {

struct Server::Impl {
  Context ctx;
  httplib::Server http;

  Impl(Options o, schema::SpecModel m) : ctx(std::move(o), std::move(m)) {}

  void handle(const httplib::Request& req, httplib::Response& res) {
    try {
      res.set_header("X-Content-Type-Options", "nosniff");
      res.set_header("Referrer-Policy", "no-referrer");
      if (routes::control(ctx, req, res)) return;
      if (routes::token(ctx, req, res)) return;
      if (routes::data(ctx, req, res)) return;
      if (routes::change_versions(ctx, req, res)) return;
      if (routes::metadata(ctx, req, res)) return;
      ctx.send_problem(req, res, not_found_route());
      ctx.record(req, "not-found", res);
    } catch (const std::exception& e) {
      spdlog::error("internal error on {} {}: {}", req.method, req.path, e.what());
      res.headers.erase("Location");
      res.headers.erase("ETag");
      ctx.send_problem(req, res, system_error());
      ctx.record(req, "error", res);
    }
  }
};

Server::Server(Options options, schema::SpecModel model) : impl_(std::make_unique<Impl>(std::move(options), std::move(model))) {
  auto& http = impl_->http;
  int threads = impl_->ctx.options.threads > 0 ? impl_->ctx.options.threads : 128;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  http.set_keep_alive_max_count(1000000);
  http.set_keep_alive_timeout(30);
  http.set_read_timeout(30);
  http.set_payload_max_length(10 * 1024 * 1024);
  http.set_tcp_nodelay(true);
  auto handler = [this](const httplib::Request& req, httplib::Response& res) { impl_->handle(req, res); };
  http.Get(".*", handler);
  http.Post(".*", handler);
  http.Put(".*", handler);
  http.Patch(".*", handler);
  http.Delete(".*", handler);
  http.Options(".*", handler);
  // A POST/PUT/PATCH without Content-Length or chunked encoding has an empty body (RFC 9112 §6.3);
  // httplib would wait for the connection to close instead, so such requests are answered here,
  // before it reads content.
  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if ((req.method == "POST" || req.method == "PUT" || req.method == "PATCH" || req.method == "DELETE") &&
        !req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) {
      impl_->handle(req, res);
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 413 && res.body.empty()) {
      Problem p;
      p.status = 413;
      p.type = "urn:ed-fi:api:request-entity-too-large";
      p.title = "Payload Too Large";
      p.detail = "The request body is larger than the 10 MB limit.";
      p.problem_content_type = true;
      impl_->ctx.send_problem(req, res, p);
    }
  });
}

Server::~Server() = default;

int Server::bind() {
  auto& impl = *impl_;
  Context& ctx = impl.ctx;
  if (ctx.options.port == 0) {
    ctx.port = impl.http.bind_to_any_port(ctx.options.host);
  } else {
    ctx.port = impl.http.bind_to_port(ctx.options.host, ctx.options.port) ? ctx.options.port : -1;
  }
  if (ctx.port <= 0)
    throw Error(fmt::format("cannot listen on {}:{} (port in use or not allowed); pick another --port or use --port 0",
                            ctx.options.host, ctx.options.port));
  return ctx.port;
}

std::string Server::base_url() const {
  return fmt::format("http://{}:{}{}", impl_->ctx.options.host, impl_->ctx.port, impl_->ctx.base_path());
}

std::string Server::template_summary() const {
  const Context& ctx = impl_->ctx;
  const TemplateLoad& t = ctx.template_load;
  if (t.loaded == 0 && t.failed == 0) return "";
  std::string text = fmt::format("{} documents from template {}", t.loaded, ctx.options.template_name);
  if (!ctx.options.templates_dir.empty()) text += " in " + ctx.options.templates_dir;  // which copy: installed or source
  if (t.failed > 0) {
    text += fmt::format(" ({} not loaded", t.failed);
    for (auto& f : t.first_failures) text += "; " + f;
    text += ")";
  }
  return text;
}

void Server::run() { impl_->http.listen_after_bind(); }

void Server::stop() {
  {
    std::lock_guard lock(impl_->ctx.hang_mutex);
    impl_->ctx.stopping = true;
  }
  impl_->ctx.hang_cv.notify_all();
  impl_->http.stop();
}

}  // namespace lightbeam::sandbox
