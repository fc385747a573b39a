// SAX-built JSON documents with duplicate-key detection and JSON paths.
#include "sandbox/json_body.hpp"

#include <vector>

namespace lightbeam::sandbox {

namespace {

using json = nlohmann::json;

class Builder {
 public:
  explicit Builder(ParsedBody& out) : out_(out) {}

  bool null() { return put(json(nullptr)); }
  bool boolean(bool v) { return put(json(v)); }
  bool number_integer(json::number_integer_t v) { return put(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return put(json(v)); }
  bool number_float(json::number_float_t v, const std::string&) { return put(json(v)); }
  bool string(json::string_t& v) { return put(json(std::move(v))); }
  bool binary(json::binary_t&) { return put(json(nullptr)); }
  bool start_object(std::size_t) {
    json* slot = place(json::object());
    stack_.push_back({slot, {}, 0});
    return true;
  }
  bool key(json::string_t& k) {
    Frame& f = stack_.back();
    if (f.node->contains(k)) {
      out_.duplicate_path = path();
      out_.duplicate_path.append(".").append(k);
      return false;
    }
    f.key = k;
    return true;
  }
  bool end_object() {
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t) {
    json* slot = place(json::array());
    stack_.push_back({slot, {}, 0});
    return true;
  }
  bool end_array() {
    stack_.pop_back();
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) {
    std::string what = ex.what();
    auto pos = what.find("] ");
    out_.parse_error = pos == std::string::npos ? what : what.substr(pos + 2);
    return false;
  }

 private:
  struct Frame {
    json* node;
    std::string key;
    std::size_t index;
  };

  bool put(json&& v) {
    place(std::move(v));
    return true;
  }
  json* place(json&& v) {
    if (stack_.empty()) {
      out_.value = std::move(v);
      return &out_.value;
    }
    Frame& f = stack_.back();
    if (f.node->is_object()) return &((*f.node)[f.key] = std::move(v));
    f.node->push_back(std::move(v));
    ++f.index;
    return &f.node->back();
  }
  std::string path() const {
    std::string p = "$";
    for (std::size_t i = 0; i + 1 < stack_.size() || i < stack_.size(); ++i) {
      const Frame& f = stack_[i];
      if (i + 1 == stack_.size()) break;
      if (f.node->is_object())
        p.append(".").append(f.key);
      else
        p.append("[").append(std::to_string(f.index - 1)).append("]");
    }
    return p;
  }

  ParsedBody& out_;
  std::vector<Frame> stack_;
};

}  // namespace

ParsedBody parse_body(std::string_view text) {
  ParsedBody out;
  Builder builder(out);
  bool ok = json::sax_parse(text.begin(), text.end(), &builder);
  if (!ok && out.parse_error.empty() && out.duplicate_path.empty()) out.parse_error = "Invalid JSON.";
  return out;
}

}  // namespace lightbeam::sandbox
