// Reads the Python lightbeam's pickled state file ({state_dir}/{endpoint}.dat): a dict of
// 16-byte MD5 digest (bytes) → (unix time, status). Our own small unpickler for protocols 2-5,
// limited to the opcodes such a dict needs; anything else is a clear error, never a crash.
#pragma once
#include <filesystem>
#include <string_view>
#include <utility>
#include <vector>

#include "core/state/state_store.hpp"

namespace lightbeam::state {

// Throws lightbeam::Error naming the file for unreadable, truncated, unsupported or
// unexpected content.
std::vector<std::pair<Digest, Entry>> read_state_pickle(const std::filesystem::path& file);
// Same, from bytes already read (`name` is used in messages).
std::vector<std::pair<Digest, Entry>> parse_state_pickle(std::string_view bytes, const std::string& name);

}  // namespace lightbeam::state
