// Compiles a JSON schema once into a vector of nodes (children by index, $ref = index of the
// target, so recursive schemas are just cycles in the index graph) and validates simdjson DOM
// values against it. Messages follow Python's jsonschema wording, as lightbeam prints them.
#include "core/schema/compiled_schema.hpp"

#include <pcre2.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <unordered_map>
#include <unordered_set>

#include "core/error.hpp"

namespace lightbeam::schema {

using nlohmann::json;
using simdjson::dom::element;
using simdjson::dom::element_type;

namespace {

constexpr uint32_t k_none = UINT32_MAX;

enum TypeBit : uint16_t {
  t_null = 1,
  t_boolean = 2,
  t_object = 4,
  t_array = 8,
  t_number = 16,
  t_string = 32,
  t_integer = 64,
};

uint16_t type_bit(std::string_view name) {
  if (name == "null") return t_null;
  if (name == "boolean") return t_boolean;
  if (name == "object") return t_object;
  if (name == "array") return t_array;
  if (name == "number") return t_number;
  if (name == "string") return t_string;
  if (name == "integer") return t_integer;
  return 0;
}

enum class Extra : uint8_t { allow, deny, schema };

// The first 8 bytes of a name as a big-endian integer (zero-padded): comparing these first orders
// names as a byte-wise comparison does, so property lookup mostly compares integers.
inline uint64_t name_prefix(std::string_view s) {
  uint64_t v = 0;
  size_t n = s.size() < 8 ? s.size() : 8;
  for (size_t i = 0; i < n; ++i) v |= uint64_t(static_cast<unsigned char>(s[i])) << (56 - 8 * i);
  return v;
}

struct Prop {
  std::string name;
  uint64_t prefix = 0;         // name_prefix(name), set once compiling is done
  uint32_t node = k_none;      // k_none: any value
  int32_t required_slot = -1;  // bit index in the "seen" set, -1 when not required
  bool declared = false;       // listed under `properties` (else only under `required`)
};

struct Node {
  uint32_t ref = k_none;  // this node is a $ref to another
  bool nullable = false;  // x-nullable: null is valid whatever else the node says
  uint16_t types = 0;     // 0 = any type
  std::string types_text;

  bool object_kw = false;
  std::vector<Prop> props;  // sorted by name
  std::vector<uint32_t> required_order;  // indexes into props, in `required` order
  uint32_t n_required = 0;
  Extra additional = Extra::allow;
  uint32_t additional_node = k_none;
  std::vector<std::pair<uint32_t, uint32_t>> pattern_props;  // (regex, node)
  int64_t min_props = -1, max_props = -1;

  bool array_kw = false;
  uint32_t items = k_none;
  bool tuple = false;
  std::vector<uint32_t> tuple_items;
  Extra additional_items = Extra::allow;
  uint32_t additional_items_node = k_none;
  int64_t min_items = -1, max_items = -1;
  bool unique = false;

  bool string_kw = false;
  int64_t min_len = -1, max_len = -1;
  uint32_t pattern = k_none;
  Format format = Format::none;

  bool number_kw = false;
  bool has_min = false, has_max = false, excl_min = false, excl_max = false;
  double minimum = 0, maximum = 0;
  std::string min_text, max_text;

  bool has_enum = false;
  json enum_values;

  std::vector<uint32_t> all_of, any_of, one_of;
  uint32_t not_ = k_none;
};

struct Regex {
  pcre2_code* code = nullptr;
  bool jit = false;
  std::string source;
};

// Per-thread PCRE2 match state, created once per thread (no allocation per match).
struct MatchState {
  pcre2_match_data* data = nullptr;
  pcre2_match_context* context = nullptr;
  pcre2_jit_stack* stack = nullptr;
  MatchState() {
    data = pcre2_match_data_create(1, nullptr);
    context = pcre2_match_context_create(nullptr);
    stack = pcre2_jit_stack_create(32 * 1024, 4 * 1024 * 1024, nullptr);
    if (context && stack) pcre2_jit_stack_assign(context, nullptr, stack);
  }
  ~MatchState() {
    pcre2_match_data_free(data);
    pcre2_match_context_free(context);
    pcre2_jit_stack_free(stack);
  }
};

bool regex_search(const Regex& re, std::string_view s) {
  thread_local MatchState st;
  int rc;
  auto subject = reinterpret_cast<PCRE2_SPTR>(s.data());
  if (re.jit) {
    rc = pcre2_jit_match(re.code, subject, s.size(), 0, 0, st.data, st.context);
  } else {
    rc = pcre2_match(re.code, subject, s.size(), 0, 0, st.data, st.context);
  }
  return rc >= 0;
}

size_t code_points(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// --- JSON equality (enum, uniqueItems) ---

bool is_number(element_type t) {
  return t == element_type::INT64 || t == element_type::UINT64 || t == element_type::DOUBLE;
}

bool numbers_equal(element a, const json& b) {
  auto t = a.type();
  if (t == element_type::INT64 && b.is_number_integer())
    return b.is_number_unsigned() ? (int64_t(a) >= 0 && uint64_t(int64_t(a)) == b.get<uint64_t>())
                                  : int64_t(a) == b.get<int64_t>();
  if (t == element_type::UINT64 && b.is_number_unsigned()) return uint64_t(a) == b.get<uint64_t>();
  double x = t == element_type::INT64 ? double(int64_t(a)) : t == element_type::UINT64 ? double(uint64_t(a)) : double(a);
  return x == b.get<double>();
}

bool equal(element a, const json& b) {
  switch (a.type()) {
    case element_type::NULL_VALUE: return b.is_null();
    case element_type::BOOL: return b.is_boolean() && bool(a) == b.get<bool>();
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE: return b.is_number() && numbers_equal(a, b);
    case element_type::STRING: return b.is_string() && std::string_view(a) == b.get_ref<const std::string&>();
    case element_type::ARRAY: {
      if (!b.is_array()) return false;
      auto arr = simdjson::dom::array(a);
      if (arr.size() != b.size()) return false;
      size_t i = 0;
      for (element x : arr)
        if (!equal(x, b[i++])) return false;
      return true;
    }
    case element_type::OBJECT: {
      if (!b.is_object()) return false;
      auto obj = simdjson::dom::object(a);
      if (obj.size() != b.size()) return false;
      for (auto field : obj) {
        auto it = b.find(std::string(field.key));
        if (it == b.end() || !equal(field.value, *it)) return false;
      }
      return true;
    }
  }
  return false;
}

double as_double(element a) {
  switch (a.type()) {
    case element_type::INT64: return double(int64_t(a));
    case element_type::UINT64: return double(uint64_t(a));
    default: return double(a);
  }
}

bool equal(element a, element b) {
  auto ta = a.type(), tb = b.type();
  if (is_number(ta) && is_number(tb)) {
    if (ta == tb && ta == element_type::INT64) return int64_t(a) == int64_t(b);
    if (ta == tb && ta == element_type::UINT64) return uint64_t(a) == uint64_t(b);
    return as_double(a) == as_double(b);
  }
  if (ta != tb) return false;
  switch (ta) {
    case element_type::NULL_VALUE: return true;
    case element_type::BOOL: return bool(a) == bool(b);
    case element_type::STRING: return std::string_view(a) == std::string_view(b);
    case element_type::ARRAY: {
      auto x = simdjson::dom::array(a), y = simdjson::dom::array(b);
      if (x.size() != y.size()) return false;
      auto it = y.begin();
      for (element e : x) {
        if (!equal(e, *it)) return false;
        ++it;
      }
      return true;
    }
    case element_type::OBJECT: {
      auto x = simdjson::dom::object(a), y = simdjson::dom::object(b);
      if (x.size() != y.size()) return false;
      for (auto field : x) {
        element other;
        if (y.at_key(field.key).get(other) != simdjson::SUCCESS) return false;
        if (!equal(field.value, other)) return false;
      }
      return true;
    }
    default: return false;
  }
}

// --- Python repr ---

void repr_string(std::string& out, std::string_view s, size_t max_chars) {
  bool has_single = s.find('\'') != std::string_view::npos;
  bool has_double = s.find('"') != std::string_view::npos;
  char q = (has_single && !has_double) ? '"' : '\'';
  out.push_back(q);
  size_t n = 0;
  for (char c : s) {
    if (n++ >= max_chars) {
      out += "...";
      break;
    }
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c == q) {
          out.push_back('\\');
          out.push_back(c);
        } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back(q);
}

std::string repr_double(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  std::string s = fmt::format("{}", d);
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

void repr(std::string& out, element v, size_t max_chars) {
  switch (v.type()) {
    case element_type::NULL_VALUE: out += "None"; break;
    case element_type::BOOL: out += bool(v) ? "True" : "False"; break;
    case element_type::INT64: out += std::to_string(int64_t(v)); break;
    case element_type::UINT64: out += std::to_string(uint64_t(v)); break;
    case element_type::DOUBLE: out += repr_double(double(v)); break;
    case element_type::STRING: repr_string(out, std::string_view(v), max_chars); break;
    case element_type::ARRAY: {
      out.push_back('[');
      bool first = true;
      for (element e : simdjson::dom::array(v)) {
        if (!first) out += ", ";
        first = false;
        if (out.size() > max_chars * 4) {
          out += "...";
          break;
        }
        repr(out, e, max_chars);
      }
      out.push_back(']');
      break;
    }
    case element_type::OBJECT: {
      out.push_back('{');
      bool first = true;
      for (auto f : simdjson::dom::object(v)) {
        if (!first) out += ", ";
        first = false;
        if (out.size() > max_chars * 4) {
          out += "...";
          break;
        }
        repr_string(out, f.key, max_chars);
        out += ": ";
        repr(out, f.value, max_chars);
      }
      out.push_back('}');
      break;
    }
  }
}

void repr(std::string& out, const json& v, size_t max_chars) {
  switch (v.type()) {
    case json::value_t::null: out += "None"; break;
    case json::value_t::boolean: out += v.get<bool>() ? "True" : "False"; break;
    case json::value_t::number_integer: out += std::to_string(v.get<int64_t>()); break;
    case json::value_t::number_unsigned: out += std::to_string(v.get<uint64_t>()); break;
    case json::value_t::number_float: out += repr_double(v.get<double>()); break;
    case json::value_t::string: repr_string(out, v.get_ref<const std::string&>(), max_chars); break;
    case json::value_t::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& e : v) {
        if (!first) out += ", ";
        first = false;
        repr(out, e, max_chars);
      }
      out.push_back(']');
      break;
    }
    case json::value_t::object: {
      out.push_back('{');
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) out += ", ";
        first = false;
        repr_string(out, it.key(), max_chars);
        out += ": ";
        repr(out, it.value(), max_chars);
      }
      out.push_back('}');
      break;
    }
    default: out += "?"; break;
  }
}

// --- URIs (only for `id`-based resolution, used by the test suite) ---

bool has_scheme(std::string_view s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  for (size_t i = 1; i < s.size(); ++i) {
    char c = s[i];
    if (c == ':') return true;
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.')) return false;
  }
  return false;
}

std::string strip_fragment(const std::string& s) {
  auto h = s.find('#');
  return h == std::string::npos ? s : s.substr(0, h);
}

std::string resolve_uri(const std::string& base, const std::string& ref) {
  if (has_scheme(ref) || base.empty()) return ref;
  std::string b = strip_fragment(base);
  if (!ref.empty() && ref[0] == '#') return b + ref;
  auto slash = b.rfind('/');
  return (slash == std::string::npos ? std::string() : b.substr(0, slash + 1)) + ref;
}

std::string normalise_uri(std::string u) {
  if (!u.empty() && u.back() == '#') u.pop_back();
  return u;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

const json* resolve_json_pointer(const json& doc, std::string_view pointer_in) {
  std::string pointer = percent_decode(pointer_in);
  const json* cur = &doc;
  if (pointer.empty()) return cur;
  if (pointer[0] != '/') return nullptr;
  size_t pos = 1;
  while (true) {
    size_t next = pointer.find('/', pos);
    std::string token = pointer.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    std::string unescaped;
    for (size_t i = 0; i < token.size(); ++i) {
      if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
        unescaped.push_back(token[i + 1] == '0' ? '~' : '/');
        ++i;
      } else {
        unescaped.push_back(token[i]);
      }
    }
    if (cur->is_object()) {
      auto it = cur->find(unescaped);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else if (cur->is_array()) {
      if (unescaped.empty() || !std::all_of(unescaped.begin(), unescaped.end(), ::isdigit)) return nullptr;
      size_t idx = std::stoul(unescaped);
      if (idx >= cur->size()) return nullptr;
      cur = &(*cur)[idx];
    } else {
      return nullptr;
    }
    if (next == std::string::npos) break;
    pos = next + 1;
  }
  return cur;
}

RefResolver pointer_resolver(const json& doc) {
  return [&doc](std::string_view ref) -> const json* {
    if (ref.empty() || ref[0] != '#') return nullptr;
    return resolve_json_pointer(doc, ref.substr(1));
  };
}

std::string ValidationError::to_string() const {
  if (path.empty()) return message;
  std::string s = message + " in ";
  for (size_t i = 0; i < path.size(); ++i) {
    if (i) s += " -> ";
    s += path[i];
  }
  return s;
}

std::string python_repr(element value, size_t max_chars) {
  std::string out;
  repr(out, value, max_chars);
  return out;
}

std::string python_repr(const json& value, size_t max_chars) {
  std::string out;
  repr(out, value, max_chars);
  return out;
}

// ---------------------------------------------------------------------------------------------

struct CompiledSchema::Impl {
  std::vector<Node> nodes;
  std::vector<Regex> regexes;
  CompileOptions options;
  uint32_t root = 0;

  ~Impl() {
    for (auto& r : regexes) pcre2_code_free(r.code);
  }

  // Collecting context (slow path only).
  struct Ctx {
    std::vector<ValidationError>* out;
    std::vector<std::string> path;
    void fail(std::string message) { out->push_back(ValidationError{std::move(message), path}); }
  };

  bool type_matches(const Node& n, element v) const;
  template <bool Collect>
  bool check(uint32_t idx, element v, Ctx* ctx) const;
};

// ODS/API (Newtonsoft) reads a number or boolean into a string property without a date/time format
// as its text; DMS and plain JSON Schema do not.
bool takes_scalar_as_text(const Node& n, Coercion c) {
  return c == Coercion::ods && (n.types & t_string) && n.format == Format::none;
}

// The text Newtonsoft makes of a number or boolean read as a string.
std::string scalar_text(element v) {
  switch (v.type()) {
    case element_type::BOOL: return bool(v) ? "true" : "false";
    case element_type::INT64: return std::to_string(int64_t(v));
    case element_type::UINT64: return std::to_string(uint64_t(v));
    default: return fmt::format("{}", double(v));
  }
}

bool CompiledSchema::Impl::type_matches(const Node& n, element v) const {
  const uint16_t t = n.types;
  const Coercion c = options.coercion;
  switch (v.type()) {
    case element_type::NULL_VALUE: return t & t_null;
    case element_type::BOOL: return (t & t_boolean) || takes_scalar_as_text(n, c);
    case element_type::INT64:
    case element_type::UINT64:
      if (t & (t_integer | t_number)) return true;
      if (t & t_boolean) {
        if (c == Coercion::ods) return true;  // any non-zero number is true
        if (c == Coercion::dms && (as_double(v) == 0 || as_double(v) == 1)) return true;
      }
      return takes_scalar_as_text(n, c);
    case element_type::DOUBLE: {
      double d = double(v);
      if (t & t_number) return true;
      if ((t & t_integer) && std::isfinite(d) && d == std::floor(d)) return true;
      if ((t & t_boolean) && c == Coercion::ods) return true;
      return takes_scalar_as_text(n, c);
    }
    case element_type::STRING: {
      if (t & t_string) return true;
      if (c == Coercion::none) return false;
      std::string_view s(v);
      auto space = [](char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v'; };
      while (!s.empty() && space(s.front())) s.remove_prefix(1);
      while (!s.empty() && space(s.back())) s.remove_suffix(1);
      if (t & t_boolean) {
        if (s.size() == 4 && strncasecmp(s.data(), "true", 4) == 0) return true;
        if (s.size() == 5 && strncasecmp(s.data(), "false", 5) == 0) return true;
        // DMS also takes "0"/"1"; Newtonsoft refuses them ("Could not convert string to boolean").
        if (c == Coercion::dms && (s == "0" || s == "1")) return true;
      }
      if (t & (t_integer | t_number)) {
        // As the APIs parse numbers: white space around the digits is allowed (" 3 ").
        if (s.empty()) return false;
        size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
        bool any = false, dot = false;
        for (; i < s.size(); ++i) {
          if (s[i] >= '0' && s[i] <= '9') any = true;
          else if (s[i] == '.' && !dot && (t & t_number)) dot = true;
          else return false;
        }
        return any;
      }
      return false;
    }
    case element_type::ARRAY: return t & t_array;
    case element_type::OBJECT: return t & t_object;
  }
  return false;
}

template <bool Collect>
bool CompiledSchema::Impl::check(uint32_t idx, element v, Ctx* ctx) const {
  const Node& n = nodes[idx];
  const element_type vt = v.type();
  if (n.nullable && vt == element_type::NULL_VALUE) return true;
  if (n.ref != k_none) return check<Collect>(n.ref, v, ctx);

  bool ok = true;
  // Reports a failure: returns false at once on the fast path, records and goes on when collecting.
#define LB_FAIL(message_expr)          \
  do {                                 \
    if constexpr (!Collect) {          \
      return false;                    \
    } else {                           \
      ctx->fail(message_expr);         \
      ok = false;                      \
    }                                  \
  } while (0)

  if (n.types && !type_matches(n, v)) LB_FAIL(python_repr(v) + " is not of type " + n.types_text);

  if (n.has_enum) {
    bool found = false;
    for (const auto& e : n.enum_values)
      if (equal(v, e)) {
        found = true;
        break;
      }
    if (!found) LB_FAIL(python_repr(v) + " is not one of " + python_repr(n.enum_values));
  }

  // String keywords apply to strings and, under ODS rules, to the text a number or boolean becomes.
  std::string scalar_as_text;
  bool is_text = vt == element_type::STRING;
  if (!is_text && n.string_kw && (vt == element_type::BOOL || vt == element_type::INT64 || vt == element_type::UINT64 ||
                                  vt == element_type::DOUBLE) &&
      n.types == t_string && takes_scalar_as_text(n, options.coercion)) {
    scalar_as_text = scalar_text(v);
    is_text = true;
  }
  if (is_text && n.string_kw) {
    std::string_view s = vt == element_type::STRING ? std::string_view(v) : std::string_view(scalar_as_text);
    if (n.min_len >= 0 || n.max_len >= 0) {
      // A string has between bytes/4 and bytes code points: count only when that is not decisive.
      bool max_ok = n.max_len < 0 || s.size() <= size_t(n.max_len);
      bool min_ok = n.min_len < 0 || s.size() / 4 >= size_t(n.min_len);
      if (!max_ok || !min_ok) {
        size_t cp = code_points(s);
        if (n.min_len >= 0 && cp < size_t(n.min_len)) LB_FAIL(python_repr(v) + " is too short");
        if (n.max_len >= 0 && cp > size_t(n.max_len)) LB_FAIL(python_repr(v) + " is too long");
      }
    }
    if (n.pattern != k_none && !regex_search(regexes[n.pattern], s))
      LB_FAIL(python_repr(v) + " does not match " + python_repr(json(regexes[n.pattern].source)));
    if (n.format != Format::none && !check_format(n.format, s, options.formats))
      LB_FAIL(fmt::format("{} is not a '{}'", python_repr(v), format_name(n.format)));
  }

  switch (vt) {
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      if (n.number_kw) {
        double d = as_double(v);
        if (n.has_min) {
          if (n.excl_min ? d <= n.minimum : d < n.minimum)
            LB_FAIL(python_repr(v) + (n.excl_min ? " is less than or equal to the minimum of " : " is less than the minimum of ") +
                    n.min_text);
        }
        if (n.has_max) {
          if (n.excl_max ? d >= n.maximum : d > n.maximum)
            LB_FAIL(python_repr(v) +
                    (n.excl_max ? " is greater than or equal to the maximum of " : " is greater than the maximum of ") +
                    n.max_text);
        }
      }
      break;
    case element_type::ARRAY:
      if (n.array_kw) {
        auto arr = simdjson::dom::array(v);
        size_t size = arr.size();
        if (n.min_items >= 0 && size < size_t(n.min_items)) LB_FAIL(python_repr(v) + " is too short");
        if (n.max_items >= 0 && size > size_t(n.max_items)) LB_FAIL(python_repr(v) + " is too long");
        if (n.items != k_none || n.tuple) {
          size_t i = 0;
          for (element e : arr) {
            uint32_t child = k_none;
            bool deny = false;
            if (!n.tuple) {
              child = n.items;
            } else if (i < n.tuple_items.size()) {
              child = n.tuple_items[i];
            } else if (n.additional_items == Extra::schema) {
              child = n.additional_items_node;
            } else if (n.additional_items == Extra::deny) {
              deny = true;
            }
            if (deny) {
              LB_FAIL("Additional items are not allowed (" + python_repr(e) + " was unexpected)");
            } else if (child != k_none) {
              if constexpr (Collect) {
                ctx->path.push_back(std::to_string(i));
                if (!check<true>(child, e, ctx)) ok = false;
                ctx->path.pop_back();
              } else {
                if (!check<false>(child, e, nullptr)) return false;
              }
            }
            ++i;
          }
        }
        if (n.unique && size > 1) {
          bool dup = false;
          for (auto a = arr.begin(); a != arr.end() && !dup; ++a) {
            auto b = a;
            for (++b; b != arr.end(); ++b)
              if (equal(*a, *b)) {
                dup = true;
                break;
              }
          }
          if (dup) LB_FAIL(python_repr(v) + " has non-unique elements");
        }
      }
      break;
    case element_type::OBJECT:
      if (n.object_kw) {
        auto obj = simdjson::dom::object(v);
        uint64_t seen_small[4] = {0, 0, 0, 0};
        std::vector<uint64_t> seen_big;
        uint64_t* seen = seen_small;
        if (n.n_required > 256) {
          seen_big.assign((n.n_required + 63) / 64, 0);
          seen = seen_big.data();
        }
        size_t count = 0;
        std::string unexpected;  // for the additionalProperties message
        size_t n_unexpected = 0;
        for (auto field : obj) {
          ++count;
          const Prop* p = nullptr;
          if (!n.props.empty()) {
            const uint64_t kp = name_prefix(field.key);
            auto it = std::lower_bound(n.props.begin(), n.props.end(), field.key, [kp](const Prop& a, std::string_view k) {
              return a.prefix < kp || (a.prefix == kp && std::string_view(a.name) < k);
            });
            if (it != n.props.end() && it->prefix == kp && it->name == field.key) p = &*it;
          }
          bool matched = p && p->declared;
          if (p && p->required_slot >= 0) seen[p->required_slot >> 6] |= uint64_t(1) << (p->required_slot & 63);
          if (matched && p->node != k_none) {
            if constexpr (Collect) {
              ctx->path.emplace_back(field.key);
              if (!check<true>(p->node, field.value, ctx)) ok = false;
              ctx->path.pop_back();
            } else {
              if (!check<false>(p->node, field.value, nullptr)) return false;
            }
          }
          for (const auto& [re, child] : n.pattern_props) {
            if (!regex_search(regexes[re], field.key)) continue;
            matched = true;
            if constexpr (Collect) {
              ctx->path.emplace_back(field.key);
              if (!check<true>(child, field.value, ctx)) ok = false;
              ctx->path.pop_back();
            } else {
              if (!check<false>(child, field.value, nullptr)) return false;
            }
          }
          if (!matched) {
            if (n.additional == Extra::deny) {
              if constexpr (!Collect) return false;
              if (n_unexpected++) unexpected += ", ";
              repr_string(unexpected, field.key, 200);
            } else if (n.additional == Extra::schema) {
              if constexpr (Collect) {
                ctx->path.emplace_back(field.key);
                if (!check<true>(n.additional_node, field.value, ctx)) ok = false;
                ctx->path.pop_back();
              } else {
                if (!check<false>(n.additional_node, field.value, nullptr)) return false;
              }
            }
          }
        }
        if (n_unexpected)
          LB_FAIL("Additional properties are not allowed (" + unexpected + (n_unexpected == 1 ? " was" : " were") + " unexpected)");
        for (uint32_t pi : n.required_order) {
          const Prop& p = n.props[pi];
          if (!(seen[p.required_slot >> 6] & (uint64_t(1) << (p.required_slot & 63))))
            LB_FAIL(python_repr(json(p.name)) + " is a required property");
        }
        if (n.min_props >= 0 && count < size_t(n.min_props)) LB_FAIL(python_repr(v) + " does not have enough properties");
        if (n.max_props >= 0 && count > size_t(n.max_props)) LB_FAIL(python_repr(v) + " has too many properties");
      }
      break;
    default: break;
  }

  for (uint32_t c : n.all_of) {
    if constexpr (Collect) {
      if (!check<true>(c, v, ctx)) ok = false;
    } else {
      if (!check<false>(c, v, nullptr)) return false;
    }
  }
  if (!n.any_of.empty()) {
    bool any = false;
    for (uint32_t c : n.any_of)
      if (check<false>(c, v, nullptr)) {
        any = true;
        break;
      }
    if (!any) LB_FAIL(python_repr(v) + " is not valid under any of the given schemas");
  }
  if (!n.one_of.empty()) {
    int matches = 0;
    for (uint32_t c : n.one_of)
      if (check<false>(c, v, nullptr)) ++matches;
    if (matches == 0) LB_FAIL(python_repr(v) + " is not valid under any of the given schemas");
    if (matches > 1) LB_FAIL(python_repr(v) + " is valid under each of the given schemas");
  }
  if (n.not_ != k_none && check<false>(n.not_, v, nullptr)) LB_FAIL(python_repr(v) + " should not be valid under the schema");
#undef LB_FAIL
  return ok;
}

// ---------------------------------------------------------------------------------------------

namespace {

struct Compiler {
  CompiledSchema::Impl* impl;  // NOLINT
  const RefResolver& resolver;
  const CompileOptions& opt;
  std::unordered_map<const json*, uint32_t> memo;
  std::unordered_map<std::string, const json*> ids;  // absolute URI (or "#anchor") -> schema

  [[noreturn]] void fail(const std::string& path, const std::string& what) const {
    std::string where = opt.where.empty() ? std::string() : opt.where + ", ";
    throw Error("invalid schema (" + where + "at " + (path.empty() ? std::string("#") : path) + "): " + what);
  }

  void index_ids(const json& j, std::string base) {
    if (j.is_object()) {
      auto id = j.find("id");
      if (id != j.end() && id->is_string() && !j.contains("$ref")) {
        base = resolve_uri(base, id->get<std::string>());
        ids.emplace(normalise_uri(base), &j);
      }
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (it.key() == "enum" || it.key() == "const") continue;
        index_ids(it.value(), base);
      }
    } else if (j.is_array()) {
      for (const auto& e : j) index_ids(e, base);
    }
  }

  const json* resolve_ref(const std::string& ref, const std::string& base, const std::string& path) {
    const json* target = nullptr;
    if (!opt.resolve_ids) {
      target = resolver(ref);
    } else {
      std::string abs = normalise_uri(resolve_uri(base, ref));
      auto it = ids.find(abs);
      if (it != ids.end()) {
        target = it->second;
      } else {
        auto hash = abs.find('#');
        std::string doc = hash == std::string::npos ? abs : abs.substr(0, hash);
        std::string frag = hash == std::string::npos ? std::string() : abs.substr(hash + 1);
        if (doc.empty()) {
          target = resolver("#" + frag);
        } else {
          auto d = ids.find(doc);
          if (d != ids.end() && (frag.empty() || frag[0] == '/')) target = resolve_json_pointer(*d->second, frag);
        }
      }
    }
    if (!target) fail(path, "$ref '" + ref + "' does not resolve (only references into the same document are supported)");
    return target;
  }

  uint32_t regex(const std::string& source, const std::string& path) {
    int err = 0;
    PCRE2_SIZE off = 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(source.data()), source.size(), PCRE2_UTF | PCRE2_UCP,
                                     &err, &off, nullptr);
    if (!code) {
      PCRE2_UCHAR buf[256];
      pcre2_get_error_message(err, buf, sizeof buf);
      fail(path, "pattern '" + source + "' does not compile: " + reinterpret_cast<char*>(buf) + " at offset " +
                     std::to_string(off));
    }
    Regex r;
    r.code = code;
    r.jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
    r.source = source;
    impl->regexes.push_back(std::move(r));
    return uint32_t(impl->regexes.size() - 1);
  }

  int64_t non_negative(const json& v, const std::string& path, const char* kw) {
    if (!v.is_number_integer() && !(v.is_number_float() && v.get<double>() == std::floor(v.get<double>())))
      fail(path, std::string(kw) + " must be a non-negative integer");
    double d = v.get<double>();
    if (d < 0) fail(path, std::string(kw) + " must be a non-negative integer");
    return int64_t(d);
  }

  uint32_t compile(const json& s, const std::string& base_in, const std::string& path) {
    auto m = memo.find(&s);
    if (m != memo.end()) return m->second;
    if (!s.is_object()) {
      if (s.is_boolean()) {  // not draft 4, but harmless: true = any, false = nothing
        uint32_t idx = uint32_t(impl->nodes.size());
        impl->nodes.emplace_back();
        memo.emplace(&s, idx);
        if (!s.get<bool>()) impl->nodes[idx].not_ = add_any();
        return idx;
      }
      fail(path, "a schema must be a JSON object");
    }

    std::string base = base_in;
    auto ref = s.find("$ref");
    if (ref != s.end() && ref->is_string()) {
      // A $ref node (draft 4: siblings are ignored, except the OpenAPI x-nullable). Pure aliases are
      // collapsed onto their targets after compiling (see collapse_refs).
      uint32_t idx = uint32_t(impl->nodes.size());
      impl->nodes.emplace_back();
      impl->nodes[idx].nullable = flag(s, "x-nullable");
      memo.emplace(&s, idx);
      const json* target = resolve_ref(ref->get<std::string>(), base, path);
      uint32_t t = compile(*target, base_of_target(target, base), ref->get<std::string>());
      impl->nodes[idx].ref = t;
      return idx;
    }
    if (opt.resolve_ids) {
      auto id = s.find("id");
      if (id != s.end() && id->is_string()) base = resolve_uri(base, id->get<std::string>());
    }

    uint32_t idx = uint32_t(impl->nodes.size());
    impl->nodes.emplace_back();
    memo.emplace(&s, idx);
    // Children are compiled into locals first: compiling them grows `nodes`, so no reference
    // into it may be held across those calls.
    Node n;
    n.nullable = flag(s, "x-nullable");

    if (auto t = s.find("type"); t != s.end()) {
      auto add = [&](const json& name) {
        if (!name.is_string() || !type_bit(name.get<std::string>())) fail(path + "/type", "unknown type " + name.dump());
        n.types |= type_bit(name.get<std::string>());
        if (!n.types_text.empty()) n.types_text += ", ";
        n.types_text.push_back('\'');
        n.types_text += name.get_ref<const std::string&>();
        n.types_text.push_back('\'');
      };
      if (t->is_array()) {
        for (const auto& e : *t) add(e);
      } else {
        add(*t);
      }
    }

    // objects
    if (auto p = s.find("properties"); p != s.end()) {
      if (!p->is_object()) fail(path + "/properties", "properties must be an object");
      for (auto it = p->begin(); it != p->end(); ++it) {
        Prop prop;
        prop.name = it.key();
        prop.declared = true;
        prop.node = compile(it.value(), base, path + "/properties/" + it.key());
        n.props.push_back(std::move(prop));
      }
      n.object_kw = true;
    }
    if (auto r = s.find("required"); r != s.end()) {
      if (!r->is_array()) fail(path + "/required", "required must be an array of names");
      std::sort(n.props.begin(), n.props.end(), [](const Prop& a, const Prop& b) { return a.name < b.name; });
      std::vector<std::string> names;
      for (const auto& e : *r) {
        if (!e.is_string()) fail(path + "/required", "required must be an array of names");
        names.push_back(e.get<std::string>());
      }
      for (const auto& name : names) {
        auto it = std::lower_bound(n.props.begin(), n.props.end(), name, [](const Prop& a, const std::string& k) { return a.name < k; });
        if (it == n.props.end() || it->name != name) {
          Prop prop;
          prop.name = name;
          it = n.props.insert(it, std::move(prop));
        }
        if (it->required_slot < 0) it->required_slot = int32_t(n.n_required++);
      }
      // required_order holds prop indexes; computed after the final sort below.
      n.object_kw = true;
      std::sort(n.props.begin(), n.props.end(), [](const Prop& a, const Prop& b) { return a.name < b.name; });
      std::vector<bool> done(n.props.size(), false);
      for (const auto& name : names) {
        auto it = std::lower_bound(n.props.begin(), n.props.end(), name, [](const Prop& a, const std::string& k) { return a.name < k; });
        size_t i = size_t(it - n.props.begin());
        if (!done[i]) {
          done[i] = true;
          n.required_order.push_back(uint32_t(i));
        }
      }
    }
    std::sort(n.props.begin(), n.props.end(), [](const Prop& a, const Prop& b) { return a.name < b.name; });
    if (auto pp = s.find("patternProperties"); pp != s.end() && pp->is_object()) {
      for (auto it = pp->begin(); it != pp->end(); ++it) {
        uint32_t re = regex(it.key(), path + "/patternProperties");
        n.pattern_props.emplace_back(re, compile(it.value(), base, path + "/patternProperties/" + it.key()));
      }
      n.object_kw = true;
    }
    if (auto a = s.find("additionalProperties"); a != s.end()) {
      if (a->is_boolean()) {
        n.additional = a->get<bool>() ? Extra::allow : Extra::deny;
      } else {
        n.additional = Extra::schema;
        n.additional_node = compile(*a, base, path + "/additionalProperties");
      }
      n.object_kw = true;
    }
    if (auto v = s.find("minProperties"); v != s.end()) {
      n.min_props = non_negative(*v, path, "minProperties");
      n.object_kw = true;
    }
    if (auto v = s.find("maxProperties"); v != s.end()) {
      n.max_props = non_negative(*v, path, "maxProperties");
      n.object_kw = true;
    }

    // arrays
    if (auto it = s.find("items"); it != s.end()) {
      if (it->is_array()) {
        n.tuple = true;
        for (size_t i = 0; i < it->size(); ++i) n.tuple_items.push_back(compile((*it)[i], base, path + "/items/" + std::to_string(i)));
      } else {
        n.items = compile(*it, base, path + "/items");
      }
      n.array_kw = true;
    }
    if (auto a = s.find("additionalItems"); a != s.end()) {
      if (a->is_boolean()) {
        n.additional_items = a->get<bool>() ? Extra::allow : Extra::deny;
      } else {
        n.additional_items = Extra::schema;
        n.additional_items_node = compile(*a, base, path + "/additionalItems");
      }
      n.array_kw = true;
    }
    if (auto v = s.find("minItems"); v != s.end()) {
      n.min_items = non_negative(*v, path, "minItems");
      n.array_kw = true;
    }
    if (auto v = s.find("maxItems"); v != s.end()) {
      n.max_items = non_negative(*v, path, "maxItems");
      n.array_kw = true;
    }
    if (auto v = s.find("uniqueItems"); v != s.end() && v->is_boolean() && v->get<bool>()) {
      n.unique = true;
      n.array_kw = true;
    }

    // strings
    if (auto v = s.find("minLength"); v != s.end()) {
      n.min_len = non_negative(*v, path, "minLength");
      n.string_kw = true;
    }
    if (auto v = s.find("maxLength"); v != s.end()) {
      n.max_len = non_negative(*v, path, "maxLength");
      n.string_kw = true;
    }
    if (auto v = s.find("pattern"); v != s.end()) {
      if (!v->is_string()) fail(path + "/pattern", "pattern must be a string");
      n.pattern = regex(v->get<std::string>(), path + "/pattern");
      n.string_kw = true;
    }
    if (auto v = s.find("format"); v != s.end() && v->is_string()) {
      n.format = parse_format(v->get<std::string>());
      if (n.format == Format::double_) n.format = Format::none;  // a number format: nothing to check
      if (n.format != Format::none) n.string_kw = true;
    }

    // numbers
    if (auto v = s.find("minimum"); v != s.end()) {
      if (!v->is_number()) fail(path + "/minimum", "minimum must be a number");
      n.has_min = true;
      n.minimum = v->get<double>();
      n.min_text = python_repr(*v);
      n.excl_min = flag(s, "exclusiveMinimum");
      n.number_kw = true;
    }
    if (auto v = s.find("maximum"); v != s.end()) {
      if (!v->is_number()) fail(path + "/maximum", "maximum must be a number");
      n.has_max = true;
      n.maximum = v->get<double>();
      n.max_text = python_repr(*v);
      n.excl_max = flag(s, "exclusiveMaximum");
      n.number_kw = true;
    }

    if (auto v = s.find("enum"); v != s.end()) {
      if (!v->is_array()) fail(path + "/enum", "enum must be an array");
      n.has_enum = true;
      n.enum_values = *v;
    }

    auto list = [&](const char* kw, std::vector<uint32_t>& out) {
      if (auto v = s.find(kw); v != s.end()) {
        if (!v->is_array()) fail(path + "/" + kw, std::string(kw) + " must be an array of schemas");
        for (size_t i = 0; i < v->size(); ++i) out.push_back(compile((*v)[i], base, path + "/" + kw + "/" + std::to_string(i)));
      }
    };
    list("allOf", n.all_of);
    list("anyOf", n.any_of);
    list("oneOf", n.one_of);
    if (auto v = s.find("not"); v != s.end()) n.not_ = compile(*v, base, path + "/not");

    impl->nodes[idx] = std::move(n);
    return idx;
  }

  // Base URI in effect inside a $ref target: its own id when it has one (resolved through the index).
  std::string base_of_target(const json* target, const std::string& base) {
    if (!opt.resolve_ids) return base;
    for (const auto& [uri, j] : ids)
      if (j == target) return uri;
    return base;
  }

  static bool flag(const json& s, const char* key) {
    auto it = s.find(key);
    return it != s.end() && it->is_boolean() && it->get<bool>();
  }

  // Replaces every child index that names a pure $ref alias by the alias's final target, so
  // validation never walks through aliases; a $ref cycle with no schema in it is an error.
  void collapse_refs() {
    auto& nodes = impl->nodes;
    std::vector<uint32_t> final_of(nodes.size());
    for (uint32_t i = 0; i < nodes.size(); ++i) {
      uint32_t j = i;
      size_t steps = 0;
      while (nodes[j].ref != k_none && !nodes[j].nullable) {
        j = nodes[j].ref;
        if (++steps > nodes.size()) fail("", "circular $ref with no schema in the cycle");
      }
      final_of[i] = j;
    }
    auto fix = [&](uint32_t& c) {
      if (c != k_none) c = final_of[c];
    };
    for (auto& n : nodes) {
      fix(n.ref);
      for (auto& p : n.props) fix(p.node);
      fix(n.additional_node);
      for (auto& pp : n.pattern_props) fix(pp.second);
      fix(n.items);
      for (auto& t : n.tuple_items) fix(t);
      fix(n.additional_items_node);
      for (auto& c : n.all_of) fix(c);
      for (auto& c : n.any_of) fix(c);
      for (auto& c : n.one_of) fix(c);
      fix(n.not_);
    }
    fix(impl->root);
  }

  uint32_t add_any() {
    impl->nodes.emplace_back();
    return uint32_t(impl->nodes.size() - 1);
  }
};

}  // namespace

CompiledSchema::CompiledSchema(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CompiledSchema::CompiledSchema(CompiledSchema&&) noexcept = default;
CompiledSchema& CompiledSchema::operator=(CompiledSchema&&) noexcept = default;
CompiledSchema::~CompiledSchema() = default;

CompiledSchema CompiledSchema::compile(const json& schema, const RefResolver& resolver, const CompileOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  Compiler c{impl.get(), resolver, options, {}, {}};
  std::string base;
  if (options.resolve_ids) {
    c.index_ids(schema, "");
    auto id = schema.is_object() ? schema.find("id") : schema.end();
    if (schema.is_object() && id != schema.end() && id->is_string()) base = normalise_uri(id->get<std::string>());
  }
  impl->root = c.compile(schema, base, "");
  c.collapse_refs();
  for (auto& n : impl->nodes)
    for (auto& p : n.props) p.prefix = name_prefix(p.name);
  return CompiledSchema(std::move(impl));
}

bool CompiledSchema::is_valid(element value) const { return impl_->check<false>(impl_->root, value, nullptr); }

std::vector<ValidationError> CompiledSchema::all_errors(element value) const {
  std::vector<ValidationError> out;
  Impl::Ctx ctx{&out, {}};
  impl_->check<true>(impl_->root, value, &ctx);
  return out;
}

std::optional<ValidationError> CompiledSchema::first_error(element value) const {
  if (is_valid(value)) return std::nullopt;
  auto all = all_errors(value);
  if (all.empty()) return ValidationError{"is not valid under the schema", {}};
  size_t best = 0;
  for (size_t i = 1; i < all.size(); ++i)
    if (all[i].path.size() < all[best].path.size()) best = i;
  return std::move(all[best]);
}

size_t CompiledSchema::node_count() const { return impl_->nodes.size(); }

}  // namespace lightbeam::schema
