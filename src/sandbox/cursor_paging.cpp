#include "sandbox/cursor_paging.hpp"

#include "sandbox/auth.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

namespace lightbeam::sandbox::cursor_paging {

namespace {

// base64url: a token goes into a query string as it is.
constexpr const char* k_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::size_t k_partition_pages = 5;  // ODS: a partition holds at least 5 maximum-size pages

std::string base64(const std::string& in) {
  std::string out;
  unsigned val = 0;
  int bits = -6;
  for (unsigned char c : in) {
    val = (val << 8) + c;
    bits += 8;
    while (bits >= 0) {
      out.push_back(k_alphabet[(val >> bits) & 0x3F]);
      bits -= 6;
    }
  }
  if (bits > -6) out.push_back(k_alphabet[((val << 8) >> (bits + 8)) & 0x3F]);
  return out;
}

std::optional<std::uint64_t> number_of(const std::string& s) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::string encode_token(const SeqRange& range) { return base64(std::to_string(range.first) + "," + std::to_string(range.last)); }

std::optional<SeqRange> decode_token(const std::string& token) {
  auto text = base64_decode(token);  // accepts the url alphabet
  if (!text) return std::nullopt;
  auto comma = text->find(',');
  if (comma == std::string::npos) return std::nullopt;
  auto first = number_of(text->substr(0, comma)), last = number_of(text->substr(comma + 1));
  if (!first || !last || *first > *last) return std::nullopt;
  return SeqRange{*first, *last};
}

std::size_t partition_count(std::size_t documents, std::optional<std::size_t> number, bool allow_small,
                            std::size_t page_max) {
  std::size_t wanted = number.value_or(k_default_partitions);
  if (!allow_small) {
    std::size_t minimum = k_partition_pages * page_max;
    wanted = std::min(wanted, (documents + minimum - 1) / minimum);
  }
  return std::max<std::size_t>(1, std::min(wanted, documents));
}

std::vector<std::string> partition_tokens(const std::vector<std::uint64_t>& seqs, std::size_t count) {
  std::vector<std::string> out;
  std::size_t size = seqs.size() / std::max<std::size_t>(count, 1);
  for (std::size_t i = 0; i < count; ++i) {
    std::uint64_t first = i == 0 || seqs.empty() ? 0 : seqs[i * size];
    std::uint64_t last = i + 1 == count ? std::numeric_limits<std::uint64_t>::max() : seqs[(i + 1) * size] - 1;
    out.push_back(encode_token({first, last}));
  }
  return out;
}

}  // namespace lightbeam::sandbox::cursor_paging
