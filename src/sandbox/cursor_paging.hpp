// ODS/API 7.3 cursor (keyset) paging: GET /{resource}/partitions splits the matching documents into
// ranges, each named by a page token; GET /{resource}?pageToken=T&pageSize=N pages through one range
// and names the rest of it in Next-Page-Token. A token is the base64url (no padding) of "first,last":
// the range of the store's document sequence numbers, as the ODS's is of its aggregate ids.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/store.hpp"

namespace lightbeam::sandbox::cursor_paging {

inline constexpr std::size_t k_max_partitions = 200;
inline constexpr std::size_t k_default_partitions = 10;

std::string encode_token(const SeqRange& range);
// nullopt when `token` is not one of ours (bad base64, leading space, not "first,last").
std::optional<SeqRange> decode_token(const std::string& token);

// How many partitions: `number` (1..200) when small partitions are allowed, else as many as keep each
// at least 5 pages of `page_max` (at most `number`, or 10 when it is absent); never more than
// documents, never fewer than one.
std::size_t partition_count(std::size_t documents, std::optional<std::size_t> number, bool allow_small,
                            std::size_t page_max);

// Tokens of `count` consecutive ranges over `seqs` (ascending), equal in size but the last, which takes
// the remainder; the first starts at 0 and the last ends open, so documents added later are found too.
std::vector<std::string> partition_tokens(const std::vector<std::uint64_t>& seqs, std::size_t count);

}  // namespace lightbeam::sandbox::cursor_paging
