// simdjson DOM → nlohmann::json conversion (see json_from_dom.hpp).
#include "core/schema/json_from_dom.hpp"

#include <string>

namespace lightbeam::schema {

using json = nlohmann::json;
using simdjson::dom::element_type;

namespace {

void convert(simdjson::dom::element v, json& out) {
  switch (v.type()) {
    case element_type::OBJECT: {
      out = json::object();
      auto& map = out.get_ref<json::object_t&>();
      for (auto field : simdjson::dom::object(v)) {
        // insert_or_assign: the last of duplicate keys wins, as in nlohmann's parser.
        auto [it, inserted] = map.try_emplace(std::string(field.key));
        if (!inserted) it->second = json();
        convert(field.value, it->second);
      }
      break;
    }
    case element_type::ARRAY: {
      auto arr = simdjson::dom::array(v);
      out = json::array();
      auto& vec = out.get_ref<json::array_t&>();
      vec.reserve(arr.size());
      for (simdjson::dom::element e : arr) {
        vec.emplace_back();
        convert(e, vec.back());
      }
      break;
    }
    case element_type::STRING: out = std::string(std::string_view(v)); break;
    case element_type::INT64: {
      int64_t i = int64_t(v);
      if (i >= 0)
        out = static_cast<uint64_t>(i);
      else
        out = i;
      break;
    }
    case element_type::UINT64: out = uint64_t(v); break;
    case element_type::DOUBLE: out = double(v); break;
    case element_type::BOOL: out = bool(v); break;
    case element_type::NULL_VALUE: out = nullptr; break;
  }
}

}  // namespace

json json_from_dom(simdjson::dom::element value) {
  json out;
  convert(value, out);
  return out;
}

std::optional<json> parse_json_fast(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(text.data(), text.size(), true).get(root) != simdjson::SUCCESS) return std::nullopt;
  return json_from_dom(root);
}

}  // namespace lightbeam::schema
