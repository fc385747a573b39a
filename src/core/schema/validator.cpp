// Per-line validation methods of `lightbeam validate` (see validator.hpp). Messages follow the
// Python lightbeam's wording so scripts that read its output keep working.
#include "core/schema/validator.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <functional>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <iterator>
#include <unordered_set>

#include "core/data/jsonl_reader.hpp"
#include "core/error.hpp"
#include "core/http/engine.hpp"

namespace lightbeam::schema {

using simdjson::dom::element;
using simdjson::dom::element_type;

std::string_view method_name(Method m) {
  switch (m) {
    case Method::json: return "json";
    case Method::schema: return "schema";
    case Method::descriptors: return "descriptors";
    case Method::uniqueness: return "uniqueness";
    case Method::references: return "references";
  }
  return "";
}

Methods parse_methods(const std::vector<std::string>& names) {
  Methods m{false, false, false, false};
  for (const auto& raw : names) {
    std::string n = to_lower(raw);
    if (n == "*" || n == "all") {
      return Methods{true, true, true, true};
    } else if (n == "schema") {
      m.schema = true;
    } else if (n == "descriptors") {
      m.descriptors = true;
    } else if (n == "uniqueness") {
      m.uniqueness = true;
    } else if (n == "references") {
      m.references = true;
    } else if (n == "json") {
      // always on
    } else {
      throw Error("validate.methods: unknown method \"" + raw +
                  "\"; use a list of schema, descriptors, uniqueness, references, or \"*\" / all");
    }
  }
  return m;
}

std::string methods_text(const Methods& m) {
  std::vector<std::string> v;
  if (m.schema) v.push_back("'schema'");
  if (m.descriptors) v.push_back("'descriptors'");
  if (m.uniqueness) v.push_back("'uniqueness'");
  if (m.references) v.push_back("'references'");
  return fmt::format("[{}]", fmt::join(v, ", "));
}

Hash128 hash128(std::string_view bytes) {
  return Hash128{std::_Hash_bytes(bytes.data(), bytes.size(), 0x9e3779b97f4a7c15ULL),
                 std::_Hash_bytes(bytes.data(), bytes.size(), 0xc2b2ae3d27d4eb4fULL)};
}

namespace {

void lower_into(std::string& out, std::string_view s) {
  // One resize then a plain loop: push_back per character was a visible share of the per-line cost.
  size_t at = out.size();
  out.resize(at + s.size());
  char* o = out.data() + at;
  for (char c : s) *o++ = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

std::string singular_lower(std::string_view descriptor) {
  std::string s;
  lower_into(s, descriptor);
  if (!s.empty() && s.back() == 's') s.pop_back();
  return s;
}

// Minified JSON of a value (json.dumps of the Python tool, compact).
std::string dumps_value(element v) { return std::string(simdjson::minify(v)); }

// {"a": 1, "b": "x"} from (name, value) pairs, values as minified JSON.
std::string dumps_pairs(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string s = "{";
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (i) s += ", ";
    fmt::format_to(std::back_inserter(s), "\"{}\": {}", pairs[i].first, pairs[i].second);
  }
  s += "}";
  return s;
}

std::string dumps_object(simdjson::dom::object obj, std::string_view skip_key) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (auto f : obj) {
    if (f.key == skip_key) continue;
    std::string v;
    if (f.value.type() == element_type::OBJECT) {
      v = dumps_object(simdjson::dom::object(f.value), "");
    } else {
      v = dumps_value(f.value);
    }
    pairs.emplace_back(std::string(f.key), std::move(v));
  }
  return dumps_pairs(pairs);
}

}  // namespace

std::optional<element> at_path(element doc, const JsonPath& path) {
  element cur = doc;
  for (const auto& seg : path.segments) {
    simdjson::dom::object obj;
    if (cur.get_object().get(obj) != simdjson::SUCCESS) return std::nullopt;
    if (obj.at_key(seg).get(cur) != simdjson::SUCCESS) return std::nullopt;
  }
  return cur;
}

namespace {
// Decimal digits as fmt's "{}" writes them, without going through a format string.
template <typename Int>
void append_decimal(std::string& out, Int value) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, static_cast<size_t>(r.ptr - buf));
}
}  // namespace

void append_key_value(std::string& out, element v, bool fold_case) {
  switch (v.type()) {
    case element_type::STRING: {
      std::string_view s(v);
      out.push_back('s');
      append_decimal(out, s.size());
      out.push_back(':');
      if (fold_case) {
        lower_into(out, s);
      } else {
        out += s;
      }
      break;
    }
    case element_type::INT64:
      out.push_back('n');
      append_decimal(out, int64_t(v));
      out.push_back(';');
      break;
    case element_type::UINT64:
      out.push_back('n');
      append_decimal(out, uint64_t(v));
      out.push_back(';');
      break;
    case element_type::DOUBLE: {
      double d = double(v);
      if (d == static_cast<double>(static_cast<int64_t>(d))) {
        out.push_back('n');
        append_decimal(out, static_cast<int64_t>(d));
        out.push_back(';');
      } else
        fmt::format_to(std::back_inserter(out), "n{};", d);
      break;
    }
    case element_type::BOOL: out += bool(v) ? "t;" : "f;"; break;
    case element_type::NULL_VALUE: out += "z;"; break;
    default: {
      auto m = simdjson::minify(v);
      fmt::format_to(std::back_inserter(out), "j{}:{}", m.size(), m);
    }
  }
}

void append_missing(std::string& out) { out += "m;"; }

// --- DescriptorSet ---

void DescriptorSet::add(std::string_view descriptor, std::string_view ns, std::string_view code_value) {
  std::string key;
  lower_into(key, ns);
  key.push_back('#');
  lower_into(key, code_value);
  any_.insert(hash128(key));
  if (!descriptor.empty()) typed_.insert(hash128(singular_lower(descriptor) + '\x1f' + key));
}

bool DescriptorSet::contains(std::string_view descriptor, std::string_view uri) const {
  thread_local std::string key;  // reused: no allocation per lookup
  key.clear();
  if (descriptor.empty()) {
    lower_into(key, uri);
    return any_.count(hash128(key)) > 0;
  }
  lower_into(key, descriptor);
  if (!key.empty() && key.back() == 's') key.pop_back();
  key.push_back('\x1f');
  lower_into(key, uri);
  return typed_.count(hash128(key)) > 0;
}

// --- LocalReferenceIndex ---

void LocalReferenceIndex::want(const Reference* ref) {
  if (!ref || keys_.count(ref)) return;
  keys_[ref];
  for (const auto& t : ref->targets)
    if (t.endpoint) by_endpoint_[t.endpoint].push_back(Use{ref, &t});
}

std::vector<const Endpoint*> LocalReferenceIndex::wanted_endpoints() const {
  std::vector<const Endpoint*> v;
  for (const auto& [ep, uses] : by_endpoint_) v.push_back(ep);
  std::sort(v.begin(), v.end(), [](const Endpoint* a, const Endpoint* b) { return a->path < b->path; });
  return v;
}

void LocalReferenceIndex::add_document(const Endpoint& ep, element doc) {
  auto it = by_endpoint_.find(&ep);
  if (it == by_endpoint_.end()) return;
  std::string buf;
  for (const auto& use : it->second) {
    buf.clear();
    for (size_t i = 0; i < use.ref->fields.size(); ++i) {
      auto v = i < use.target->field_paths.size() ? at_path(doc, use.target->field_paths[i]) : std::nullopt;
      if (v) {
        append_key_value(buf, *v, use.ref->fields[i].is_descriptor);
      } else {
        append_missing(buf);
      }
    }
    keys_[use.ref].insert(hash128(buf));
  }
}

bool LocalReferenceIndex::contains(const Reference* ref, const Hash128& key) const {
  auto it = keys_.find(ref);
  return it != keys_.end() && it->second.count(key) > 0;
}

size_t LocalReferenceIndex::size() const {
  size_t n = 0;
  for (const auto& [r, s] : keys_) n += s.size();
  return n;
}

// --- EndpointValidator ---

namespace {

template <typename Map>
void collect_descriptor_types(const SpecModel& model, const ObjectModel* om, Map& out,
                              std::unordered_set<const ObjectModel*>& seen, std::vector<const Reference*>* refs) {
  if (!om || !seen.insert(om).second) return;
  for (const auto& p : om->properties) {
    switch (p.kind) {
      case PropertyKind::descriptor:
        if (p.descriptor) out.emplace(p.name, p.descriptor);
        break;
      case PropertyKind::reference:
        if (p.reference) {
          if (refs && std::find(refs->begin(), refs->end(), p.reference) == refs->end()) refs->push_back(p.reference);
          for (const auto& f : p.reference->fields)
            if (f.is_descriptor && f.descriptor) out.emplace(f.name, f.descriptor);
        }
        break;
      case PropertyKind::object:
      case PropertyKind::array: collect_descriptor_types(model, p.object, out, seen, refs); break;
      default: break;
    }
  }
}

}  // namespace

EndpointValidator::EndpointValidator(const SpecModel& model, const Endpoint& ep, ValidatorOptions options,
                                     const DescriptorSet* descriptors, const LocalReferenceIndex* local)
    : model_(model), ep_(ep), options_(std::move(options)), descriptors_(descriptors), local_(local) {
  if (options_.methods.schema) {
    if (!ep.body || !ep.body->schema)
      throw Error("the OpenAPI documents have no body schema for " + ep.path + "; cannot validate it by schema");
    CompileOptions co;
    co.formats = FormatMode::edfi;
    co.coercion = options_.coercion;
    co.where = fmt::format("{} spec, endpoint {}, schema {}", ep.is_descriptor ? "descriptors" : "resources", ep.path,
                           ep.schema_name);
    const SpecModel* m = &model_;
    schema_.emplace(CompiledSchema::compile(*ep.body->schema, [m](std::string_view ref) { return m->resolve(ref); }, co));
  }
  std::unordered_set<const ObjectModel*> seen;
  collect_descriptor_types(model_, ep.body, descriptor_types_, seen, nullptr);
}

std::vector<const Reference*> EndpointValidator::references() const {
  std::unordered_map<std::string, const Endpoint*> dummy;
  std::unordered_set<const ObjectModel*> seen;
  std::vector<const Reference*> refs;
  collect_descriptor_types(model_, ep_.body, dummy, seen, &refs);
  return refs;
}

// State of one walk over a payload for collections and references.
struct EndpointValidator::Walk {
  std::vector<std::string> path;  // "gradeLevels[1]", "birthData" ...
  std::string collection_failure;
  std::string reference_failure;
  std::vector<RemoteCheck>* remote = nullptr;
  std::string buf;

  std::string path_text() const {
    std::string s;
    for (size_t i = 0; i < path.size(); ++i) {
      if (i && path[i][0] != '[') s.push_back('.');
      s += path[i];
    }
    return s;
  }
};

// The path of a descriptor value as messages show it: "a.b[1].c" (keys joined by '.', indexes as [i]).
std::string EndpointValidator::descriptor_path_text(const std::vector<PathSeg>& path) {
  std::string s;
  for (const auto& seg : path) {
    if (seg.is_index) {
      fmt::format_to(std::back_inserter(s), "[{}]", seg.index);
    } else {
      if (!s.empty()) s.push_back('.');
      s += seg.key;
    }
  }
  return s;
}

// The path is kept as views of the document's keys and only turned into text for a message.
bool EndpointValidator::check_descriptors(element v, std::vector<PathSeg>& path, std::string& message) const {
  if (v.type() == element_type::OBJECT) {
    for (auto f : simdjson::dom::object(v)) {
      auto t = f.value.type();
      if (t == element_type::OBJECT || t == element_type::ARRAY) {
        path.push_back(PathSeg{f.key, 0, false});
        if (check_descriptors(f.value, path, message)) return true;
        path.pop_back();
      } else if (t == element_type::STRING && std::string_view(f.key).ends_with("Descriptor")) {
        std::string_view value(f.value);
        auto at = [&] { return path.empty() ? std::string() : fmt::format(" (at {})", descriptor_path_text(path)); };
        if (value.find('#') == std::string_view::npos) {
          message = fmt::format("{} is not a valid descriptor value for {}{}; format should be like `uri://namespace.org/SomeDescriptor#SomeValue`",
                                value, f.key, at());
          return true;
        }
        if (!descriptors_) continue;
        const Endpoint* type = nullptr;
        auto it = descriptor_types_.find(f.key);
        if (it != descriptor_types_.end()) {
          type = it->second;
        } else {
          type = model_.descriptor_for_property(f.key, ep_.project);
        }
        bool ok = type ? descriptors_->contains(type->name, value) : descriptors_->contains("", value);
        if (!ok) {
          message = fmt::format("{} is not a valid descriptor value for {}{}", value, f.key, at());
          return true;
        }
      }
    }
  } else if (v.type() == element_type::ARRAY) {
    size_t i = 0;
    for (element e : simdjson::dom::array(v)) {
      path.push_back(PathSeg{{}, i++, true});
      if (check_descriptors(e, path, message)) return true;
      path.pop_back();
    }
  }
  return false;
}

bool EndpointValidator::reference_selected(const std::string& ref_path) const {
  if (options_.reference_selector.empty()) return true;
  std::string key = ep_.name + "." + ref_path;
  bool listed = false;
  for (const auto& s : options_.reference_selector) {
    std::string_view pat = s;
    bool star_front = !pat.empty() && pat.front() == '*';
    bool star_back = pat.size() > 1 && pat.back() == '*';
    std::string_view core = pat.substr(star_front ? 1 : 0);
    if (star_back && !core.empty()) core.remove_suffix(1);
    std::string lk = to_lower(key), lc = to_lower(core);
    bool m = star_front && star_back ? lk.find(lc) != std::string::npos
             : star_front            ? std::string_view(lk).ends_with(lc)
             : star_back             ? lk.compare(0, lc.size(), lc) == 0
                                     : lk == lc;
    if (m) {
      listed = true;
      break;
    }
  }
  return options_.selector_include ? listed : !listed;
}

void EndpointValidator::check_reference(const Property& p, simdjson::dom::object obj, Walk& w) const {
  if (!w.reference_failure.empty() || !p.reference) return;
  const Reference& ref = *p.reference;
  // The selector names nested references by their property path without indexes.
  std::string sel_path;
  for (const auto& seg : w.path) {
    if (seg[0] == '[') continue;
    sel_path += seg + ".";
  }
  sel_path += p.name;
  if (!reference_selected(sel_path)) return;
  w.buf.clear();
  bool any_value = false;
  for (const auto& f : ref.fields) {
    element v;
    if (obj.at_key(f.name).get(v) == simdjson::SUCCESS && v.type() != element_type::NULL_VALUE) {
      append_key_value(w.buf, v, f.is_descriptor);
      any_value = true;
    } else {
      append_missing(w.buf);
    }
  }
  if (!any_value) return;  // an empty reference object: the schema method reports missing fields
  if (local_ && local_->contains(&ref, hash128(w.buf))) return;
  // Python's f"payload contains an invalid {k} " + (" (at "+path+"): " if path!="" else ": ").
  std::string at = w.path.empty() ? std::string(" : ") : fmt::format("  (at {}): ", w.path_text());
  std::string message = fmt::format("payload contains an invalid {}{}{}", p.name, at, dumps_object(obj, "link"));
  if (!options_.remote_references || !w.remote) {
    w.reference_failure = std::move(message);
    return;
  }
  RemoteCheck rc;
  rc.message = std::move(message);
  for (const auto& t : ref.targets) {
    if (!t.endpoint) continue;
    std::string q = t.endpoint->project + "/" + t.endpoint->name + "?";
    bool first = true;
    for (size_t i = 0; i < ref.fields.size() && i < t.field_paths.size(); ++i) {
      element v;
      if (obj.at_key(ref.fields[i].name).get(v) != simdjson::SUCCESS) continue;
      std::string text;
      if (v.type() == element_type::STRING) {
        text = std::string(std::string_view(v));
      } else {
        text = std::string(simdjson::minify(v));
      }
      if (!first) q.push_back('&');
      first = false;
      q += http::url_encode(t.field_paths[i].segments.back());
      q.push_back('=');
      q += http::url_encode(text);
    }
    rc.queries.push_back(std::move(q));
  }
  if (rc.queries.empty()) {
    w.reference_failure = std::move(rc.message);
    return;
  }
  w.remote->push_back(std::move(rc));
}

void EndpointValidator::walk_object(const ObjectModel& om, simdjson::dom::object obj, Walk& w) const {
  for (auto f : obj) {
    auto t = f.value.type();
    // Only objects and arrays (references, nested objects, collections) are walked.
    if (t != element_type::OBJECT && t != element_type::ARRAY) continue;
    const Property* p = om.find(f.key);
    if (!p) continue;
    switch (p->kind) {
      case PropertyKind::reference:
        if (options_.methods.references && t == element_type::OBJECT) {
          check_reference(*p, simdjson::dom::object(f.value), w);
        }
        break;
      case PropertyKind::object:
        if (p->object && t == element_type::OBJECT) {
          w.path.emplace_back(f.key);
          walk_object(*p->object, simdjson::dom::object(f.value), w);
          w.path.pop_back();
        }
        break;
      case PropertyKind::array: {
        if (!p->object || t != element_type::ARRAY) break;
        auto arr = simdjson::dom::array(f.value);
        // Item identity within this one collection (§4.6): hash per item, duplicates reported.
        bool check_items = options_.methods.uniqueness && !p->item_identity.empty() && w.collection_failure.empty();
        std::vector<Hash128> seen;
        size_t i = 0;
        for (element item : arr) {
          simdjson::dom::object io;
          if (item.get_object().get(io) != simdjson::SUCCESS) {
            ++i;
            continue;
          }
          std::string index_seg = fmt::format("[{}]", i);
          if (check_items) {
            w.buf.clear();
            bool any = false;
            for (const auto& path : p->item_identity) {
              auto v = at_path(item, path);
              if (v) {
                append_key_value(w.buf, *v, std::string_view(path.segments.back()).ends_with("Descriptor"));
                any = true;
              } else {
                append_missing(w.buf);
              }
            }
            Hash128 h = hash128(w.buf);
            if (any && std::find(seen.begin(), seen.end(), h) != seen.end() && w.collection_failure.empty()) {
              std::vector<std::pair<std::string, std::string>> pairs;
              for (const auto& path : p->item_identity) {
                auto v = at_path(item, path);
                pairs.emplace_back(path.segments.back(), v ? dumps_value(*v) : "null");
              }
              w.path.emplace_back(f.key);
              w.path.push_back(index_seg);
              w.collection_failure = fmt::format("duplicate value(s) for identity key(s): (at {}): {}", w.path_text(), dumps_pairs(pairs));
              w.path.pop_back();
              w.path.pop_back();
            }
            seen.push_back(h);
          }
          w.path.emplace_back(f.key);
          w.path.push_back(std::move(index_seg));
          walk_object(*p->object, io, w);
          w.path.pop_back();
          w.path.pop_back();
          ++i;
        }
        break;
      }
      default: break;
    }
  }
}

namespace {

// The first key given twice in one object, at any depth, as "$.path.key" (the API's JSON path
// form, as in its "An item with the same key has already been added." error); false when none.
// simdjson keeps every member, so the check is a walk over the parsed document: objects of a few
// keys compare each key with the ones before it (no allocation), larger ones sort views.
bool duplicate_key(element e, std::string& path, std::string_view& key) {  // NOLINT(misc-no-recursion)
  if (e.type() == element_type::ARRAY) {
    std::size_t i = 0;
    const std::size_t len = path.size();
    for (element item : simdjson::dom::array(e)) {
      const auto t = item.type();
      if (t == element_type::OBJECT || t == element_type::ARRAY) {
        path += '[';
        path += std::to_string(i);
        path += ']';
        if (duplicate_key(item, path, key)) return true;
        path.resize(len);
      }
      ++i;
    }
    return false;
  }
  if (e.type() != element_type::OBJECT) return false;
  const simdjson::dom::object obj(e);
  constexpr std::size_t k_small = 16;
  std::string_view small[k_small];
  std::unordered_set<std::string_view> many;  // only for objects of more than k_small keys
  std::size_t n = 0;
  bool found = false;
  for (auto field : obj) {
    const std::string_view k = field.key;
    if (n < k_small) {
      for (std::size_t j = 0; j < n; ++j)
        if (small[j] == k) found = true;
      small[n] = k;
    } else {
      if (many.empty()) many.insert(small, small + k_small);
      found = !many.insert(k).second;
    }
    ++n;
    if (found) {
      key = k;
      path += '.';
      path += k;
      return true;
    }
  }
  const std::size_t len = path.size();
  for (auto field : obj) {
    const auto t = field.value.type();
    if (t != element_type::OBJECT && t != element_type::ARRAY) continue;
    path += '.';
    path += field.key;
    if (duplicate_key(field.value, path, key)) return true;
    path.resize(len);
  }
  return false;
}

// The fast screen run on every line: one pass, no path, no allocation; keys compared by a
// signature (length, first and last 4 bytes) before their bytes. True also for any object of more
// than 16 keys: duplicate_key() then decides (and names the key).
inline std::uint64_t key_signature(std::string_view k) {
  std::uint32_t a = 0, b = 0;
  const std::size_t n = k.size();
  if (n >= 4) {
    std::memcpy(&a, k.data(), 4);
    std::memcpy(&b, k.data() + n - 4, 4);
  } else {
    for (std::size_t i = 0; i < n; ++i) a = (a << 8) | static_cast<unsigned char>(k[i]);
  }
  return ((static_cast<std::uint64_t>(a) << 32) | b) ^ (static_cast<std::uint64_t>(n) * 0x9E3779B97F4A7C15ULL);
}

bool may_have_duplicate_key(element e) {  // NOLINT(misc-no-recursion)
  const auto t = e.type();
  if (t == element_type::ARRAY) {
    for (element item : simdjson::dom::array(e)) {
      const auto it = item.type();
      if ((it == element_type::OBJECT || it == element_type::ARRAY) && may_have_duplicate_key(item)) return true;
    }
    return false;
  }
  if (t != element_type::OBJECT) return false;
  constexpr std::size_t k_small = 16;
  // Plain arrays, left uninitialised: a std::string_view array would be zeroed on every call,
  // which cost more than the whole check.
  std::uint64_t sigs[k_small];
  const char* key_data[k_small];
  std::size_t key_size[k_small];
  std::size_t n = 0;
  for (auto field : simdjson::dom::object(e)) {
    if (n == k_small) return true;
    const std::string_view k = field.key;
    const std::uint64_t sig = key_signature(k);
    for (std::size_t j = 0; j < n; ++j)
      if (sigs[j] == sig && std::string_view(key_data[j], key_size[j]) == k) return true;
    sigs[n] = sig;
    key_data[n] = k.data();
    key_size[n++] = k.size();
    const auto vt = field.value.type();
    if ((vt == element_type::OBJECT || vt == element_type::ARRAY) && may_have_duplicate_key(field.value)) return true;
  }
  return false;
}

// Keys as shown in a one-line message: control characters escaped.
std::string printable(std::string_view text) {
  std::string out;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) out += fmt::format("\\u{:04x}", c);
    else out += ch;
  }
  return out;
}

bool space_char(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// " in a -> 0 -> b" as schema messages name a place (empty at the top level).
std::string place_text(const std::vector<std::string>& path) {
  std::string s;
  for (const auto& seg : path) s += (s.empty() ? " in " : " -> ") + seg;
  return s;
}

// What the API refuses in strings although the schema allows it (docs/coercion.md, the sandbox's
// normalize.cpp is the same rule): an identity string (top-level identity, item identity, reference
// field) empty or with leading/trailing white space; a required string empty or blank; a descriptor's
// namespace with leading/trailing white space. Returns the first such problem.
// NOLINTNEXTLINE(misc-no-recursion)
bool api_string_rule(const Endpoint& ep, const ObjectModel& om, simdjson::dom::object obj, bool top_level,
                     const std::vector<JsonPath>* item_identity, std::vector<std::string>& path, std::string& message) {
  for (auto f : obj) {
    const Property* p = om.find(f.key);
    if (!p) continue;
    const auto t = f.value.type();
    if ((p->kind == PropertyKind::scalar) && t == element_type::STRING) {
      std::string_view v(f.value);
      const bool padded = !v.empty() && (space_char(v.front()) || space_char(v.back()));
      if (ep.is_descriptor && top_level) {
        if (f.key == "namespace" && padded) {
          message = fmt::format("'{}' cannot contain leading or trailing spaces in namespace", printable(v));
          return true;
        }
        continue;
      }
      bool item_id = false;
      if (item_identity)
        for (const auto& ip : *item_identity) item_id |= ip.segments.size() == 1 && ip.segments[0] == f.key;
      const bool identity = (top_level && p->identity) || item_id;
      bool blank = true;
      for (char c : v) blank &= space_char(c);
      if ((identity || p->required) && v.empty()) {
        message = top_level ? fmt::format("{} is required and should not be left empty", f.key)
                            : fmt::format("'' cannot be empty in {}{}", f.key, place_text(path));
        return true;
      }
      if (identity ? padded : (p->required && blank)) {
        message = fmt::format("'{}' cannot contain leading or trailing spaces in {}{}", printable(v), f.key, place_text(path));
        return true;
      }
    } else if (p->kind == PropertyKind::reference && p->reference && t == element_type::OBJECT) {
      for (auto rf : simdjson::dom::object(f.value)) {
        if (rf.value.type() != element_type::STRING) continue;
        const ReferenceField* field = nullptr;
        for (const auto& candidate : p->reference->fields)
          if (candidate.name == rf.key) field = &candidate;
        if (!field || field->is_descriptor) continue;
        std::string_view v(rf.value);
        if (v.empty() || space_char(v.front()) || space_char(v.back())) {
          path.emplace_back(f.key);
          message = fmt::format("'{}' cannot {} in {}{}", printable(v), v.empty() ? "be empty" : "contain leading or trailing spaces",
                                rf.key, place_text(path));
          path.pop_back();
          return true;
        }
      }
    } else if (p->kind == PropertyKind::object && p->object && t == element_type::OBJECT) {
      path.emplace_back(f.key);
      if (api_string_rule(ep, *p->object, simdjson::dom::object(f.value), false, nullptr, path, message)) return true;
      path.pop_back();
    } else if (p->kind == PropertyKind::array && p->object && t == element_type::ARRAY) {
      size_t i = 0;
      for (element item : simdjson::dom::array(f.value)) {
        simdjson::dom::object io;
        if (item.get_object().get(io) == simdjson::SUCCESS) {
          path.emplace_back(f.key);
          path.emplace_back(std::to_string(i));
          if (api_string_rule(ep, *p->object, io, false, &p->item_identity, path, message)) return true;
          path.pop_back();
          path.pop_back();
        }
        ++i;
      }
    }
  }
  return false;
}

}  // namespace

void EndpointValidator::check_line(simdjson::dom::parser& parser, std::string_view text, LineResult& out) const {
  out.clear();
  element doc;
  auto err = parser.parse(text.data(), text.size(), false).get(doc);
  if (err) {
    if (err == simdjson::UTF8_ERROR) {
      out.failures.emplace_back(Method::json, "invalid JSON: the line is not valid UTF-8");
    } else {
      out.failures.emplace_back(Method::json, std::string("invalid JSON: ") + simdjson::error_message(err) +
                                                  std::string(data::json_lines_hint(text)));
    }
    return;
  }
  if (doc.type() != element_type::OBJECT) {
    out.failures.emplace_back(Method::json, "invalid JSON: the line is not a JSON object");
    return;
  }
  {
    std::string path = "$";
    std::string_view key;
    if (may_have_duplicate_key(doc) && duplicate_key(doc, path, key)) {
      out.failures.emplace_back(Method::json, "invalid JSON: the key \"" + printable(key) + "\" is given twice (at " + printable(path) +
                                                  "); the API rejects the line, keep one");
      return;
    }
  }
  if (schema_ && !schema_->is_valid(doc)) {
    auto e = schema_->first_error(doc);
    out.failures.emplace_back(Method::schema, e ? e->python_text() : std::string("does not match the schema"));
    return;
  }
  if (schema_ && ep_.body) {  // what the API refuses beyond the schema (docs/coercion.md)
    simdjson::dom::object obj(doc);
    element id;
    if (obj["id"].get(id) == simdjson::SUCCESS) {
      out.failures.emplace_back(Method::schema,
                                "'id' is in the body: the API assigns resource ids and refuses a POST that carries one; "
                                "drop it (lightbeam fetch -d id)");
      return;
    }
    thread_local std::vector<std::string> path;
    path.clear();
    std::string message;
    if (api_string_rule(ep_, *ep_.body, obj, true, nullptr, path, message)) {
      out.failures.emplace_back(Method::schema, std::move(message));
      return;
    }
  }
  if (options_.methods.descriptors) {
    thread_local std::vector<PathSeg> path;  // reused: no allocation per line
    path.clear();
    std::string message;
    if (check_descriptors(doc, path, message)) {
      out.failures.emplace_back(Method::descriptors, std::move(message));
      return;
    }
  }
  if (options_.methods.uniqueness && !ep_.identity_paths.empty()) {
    thread_local std::string buf;
    buf.clear();
    bool any = false;
    for (const auto& path : ep_.identity_paths) {
      auto v = at_path(doc, path);
      if (v) {
        append_key_value(buf, *v, ep_.is_descriptor || std::string_view(path.segments.back()).ends_with("Descriptor"));
        any = true;
      } else {
        append_missing(buf);
      }
    }
    if (any) {
      out.has_identity = true;
      out.identity = hash128(buf);
    }
  }
  bool walk_needed = (options_.methods.uniqueness || options_.methods.references) && ep_.body;
  if (walk_needed) {
    Walk w;
    w.remote = &out.remote;
    walk_object(*ep_.body, simdjson::dom::object(doc), w);
    if (!w.collection_failure.empty()) out.failures.emplace_back(Method::uniqueness, std::move(w.collection_failure));
    if (!w.reference_failure.empty()) out.failures.emplace_back(Method::references, std::move(w.reference_failure));
  }
}

std::string EndpointValidator::identity_text(element doc) const {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& path : ep_.identity_paths) {
    auto v = at_path(doc, path);
    pairs.emplace_back(path.segments.back(), v ? dumps_value(*v) : "null");
  }
  return dumps_pairs(pairs);
}

std::string EndpointValidator::duplicate_message(element doc) const {
  // Python's "...: " + ("(at "+path+"): " if path!="" else ": ") + params: ": : " at the top level.
  return fmt::format("duplicate value(s) for identity key(s): : {}", identity_text(doc));
}

}  // namespace lightbeam::schema
