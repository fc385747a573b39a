// The Python tool's state pickle, written (see pickle_export.hpp).
#include "core/state/pickle_export.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <system_error>

#include "core/error.hpp"

namespace lightbeam::state {

namespace {

// Pickle opcodes (Python's Lib/pickle.py).
constexpr char k_proto = '\x80', k_empty_dict = '}', k_mark = '(', k_setitems = 'u', k_stop = '.',
               k_short_binbytes = 'C', k_binint = 'J', k_binint1 = 'K', k_binint2 = 'M', k_long1 = '\x8a',
               k_tuple2 = '\x86';
constexpr std::size_t k_batch = 1000;  // pickle's _BATCHSIZE: SETITEMS after at most this many pairs

void append_le(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

// An int as pickle.dump writes it: BININT1 / BININT2 / BININT, else LONG1 (two's complement).
void append_int(std::string& out, std::int64_t v) {
  if (v >= 0 && v <= 0xFF) {
    out += k_binint1;
    append_le(out, static_cast<std::uint64_t>(v), 1);
  } else if (v >= 0 && v <= 0xFFFF) {
    out += k_binint2;
    append_le(out, static_cast<std::uint64_t>(v), 2);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    out += k_binint;
    append_le(out, static_cast<std::uint64_t>(static_cast<std::uint32_t>(static_cast<std::int32_t>(v))), 4);
  } else {  // LONG1 with 8 bytes of two's complement (Python reads any length)
    out += k_long1;
    out += '\x08';
    append_le(out, static_cast<std::uint64_t>(v), 8);
  }
}

}  // namespace

std::string state_pickle(const std::vector<std::pair<Digest, Entry>>& rows) {
  std::string out;
  out.reserve(8 + rows.size() * 28);
  out += k_proto;
  out += '\x04';
  out += k_empty_dict;
  for (std::size_t i = 0; i < rows.size(); i += k_batch) {
    out += k_mark;
    for (std::size_t j = i; j < rows.size() && j < i + k_batch; ++j) {
      const auto& [digest, entry] = rows[j];
      out += k_short_binbytes;
      out += static_cast<char>(digest.size());
      out.append(reinterpret_cast<const char*>(digest.data()), digest.size());
      append_int(out, static_cast<std::int64_t>(std::llround(entry.sent_at)));
      append_int(out, entry.status);
      out += k_tuple2;
    }
    out += k_setitems;
  }
  out += k_stop;
  return out;
}

void write_state_pickle(const std::filesystem::path& file, const std::vector<std::pair<Digest, Entry>>& rows) {
  const std::string bytes = state_pickle(rows);
  std::filesystem::path tmp = file;
  tmp += ".tmp-" + std::to_string(::getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw Error("cannot write " + tmp.string() + ": check that the state_dir is writable");
  const bool written = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  const bool synced = std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
  if (std::fclose(f) != 0 || !written || !synced) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw Error("could not write " + file.string() + " (disk full?)");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw Error("could not write " + file.string() + ": " + ec.message());
  }
}

}  // namespace lightbeam::state
