#include "core/schema/self_references.hpp"

#include <string>

namespace lightbeam::schema {

using simdjson::dom::element;

std::optional<SelfReferences> SelfReferences::of(const Endpoint& ep) {
  if (!ep.body) return std::nullopt;
  SelfReferences s;
  for (const Property& p : ep.body->properties) {
    if (p.kind != PropertyKind::reference || !p.reference) continue;
    const Reference* r = p.reference;
    if (r->abstract_target || r->targets.size() != 1 || r->targets[0].endpoint != &ep) continue;
    if (s.reference_ && s.reference_ != r) continue;  // one reference schema per endpoint
    s.reference_ = r;
    s.target_ = &r->targets[0];
    s.properties_.push_back(&p);
  }
  if (s.properties_.empty()) return std::nullopt;
  return s;
}

Hash128 SelfReferences::own_key(element doc) const {
  std::string buf;
  for (std::size_t i = 0; i < reference_->fields.size(); ++i) {
    auto v = i < target_->field_paths.size() ? at_path(doc, target_->field_paths[i]) : std::nullopt;
    if (v)
      append_key_value(buf, *v, reference_->fields[i].is_descriptor);
    else
      append_missing(buf);
  }
  return hash128(buf);
}

void SelfReferences::parent_keys(element doc, std::vector<Hash128>& out) const {
  out.clear();
  simdjson::dom::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return;
  std::optional<Hash128> own;
  std::string buf;
  for (const Property* p : properties_) {
    simdjson::dom::object ref;
    if (obj.at_key(p->name).get_object().get(ref) != simdjson::SUCCESS) continue;
    buf.clear();
    for (const auto& f : reference_->fields) {
      element v;
      if (ref.at_key(f.name).get(v) == simdjson::SUCCESS)
        append_key_value(buf, v, f.is_descriptor);
      else
        append_missing(buf);
    }
    Hash128 key = hash128(buf);
    if (!own) own = own_key(doc);
    if (!(key == *own)) out.push_back(key);
  }
}

}  // namespace lightbeam::schema
