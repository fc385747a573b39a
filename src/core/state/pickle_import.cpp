// A deliberately small unpickler for the Python lightbeam's state files (see pickle_import.hpp).
// It understands the opcodes a dict of bytes → (number, int) is written with by protocols 2-5
// (protocol 2 writes bytes as `_codecs.encode(str, "latin1")`, which is recognised too); any
// other opcode, a truncated file or an unexpected shape is an Error naming the file.
#include "core/state/pickle_import.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <unordered_map>

#include "core/error.hpp"

namespace lightbeam::state {
namespace {

// A name read from the file, for an error message: control characters escaped (one-line
// messages; docs/fuzzing.md, finding 4) and at most 80 characters.
std::string printable(std::string_view s) {
  std::string out;
  for (char ch : s.substr(0, 80)) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else {
      out += ch;
    }
  }
  if (s.size() > 80) out += "...";
  return out;
}

struct Value {
  enum Kind { none, mark, integer, floating, bytes, text, tuple, dict, global, boolean } kind = none;
  Value() = default;
  explicit Value(Kind k) : kind(k) {}
  std::int64_t i = 0;
  double f = 0;
  std::string s;              // bytes / text / global "module name"
  std::vector<Value> items;   // tuple
  // Bounds for hostile files (docs/fuzzing.md): how much a memo copy of it costs, how deep it nests.
  std::size_t weight = 1;
  std::size_t depth = 0;
};

class Reader {
 public:
  Reader(std::string_view data, const std::string& name) : data_(data), name_(name) {}

  std::vector<std::pair<Digest, Entry>> run() {
    while (true) {
      std::size_t at = pos_;
      unsigned char op = u8();
      switch (op) {
        case 0x80: {  // PROTO
          unsigned char v = u8();
          if (v < 2 || v > 5) fail(at, "pickle protocol " + std::to_string(v) + " is not supported (2-5 are)");
          break;
        }
        case 0x95: take(8); break;  // FRAME: framing only
        case '}': push(Value(Value::dict)); break;
        case ')': push(Value(Value::tuple)); break;
        case '(': push(Value(Value::mark)); break;
        case 'N': push(Value(Value::none)); break;
        case 0x88: case 0x89: {
          Value v(Value::boolean);
          v.i = op == 0x88;
          push(std::move(v));
          break;
        }
        case 'C': push_bytes(Value::bytes, u8()); break;                      // SHORT_BINBYTES
        case 'B': push_bytes(Value::bytes, le(4)); break;                     // BINBYTES
        case 0x8e: push_bytes(Value::bytes, le(8)); break;                    // BINBYTES8
        case 'U': push_bytes(Value::bytes, u8()); break;                      // SHORT_BINSTRING
        case 'T': push_bytes(Value::bytes, le(4)); break;                     // BINSTRING
        case 0x8c: push_bytes(Value::text, u8()); break;                      // SHORT_BINUNICODE
        case 'X': push_bytes(Value::text, le(4)); break;                      // BINUNICODE
        case 0x8d: push_bytes(Value::text, le(8)); break;                     // BINUNICODE8
        case 'K': push_int(u8()); break;                                      // BININT1
        case 'M': push_int(static_cast<std::int64_t>(le(2))); break;          // BININT2
        case 'J': push_int(static_cast<std::int32_t>(static_cast<std::uint32_t>(le(4)))); break;  // BININT
        case 0x8a: push_long(u8(), at); break;                                // LONG1
        case 0x8b: push_long(le(4), at); break;                               // LONG4
        case 'G': {                                                           // BINFLOAT (big-endian)
          std::uint64_t bits = 0;
          for (unsigned char c : take(8)) bits = (bits << 8) | c;
          Value v(Value::floating);
          v.f = std::bit_cast<double>(bits);
          push(std::move(v));
          break;
        }
        case 0x85: make_tuple(1, at); break;
        case 0x86: make_tuple(2, at); break;
        case 0x87: make_tuple(3, at); break;
        case 't': {
          std::size_t m = mark_index(at);
          Value t(Value::tuple);
          t.items.assign(std::make_move_iterator(stack_.begin() + static_cast<std::ptrdiff_t>(m) + 1),
                         std::make_move_iterator(stack_.end()));
          stack_.resize(m);
          seal(t, at);
          push(std::move(t));
          break;
        }
        case 's': {  // SETITEM
          if (stack_.size() < 3) fail(at, "SETITEM without a dict");
          Value val = pop(), key = pop();
          if (stack_.back().kind != Value::dict) fail(at, "SETITEM on something other than a dict");
          add_item(std::move(key), std::move(val), at);
          break;
        }
        case 'u': {  // SETITEMS
          std::size_t m = mark_index(at);
          if (m == 0 || stack_[m - 1].kind != Value::dict) fail(at, "SETITEMS on something other than a dict");
          if ((stack_.size() - m - 1) % 2) fail(at, "SETITEMS with an odd number of items");
          for (std::size_t k = m + 1; k + 1 < stack_.size(); k += 2)
            add_item(std::move(stack_[k]), std::move(stack_[k + 1]), at);
          stack_.resize(m);
          break;
        }
        case 0x94: memo_put(memo_.size(), at); break;               // MEMOIZE: memo[len(memo)]
        case 'q': memo_put(u8(), at); break;                        // BINPUT
        case 'r': memo_put(le(4), at); break;                       // LONG_BINPUT
        case 'h': memo_get(u8(), at); break;                        // BINGET
        case 'j': memo_get(le(4), at); break;                       // LONG_BINGET
        case 'c': {                                                 // GLOBAL "module\nname\n"
          std::string module = line(at), nm = line(at);
          Value g(Value::global);
          g.s = module + " " + nm;
          g.weight += g.s.size();
          push(std::move(g));
          break;
        }
        case 0x93: {  // STACK_GLOBAL
          Value nm = pop(), module = pop();
          Value g(Value::global);
          g.s = module.s + " " + nm.s;
          g.weight += g.s.size();
          push(std::move(g));
          break;
        }
        case 'R': {  // REDUCE: only _codecs.encode(str, "latin1") (protocol 2 bytes) and bytes()
          Value args = pop(), fn = pop();
          if (fn.kind != Value::global || args.kind != Value::tuple) fail(at, "unsupported REDUCE");
          if ((fn.s == "_codecs encode") && args.items.size() == 2 && args.items[0].kind == Value::text &&
              args.items[1].kind == Value::text && args.items[1].s == "latin1") {
            push_latin1(args.items[0].s, at);
          } else if ((fn.s == "__builtin__ bytes" || fn.s == "builtins bytes") && args.items.empty()) {
            push(Value(Value::bytes));
          } else {
            fail(at, "unsupported object " + printable(fn.s) + " (not a lightbeam state file?)");
          }
          break;
        }
        case '.': {  // STOP
          if (stack_.size() != 1 || stack_[0].kind != Value::dict)
            fail(at, "the pickled object is not a dict (not a lightbeam state file?)");
          return std::move(out_);
        }
        default: {
          char hex[8];
          std::snprintf(hex, sizeof hex, "0x%02x", op);
          fail(at, std::string("unsupported pickle opcode ") + hex + " (not a lightbeam state file?)");
        }
      }
    }
  }

 private:
  [[noreturn]] void fail(std::size_t at, const std::string& what) const {
    throw Error("cannot import the Python lightbeam state file " + name_ + ": " + what + " at byte " +
                std::to_string(at) + "; move the file away (or delete it) to start without its state");
  }
  unsigned char u8() {
    if (pos_ >= data_.size()) fail(pos_, "unexpected end of file (truncated?)");
    return static_cast<unsigned char>(data_[pos_++]);
  }
  std::string_view take(std::uint64_t n) {
    if (n > data_.size() - pos_) fail(pos_, "unexpected end of file (truncated?)");
    auto s = data_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::uint64_t le(int n) {
    std::uint64_t v = 0;
    auto s = take(static_cast<std::uint64_t>(n));
    for (int k = n - 1; k >= 0; --k) v = (v << 8) | static_cast<unsigned char>(s[static_cast<std::size_t>(k)]);
    return v;
  }
  std::string line(std::size_t at) {
    auto nl = data_.find('\n', pos_);
    if (nl == std::string_view::npos) fail(at, "unexpected end of file (truncated?)");
    std::string s(data_.substr(pos_, nl - pos_));
    pos_ = nl + 1;
    return s;
  }
  void push(Value v) {
    if (stack_.size() > 1000000) fail(pos_, "pickle stack too deep");
    stack_.push_back(std::move(v));
  }
  Value pop() {
    if (stack_.empty() || stack_.back().kind == Value::mark) fail(pos_, "stack underflow");
    Value v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  const Value& top(std::size_t at) const {
    if (stack_.empty()) fail(at, "MEMOIZE on an empty stack");
    return stack_.back();
  }
  void push_bytes(Value::Kind kind, std::uint64_t n) {
    Value v{kind};
    v.s = std::string(take(n));
    v.weight += v.s.size();
    push(std::move(v));
  }
  void push_int(std::int64_t i) {
    Value v(Value::integer);
    v.i = i;
    push(std::move(v));
  }
  void push_long(std::uint64_t n, std::size_t at) {
    auto s = take(n);
    if (n > 8) fail(at, "integer too large");
    std::uint64_t v = 0;
    for (std::size_t k = n; k-- > 0;) v = (v << 8) | static_cast<unsigned char>(s[k]);
    if (n > 0 && n < 8 && (static_cast<unsigned char>(s[n - 1]) & 0x80)) v |= ~std::uint64_t{0} << (8 * n);
    push_int(static_cast<std::int64_t>(v));
  }
  void push_latin1(const std::string& utf8, std::size_t at) {
    // The str holds code points 0-255 (each byte of the original bytes) encoded as UTF-8.
    Value v(Value::bytes);
    for (std::size_t k = 0; k < utf8.size(); ++k) {
      auto c = static_cast<unsigned char>(utf8[k]);
      if (c < 0x80) {
        v.s.push_back(static_cast<char>(c));
      } else if ((c & 0xE0) == 0xC0 && k + 1 < utf8.size() && c <= 0xC3) {
        auto c2 = static_cast<unsigned char>(utf8[++k]);
        v.s.push_back(static_cast<char>(((c & 0x1F) << 6) | (c2 & 0x3F)));
      } else {
        fail(at, "latin1 text with a character above U+00FF");
      }
    }
    v.weight += v.s.size();
    push(std::move(v));
  }
  void make_tuple(std::size_t n, std::size_t at) {
    if (stack_.size() < n) fail(at, "stack underflow");
    Value t(Value::tuple);
    for (std::size_t k = stack_.size() - n; k < stack_.size(); ++k) {
      if (stack_[k].kind == Value::mark) fail(at, "stack underflow");
      t.items.push_back(std::move(stack_[k]));
    }
    stack_.resize(stack_.size() - n);
    seal(t, at);
    push(std::move(t));
  }
  // A tuple's weight and depth from its items. The state file's tuples are flat; a deep nest
  // would make copying and destroying values recurse past the stack.
  void seal(Value& t, std::size_t at) const {
    for (const Value& item : t.items) {
      t.weight += item.weight;
      t.depth = std::max(t.depth, item.depth + 1);
    }
    if (t.depth > 100) fail(at, "tuples nested too deeply (not a lightbeam state file?)");
  }
  std::size_t mark_index(std::size_t at) const {
    for (std::size_t k = stack_.size(); k-- > 0;)
      if (stack_[k].kind == Value::mark) return k;
    fail(at, "no MARK on the stack");
  }
  void memo_put(std::uint64_t idx, std::size_t at) {
    const Value& v = top(at);
    count_copy(v, at);
    memo_[idx] = v;
  }
  void memo_get(std::uint64_t idx, std::size_t at) {
    auto it = memo_.find(idx);
    if (it == memo_.end()) fail(at, "memo index " + std::to_string(idx) + " was never stored");
    count_copy(it->second, at);
    push(it->second);
  }
  // Python shares memoized objects; we copy them, so the copies are bounded by the file size (a
  // few bytes of BINGET/TUPLE2 pairs would otherwise double a value each time; finding 2).
  void count_copy(const Value& v, std::size_t at) {
    copied_ += v.weight;
    if (copied_ > 4 * data_.size() + 4096) fail(at, "too many memo references (not a lightbeam state file?)");
  }
  void add_item(Value key, Value val, std::size_t at) {
    if (key.kind != Value::bytes || key.s.size() != 16)
      fail(at, "a key is not a 16-byte MD5 digest (not a lightbeam state file?)");
    if (val.kind != Value::tuple || val.items.size() < 2)
      fail(at, "a value is not a (time, status) tuple (not a lightbeam state file?)");
    const Value& t = val.items[0];
    const Value& s = val.items[1];
    Entry e;
    if (t.kind == Value::integer)
      e.sent_at = static_cast<double>(t.i);
    else if (t.kind == Value::floating && std::isfinite(t.f))
      e.sent_at = t.f;
    else
      fail(at, "a time is not a number");
    if (s.kind != Value::integer || s.i < 0 || s.i > 999) fail(at, "a status is not an HTTP status code");
    e.status = static_cast<int>(s.i);
    Digest d;
    std::memcpy(d.data(), key.s.data(), 16);
    out_.emplace_back(d, e);
  }

  std::string_view data_;
  const std::string& name_;
  std::size_t pos_ = 0;
  std::vector<Value> stack_;
  // A map as in Python's unpickler: a large index in BINPUT must not allocate a huge array
  // (docs/fuzzing.md, finding 1).
  std::unordered_map<std::uint64_t, Value> memo_;
  std::size_t copied_ = 0;  // weight of the values memo_get copied
  std::vector<std::pair<Digest, Entry>> out_;
};

}  // namespace

std::vector<std::pair<Digest, Entry>> parse_state_pickle(std::string_view bytes, const std::string& name) {
  return Reader(bytes, name).run();
}

std::vector<std::pair<Digest, Entry>> read_state_pickle(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw Error("cannot read the Python lightbeam state file " + file.string() +
                "; check its permissions or move it away");
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string data = ss.str();
  return parse_state_pickle(data, file.string());
}

}  // namespace lightbeam::state
