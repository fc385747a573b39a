// The data path: its parsing (school-year segment, trailing slash, /partitions, the id), GET by id,
// POST, PUT and DELETE through the request stages, Location/ETag headers and the 405s. The collection
// GET is the read side's (routes_read.cpp).
#include "sandbox/routes_data.hpp"

#include <httplib.h>

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "sandbox/paths.hpp"
#include "sandbox/routes_read.hpp"
#include "sandbox/stage_authentication.hpp"
#include "sandbox/stage_authorization.hpp"
#include "sandbox/stage_faults.hpp"
#include "sandbox/stage_validation.hpp"

namespace lightbeam::sandbox::routes {

using schema::Endpoint;

namespace {

bool is_uuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

std::string location(const Context& ctx, const httplib::Request& req, const Endpoint& ep, const std::string& id) {
  return ctx.data_root(req) + "/" + ep.project + "/" + ep.name + "/" + id;
}

void get_item(Context& ctx, const httplib::Request& req, httplib::Response& res, const Endpoint& ep,
              const std::string& id) {
  if (auto denied = stage::item_denied(ctx, req, ep, id)) {
    ctx.send_problem(req, res, *denied);
    return;
  }
  ReadOutcome r = ctx.store.get(ep, id, req.get_header_value("If-None-Match"));
  if (r.status == 404) {
    res.status = 404;
    return;
  }
  res.set_header("ETag", "\"" + r.etag + "\"");
  res.set_header("Vary", "Accept");
  if (r.status == 304) {
    res.status = 304;
    return;
  }
  ctx.send(res, 200, r.body);
}

void write(Context& ctx, const httplib::Request& req, httplib::Response& res, const Endpoint& ep,
           const std::string& url_id) {
  bool is_put = !url_id.empty();
  stage::ValidatedBody body = stage::validate_body(ctx, req, ep, url_id);
  if (body.problem) {
    ctx.send_problem(req, res, *body.problem, body.resource_name);
    return;
  }
  // Step 13: authorization (claim set, then the namespace of the body, then of the stored document).
  if (auto denied = stage::write_denied(ctx, req, ep, body.doc, url_id)) {
    ctx.send_problem(req, res, *denied);
    return;
  }
  Preconditions pre{req.get_header_value("If-Match"), req.get_header_value("If-None-Match")};
  WriteOutcome out = is_put ? ctx.store.put(ep, url_id, std::move(body.doc), pre)
                            : ctx.store.post(ep, std::move(body.doc), pre);
  if (out.problem) {
    ctx.send_problem(req, res, *out.problem, ep.resource_name);
    return;
  }
  res.status = out.status;
  res.set_header("Location", location(ctx, req, ep, out.id));
  res.set_header("ETag", "\"" + out.etag + "\"");
}

void remove(Context& ctx, const httplib::Request& req, httplib::Response& res, const Endpoint& ep,
            const std::string& id) {
  if (auto denied = stage::item_denied(ctx, req, ep, id)) {
    ctx.send_problem(req, res, *denied);
    return;
  }
  WriteOutcome out = ctx.store.remove(ep, id, {req.get_header_value("If-Match"), ""});
  if (out.problem) {
    ctx.send_problem(req, res, *out.problem, ep.resource_name);
    return;
  }
  res.status = out.status;
}

void handle_data(Context& ctx, const httplib::Request& req, httplib::Response& res, const std::string& rel) {
  std::string route = "/data" + rel;
  // Faults first: they stand for the infrastructure in front of the API.
  if (stage::inject_faults(ctx, req, res)) return;
  if (stage::reject_unauthenticated(ctx, req, res)) return;
  auto segs = split_path(rel.substr(1));
  if (segs.size() > 1 && segs.back().empty()) segs.pop_back();  // one trailing slash
  if (ctx.ods() && segs.size() >= 3 && all_digits(segs[0])) segs.erase(segs.begin());  // /data/v3/{year}/...
  if (segs.size() < 2 || segs.size() > 3 || std::any_of(segs.begin(), segs.end(), [](auto& s) { return s.empty(); })) {
    ctx.send_problem(req, res, not_found_route());
    ctx.record(req, "not-found", res);
    return;
  }
  if (ctx.ods() && segs.size() == 3 && lower(segs[2]) == "partitions" && req.method == "GET") {
    const Endpoint* ep = ctx.model.find(segs[0], segs[1]);
    if (!ep) {
      ctx.send_problem(req, res, not_found_route());
      ctx.record(req, "not-found", res);
      return;
    }
    query(ctx, req, res, *ep, Read::partitions);
    ctx.record(req, ep->path + "/partitions", res);
    return;
  }
  if (segs.size() == 3 && (lower(segs[2]) == "deletes" || lower(segs[2]) == "keychanges")) {
    const Endpoint* ep = ctx.model.find(segs[0], segs[1]);
    if (!ep || !ctx.options.change_queries) {
      ctx.send_problem(req, res, not_found_route());
      ctx.record(req, "not-found", res);
      return;
    }
    bool deletes = lower(segs[2]) == "deletes";
    if (req.method == "GET") {
      query(ctx, req, res, *ep, deletes ? Read::deletes : Read::key_changes);
    } else {
      res.set_header("Allow", "GET");
      ctx.send_problem(req, res, method_not_allowed(fmt::format("The endpoint of the request does not support the '{}' method.", req.method)));
    }
    ctx.record(req, ep->path + (deletes ? "/deletes" : "/keyChanges"), res);
    return;
  }
  if (segs.size() == 3 && !is_uuid(segs[2])) {
    ctx.send_problem(req, res, data_validation({{"$.id", {fmt::format("The value '{}' is not valid.", segs[2])}}}));
    ctx.record(req, "bad-id", res);
    return;
  }
  const Endpoint* ep = ctx.model.find(segs[0], segs[1]);
  if (!ep) {
    ctx.send_problem(req, res, not_found_route());
    ctx.record(req, "not-found", res);
    return;
  }
  bool item = segs.size() == 3;
  std::string id = item ? lower(segs[2]) : "";
  route = ep->path + (item ? "/{id}" : "");
  const std::string& m = req.method;
  auto not_allowed = [&](const std::string& error) {
    res.set_header("Allow", item ? "GET, PUT, DELETE" : "GET, POST");
    ctx.send_problem(req, res, method_not_allowed(error));
  };
  if (m == "GET") {
    item ? get_item(ctx, req, res, *ep, id) : query(ctx, req, res, *ep);
  } else if (m == "POST" && !item) {
    write(ctx, req, res, *ep, "");
  } else if (m == "PUT" && item) {
    write(ctx, req, res, *ep, id);
  } else if (m == "DELETE" && item) {
    remove(ctx, req, res, *ep, id);
  } else if (m == "POST") {
    not_allowed(
        "Resource items can only be updated using PUT. To 'upsert' an item in the resource collection using POST, remove "
        "the 'id' from the route.");
  } else if (m == "PUT") {
    not_allowed(
        "Resource collections cannot be replaced. To 'upsert' an item in the collection, use POST. To update a specific "
        "item, use PUT and include the 'id' in the route.");
  } else if (m == "DELETE") {
    not_allowed(
        "Resource collections cannot be deleted. To delete a specific item, use DELETE and include the 'id' in the route.");
  } else {
    not_allowed(fmt::format("The endpoint of the request does not support the '{}' method.", m));
  }
  ctx.record(req, route, res);
}

}  // namespace

bool data(Context& ctx, const httplib::Request& req, httplib::Response& res) {
  const std::string& path = req.path;
  std::string dp = ctx.data_path();
  if (path.rfind(dp + "/", 0) != 0 && path != dp) return false;
  handle_data(ctx, req, res, path.size() > dp.size() ? path.substr(dp.size()) : "/");
  return true;
}

}  // namespace lightbeam::sandbox::routes
