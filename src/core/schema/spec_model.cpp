// Builds the Ed-Fi resource model (endpoints, identities, references, projections, abstract resources) from the specs.
#include "core/schema/spec_model.hpp"

#include <algorithm>
#include <cctype>
#include <deque>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/schema/json_from_dom.hpp"

namespace lightbeam::schema {

using nlohmann::json;

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

namespace {

bool iends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

std::string capitalise(std::string_view s) {
  std::string out(s);
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

// "EdFi_School" → "School"; "edFi_studentSchoolAssociation" → "StudentSchoolAssociation"; "TPDM_Candidate" → "Candidate".
std::string strip_prefix(std::string_view schema_name) {
  auto pos = schema_name.find('_');
  return capitalise(pos == std::string_view::npos ? schema_name : schema_name.substr(pos + 1));
}

// Project of a schema from its prefix: "EdFi"/"edFi" → "edfi", "TPDM"/"tpdm" → "tpdm" (compare with the path
// project with '-' removed, lower-cased).
std::string prefix_key(std::string_view schema_name) {
  auto pos = schema_name.find('_');
  return pos == std::string_view::npos ? std::string() : to_lower(schema_name.substr(0, pos));
}

std::string project_key(std::string_view project) {
  std::string out;
  for (char c : project)
    if (c != '-' && c != '_') out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

// Name of the schema a "$ref" points at (last path segment).
std::string ref_name(std::string_view ref) {
  auto pos = ref.rfind('/');
  return std::string(pos == std::string_view::npos ? ref : ref.substr(pos + 1));
}

bool is_reference_schema_name(std::string_view name) { return std::string_view(name).ends_with("Reference"); }

// "EdFi_School_Reference" → "EdFi_School"; "edFi_schoolReference" → "edFi_school".
std::string reference_base(std::string_view name) {
  if (std::string_view(name).ends_with("_Reference")) return std::string(name.substr(0, name.size() - 10));
  return std::string(name.substr(0, name.size() - 9));
}

std::string str_or_empty(const json& obj, const char* key) {
  auto it = obj.find(key);
  return (it != obj.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

bool flag(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_boolean() && it->get<bool>();
}

std::string query_type(const std::string& type, const std::string& format) {
  if (type == "integer" || type == "number") return "number";
  if (type == "boolean") return "boolean";
  if (format == "date" || format == "date-time" || format == "time") return format;
  return "string";
}

}  // namespace

JsonPath::JsonPath(std::vector<std::string> segs) : segments(std::move(segs)) {
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i) dotted.push_back('.');
    dotted += segments[i];
  }
}

const json* JsonPath::find_in(const json& doc) const {
  const json* cur = &doc;
  for (const auto& seg : segments) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(seg);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

const Property* ObjectModel::find(std::string_view name) const {
  for (const auto& p : properties)
    if (p.name == name) return &p;
  return nullptr;
}

const QueryField* Endpoint::find_query_field(std::string_view name) const {
  for (const auto& q : query_fields)
    if (iequals(q.name, name)) return &q;
  return nullptr;
}

std::vector<const QueryField*> Endpoint::identity_query_fields() const {
  std::vector<const QueryField*> out;
  for (const auto& id : identity_paths)
    for (const auto& q : query_fields)
      if (q.path == id && std::find(out.begin(), out.end(), &q) == out.end()) out.push_back(&q);
  return out;
}

struct SpecModel::Impl {
  json resources_doc;
  json descriptors_doc;
  bool swagger2 = false;
  std::string source;

  // Owned nodes (deque/unique_ptr: stable addresses).
  std::deque<Endpoint> endpoint_store;
  std::deque<ObjectModel> object_store;
  std::deque<Reference> reference_store;
  std::deque<AbstractResource> abstract_store;

  std::vector<const Endpoint*> all, resources, descriptors;
  std::vector<const AbstractResource*> abstracts;

  std::unordered_map<std::string, const Endpoint*> by_key;     // "ed-fi/schools" (lower)
  std::unordered_map<std::string, const Endpoint*> by_schema;  // exact schema name
  std::unordered_map<std::string, const json*> schemas;        // exact schema name → schema
  std::unordered_map<std::string, Reference*> references;      // reference schema name → compiled
  std::unordered_map<const json*, ObjectModel*> compiled;      // named schema → compiled object
  std::vector<std::pair<std::string, const Endpoint*>> descriptor_suffixes;  // lower resource name

  std::size_t ref_fields = 0, ref_fields_resolved = 0;

  // ---- document access ----------------------------------------------------------------------------
  static const json* schema_section(const json& doc) {
    if (auto it = doc.find("components"); it != doc.end() && it->is_object()) {
      if (auto s = it->find("schemas"); s != it->end() && s->is_object()) return &*s;
    }
    if (auto it = doc.find("definitions"); it != doc.end() && it->is_object()) return &*it;
    return nullptr;
  }
  static json* schema_section(json& doc) {
    if (auto it = doc.find("components"); it != doc.end() && it->is_object()) {
      if (auto s = it->find("schemas"); s != it->end() && s->is_object()) return &*s;
    }
    if (auto it = doc.find("definitions"); it != doc.end() && it->is_object()) return &*it;
    return nullptr;
  }

  const json* lookup_schema(const std::string& name) const {
    auto it = schemas.find(name);
    return it == schemas.end() ? nullptr : it->second;
  }

  void check_document(const json& doc, const char* which) {
    if (!doc.is_object())
      throw Error(fmt::format("{}: the {} document is not a JSON object; expected an OpenAPI 3 or Swagger 2.0 document",
                              source, which));
    auto paths = doc.find("paths");
    if (paths == doc.end() || !paths->is_object())
      throw Error(fmt::format("{}: the {} document has no \"paths\" object; expected an OpenAPI 3 or Swagger 2.0 document",
                              source, which));
    if (!schema_section(doc))
      throw Error(fmt::format(
          "{}: the {} document has neither \"components.schemas\" (OpenAPI 3) nor \"definitions\" (Swagger 2.0)", source,
          which));
  }

  // The POST body schema name of a path item, or "" when it has none.
  std::string post_schema_ref(const json& doc, const json& post) const {
    if (auto rb = post.find("requestBody"); rb != post.end() && rb->is_object()) {
      const json* body = &*rb;
      if (auto r = body->find("$ref"); r != body->end() && r->is_string()) {  // #/components/requestBodies/X
        const json* resolved = resolve_pointer(doc, r->get<std::string>());
        if (!resolved) return {};
        body = resolved;
      }
      auto content = body->find("content");
      if (content == body->end() || !content->is_object()) return {};
      auto media = content->find("application/json");
      if (media == content->end()) {
        if (content->empty()) return {};
        media = content->begin();  // profile media types only
      }
      auto schema = media->find("schema");
      if (schema == media->end() || !schema->is_object()) return {};
      return str_or_empty(*schema, "$ref");
    }
    if (auto params = post.find("parameters"); params != post.end() && params->is_array()) {
      for (const auto& p : *params) {
        if (!p.is_object() || str_or_empty(p, "in") != "body") continue;
        auto schema = p.find("schema");
        if (schema != p.end() && schema->is_object()) return str_or_empty(*schema, "$ref");
      }
    }
    return {};
  }

  static const json* resolve_pointer(const json& doc, const std::string& ref) {
    if (ref.empty() || ref[0] != '#') return nullptr;
    try {
      json::json_pointer ptr(ref.substr(1));
      if (!doc.contains(ptr)) return nullptr;
      return &doc.at(ptr);
    } catch (const std::exception&) {
      return nullptr;
    }
  }

  // ---- the defect of §4.8 ------------------------------------------------------------------------------
  void repair_school_year(json& doc) {
    auto& paths = doc["paths"];
    for (auto it = paths.begin(); it != paths.end(); ++it) {
      if (!iends_with(it.key(), "/schoolYearTypes") || !it->is_object() || !it->contains("post")) continue;
      std::string name = ref_name(post_schema_ref(doc, (*it)["post"]));
      json* section = schema_section(doc);
      if (name.empty() || !section || !section->contains(name)) continue;
      json& s = (*section)[name];
      if (!s.is_object()) continue;
      json& props = s["properties"];
      if (!props.is_object()) props = json::object();
      if (!props.contains("schoolYear"))
        props["schoolYear"] = {{"type", "integer"}, {"minimum", 1900}, {"maximum", 2100}};
      props["schoolYear"]["x-Ed-Fi-isIdentity"] = true;
      if (!props.contains("currentSchoolYear"))
        props["currentSchoolYear"] = {{"type", "boolean"},
                                      {"description", "Whether this is the current school year."}};
      if (!props.contains("schoolYearDescription"))
        props["schoolYearDescription"] = {
            {"type", "string"}, {"maxLength", 50}, {"description", "The school year, for display."}};
      json& req = s["required"];
      if (!req.is_array()) req = json::array();
      for (const char* r : {"schoolYear", "currentSchoolYear", "schoolYearDescription"}) {
        if (std::find(req.begin(), req.end(), json(r)) == req.end()) req.push_back(r);
      }
      if (!s.contains("type")) s["type"] = "object";
    }
  }

  // ---- build --------------------------------------------------------------------------------------------
  void collect_schemas(json& doc) {
    json* section = schema_section(doc);
    for (auto it = section->begin(); it != section->end(); ++it) schemas.emplace(it.key(), &*it);
  }

  void collect_endpoints(const json& doc, bool is_descriptor) {
    const json& paths = doc["paths"];
    for (auto it = paths.begin(); it != paths.end(); ++it) {
      const std::string& path = it.key();
      if (path.find('{') != std::string::npos || !it->is_object()) continue;
      auto post = it->find("post");
      if (post == it->end() || !post->is_object()) continue;
      // exactly /{project}/{endpoint}
      std::string trimmed = path;
      while (!trimmed.empty() && trimmed.back() == '/') trimmed.pop_back();
      if (trimmed.size() < 4 || trimmed[0] != '/') continue;
      auto slash = trimmed.find('/', 1);
      if (slash == std::string::npos || trimmed.find('/', slash + 1) != std::string::npos) continue;
      std::string ref = post_schema_ref(doc, *post);
      if (ref.empty()) continue;  // nothing to model: no body schema
      std::string name = ref_name(ref);
      if (!lookup_schema(name))
        throw Error(fmt::format("{}: POST {} refers to schema \"{}\" which the document does not define", source,
                                path, ref));
      Endpoint& ep = endpoint_store.emplace_back();
      ep.project = trimmed.substr(1, slash - 1);
      ep.name = trimmed.substr(slash + 1);
      ep.path = trimmed;
      ep.schema_name = name;
      ep.resource_name = iequals(ep.name, "schoolYearTypes") ? "SchoolYearType" : strip_prefix(name);
      ep.is_descriptor = is_descriptor;
      if (auto item = paths.find(trimmed + "/{id}"); item != paths.end() && item->is_object()) {
        if (auto put = item->find("put"); put != item->end() && put->is_object())
          ep.identity_updatable = flag(*put, "x-Ed-Fi-isUpdatable");
      }
      std::string key = to_lower(ep.project) + "/" + to_lower(ep.name);
      if (by_key.count(key))
        throw Error(fmt::format("{}: endpoint {} is defined twice (resources and descriptors documents?)", source, path));
      by_key.emplace(key, &ep);
      by_schema.emplace(name, &ep);
      if (is_descriptor) descriptor_suffixes.emplace_back(to_lower(ep.resource_name), &ep);
    }
  }

  const Endpoint* descriptor_for(std::string_view property_name, std::string_view project) const {
    std::string lower = to_lower(property_name);
    std::string want = project_key(project);
    const Endpoint* best = nullptr;
    std::size_t best_len = 0;
    int best_rank = -1;
    // A property sees the descriptors of its own project and of Ed-Fi before any other project's, however
    // long their names: the Ed-Fi evaluationElementRatingLevelDescriptor is a RatingLevelDescriptor, not
    // TPDM's EvaluationElementRatingLevelDescriptor (a core model cannot refer to an extension).
    for (const auto& [suffix, ep] : descriptor_suffixes) {
      if (!std::string_view(lower).ends_with(suffix)) continue;
      std::string pk = project_key(ep->project);
      int rank = pk == want ? 2 : (pk == "edfi" ? 1 : 0);
      const bool visible = rank > 0, best_visible = best_rank > 0;
      const bool better = !best || (visible != best_visible ? visible
                                                          : suffix.size() > best_len || (suffix.size() == best_len && rank > best_rank));
      if (!better) continue;
      best = ep;
      best_len = suffix.size();
      best_rank = rank;
    }
    return best;
  }

  // Endpoint a reference schema's base name designates, or nullptr (abstract).
  const Endpoint* reference_target(const std::string& base) const {
    if (auto it = by_schema.find(base); it != by_schema.end()) return it->second;
    for (const auto* ep : all)
      if (iequals(ep->schema_name, base)) return ep;
    // Schema and endpoint named differently (DS 5.2: EdFi_SchoolYearTypeReference → EdFi_SchoolYear):
    // match the resource name within the same project.
    std::string resource = strip_prefix(base);
    std::string pk = prefix_key(base);
    for (const auto* ep : all)
      if (iequals(ep->resource_name, resource) && project_key(ep->project) == pk) return ep;
    return nullptr;
  }

  std::string project_for_prefix(const std::string& schema_name) const {
    std::string pk = prefix_key(schema_name);
    for (const auto* ep : all)
      if (project_key(ep->project) == pk) return ep->project;
    return pk == "edfi" ? "ed-fi" : pk;
  }

  void collect_references() {
    // Iterate in a stable order (schema name) so abstract resources come out sorted.
    std::vector<std::string> names;
    for (const auto& [name, s] : schemas)
      if (is_reference_schema_name(name) && s->is_object() && !by_schema.count(name)) names.push_back(name);
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      const json& s = *lookup_schema(name);
      Reference& r = reference_store.emplace_back();
      r.schema_name = name;
      r.schema = &s;
      std::string base = reference_base(name);
      r.target_resource = strip_prefix(base);
      std::string project = project_for_prefix(name);
      if (auto props = s.find("properties"); props != s.end() && props->is_object()) {
        for (auto it = props->begin(); it != props->end(); ++it) {
          ReferenceField f;
          f.name = it.key();
          f.type = str_or_empty(*it, "type");
          f.format = str_or_empty(*it, "format");
          if (f.type == "string" && std::string_view(f.name).ends_with("Descriptor")) {
            f.is_descriptor = true;
            f.descriptor = descriptor_for(f.name, project);
          }
          r.fields.push_back(std::move(f));
        }
      }
      if (auto req = s.find("required"); req != s.end() && req->is_array())
        for (const auto& x : *req)
          if (x.is_string()) r.required.push_back(x.get<std::string>());
      if (const Endpoint* target = reference_target(base)) {
        r.targets.push_back(ReferenceTarget{target, {}});
        if (!target->own_reference || target->own_reference->schema_name.size() > name.size())
          const_cast<Endpoint*>(target)->own_reference = &r;
      } else {
        AbstractResource& a = abstract_store.emplace_back();
        a.name = r.target_resource;
        a.project = project;
        a.reference = &r;
        r.abstract_target = &a;
        abstracts.push_back(&a);
      }
      references.emplace(name, &r);
    }
  }

  ObjectModel* compile_object(const json& s, const std::string& schema_name, const std::string& project) {
    if (!schema_name.empty()) {
      if (auto it = compiled.find(&s); it != compiled.end()) return it->second;
    }
    ObjectModel& m = object_store.emplace_back();
    if (!schema_name.empty()) compiled.emplace(&s, &m);
    m.schema_name = schema_name;
    m.schema = &s;
    if (auto req = s.find("required"); req != s.end() && req->is_array())
      for (const auto& x : *req)
        if (x.is_string()) m.required.push_back(x.get<std::string>());
    auto props = s.find("properties");
    if (props == s.end() || !props->is_object()) return &m;
    for (auto it = props->begin(); it != props->end(); ++it) {
      if (!it->is_object()) continue;
      Property p;
      p.name = it.key();
      p.schema = &*it;
      p.identity = flag(*it, "x-Ed-Fi-isIdentity");
      p.required = std::find(m.required.begin(), m.required.end(), p.name) != m.required.end();
      compile_property(p, *it, project);
      m.properties.push_back(std::move(p));
    }
    return &m;
  }

  void compile_property(Property& p, const json& ps, const std::string& project) {
    std::string ref = str_or_empty(ps, "$ref");
    if (!ref.empty()) {
      std::string name = ref_name(ref);
      if (auto r = references.find(name); r != references.end()) {
        p.kind = PropertyKind::reference;
        p.reference = r->second;
        return;
      }
      const json* target = lookup_schema(name);
      if (!target)
        throw Error(fmt::format("{}: property \"{}\" refers to schema \"{}\" which the documents do not define", source,
                                p.name, ref));
      p.kind = PropertyKind::object;
      p.type = "object";
      p.object = compile_object(*target, name, project);
      return;
    }
    p.type = str_or_empty(ps, "type");
    p.format = str_or_empty(ps, "format");
    if (p.type == "array") {
      p.kind = PropertyKind::array;
      if (auto mi = ps.find("minItems"); mi != ps.end() && mi->is_number_unsigned())
        p.min_items = mi->get<std::size_t>();
      auto items = ps.find("items");
      if (items == ps.end() || !items->is_object()) return;
      std::string item_ref = str_or_empty(*items, "$ref");
      if (!item_ref.empty()) {
        std::string name = ref_name(item_ref);
        const json* target = lookup_schema(name);
        if (!target)
          throw Error(fmt::format("{}: items of \"{}\" refer to schema \"{}\" which the documents do not define", source,
                                  p.name, item_ref));
        p.object = compile_object(*target, name, project);
      } else if (str_or_empty(*items, "type") == "object" || items->contains("properties")) {
        p.object = compile_object(*items, "", project);
      } else {
        p.type = "array";
        p.format = str_or_empty(*items, "format");
      }
      if (p.object) p.item_identity = item_identity(*p.object);
      return;
    }
    if (p.type == "object" || (p.type.empty() && ps.contains("properties"))) {
      p.kind = PropertyKind::object;
      p.type = "object";
      p.object = compile_object(ps, "", project);
      return;
    }
    if (p.type == "string" && std::string_view(p.name).ends_with("Descriptor")) {
      p.kind = PropertyKind::descriptor;
      p.descriptor = descriptor_for(p.name, project);
      return;
    }
    p.kind = PropertyKind::scalar;
  }

  static void add_reference_paths(std::vector<JsonPath>& out, const Property& p) {
    for (const auto& f : p.reference->fields) out.emplace_back(std::vector<std::string>{p.name, f.name});
  }

  // §4.6 approximation.
  static std::vector<JsonPath> item_identity(const ObjectModel& item) {
    std::vector<JsonPath> out;
    for (const auto& p : item.properties) {
      if (!p.identity) continue;
      if (p.kind == PropertyKind::reference)
        add_reference_paths(out, p);
      else if (p.kind == PropertyKind::scalar || p.kind == PropertyKind::descriptor)
        out.emplace_back(std::vector<std::string>{p.name});
    }
    if (!out.empty()) return out;
    for (const auto& p : item.properties)
      if (p.required && p.kind == PropertyKind::reference) add_reference_paths(out, p);
    if (!out.empty()) return out;
    for (const auto& p : item.properties)
      if (p.required && (p.kind == PropertyKind::scalar || p.kind == PropertyKind::descriptor))
        out.emplace_back(std::vector<std::string>{p.name});
    if (!out.empty()) return out;
    for (const auto& p : item.properties) {
      if (p.kind == PropertyKind::reference)
        add_reference_paths(out, p);
      else if (p.kind == PropertyKind::scalar || p.kind == PropertyKind::descriptor)
        out.emplace_back(std::vector<std::string>{p.name});
    }
    return out;
  }

  void compile_bodies() {
    for (auto& ep : endpoint_store) {
      const json& s = *lookup_schema(ep.schema_name);
      ep.body = compile_object(s, ep.schema_name, ep.project);
      for (const auto& p : ep.body->properties) {
        if (!p.identity) continue;
        ep.identity_properties.push_back(p.name);
        if (p.kind == PropertyKind::reference)
          add_reference_paths(ep.identity_paths, p);
        else
          ep.identity_paths.emplace_back(std::vector<std::string>{p.name});
      }
      std::sort(ep.identity_paths.begin(), ep.identity_paths.end(),
                [](const JsonPath& a, const JsonPath& b) { return a.dotted < b.dotted; });
    }
  }

  // §4.3 three-pass projection of an endpoint onto its own reference schema.
  void compute_projection(Endpoint& ep) {
    const Reference* own = ep.own_reference;
    if (!own) return;
    std::vector<const Property*> scalars, refs;
    for (const auto& p : ep.body->properties) {
      if (!p.identity) continue;
      if (p.kind == PropertyKind::reference)
        refs.push_back(&p);
      else if (p.kind == PropertyKind::scalar || p.kind == PropertyKind::descriptor)
        scalars.push_back(&p);
    }
    std::vector<ProjectionField> out(own->fields.size());
    std::set<std::pair<const Property*, std::string>> consumed;
    for (std::size_t i = 0; i < own->fields.size(); ++i) {  // pass 1
      out[i].name = own->fields[i].name;
      for (const auto* s : scalars)
        if (s->name == out[i].name) {
          out[i].paths.emplace_back(std::vector<std::string>{s->name});
          break;
        }
    }
    for (auto& f : out) {  // pass 2: role-named fields
      if (!f.paths.empty()) continue;
      for (const auto* r : refs) {
        std::string role = std::string_view(r->name).ends_with("Reference") ? r->name.substr(0, r->name.size() - 9) : r->name;
        std::vector<std::string> roles{role};
        const std::string& target = r->reference->target_resource;
        if (role.size() > target.size() && iends_with(role, target))
          roles.push_back(role.substr(0, role.size() - target.size()));
        for (const auto& rl : roles) {
          for (const auto& inner : r->reference->fields) {
            if (f.name == rl + capitalise(inner.name)) {
              f.paths.emplace_back(std::vector<std::string>{r->name, inner.name});
              consumed.emplace(r, inner.name);
              break;
            }
          }
          if (!f.paths.empty()) break;
        }
        if (!f.paths.empty()) break;
      }
    }
    for (auto& f : out) {  // pass 3: same-named field of identity references (unified when several)
      if (!f.paths.empty()) continue;
      for (const auto* r : refs) {
        if (consumed.count({r, f.name})) continue;
        for (const auto& inner : r->reference->fields)
          if (inner.name == f.name) f.paths.emplace_back(std::vector<std::string>{r->name, inner.name});
      }
      if (f.paths.size() > 1) ep.unification_groups.push_back(f.paths);
    }
    ep.projection = std::move(out);
  }

  void resolve_reference_targets() {
    for (auto& r : reference_store) {
      if (r.abstract_target) continue;
      for (auto& t : r.targets) {
        for (const auto& f : r.fields) {
          ++ref_fields;
          JsonPath path;
          for (const auto& pf : t.endpoint->projection)
            if (pf.name == f.name && !pf.paths.empty()) {
              path = pf.paths.front();
              ++ref_fields_resolved;
              break;
            }
          t.field_paths.push_back(std::move(path));
        }
      }
    }
  }

  // §4.4: a resource is a subclass of abstract A when a top-level property (or its items) uses a schema
  // named <A>_<Something> (DMS) / <a><Something> (ODS) other than A's reference schema.
  void detect_subclasses() {
    // The owner of a common type is the longest resource or abstract schema name it starts with
    // (EdFi_EducationOrganization_Address → EdFi_EducationOrganization; ODS edFi_educationOrganizationAddress →
    // edFi_educationOrganization, but edFi_educationOrganizationNetworkXxx → edFi_educationOrganizationNetwork).
    std::vector<std::string> owners;
    for (const auto& [name, ep] : by_schema) owners.push_back(name);
    for (const auto& a : abstract_store) owners.push_back(reference_base(a.reference->schema_name));
    auto owner_of = [&](const std::string& n) {
      std::string best;
      for (const auto& o : owners) {
        if (o.size() >= n.size() || o.size() <= best.size() || n.compare(0, o.size(), o) != 0) continue;
        char next = n[o.size()];
        if (next == '_' || std::isupper(static_cast<unsigned char>(next))) best = o;
      }
      return best;
    };
    for (auto& a_mut : abstract_store) {
      AbstractResource& a = a_mut;
      std::string base = reference_base(a.reference->schema_name);
      auto uses = [&](const std::string& ref) {
        if (ref.empty()) return false;
        std::string n = ref_name(ref);
        if (is_reference_schema_name(n) || by_schema.count(n)) return false;
        return owner_of(n) == base;
      };
      for (auto& ep : endpoint_store) {
        if (ep.is_descriptor) continue;
        bool sub = false;
        for (const auto& p : ep.body->properties) {
          const json& ps = *p.schema;
          std::string ref = str_or_empty(ps, "$ref");
          if (ref.empty())
            if (auto items = ps.find("items"); items != ps.end() && items->is_object()) ref = str_or_empty(*items, "$ref");
          if (uses(ref)) {
            sub = true;
            break;
          }
        }
        if (!sub || ep.superclass) continue;
        ep.superclass = &a;
        a.subclasses.push_back(&ep);
      }
      std::sort(a.subclasses.begin(), a.subclasses.end(),
                [](const Endpoint* x, const Endpoint* y) { return x->path < y->path; });
      // Map each abstract reference field to the subclass's document (identity rename when names differ).
      Reference& r = *const_cast<Reference*>(a.reference);
      for (const Endpoint* sub_c : a.subclasses) {
        Endpoint& sub = *const_cast<Endpoint*>(sub_c);
        ReferenceTarget t{sub_c, {}};
        std::vector<bool> used(sub.projection.size(), false);
        std::vector<int> match(r.fields.size(), -1);
        for (std::size_t i = 0; i < r.fields.size(); ++i)
          for (std::size_t j = 0; j < sub.projection.size(); ++j)
            if (!used[j] && sub.projection[j].name == r.fields[i].name) {
              match[i] = static_cast<int>(j);
              used[j] = true;
              break;
            }
        std::size_t next = 0;
        for (std::size_t i = 0; i < r.fields.size(); ++i) {  // rename: unmatched fields in order
          if (match[i] >= 0) continue;
          while (next < used.size() && used[next]) ++next;
          if (next < used.size()) {
            match[i] = static_cast<int>(next);
            used[next] = true;
          }
        }
        for (std::size_t i = 0; i < r.fields.size(); ++i) {
          ++ref_fields;
          JsonPath path;
          if (match[i] >= 0 && !sub.projection[match[i]].paths.empty()) {
            path = sub.projection[match[i]].paths.front();
            ++ref_fields_resolved;
          }
          t.field_paths.push_back(path);
        }
        sub.superclass_paths = t.field_paths;
        r.targets.push_back(std::move(t));
      }
    }
  }

  void compute_query_fields(Endpoint& ep) {
    auto add = [&](QueryField q) {
      for (const auto& e : ep.query_fields)
        if (iequals(e.name, q.name)) return;  // first wins
      ep.query_fields.push_back(std::move(q));
    };
    // Identity properties first so that a field shared by an identity reference and an optional one
    // (studentSchoolAssociations: schoolReference.schoolId vs calendarReference.schoolId) filters the identity.
    for (int pass = 0; pass < 2; ++pass) {
      for (const auto& p : ep.body->properties) {
        if (p.identity != (pass == 0)) continue;
        if (p.name == "id" || (!p.name.empty() && p.name[0] == '_')) continue;
        if (p.kind == PropertyKind::scalar || p.kind == PropertyKind::descriptor) {
          add(QueryField{p.name, query_type(p.type, p.format), JsonPath({p.name}), p.kind == PropertyKind::descriptor});
        } else if (p.kind == PropertyKind::reference) {
          for (const auto& f : p.reference->fields)
            add(QueryField{f.name, query_type(f.type, f.format), JsonPath({p.name, f.name}), f.is_descriptor});
        }
      }
    }
  }

  void build(json res_doc, json desc_doc) {
    resources_doc = std::move(res_doc);
    descriptors_doc = std::move(desc_doc);
    check_document(resources_doc, "resources");
    check_document(descriptors_doc, "descriptors");
    swagger2 = !resources_doc.contains("components") && resources_doc.contains("definitions");
    repair_school_year(resources_doc);
    collect_schemas(resources_doc);
    collect_schemas(descriptors_doc);
    collect_endpoints(resources_doc, false);
    collect_endpoints(descriptors_doc, true);
    for (auto& ep : endpoint_store) all.push_back(&ep);
    auto by_path = [](const Endpoint* a, const Endpoint* b) { return a->path < b->path; };
    for (const auto* ep : all) (ep->is_descriptor ? descriptors : resources).push_back(ep);
    std::sort(resources.begin(), resources.end(), by_path);
    std::sort(descriptors.begin(), descriptors.end(), by_path);
    all = resources;
    all.insert(all.end(), descriptors.begin(), descriptors.end());
    collect_references();
    compile_bodies();
    for (auto& ep : endpoint_store) compute_projection(ep);
    resolve_reference_targets();
    detect_subclasses();
    for (auto& ep : endpoint_store) compute_query_fields(ep);
  }
};

SpecModel::SpecModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SpecModel::SpecModel(SpecModel&&) noexcept = default;
SpecModel& SpecModel::operator=(SpecModel&&) noexcept = default;
SpecModel::~SpecModel() = default;

SpecModel SpecModel::from_documents(json resources, json descriptors, const std::string& source) {
  auto impl = std::make_unique<Impl>();
  impl->source = source;
  impl->build(std::move(resources), std::move(descriptors));
  return SpecModel(std::move(impl));
}

json SpecModel::read_json_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::error_code ec;
  auto size = std::filesystem::file_size(file, ec);
  if (!in || ec)
    throw Error(fmt::format("cannot read spec file {}: it is missing or unreadable (expected an OpenAPI JSON document)",
                            file.string()));
  std::string text(static_cast<std::size_t>(size), '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(text.size())))
    throw Error(fmt::format("cannot read spec file {}: read failed", file.string()));
  // simdjson + conversion is several times cheaper than nlohmann's parser; nlohmann's parser stays
  // the fallback (and gives the error position) for text simdjson rejects.
  if (auto fast = parse_json_fast(text)) return std::move(*fast);
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    // Re-parse with exceptions to get the position for the message.
    try {
      [[maybe_unused]] json again = json::parse(text);
    } catch (const json::parse_error& e) {
      throw Error(fmt::format("spec file {} is not valid JSON (byte {}): {}", file.string(), e.byte, e.what()));
    }
    throw Error(fmt::format("spec file {} is not valid JSON", file.string()));
  }
  return doc;
}

SpecModel SpecModel::load_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw Error(fmt::format("spec folder {} does not exist; it must hold resources-spec.json and descriptors-spec.json",
                            dir.string()));
  auto res_path = dir / "resources-spec.json";
  auto desc_path = dir / "descriptors-spec.json";
  // The two documents are parsed concurrently: parsing is most of the start-up time of the sandbox.
  auto desc_future = std::async(std::launch::async, [&] { return read_json_file(desc_path); });
  json res;
  try {
    res = read_json_file(res_path);
  } catch (...) {
    desc_future.wait();
    throw;
  }
  json desc = desc_future.get();
  // Name the file in structural errors too.
  auto impl = std::make_unique<Impl>();
  impl->source = res_path.string();
  impl->check_document(res, "resources");
  impl->source = desc_path.string();
  impl->check_document(desc, "descriptors");
  impl->source = dir.string();
  impl->build(std::move(res), std::move(desc));
  return SpecModel(std::move(impl));
}

const std::vector<const Endpoint*>& SpecModel::endpoints() const { return impl_->all; }
const std::vector<const Endpoint*>& SpecModel::resources() const { return impl_->resources; }
const std::vector<const Endpoint*>& SpecModel::descriptors() const { return impl_->descriptors; }
const std::vector<const AbstractResource*>& SpecModel::abstract_resources() const { return impl_->abstracts; }

const Endpoint* SpecModel::find(std::string_view project, std::string_view name) const {
  auto it = impl_->by_key.find(to_lower(project) + "/" + to_lower(name));
  return it == impl_->by_key.end() ? nullptr : it->second;
}

const Endpoint* SpecModel::find_path(std::string_view path) const {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  auto slash = path.find('/');
  if (slash == std::string_view::npos) return nullptr;
  return find(path.substr(0, slash), path.substr(slash + 1));
}

const Endpoint* SpecModel::find_name(std::string_view name) const {
  if (const Endpoint* ep = find("ed-fi", name)) return ep;
  for (const auto* ep : impl_->all)
    if (iequals(ep->name, name)) return ep;
  return nullptr;
}

const Endpoint* SpecModel::find_by_schema(std::string_view schema_name) const {
  auto it = impl_->by_schema.find(std::string(schema_name));
  return it == impl_->by_schema.end() ? nullptr : it->second;
}

const AbstractResource* SpecModel::find_abstract(std::string_view name) const {
  for (const auto* a : impl_->abstracts)
    if (iequals(a->name, name)) return a;
  return nullptr;
}

const Endpoint* SpecModel::descriptor_for_property(std::string_view property_name, std::string_view project) const {
  return impl_->descriptor_for(property_name, project);
}

const json* SpecModel::resolve(std::string_view ref) const {
  for (std::string_view prefix : {"#/components/schemas/", "#/definitions/"}) {
    if (ref.substr(0, prefix.size()) == prefix) return impl_->lookup_schema(std::string(ref.substr(prefix.size())));
  }
  std::string r(ref);
  if (const json* j = Impl::resolve_pointer(impl_->resources_doc, r)) return j;
  return Impl::resolve_pointer(impl_->descriptors_doc, r);
}

const json* SpecModel::schema(std::string_view name) const { return impl_->lookup_schema(std::string(name)); }

const json& SpecModel::resources_document() const { return impl_->resources_doc; }
const json& SpecModel::descriptors_document() const { return impl_->descriptors_doc; }
bool SpecModel::is_swagger2() const { return impl_->swagger2; }

json SpecModel::project(const Endpoint& resource, const json& doc) const {
  json out = json::object();
  for (const auto& f : resource.projection) {
    for (const auto& p : f.paths) {
      if (const json* v = p.find_in(doc)) {
        out[f.name] = *v;
        break;
      }
    }
  }
  return out;
}

json SpecModel::identity_of(const Endpoint& resource, const json& doc) const {
  json out = json::object();
  for (const auto& p : resource.identity_paths)
    if (const json* v = p.find_in(doc)) out[p.dotted] = *v;
  return out;
}

std::size_t SpecModel::reference_field_count() const { return impl_->ref_fields; }
std::size_t SpecModel::resolved_reference_field_count() const { return impl_->ref_fields_resolved; }

}  // namespace lightbeam::schema
