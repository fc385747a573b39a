// Writes the Python lightbeam's state file ({state_dir}/{endpoint}.dat) from our state, so a team
// can go back to the Python tool without sending everything again: pickle protocol 4 (the default
// of Python 3.8-3.13's pickle.dump) of a dict {16-byte MD5 digest (bytes): (unix time, status)},
// the times rounded to whole seconds as Python's round(time.time()).
#pragma once
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "core/state/state_store.hpp"

namespace lightbeam::state {

// The pickle's bytes.
std::string state_pickle(const std::vector<std::pair<Digest, Entry>>& rows);

// Writes state_pickle(rows) to `file` atomically (a temporary file in the same folder, then
// rename): a crash never leaves a half-written .dat for the Python tool to choke on. Throws
// lightbeam::Error naming the file.
void write_state_pickle(const std::filesystem::path& file, const std::vector<std::pair<Digest, Entry>>& rows);

}  // namespace lightbeam::state
