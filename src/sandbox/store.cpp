// The document store: upsert by natural key, reference/descriptor resolution, referrer tracking,
// identity cascades, queries, and SQLite write-through persistence.
#include "sandbox/store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <mutex>
#include <set>

#include <fmt/format.h>

#include "core/error.hpp"
#include "sandbox/normalize.hpp"

namespace lightbeam::sandbox {

using nlohmann::json;
using schema::Endpoint;
using schema::JsonPath;
using schema::ObjectModel;
using schema::Property;
using schema::PropertyKind;
using schema::Reference;

namespace {

constexpr char k_sep = '\x1f';

bool ends_with_descriptor(std::string_view name) { return name.size() >= 10 && name.ends_with("Descriptor"); }

std::string pointer_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

// "$.classPeriods[0].classPeriodReference" from a JSON pointer "/classPeriods/0/classPeriodReference".
std::string pointer_to_path(const std::string& pointer) {
  std::string out = "$";
  std::size_t i = 1;
  while (i <= pointer.size()) {
    std::size_t j = pointer.find('/', i);
    if (j == std::string::npos) j = pointer.size();
    std::string seg = pointer.substr(i, j - i);
    bool numeric = !seg.empty() && std::all_of(seg.begin(), seg.end(), [](char c) { return c >= '0' && c <= '9'; });
    out += numeric ? "[" + seg + "]" : "." + seg;
    i = j + 1;
  }
  return out;
}

std::string etag_matches_value(std::string v) {
  while (!v.empty() && v.front() == ' ') v.erase(0, 1);
  while (!v.empty() && v.back() == ' ') v.pop_back();
  if (v.starts_with("W/")) v = v.substr(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return v;
}

bool etag_matches(const std::string& header, const std::string& etag) {
  if (header.empty()) return false;
  std::size_t start = 0;
  while (start <= header.size()) {
    std::size_t comma = header.find(',', start);
    if (comma == std::string::npos) comma = header.size();
    std::string v = etag_matches_value(header.substr(start, comma - start));
    if (v == "*" || v == etag) return true;
    start = comma + 1;
  }
  return false;
}

bool is_star(const std::string& header) { return etag_matches_value(header) == "*"; }

Problem optimistic_lock_failed() {
  Problem p;
  p.status = 412;
  p.type = "urn:ed-fi:api:optimistic-lock-failed";
  p.title = "Optimistic Lock Failed";
  p.detail = "The item has been modified by another user.";
  p.errors.push_back(
      "The resource item's etag value does not match what was specified in the 'If-Match' request header indicating that "
      "it has been modified by another client since it was last retrieved.");
  return p;
}

Problem if_match_missing() {
  Problem p;
  p.status = 412;
  p.type = "urn:ed-fi:api:optimistic-lock-failed";
  p.title = "Optimistic Lock Failed";
  p.detail = "The If-Match precondition failed because the resource does not exist.";
  p.errors.push_back(
      "The 'If-Match' request header requires a current representation of the resource, but none exists. Do not retry "
      "with If-Match; create the resource first, or omit If-Match.");
  return p;
}

Problem if_none_match_failed() {
  Problem p;
  p.status = 412;
  p.type = "urn:ed-fi:api:precondition-failed:if-none-match";
  p.title = "If-None-Match Precondition Failed";
  p.detail =
      "The If-None-Match precondition failed because a current representation of the resource matched the request "
      "header.";
  p.errors.push_back(
      "The 'If-None-Match' request header requires that no current representation match the supplied value, but a "
      "matching representation exists.");
  return p;
}

Problem identity_conflict(const Endpoint& ep, const json& doc, bool update) {
  Problem p;
  p.status = 409;
  p.type = "urn:ed-fi:api:identity-conflict";
  p.title = "Identifying Values Are Not Unique";
  p.detail = "The identifying value(s) of the item are the same as another item that already exists.";
  std::string pairs;
  for (auto& path : ep.identity_paths) {
    const json* v = path.find_in(doc);
    if (!pairs.empty()) pairs += ",";
    pairs += "(" + path.segments.back() + " = " + (v ? (v->is_string() ? v->get<std::string>() : v->dump()) : "") + ")";
  }
  p.errors.push_back(fmt::format(
      "A natural key conflict occurred when attempting to {} {} with a duplicate key. The duplicate keys and "
      "values are {}",
      update ? "update a resource" : "create a new resource", ep.resource_name, pairs));
  p.legacy_message = fmt::format(
      "A natural key conflict occurred when attempting to create a new resource '{}' with a duplicate key.", ep.resource_name);
  return p;
}

std::string lower_camel(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

// Collects the references and descriptor values of a document, with their JSON pointers.
struct Collected {
  struct Ref {
    std::string pointer;
    const Reference* reference;
    json* object;
  };
  struct Desc {
    std::string pointer;
    const Endpoint* descriptor;
    json* value;
  };
  std::vector<Ref> refs;
  std::vector<Desc> descs;
};

void collect(const ObjectModel& m, json& obj, const std::string& pointer, Collected& out) {
  for (const Property& p : m.properties) {
    auto it = obj.find(p.name);
    if (it == obj.end()) continue;
    std::string ptr = pointer + "/" + pointer_escape(p.name);
    switch (p.kind) {
      case PropertyKind::descriptor:
        if (p.descriptor && it->is_string()) out.descs.push_back({ptr, p.descriptor, &*it});
        break;
      case PropertyKind::reference:
        if (p.reference && it->is_object()) {
          out.refs.push_back({ptr, p.reference, &*it});
          for (auto& f : p.reference->fields) {
            auto fit = it->find(f.name);
            if (f.is_descriptor && f.descriptor && fit != it->end() && fit->is_string())
              out.descs.push_back({ptr + "/" + pointer_escape(f.name), f.descriptor, &*fit});
          }
        }
        break;
      case PropertyKind::object:
        if (p.object && it->is_object()) collect(*p.object, *it, ptr, out);
        break;
      case PropertyKind::array:
        if (p.object && it->is_array())
          for (std::size_t i = 0; i < it->size(); ++i)
            if ((*it)[i].is_object()) collect(*p.object, (*it)[i], ptr + "/" + std::to_string(i), out);
        break;
      case PropertyKind::scalar:
        break;
    }
  }
}

std::string path_key(const std::vector<JsonPath>& paths, const json& doc, bool& complete) {
  std::string key;
  complete = true;
  for (auto& path : paths) {
    const json* v = path.find_in(doc);
    if (!v) {
      complete = false;
      return key;
    }
    key += canonical(*v, ends_with_descriptor(path.segments.back()));
    key += k_sep;
  }
  return key;
}

}  // namespace

std::string canonical(const json& v, bool lower) {
  switch (v.type()) {
    case json::value_t::string:
      return lower ? schema::to_lower(v.get_ref<const std::string&>()) : v.get<std::string>();
    case json::value_t::number_float: {
      double d = v.get<double>();
      if (std::floor(d) == d && std::fabs(d) < 9e15) return std::to_string(static_cast<long long>(d));
      return fmt::format("{}", d);
    }
    default:
      return v.dump();
  }
}

Store::Store(const schema::SpecModel& model, const std::string& db_path, std::uint64_t seed)
    : model_(model), rng_(seed * 0x9e3779b97f4a7c15ULL + 12345) {
  // Which reference schemas can land on which endpoint (concrete and abstract references alike).
  std::set<const Reference*> seen;
  auto add_ref = [&](const Reference* r) {
    if (!r || !seen.insert(r).second) return;
    for (auto& t : r->targets)
      if (t.endpoint) refs_into_[t.endpoint].push_back({r, &t});
  };
  std::function<void(const ObjectModel*)> walk = [&](const ObjectModel* m) {
    if (!m) return;
    for (auto& p : m->properties) {
      if (p.kind == PropertyKind::reference) add_ref(p.reference);
      if (p.kind == PropertyKind::object || p.kind == PropertyKind::array) walk(p.object);
    }
  };
  for (auto* ep : model_.endpoints()) {
    add_ref(ep->own_reference);
    walk(ep->body);
  }
  for (auto* a : model_.abstract_resources()) add_ref(a->reference);

  if (db_path != ":memory:" && !db_path.empty()) {
    if (sqlite3_open(db_path.c_str(), &db_) != SQLITE_OK)
      throw Error(fmt::format("cannot open the sandbox database {}: {}", db_path, sqlite3_errmsg(db_)));
    const char* ddl =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        "CREATE TABLE IF NOT EXISTS documents (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, resource TEXT NOT NULL,"
        " identity_key TEXT NOT NULL, json TEXT NOT NULL, etag TEXT NOT NULL, last_modified TEXT NOT NULL,"
        " change_version INTEGER NOT NULL DEFAULT 0);"
        "CREATE INDEX IF NOT EXISTS documents_resource ON documents(resource, seq);"
        "CREATE INDEX IF NOT EXISTS documents_identity ON documents(identity_key);"
        "CREATE TABLE IF NOT EXISTS tracked_changes (change_version INTEGER PRIMARY KEY, kind TEXT NOT NULL,"
        " resource TEXT NOT NULL, id TEXT NOT NULL, old_keys TEXT NOT NULL, new_keys TEXT NOT NULL);";
    char* err = nullptr;
    if (sqlite3_exec(db_, ddl, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      throw Error(fmt::format("cannot initialise the sandbox database {}: {} (is it a SQLite file?)", db_path, msg));
    }
    // A database written before change versions existed gets the column (its documents start at 0,
    // as the ODS/API's existing rows do when change queries are enabled).
    sqlite3_exec(db_, "ALTER TABLE documents ADD COLUMN change_version INTEGER NOT NULL DEFAULT 0", nullptr, nullptr,
                 nullptr);
    sqlite3_prepare_v2(db_,
                       "INSERT OR REPLACE INTO documents (seq, id, resource, identity_key, json, etag, last_modified,"
                       " change_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       -1, &upsert_stmt_, nullptr);
    sqlite3_prepare_v2(db_, "DELETE FROM documents WHERE seq = ?", -1, &delete_stmt_, nullptr);
    sqlite3_prepare_v2(db_,
                       "INSERT INTO tracked_changes (change_version, kind, resource, id, old_keys, new_keys)"
                       " VALUES (?, ?, ?, ?, ?, ?)",
                       -1, &track_stmt_, nullptr);
    load_from_db();
  }
}

Store::~Store() {
  if (upsert_stmt_) sqlite3_finalize(upsert_stmt_);
  if (delete_stmt_) sqlite3_finalize(delete_stmt_);
  if (track_stmt_) sqlite3_finalize(track_stmt_);
  if (db_) sqlite3_close(db_);
}

std::string Store::identity_key(const Endpoint& ep, const json& doc) const {
  if (ep.is_descriptor) {
    auto ns = doc.find("namespace");
    auto cv = doc.find("codeValue");
    std::string uri = (ns != doc.end() && ns->is_string() ? ns->get<std::string>() : "") + "#" +
                      (cv != doc.end() && cv->is_string() ? cv->get<std::string>() : "");
    return ep.path + k_sep + schema::to_lower(uri);
  }
  bool complete = true;
  return ep.path + k_sep + path_key(ep.identity_paths, doc, complete);
}

std::string Store::super_key(const Endpoint& ep, const json& doc) const {
  if (!ep.superclass || ep.superclass_paths.empty()) return {};
  bool complete = true;
  std::string key = ep.superclass->name + k_sep + path_key(ep.superclass_paths, doc, complete);
  return complete ? key : std::string();
}

std::vector<std::string> Store::projection_keys(const Endpoint& ep, const json& doc) const {
  std::vector<std::string> keys;
  auto it = refs_into_.find(&ep);
  if (it == refs_into_.end()) return keys;
  for (auto& [ref, target] : it->second) {
    std::string key = ref->schema_name + k_sep + ep.path + k_sep;
    bool complete = true;
    for (std::size_t i = 0; i < ref->fields.size() && i < target->field_paths.size(); ++i) {
      const json* v = target->field_paths[i].find_in(doc);
      if (!v) {
        complete = false;
        break;
      }
      key += canonical(*v, ref->fields[i].is_descriptor);
      key += k_sep;
    }
    if (complete) keys.push_back(std::move(key));
  }
  return keys;
}

std::optional<Problem> Store::resolve(const Endpoint& ep, json& doc, std::vector<Outgoing>& refs) const {
  Collected c;
  if (ep.body) collect(*ep.body, doc, "", c);
  json errors = json::object();
  bool descriptor_missing = false;
  std::string first_ref_target;
  // Descriptors first: references compare descriptor fields after they are rewritten to the stored spelling.
  for (auto& d : c.descs) {
    std::string uri = d.value->get<std::string>();
    std::string lower = schema::to_lower(uri);
    auto it = descriptors_.find(lower);
    Document* found = nullptr;
    bool other_type = false;
    if (it != descriptors_.end()) {
      for (Document* doc_d : it->second) {
        if (doc_d->endpoint == d.descriptor)
          found = doc_d;
        else
          other_type = true;
      }
    }
    if (!found) {
      descriptor_missing = true;
      std::string name = d.descriptor->resource_name;
      add_error(errors, pointer_to_path(d.pointer),
                other_type ? fmt::format("{} value '{}' is not a valid {}.", name, lower, name)
                           : fmt::format("{} value '{}' does not exist.", name, lower));
      continue;
    }
    *d.value = found->uri;  // the stored spelling
    refs.push_back({d.pointer, nullptr, nullptr, found});
  }
  for (auto& r : c.refs) {
    Document* found = nullptr;
    const schema::ReferenceTarget* found_target = nullptr;
    for (auto& t : r.reference->targets) {
      if (!t.endpoint) continue;
      std::string key = r.reference->schema_name + k_sep + t.endpoint->path + k_sep;
      bool complete = true;
      for (auto& f : r.reference->fields) {
        auto fit = r.object->find(f.name);
        if (fit == r.object->end()) {
          complete = false;
          break;
        }
        key += canonical(*fit, f.is_descriptor);
        key += k_sep;
      }
      if (!complete) break;
      auto it = by_projection_.find(key);
      if (it != by_projection_.end()) {
        found = it->second;
        found_target = &t;
        break;
      }
    }
    if (!found) {
      bool complete = true;
      for (auto& f : r.reference->fields) complete &= r.reference->fields.empty() || r.object->contains(f.name) ||
                                                      std::find(r.reference->required.begin(), r.reference->required.end(),
                                                                f.name) == r.reference->required.end();
      if (!complete || r.object->empty()) continue;  // optional partial reference: nothing to resolve
      if (first_ref_target.empty()) first_ref_target = r.reference->target_resource;
      add_error(errors, pointer_to_path(r.pointer),
                fmt::format("The referenced {} item does not exist.", r.reference->target_resource));
      continue;
    }
    refs.push_back({r.pointer, r.reference, found_target, found});
  }
  if (errors.empty()) return std::nullopt;
  Problem p;
  if (descriptor_missing) {
    p.status = 400;
    p.type = k_type::bad_request;
    p.title = "Bad Request";
    p.detail = "Data validation failed. See 'validationErrors' for details.";
    p.validation_errors = std::move(errors);
    p.legacy_message = fmt::format("Validation of '{}' failed.\n\t{}", ep.resource_name,
                                   p.validation_errors.begin()->front().get<std::string>());
  } else {
    p.status = 409;
    p.type = "urn:ed-fi:api:data-conflict:unresolved-reference";
    p.title = "Unresolved Reference";
    p.detail = "One or more references could not be resolved. See 'validationErrors' for details.";
    p.validation_errors = std::move(errors);
    p.legacy_message =
        fmt::format("The value supplied for the related '{}' resource does not exist.", lower_camel(first_ref_target));
  }
  return p;
}

void Store::link(Document* d) {
  for (auto& o : d->refs) ++o.target->referrers[d];
}

void Store::unlink(Document* d) {
  for (auto& o : d->refs) {
    auto it = o.target->referrers.find(d);
    if (it != o.target->referrers.end() && --it->second <= 0) o.target->referrers.erase(it);
  }
}

void Store::index(Document* d) {
  if (d->endpoint->is_descriptor && d->uri.empty()) {
    json doc = json::parse(d->body);
    d->uri = doc.value("namespace", std::string()) + "#" + doc.value("codeValue", std::string());
  }
  by_identity_[d->identity_key] = d;
  if (!d->super_key.empty()) by_super_[d->super_key] = d;
  for (auto& k : d->projection_keys) by_projection_[k] = d;
  if (d->endpoint->is_descriptor) {
    auto pos = d->identity_key.find(k_sep);
    descriptors_[d->identity_key.substr(pos + 1)].push_back(d);
  }
}

void Store::unindex(Document* d) {
  auto erase_if_same = [d](auto& map, const std::string& key) {
    auto it = map.find(key);
    if (it != map.end() && it->second == d) map.erase(it);
  };
  erase_if_same(by_identity_, d->identity_key);
  if (!d->super_key.empty()) erase_if_same(by_super_, d->super_key);
  for (auto& k : d->projection_keys) erase_if_same(by_projection_, k);
  if (d->endpoint->is_descriptor) {
    auto pos = d->identity_key.find(k_sep);
    auto it = descriptors_.find(d->identity_key.substr(pos + 1));
    if (it != descriptors_.end()) {
      std::erase(it->second, d);
      if (it->second.empty()) descriptors_.erase(it);
    }
  }
}

std::string Store::new_id() {
  std::uint64_t a = rng_(), b = rng_();
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xffff, b >> 48,
                     b & 0xffffffffffffULL);
}

std::string Store::new_etag(const std::string& body) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : body) h = (h ^ c) * 16777619u;
  return fmt::format("{}-{:08x}", ++version_, h);
}

void Store::persist(const Document& d) {
  if (!db_) return;
  sqlite3_reset(upsert_stmt_);
  sqlite3_bind_int64(upsert_stmt_, 1, static_cast<sqlite3_int64>(d.seq));
  sqlite3_bind_text(upsert_stmt_, 2, d.id.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(upsert_stmt_, 3, d.endpoint->path.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(upsert_stmt_, 4, d.identity_key.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(upsert_stmt_, 5, d.body.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(upsert_stmt_, 6, d.etag.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(upsert_stmt_, 7, d.last_modified.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(upsert_stmt_, 8, static_cast<sqlite3_int64>(d.change_version));
  sqlite3_step(upsert_stmt_);
}

void Store::persist_delete(const Document& d) {
  if (!db_) return;
  sqlite3_reset(delete_stmt_);
  sqlite3_bind_int64(delete_stmt_, 1, static_cast<sqlite3_int64>(d.seq));
  sqlite3_step(delete_stmt_);
}

void Store::load_from_db() {
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db_,
                     "SELECT seq, id, resource, json, etag, last_modified, change_version FROM documents ORDER BY seq",
                     -1, &st, nullptr);
  std::vector<std::pair<Document*, json>> loaded;
  while (sqlite3_step(st) == SQLITE_ROW) {
    auto text = [&](int i) {
      auto p = sqlite3_column_text(st, i);
      return p ? std::string(reinterpret_cast<const char*>(p)) : std::string();
    };
    const Endpoint* ep = model_.find_path(text(2));
    if (!ep) continue;  // a resource the current specs do not have
    auto d = std::make_unique<Document>();
    d->seq = static_cast<std::uint64_t>(sqlite3_column_int64(st, 0));
    d->id = text(1);
    d->endpoint = ep;
    d->body = text(3);
    d->etag = text(4);
    d->last_modified = text(5);
    d->change_version = static_cast<std::uint64_t>(sqlite3_column_int64(st, 6));
    change_version_ = std::max(change_version_, d->change_version);
    json doc = json::parse(d->body, nullptr, false);
    if (doc.is_discarded()) continue;
    d->identity_key = identity_key(*ep, doc);
    d->super_key = super_key(*ep, doc);
    d->projection_keys = projection_keys(*ep, doc);
    next_seq_ = std::max(next_seq_, d->seq + 1);
    Document* raw = d.get();
    by_endpoint_[ep][d->seq] = raw;
    by_id_[d->id] = std::move(d);
    index(raw);
    loaded.emplace_back(raw, std::move(doc));
  }
  sqlite3_finalize(st);
  sqlite3_prepare_v2(db_,
                     "SELECT change_version, kind, resource, id, old_keys, new_keys FROM tracked_changes"
                     " ORDER BY change_version",
                     -1, &st, nullptr);
  while (sqlite3_step(st) == SQLITE_ROW) {
    auto text = [&](int i) {
      auto p = sqlite3_column_text(st, i);
      return p ? std::string(reinterpret_cast<const char*>(p)) : std::string();
    };
    TrackedChange c;
    c.change_version = static_cast<std::uint64_t>(sqlite3_column_int64(st, 0));
    c.kind = text(1) == "keyChange" ? TrackedKind::key_changes : TrackedKind::deletes;
    c.id = text(3);
    c.old_keys = json::parse(text(4), nullptr, false);
    c.new_keys = json::parse(text(5), nullptr, false);
    change_version_ = std::max(change_version_, c.change_version);
    if (const Endpoint* ep = model_.find_path(text(2))) tracked_[ep].push_back(std::move(c));
  }
  sqlite3_finalize(st);
  version_ = next_seq_ * 2;
  for (auto& [d, doc] : loaded) {
    resolve(*d->endpoint, doc, d->refs);
    link(d);
  }
}

WriteOutcome Store::post(const Endpoint& ep, json doc, const Preconditions& pre) {
  WriteOutcome out;
  std::string ikey = identity_key(ep, doc);
  std::string skey = super_key(ep, doc);
  std::unique_lock lock(mutex_);
  Document* existing = nullptr;
  if (auto it = by_identity_.find(ikey); it != by_identity_.end()) existing = it->second;
  if (!pre.if_none_match.empty() && is_star(pre.if_none_match) && existing) {
    out.problem = if_none_match_failed();
    return out;
  }
  if (!pre.if_match.empty()) {
    if (!existing) {
      out.problem = if_match_missing();
      return out;
    }
    if (!etag_matches(pre.if_match, existing->etag)) {
      out.problem = optimistic_lock_failed();
      return out;
    }
  }
  std::vector<Outgoing> refs;
  if (auto problem = resolve(ep, doc, refs)) {
    out.problem = std::move(problem);
    return out;
  }
  if (!existing && !skey.empty()) {
    if (auto it = by_super_.find(skey); it != by_super_.end() && it->second->endpoint != &ep) {
      out.problem = identity_conflict(ep, doc, false);
      return out;
    }
  }
  std::string body = doc.dump();
  if (existing) {
    out.status = 200;
    out.id = existing->id;
    if (existing->body == body) {
      out.etag = existing->etag;
      return out;
    }
    unlink(existing);
    unindex(existing);
    existing->body = std::move(body);
    existing->etag = new_etag(existing->body);
    existing->last_modified = now_utc();
    existing->change_version = ++change_version_;
    existing->identity_key = ikey;
    existing->super_key = skey;
    existing->projection_keys = projection_keys(ep, doc);
    existing->refs = std::move(refs);
    existing->uri.clear();
    index(existing);
    link(existing);
    persist(*existing);
    out.etag = existing->etag;
    return out;
  }
  auto d = std::make_unique<Document>();
  d->seq = next_seq_++;
  d->id = new_id();
  while (by_id_.count(d->id)) d->id = new_id();
  d->endpoint = &ep;
  d->body = std::move(body);
  d->etag = new_etag(d->body);
  d->last_modified = now_utc();
  d->change_version = ++change_version_;
  d->identity_key = std::move(ikey);
  d->super_key = std::move(skey);
  d->projection_keys = projection_keys(ep, doc);
  d->refs = std::move(refs);
  Document* raw = d.get();
  by_endpoint_[&ep][raw->seq] = raw;
  by_id_[raw->id] = std::move(d);
  index(raw);
  link(raw);
  persist(*raw);
  out.status = 201;
  out.id = raw->id;
  out.etag = raw->etag;
  return out;
}

WriteOutcome Store::put(const Endpoint& ep, const std::string& id, json doc, const Preconditions& pre) {
  WriteOutcome out;
  std::string ikey = identity_key(ep, doc);
  std::string skey = super_key(ep, doc);
  std::unique_lock lock(mutex_);
  auto it = by_id_.find(id);
  Document* existing = it != by_id_.end() && it->second->endpoint == &ep ? it->second.get() : nullptr;
  if (!existing) {
    if (!pre.if_match.empty()) {
      out.problem = if_match_missing();
      return out;
    }
    Problem p;
    p.status = 404;
    p.type = k_type::not_found;
    p.title = "Not Found";
    p.detail = "Resource to update was not found";
    p.legacy_message = "Resource to update was not found";
    out.problem = p;
    return out;
  }
  if (!pre.if_match.empty() && !etag_matches(pre.if_match, existing->etag)) {
    out.problem = optimistic_lock_failed();
    return out;
  }
  bool identity_changed = ikey != existing->identity_key;
  if (identity_changed && (ep.is_descriptor || !ep.identity_updatable)) {
    Problem p;
    p.status = 400;
    p.type = "urn:ed-fi:api:bad-request:data-validation-failed:key-change-not-supported";
    p.title = "Key Change Not Supported";
    if (ep.is_descriptor)
      p.detail = fmt::format(
          "Identity of resource '{}.{}' cannot be changed. Descriptor identity fields (Namespace, CodeValue) are immutable "
          "on PUT.",
          ep.project == "tpdm" ? "TPDM" : "Ed-Fi", ep.resource_name);
    else
      p.detail = fmt::format(
          "Identifying values for the {} resource cannot be changed. Delete and recreate the resource item instead.",
          ep.resource_name);
    out.problem = p;
    return out;
  }
  std::vector<Outgoing> refs;
  if (auto problem = resolve(ep, doc, refs)) {
    out.problem = std::move(problem);
    return out;
  }
  if (identity_changed) {
    auto other = by_identity_.find(ikey);
    bool conflict = other != by_identity_.end() && other->second != existing;
    if (!conflict && !skey.empty()) {
      auto s = by_super_.find(skey);
      conflict = s != by_super_.end() && s->second != existing;
    }
    if (conflict) {
      out.problem = identity_conflict(ep, doc, true);
      return out;
    }
  }
  std::string body = doc.dump();
  out.status = 204;
  out.id = existing->id;
  if (body == existing->body) {
    out.etag = existing->etag;
    return out;
  }
  json old_keys = identity_changed ? key_values(ep, json::parse(existing->body)) : json();
  unlink(existing);
  unindex(existing);
  existing->body = std::move(body);
  existing->etag = new_etag(existing->body);
  existing->last_modified = now_utc();
  existing->change_version = ++change_version_;
  existing->identity_key = ikey;
  existing->super_key = skey;
  auto old_projection = existing->projection_keys;
  existing->projection_keys = projection_keys(ep, doc);
  existing->refs = std::move(refs);
  existing->uri.clear();
  index(existing);
  link(existing);
  persist(*existing);
  // The key change is an event of its own, after the row's update (two values, as the ODS's triggers).
  if (identity_changed) track(ep, {TrackedKind::key_changes, 0, existing->id, std::move(old_keys), key_values(ep, doc)});
  if (old_projection != existing->projection_keys) {
    std::vector<Document*> visited{existing};
    cascade(existing, visited);
  }
  out.etag = existing->etag;
  return out;
}

// Rewrites every reference to `changed` with its new projection, re-indexes the referrers, and
// continues with those whose own projection changed (session → courseOffering → section).
void Store::cascade(Document* changed, std::vector<Document*>& visited) {
  json target_doc = json::parse(changed->body);
  std::vector<Document*> referrers;
  for (auto& [r, n] : changed->referrers) referrers.push_back(r);
  std::sort(referrers.begin(), referrers.end(), [](Document* a, Document* b) { return a->seq < b->seq; });
  for (Document* r : referrers) {
    json doc = json::parse(r->body);
    bool touched = false;
    for (auto& o : r->refs) {
      if (o.target != changed || !o.reference || !o.target_info) continue;
      json& obj = doc[json::json_pointer(o.pointer)];
      for (std::size_t i = 0; i < o.reference->fields.size() && i < o.target_info->field_paths.size(); ++i) {
        const json* v = o.target_info->field_paths[i].find_in(target_doc);
        if (v) obj[o.reference->fields[i].name] = *v;
      }
      touched = true;
    }
    if (!touched) continue;
    unindex(r);
    std::string old_identity = r->identity_key;
    json old_keys = key_values(*r->endpoint, json::parse(r->body));
    r->body = doc.dump();
    r->etag = new_etag(r->body);
    r->last_modified = now_utc();
    r->change_version = ++change_version_;
    r->identity_key = identity_key(*r->endpoint, doc);
    r->super_key = super_key(*r->endpoint, doc);
    auto old_projection = r->projection_keys;
    r->projection_keys = projection_keys(*r->endpoint, doc);
    index(r);
    persist(*r);
    if (r->identity_key != old_identity)
      track(*r->endpoint, {TrackedKind::key_changes, 0, r->id, std::move(old_keys), key_values(*r->endpoint, doc)});
    if (old_projection != r->projection_keys && std::find(visited.begin(), visited.end(), r) == visited.end()) {
      visited.push_back(r);
      cascade(r, visited);
    }
  }
}

WriteOutcome Store::remove(const Endpoint& ep, const std::string& id, const Preconditions& pre) {
  WriteOutcome out;
  std::unique_lock lock(mutex_);
  auto it = by_id_.find(id);
  Document* d = it != by_id_.end() && it->second->endpoint == &ep ? it->second.get() : nullptr;
  if (!d) {
    if (!pre.if_match.empty()) {
      out.problem = if_match_missing();
      return out;
    }
    out.status = 404;
    out.empty_not_found = true;
    return out;
  }
  if (!pre.if_match.empty() && !etag_matches(pre.if_match, d->etag)) {
    out.problem = optimistic_lock_failed();
    return out;
  }
  if (!d->referrers.empty()) {
    std::set<std::string> names;
    for (auto& [r, n] : d->referrers) names.insert(r->endpoint->resource_name);
    std::string joined;
    for (auto& n : names) joined += (joined.empty() ? "" : ", ") + n;
    Problem p;
    p.status = 409;
    p.type = "urn:ed-fi:api:data-conflict:dependent-item-exists";
    p.title = "Dependent Item Exists";
    p.detail = fmt::format(
        "The requested action cannot be performed because this item is referenced by existing {} item(s).", joined);
    p.legacy_message = fmt::format(
        "The resource (or a subordinate entity of the resource) cannot be deleted because it is a dependency of the '{}' "
        "entity.",
        lower_camel(*names.begin()));
    out.problem = p;
    return out;
  }
  unlink(d);
  unindex(d);
  persist_delete(*d);
  track(ep, {TrackedKind::deletes, 0, d->id, key_values(ep, json::parse(d->body)), json()});
  by_endpoint_[&ep].erase(d->seq);
  out.status = 204;
  by_id_.erase(it);
  return out;
}

std::string Store::render(const Document& d) const {
  json doc = json::parse(d.body);
  for (auto& o : d.refs) {
    if (!o.reference) continue;
    json::json_pointer ptr(o.pointer);
    if (!doc.contains(ptr)) continue;
    json& obj = doc[ptr];
    if (!obj.is_object()) continue;
    obj["link"] = {{"rel", o.target->endpoint->resource_name},
                   {"href", "/" + o.target->endpoint->project + "/" + o.target->endpoint->name + "/" + o.target->id}};
  }
  doc["id"] = d.id;
  doc["_etag"] = d.etag;
  doc["_lastModifiedDate"] = d.last_modified;
  return doc.dump();
}

ReadOutcome Store::get(const Endpoint& ep, const std::string& id, const std::string& if_none_match) const {
  ReadOutcome out;
  std::shared_lock lock(mutex_);
  auto it = by_id_.find(id);
  if (it == by_id_.end() || it->second->endpoint != &ep) {
    out.status = 404;
    return out;
  }
  const Document& d = *it->second;
  out.etag = d.etag;
  if (!if_none_match.empty() && etag_matches(if_none_match, d.etag)) {
    out.status = 304;
    return out;
  }
  out.body = render(d);
  return out;
}

namespace {

bool filter_matches(const QueryFilter& f, const Document& d, const json& doc) {
  if (!f.field) return d.id == f.value;
  const json* v = f.field->path.find_in(doc);
  if (!v) return false;
  const std::string& type = f.field->type;
  if (type == "number") {
    if (!v->is_number()) return false;
    return std::fabs(v->get<double>() - std::stod(f.value)) < 1e-9;
  }
  if (type == "boolean") return v->is_boolean() && (v->get<bool>() ? "true" : "false") == f.value;
  if (!v->is_string()) return canonical(*v, false) == f.value;
  const std::string& s = v->get_ref<const std::string&>();
  if (f.field->is_descriptor) return schema::iequals(s, f.value);
  return s == f.value;
}

}  // namespace

// --- collection GETs: rendering without a parse/dump round trip ---
//
// A stored body is nlohmann's compact dump (keys sorted at every level), so parse + dump gives the
// same bytes back. render() parses it, adds `link` to each reference object and id/_etag/
// _lastModifiedDate at the root, and dumps again. FastRender produces the same bytes by copying the
// body and splicing those members in at their sorted positions; whatever it does not expect (a key
// with an escape, '~' or '/', a member that already exists, whitespace) makes it give up, and the
// caller falls back to render().
class FastRender {
 public:
  FastRender(const Document& d, std::string& out) : d_(d), out_(out) {}

  bool run() {
    for (const auto& o : d_.refs) {
      if (!o.reference) continue;
      std::string v = R"({"href":)";
      if (!append_string(v, "/" + o.target->endpoint->project + "/" + o.target->endpoint->name + "/" + o.target->id)) return false;
      v += R"(,"rel":)";
      if (!append_string(v, o.target->endpoint->resource_name)) return false;
      v += '}';
      links_.push_back({o.pointer, std::move(v)});
    }
    std::string etag, modified, id;
    if (!append_string(etag, d_.etag) || !append_string(modified, d_.last_modified) || !append_string(id, d_.id)) return false;
    root_ = {{"_etag", std::move(etag)}, {"_lastModifiedDate", std::move(modified)}, {"id", std::move(id)}};
    p_ = d_.body.data();
    end_ = p_ + d_.body.size();
    copied_ = p_;
    size_t start = out_.size();
    if (p_ == end_ || *p_ != '{' || !object(true) || p_ != end_) {
      out_.resize(start);
      return false;
    }
    flush(p_);
    return true;
  }

 private:
  struct Insert {
    std::string_view key;
    std::string value;  // JSON text
  };

  // Appends a JSON string the way nlohmann dumps it, for text that needs no escaping (else false).
  static bool append_string(std::string& out, std::string_view s) {
    for (unsigned char c : s)
      if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) return false;
    out += '"';
    out += s;
    out += '"';
    return true;
  }

  void flush(const char* upto) {
    out_.append(copied_, static_cast<size_t>(upto - copied_));
    copied_ = upto;
  }

  bool object(bool root) {
    // Members to add to this object, sorted by key.
    std::vector<const Insert*> adds;
    if (root)
      for (const auto& r : root_) adds.push_back(&r);
    if (!links_.empty())
      for (const auto& l : links_)
        if (l.pointer == pointer_) adds.push_back(&l.insert);
    std::sort(adds.begin(), adds.end(), [](const Insert* a, const Insert* b) { return a->key < b->key; });
    for (size_t i = 1; i < adds.size(); ++i)
      if (adds[i]->key == adds[i - 1]->key) return false;
    size_t next = 0;
    bool any = false;  // a member was written to this object
    auto emit = [&](const Insert& a) {
      flush(p_);
      if (any) out_ += ',';
      out_ += '"';
      out_ += a.key;
      out_ += "\":";
      out_ += a.value;
      any = true;
    };
    ++p_;  // '{'
    if (p_ < end_ && *p_ == '}') {
      for (; next < adds.size(); ++next) emit(*adds[next]);
      ++p_;
      return true;
    }
    while (p_ < end_) {
      if (*p_ != '"') return false;
      const char* key_start = p_ + 1;
      const char* q = key_start;
      while (q < end_ && *q != '"') {
        if (*q == '\\' || *q == '~' || *q == '/') return false;
        ++q;
      }
      if (q >= end_) return false;
      std::string_view key(key_start, static_cast<size_t>(q - key_start));
      // p_ is at the member's opening quote: inserts before it need a comma after them.
      while (next < adds.size() && adds[next]->key < key) {
        flush(p_);
        const Insert& a = *adds[next++];
        out_ += '"';
        out_ += a.key;
        out_ += "\":";
        out_ += a.value;
        out_ += ',';
      }
      if (next < adds.size() && adds[next]->key == key) return false;  // already there: let render() decide
      any = true;
      p_ = q + 1;
      if (p_ >= end_ || *p_ != ':') return false;
      ++p_;
      if (!child_value(key) || p_ >= end_) return false;
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ != '}') return false;
      for (; next < adds.size(); ++next) emit(*adds[next]);
      ++p_;
      return true;
    }
    return false;
  }

  // The value of member/element `segment`, with the JSON pointer extended while it is read.
  bool child_value(std::string_view segment) {
    size_t len = pointer_.size();
    pointer_ += '/';
    pointer_ += segment;
    bool ok = value();
    pointer_.resize(len);
    return ok;
  }

  bool array() {
    ++p_;  // '['
    if (p_ < end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    for (size_t i = 0; p_ < end_; ++i) {
      if (!child_value(std::to_string(i)) || p_ >= end_) return false;
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ != ']') return false;
      ++p_;
      return true;
    }
    return false;
  }

  bool value() {
    if (p_ >= end_) return false;
    switch (*p_) {
      case '{': return object(false);
      case '[': return array();
      case '"':
        for (++p_; p_ < end_; ++p_) {
          if (*p_ == '\\') {
            ++p_;
          } else if (*p_ == '"') {
            ++p_;
            return true;
          }
        }
        return false;
      default: {
        const char* s = p_;
        while (p_ < end_ && *p_ != ',' && *p_ != '}' && *p_ != ']') {
          char c = *p_;
          if (c == ' ' || c == '\n' || c == '\r' || c == '\t') return false;
          ++p_;
        }
        return p_ > s;
      }
    }
  }

  struct Link {
    std::string pointer;
    Insert insert;
    Link(std::string ptr, std::string v) : pointer(std::move(ptr)), insert{"link", std::move(v)} {}
  };

  const Document& d_;
  std::string& out_;
  std::vector<Link> links_;
  std::vector<Insert> root_;
  std::string pointer_;
  const char* p_ = nullptr;
  const char* end_ = nullptr;
  const char* copied_ = nullptr;
};

std::string Store::query(const Endpoint& ep, const std::vector<QueryFilter>& filters, std::size_t offset,
                         std::size_t limit, std::size_t& total,
                         const std::function<bool(const json&)>& visible, const SeqRange& range,
                         std::uint64_t* last_seq, const ChangeWindow& window) const {
  std::shared_lock lock(mutex_);
  std::string out = "[";
  total = 0;
  if (last_seq) *last_seq = 0;
  auto it = by_endpoint_.find(&ep);
  if (it == by_endpoint_.end()) return "[]";
  bool first = true;
  auto emit = [&](const Document& d) {
    if (!first) out += ",";
    first = false;
    if (!FastRender(d, out).run()) out += render(d);
    if (last_seq) *last_seq = d.seq;
  };
  bool whole = range.first == 0 && range.last == UINT64_MAX;
  if (filters.empty() && !visible && whole && window.whole()) {
    // No filter: the page is a slice of the endpoint's documents; nothing past it is looked at.
    const auto& docs = it->second;
    total = docs.size();
    if (offset < docs.size() && limit > 0) {
      auto d = docs.begin();
      std::size_t at = 0;
      {
        std::lock_guard cursor_lock(cursor_mutex_);
        for (const auto& c : cursors_)
          if (c.endpoint == &ep && c.next_seq == next_seq_ && c.size == docs.size() && c.offset <= offset && c.offset > at) {
            auto found = docs.find(c.seq);
            if (found == docs.end()) continue;
            d = found;
            at = c.offset;
          }
      }
      std::advance(d, static_cast<std::ptrdiff_t>(offset - at));
      std::size_t n = 0;
      for (; n < limit && d != docs.end(); ++n, ++d) emit(*d->second);
      if (d != docs.end()) {
        std::lock_guard cursor_lock(cursor_mutex_);
        if (cursors_.size() >= 64) cursors_.erase(cursors_.begin());
        cursors_.push_back(PageCursor{&ep, offset + n, d->first, next_seq_, docs.size()});
      }
    }
    out += "]";
    return out;
  }
  for (auto d = it->second.lower_bound(range.first); d != it->second.end() && d->first <= range.last; ++d) {
    if (!window.contains(d->second->change_version)) continue;
    if (!filters.empty() || visible) {
      json doc = json::parse(d->second->body);
      bool ok = !visible || visible(doc);
      for (auto& f : filters) ok = ok && filter_matches(f, *d->second, doc);
      if (!ok) continue;
    }
    if (total >= offset && total < offset + limit) emit(*d->second);
    ++total;
  }
  out += "]";
  return out;
}

std::vector<std::uint64_t> Store::matching(const Endpoint& ep, const std::vector<QueryFilter>& filters,
                                           const std::function<bool(const json&)>& visible,
                                           const ChangeWindow& window) const {
  std::shared_lock lock(mutex_);
  std::vector<std::uint64_t> out;
  auto it = by_endpoint_.find(&ep);
  if (it == by_endpoint_.end()) return out;
  for (auto& [seq, d] : it->second) {
    if (!window.contains(d->change_version)) continue;
    if (!filters.empty() || visible) {
      json doc = json::parse(d->body);
      bool ok = !visible || visible(doc);
      for (auto& f : filters) ok = ok && filter_matches(f, *d, doc);
      if (!ok) continue;
    }
    out.push_back(seq);
  }
  return out;
}

std::map<std::string, std::size_t> Store::counts() const {
  std::shared_lock lock(mutex_);
  std::map<std::string, std::size_t> out;
  for (auto& [ep, docs] : by_endpoint_)
    if (!docs.empty()) out[ep->path] = docs.size();
  return out;
}

std::size_t Store::size() const {
  std::shared_lock lock(mutex_);
  return by_id_.size();
}

void Store::clear() {
  std::unique_lock lock(mutex_);
  by_identity_.clear();
  by_super_.clear();
  by_projection_.clear();
  descriptors_.clear();
  by_endpoint_.clear();
  by_id_.clear();
  tracked_.clear();
  change_version_ = 0;
  if (db_) sqlite3_exec(db_, "DELETE FROM documents; DELETE FROM tracked_changes", nullptr, nullptr, nullptr);
}

json Store::key_values(const Endpoint& ep, const json& doc) const {
  json out = json::object();
  if (ep.is_descriptor) {
    for (const char* name : {"codeValue", "namespace"})
      if (auto it = doc.find(name); it != doc.end()) out[name] = *it;
    return out;
  }
  for (const auto& p : ep.identity_paths)
    if (const json* v = p.find_in(doc)) out[p.segments.back()] = *v;
  return out;
}

void Store::track(const Endpoint& ep, TrackedChange change) {
  change.change_version = ++change_version_;
  if (db_) {
    std::string old_keys = change.old_keys.dump(), new_keys = change.new_keys.dump();
    sqlite3_reset(track_stmt_);
    sqlite3_bind_int64(track_stmt_, 1, static_cast<sqlite3_int64>(change.change_version));
    sqlite3_bind_text(track_stmt_, 2, change.kind == TrackedKind::deletes ? "delete" : "keyChange", -1, SQLITE_STATIC);
    sqlite3_bind_text(track_stmt_, 3, ep.path.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(track_stmt_, 4, change.id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(track_stmt_, 5, old_keys.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(track_stmt_, 6, new_keys.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_step(track_stmt_);
  }
  tracked_[&ep].push_back(std::move(change));
}

std::uint64_t Store::newest_change_version() const {
  std::shared_lock lock(mutex_);
  return change_version_;
}

std::string Store::tracked(const Endpoint& ep, TrackedKind kind, const ChangeWindow& window, std::size_t offset,
                           std::size_t limit, std::size_t& total) const {
  std::shared_lock lock(mutex_);
  json out = json::array();
  total = 0;
  auto it = tracked_.find(&ep);
  if (it == tracked_.end()) return "[]";
  for (const auto& c : it->second) {
    if (c.kind != kind || !window.contains(c.change_version)) continue;
    if (total >= offset && total < offset + limit) {
      json item = {{"id", c.id}, {"changeVersion", c.change_version}};
      if (kind == TrackedKind::deletes) {
        item["keyValues"] = c.old_keys;
      } else {
        item["oldKeyValues"] = c.old_keys;
        item["newKeyValues"] = c.new_keys;
      }
      out.push_back(std::move(item));
    }
    ++total;
  }
  return out.dump();
}

}  // namespace lightbeam::sandbox
