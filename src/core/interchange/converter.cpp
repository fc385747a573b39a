#include "core/interchange/converter.hpp"

#include <libxml/xmlreader.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace lightbeam::interchange {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using schema::Endpoint;
using schema::ObjectModel;
using schema::Property;
using schema::PropertyKind;
using schema::Reference;

constexpr std::size_t k_shown_per_kind = 10;  // warnings logged per kind of unmapped element (all are counted)

std::string_view name_of(const xmlNode* n) { return reinterpret_cast<const char*>(n->name); }

const char* attribute(const xmlNode* n, const char* name) {
  for (const xmlAttr* a = n->properties; a; a = a->next)
    if (std::strcmp(reinterpret_cast<const char*>(a->name), name) == 0 && a->children && a->children->content)
      return reinterpret_cast<const char*>(a->children->content);
  return nullptr;
}

bool has_element_children(const xmlNode* n) {
  for (const xmlNode* c = n->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE) return true;
  return false;
}

Shape shape_of(const xmlNode* n) { return has_element_children(n) || attribute(n, "ref") ? Shape::complex : Shape::text; }

std::string text_of(const xmlNode* n) {
  std::string s;
  for (const xmlNode* c = n->children; c; c = c->next)
    if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
      s += reinterpret_cast<const char*>(c->content);
  const char* ws = " \t\r\n";
  const auto b = s.find_first_not_of(ws);
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

void set_path(json& doc, const schema::JsonPath& path, const json& value) {
  json* at = &doc;
  for (const auto& seg : path.segments) at = &(*at)[seg];
  *at = value;
}

// The first error libxml2 reports for a file (message and line), turned into one Error line.
struct ParseError {
  bool failed = false;
  std::string message;
  int line = 0;
};

void on_xml_error(void* arg, xmlErrorPtr e) {
  auto* pe = static_cast<ParseError*>(arg);
  if (pe->failed || !e || e->level < XML_ERR_ERROR) return;
  pe->failed = true;
  pe->line = e->line;
  pe->message = e->message ? e->message : "malformed XML";
  while (!pe->message.empty() && (pe->message.back() == '\n' || pe->message.back() == ' ')) pe->message.pop_back();
}

// Calls f(node) for every top-level element (child of the interchange root), expanded; the
// reader frees each subtree once it moves past it.
template <typename F>
void for_each_record(const fs::path& file, F&& f) {
  ParseError pe;
  xmlTextReaderPtr r = xmlReaderForFile(file.c_str(), nullptr, XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOBLANKS);
  if (!r) throw Error("cannot read interchange file " + file.string() + ": it does not exist or is not readable");
  std::unique_ptr<xmlTextReader, void (*)(xmlTextReaderPtr)> guard(r, xmlFreeTextReader);
  xmlTextReaderSetStructuredErrorHandler(r, on_xml_error, &pe);
  int ret = xmlTextReaderRead(r);
  while (ret == 1 && !pe.failed) {
    if (xmlTextReaderNodeType(r) == XML_READER_TYPE_ELEMENT && xmlTextReaderDepth(r) == 1) {
      xmlNodePtr node = xmlTextReaderExpand(r);
      if (!node) {
        ret = -1;
        break;
      }
      if (pe.failed) break;
      f(node);
      ret = xmlTextReaderNext(r);
      continue;
    }
    ret = xmlTextReaderRead(r);
  }
  if (pe.failed || ret < 0)
    throw Error(file.string() + ":" + std::to_string(pe.line ? pe.line : xmlTextReaderGetParserLineNumber(r)) +
                ": not well-formed XML (" + (pe.message.empty() ? std::string("parse error") : pe.message) + ")");
}

struct IdEntry {
  const Endpoint* endpoint = nullptr;
  json identity;  // the identity values of the element, at their document paths
};

}  // namespace

struct Converter::Impl {
  const schema::SpecModel& model;
  Summary& summary;
  std::unordered_map<std::string, const Endpoint*> by_element;  // lower-case resource name → endpoint
  std::unordered_map<std::string, IdEntry> ids;
  std::unordered_map<std::string, Match> rules;  // (object model, shape, name) → rule, resolved once
  std::unordered_map<std::string, std::size_t> shown;
  std::string file;
  bool quiet = false;  // the id pass: nothing counted or logged (the conversion pass reports it all)

  Impl(const schema::SpecModel& m, Summary& s, const std::string& ns) : model(m), summary(s) {
    for (int pass = 0; pass < 2; ++pass)  // the configured project's resources first
      for (const Endpoint* ep : model.endpoints())
        if ((ep->project == ns) == (pass == 0) && ep->body) by_element.emplace(schema::to_lower(ep->resource_name), ep);
  }

  std::string where(const xmlNode* n) const { return file + ":" + std::to_string(xmlGetLineNo(n)); }

  void warn(const std::string& kind, const std::string& message) {
    if (++shown[kind] <= k_shown_per_kind) spdlog::warn("{}", message);
  }

  void unmapped(const xmlNode* n, std::string_view parent, const std::string& why) {
    if (quiet) return;
    std::string key = std::string(parent) + "/" + std::string(name_of(n));
    auto& u = summary.unmapped[key];
    if (u.count++ == 0) u.first_at = where(n);
    warn(key, where(n) + ": <" + std::string(name_of(n)) + "> in <" + std::string(parent) + "> " + why + "; skipped");
  }

  const Match& rule(const ObjectModel& m, std::string_view name, Shape shape) {
    const ObjectModel* model_ptr = &m;  // the model's address, not its bytes
    std::string key(reinterpret_cast<const char*>(&model_ptr), sizeof(model_ptr));
    key += shape == Shape::text ? 't' : 'c';
    key += name;
    auto it = rules.find(key);
    if (it == rules.end()) it = rules.emplace(std::move(key), resolve(m, name, shape)).first;
    return it->second;
  }

  json typed(const xmlNode* n, std::string_view type) {
    std::string text = text_of(n);
    if (auto v = typed_value(text, type)) return std::move(*v);
    if (!quiet) {
      ++summary.bad_values;
      warn("value/" + std::string(name_of(n)),
           where(n) + ": <" + std::string(name_of(n)) + "> \"" + text + "\" is not a valid " + std::string(type) + "; kept as text");
    }
    return json(std::move(text));
  }

  json value_of(const Property& p, const xmlNode* n) {
    switch (p.kind) {
      case PropertyKind::scalar:
        return typed(n, p.type);
      case PropertyKind::descriptor:
        return json(text_of(n));
      case PropertyKind::reference:
        return p.reference ? reference(*p.reference, n) : json::object();
      case PropertyKind::object: {
        json o = json::object();
        if (p.object) map_object(*p.object, n, o);
        return o;
      }
      case PropertyKind::array:
        break;
    }
    json a = json::array();
    add_item(p, nullptr, n, a);
    return a;
  }

  // One new item of array property `p` from element n (text elements go into the item's `inner`).
  void add_item(const Property& p, const Property* inner, const xmlNode* n, json& array) {
    if (!array.is_array()) array = json::array();
    if (!p.object) {
      array.push_back(typed(n, p.type));
    } else if (inner) {
      array.push_back(json{{inner->name, value_of(*inner, n)}});
    } else {
      json item = json::object();
      map_object(*p.object, n, item);
      array.push_back(std::move(item));
    }
  }

  // The rule for child c, tried first with each role prefix of a flattened wrapper ("Available" of
  // AvailableCredits), then by its own name.
  const Match& rule_for(const ObjectModel& m, const xmlNode* c, Shape shape, const std::vector<std::string>& roles) {
    for (const auto& role : roles) {
      const Match& mt = rule(m, role + std::string(name_of(c)), shape);
      if (mt.kind == Match::Kind::property || mt.kind == Match::Kind::array_item) return mt;
    }
    return rule(m, name_of(c), shape);
  }

  // The array whose one item a wrapper is, when the wrapper's name did not say so (an irregular plural)
  // but each of its children is a property of the items of one array: those children make one item,
  // not one item each.
  const Property* one_item_of(const ObjectModel& m, const xmlNode* wrapper, const std::vector<std::string>& roles) {
    const Property* array = nullptr;
    for (const xmlNode* c = wrapper->children; c; c = c->next) {
      if (c->type != XML_ELEMENT_NODE) continue;
      const Match& mt = rule_for(m, c, shape_of(c), roles);
      if (mt.kind != Match::Kind::array_wrap || (array && array != mt.property)) return nullptr;
      array = mt.property;
    }
    return array;
  }

  void map_object(const ObjectModel& m, const xmlNode* el, json& out, const std::vector<std::string>& roles = {}) {
    for (const xmlNode* c = el->children; c; c = c->next) {
      if (c->type != XML_ELEMENT_NODE) continue;
      const Shape shape = shape_of(c);
      const Match& mt = rule_for(m, c, shape, roles);
      switch (mt.kind) {
        case Match::Kind::property:
          if (mt.property->kind == PropertyKind::object && out.contains(mt.property->name))
            map_object(*mt.property->object, c, out[mt.property->name]);  // a repeated wrapper adds to the same object
          else
            out[mt.property->name] = value_of(*mt.property, c);
          break;
        case Match::Kind::array_item:
          add_item(*mt.property, mt.inner, c, out[mt.property->name]);
          break;
        case Match::Kind::array_wrap: {
          json& array = out[mt.property->name];
          if (!array.is_array()) array = json::array();
          array.push_back(json{{mt.inner->name, value_of(*mt.inner, c)}});
          break;
        }
        case Match::Kind::single_field_reference: {
          const auto& field = mt.property->reference->fields[0];
          out[mt.property->name] = json{{field.name, typed(c, field.type)}};
          break;
        }
        case Match::Kind::flatten: {
          std::vector<std::string> prefixes;
          const std::string_view wrapper = name_of(c);
          for (size_t start : word_starts(wrapper)) prefixes.emplace_back(wrapper.substr(0, start));
          if (const Property* array = one_item_of(m, c, prefixes)) {
            json item = json::object();
            map_object(*array->object, c, item);
            json& items = out[array->name];
            if (!items.is_array()) items = json::array();
            items.push_back(std::move(item));
          } else {
            map_object(m, c, out, prefixes);
          }
          break;
        }
        case Match::Kind::none:
          unmapped(c, name_of(el), "maps to no property of " + m.schema_name);
          break;
      }
    }
  }

  static json project(const Reference& ref, const schema::ReferenceTarget& target, const json& doc) {
    json out = json::object();
    for (std::size_t i = 0; i < ref.fields.size() && i < target.field_paths.size(); ++i)
      if (const json* v = target.field_paths[i].find_in(doc)) out[ref.fields[i].name] = *v;
    return out;
  }

  // A `*Reference` element: its `*Identity` child read as a document of the target resource and
  // projected onto the reference's fields (so role-named fields such as gradingPeriodSchoolYear come
  // out right), or the identity of the element its `ref` names.
  json reference(const Reference& ref, const xmlNode* el) {
    const xmlNode* identity = nullptr;
    for (const xmlNode* c = el->children; c; c = c->next) {
      if (c->type != XML_ELEMENT_NODE) continue;
      if (!identity && ends_with(name_of(c), "Identity"))
        identity = c;
      else
        unmapped(c, name_of(el), "is not part of a reference (only an *Identity element or a ref attribute is)");
    }
    if (identity) {
      if (!ref.abstract_target && ref.targets.size() == 1 && ref.targets[0].endpoint && ref.targets[0].endpoint->body) {
        json doc = json::object();
        map_object(*ref.targets[0].endpoint->body, identity, doc);
        return project(ref, ref.targets[0], doc);
      }
      return abstract_identity(ref, identity);
    }
    const char* id = attribute(el, "ref");
    if (!id) return json::object();
    auto it = ids.find(id);
    if (it != ids.end())
      for (const auto& t : ref.targets)
        if (t.endpoint == it->second.endpoint) return project(ref, t, it->second.identity);
    if (!quiet) {
      ++summary.unresolved_refs;
      warn("ref/" + std::string(name_of(el)),
           where(el) + ": <" + std::string(name_of(el)) + " ref=\"" + id + "\"> " +
               (it == ids.end() ? "names no element with id=\"" + std::string(id) + "\" in the files of this run"
                                : "names a " + it->second.endpoint->resource_name + ", which it cannot refer to") +
               "; the reference is left empty");
    }
    return json::object();
  }

  // An abstract target's identity (EducationOrganizationIdentity) carries the reference fields themselves.
  json abstract_identity(const Reference& ref, const xmlNode* identity) {
    json out = json::object();
    for (const xmlNode* c = identity->children; c; c = c->next) {
      if (c->type != XML_ELEMENT_NODE) continue;
      const schema::ReferenceField* field = nullptr;
      for (const auto& f : ref.fields)
        if (schema::iequals(f.name, name_of(c)) || (f.is_descriptor && schema::iequals(f.name, std::string(name_of(c)) + "Descriptor")))
          field = &f;
      if (field)
        out[field->name] = field->is_descriptor ? json(text_of(c)) : typed(c, field->type);
      else
        unmapped(c, name_of(identity), "is no field of " + ref.schema_name);
    }
    return out;
  }

  const Endpoint* endpoint_for(const xmlNode* n) const {
    auto it = by_element.find(schema::to_lower(name_of(n)));
    return it == by_element.end() ? nullptr : it->second;
  }
};

Converter::Converter(const schema::SpecModel& model, const std::string& ns)
    : impl_(std::make_unique<Impl>(model, summary_, ns)) {}
Converter::~Converter() = default;

void Converter::collect_ids(const fs::path& file) {
  impl_->file = file.string();
  impl_->quiet = true;
  for_each_record(file, [&](const xmlNode* n) {
    const char* id = attribute(n, "id");
    const Endpoint* ep = id ? impl_->endpoint_for(n) : nullptr;
    if (!ep) return;
    json doc = json::object();
    impl_->map_object(*ep->body, n, doc);
    IdEntry entry{ep, json::object()};
    for (const auto& path : ep->identity_paths)
      if (const json* v = path.find_in(doc)) set_path(entry.identity, path, *v);
    impl_->ids[id] = std::move(entry);
  });
}

void Converter::convert(const fs::path& file, const Sink& sink) {
  impl_->file = file.string();
  impl_->quiet = false;
  for_each_record(file, [&](const xmlNode* n) {
    const Endpoint* ep = impl_->endpoint_for(n);
    if (!ep) {
      impl_->unmapped(n, n->parent ? name_of(n->parent) : "interchange", "is no resource or descriptor of the API");
      return;
    }
    json doc = json::object();
    impl_->map_object(*ep->body, n, doc);
    sink(*ep, doc);
    ++summary_.records[ep->name];
  });
}

}  // namespace lightbeam::interchange
