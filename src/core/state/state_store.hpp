// Send state: which payloads were sent to which endpoint, when, and with what status. SQLite
// (WAL) in {state_dir}/lightbeam-state.sqlite3, one row per (endpoint, payload hash); outcomes
// are committed in small transactions as they arrive so `kill -9` loses at most the in-flight
// window. The Python tool's pickled {state_dir}/{endpoint}.dat is imported on first use.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace lightbeam::state {

// MD5 of a payload line: the value of Python's hashlib.md5(line.strip().encode()).digest().
using Digest = std::array<unsigned char, 16>;

// Removes surrounding ASCII white space (space, \t, \n, \v, \f, \r). Python's str.strip() also
// removes \x1c-\x1f, \x85 and Unicode spaces (U+00A0, U+2000.., U+3000, ...); lines that start or
// end with those are hashed differently from the Python tool (they are never valid JSON text
// boundaries anyway, so a real JSONL line does not have them).
std::string_view strip_ascii_whitespace(std::string_view line);
Digest payload_hash(std::string_view line);  // MD5 of strip_ascii_whitespace(line)
std::string to_hex(const Digest& d);

struct DigestHash {
  std::size_t operator()(const Digest& d) const noexcept {
    std::size_t h;  // MD5 bytes are uniformly distributed: the first 8 are a fine hash
    std::memcpy(&h, d.data(), sizeof h);
    return h;
  }
};

// What the state says about one payload.
struct Entry {
  double sent_at = 0;  // unix seconds of the last send
  int status = 0;      // HTTP status of the last send
};

// Which previously seen payloads are sent again (logical OR, as the Python tool does).
struct ResendCriteria {
  bool force = false;                 // -f: every payload
  std::optional<double> older_than;   // -o/-t: last sent before (unix seconds)
  std::optional<double> newer_than;   // -n: last sent after (unix seconds)
  std::vector<int> statuses;          // -r: last status is one of these
  bool matches(const Entry& e) const;
};

// All state of one endpoint, loaded with one query into a hash set (fast skip checks).
class EndpointState {
 public:
  const Entry* find(const Digest& d) const {
    auto it = entries_.find(d);
    return it == entries_.end() ? nullptr : &it->second;
  }
  // True when the payload must be sent: never seen, or seen and matching the criteria.
  bool should_send(const Digest& d, const ResendCriteria& c) const {
    const Entry* e = find(d);
    return e == nullptr || c.matches(*e);
  }
  std::size_t size() const { return entries_.size(); }
  const std::string& endpoint() const { return endpoint_; }
  // Every row, in no particular order.
  std::vector<std::pair<Digest, Entry>> rows() const { return {entries_.begin(), entries_.end()}; }

 private:
  friend class StateStore;
  std::string endpoint_;
  std::unordered_map<Digest, Entry, DigestHash> entries_;
};

// The payloads of one endpoint that a run skips (seen before and not matching the resend
// criteria): a sorted array of digests with a prefix index, 16 bytes (+ ~1 of index) per row
// instead of a hash-map node (~60 bytes), so a re-send of 1,000,000 records stays small.
class SkipSet {
 public:
  bool contains(const Digest& d) const {
    if (digests_.empty()) return false;
    const std::size_t b = bucket_of(d);
    for (std::uint32_t i = bucket_start_[b], end = bucket_start_[b + 1]; i < end; ++i)
      if (std::memcmp(digests_[i].data(), d.data(), d.size()) == 0) return true;
    return false;
  }
  std::size_t size() const { return digests_.size(); }

 private:
  friend class StateStore;
  std::size_t bucket_of(const Digest& d) const {
    std::uint64_t prefix = 0;
    for (int i = 0; i < 8; ++i) prefix = (prefix << 8) | d[static_cast<std::size_t>(i)];
    return bits_ == 0 ? 0 : static_cast<std::size_t>(prefix >> (64 - bits_));
  }
  void build_index();  // sorts digests_ if needed, then fills bucket_start_
  std::vector<Digest> digests_;
  std::vector<std::uint32_t> bucket_start_;  // 2^bits_ + 1 offsets into digests_
  unsigned bits_ = 0;
};

struct StoreOptions {
  // Crash safety comes from the journal (every outcome is in it before the next request starts),
  // so SQLite commits only bound the journal's size: a large batch writes each touched B-tree
  // page once instead of once per small transaction (payload hashes are random keys, so a
  // 256-row transaction rewrote most leaf pages of the table).
  std::size_t commit_every_rows = 16384;  // commit after this many buffered outcomes...
  double commit_every_seconds = 2.0;      // ...or when the oldest buffered one is this old
  // false: record()/remove() append to the journal at once (one write(2) each). true: they are
  // buffered and reach the journal with write_journal() (one write(2) for all), which the caller
  // must call before it starts the next request, so that a crash still loses only outcomes of
  // requests that were in flight. flush() and commits write it too.
  bool defer_journal_writes = false;
  bool import_pickles = true;            // import {state_dir}/{endpoint}.dat on first use
  std::optional<long> max_page_count;    // tests: simulate a full disk (SQLITE_FULL)
};

// Not thread-safe: use it from one thread. Every failure (state_dir not creatable or not
// writable, corrupt database, disk full, unreadable pickle) throws lightbeam::Error naming the
// file and what to do.
class StateStore {
 public:
  explicit StateStore(const std::filesystem::path& state_dir, StoreOptions options = {});
  ~StateStore();  // commits what is buffered (errors are logged, not thrown)
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  static constexpr const char* k_file_name = "lightbeam-state.sqlite3";
  const std::filesystem::path& db_path() const { return db_path_; }

  // Loads the endpoint's rows (importing the Python pickle first if this endpoint was never
  // seen by this store and {state_dir}/{endpoint}.dat exists).
  // The endpoints the state holds payloads of, by name.
  std::vector<std::string> endpoints();
  EndpointState load(const std::string& endpoint);
  // Like load(), but keeps only what send needs: the payloads it skips under `criteria`
  // (-f: none, so nothing is read).
  SkipSet load_skip_set(const std::string& endpoint, const ResendCriteria& criteria);

  // Records an outcome (upsert). Buffered; committed every commit_every_rows rows or
  // commit_every_seconds, and by flush(). sent_at < 0 means now.
  void record(const std::string& endpoint, const Digest& d, int status, double sent_at = -1);
  // Removes one payload's row (delete command). Buffered like record().
  void remove(const std::string& endpoint, const Digest& d);
  // Removes every row of the endpoint now (truncate command).
  void clear(const std::string& endpoint);
  // Appends the outcomes buffered by defer_journal_writes to the journal (one write(2)); no-op
  // when nothing is buffered.
  void write_journal();
  // Commits everything buffered.
  void flush();
  // Rows stored for the endpoint (committed plus buffered).
  std::size_t count(const std::string& endpoint);

 private:
  void load_prepare(const std::string& endpoint);  // endpoint row, pickle import, commit
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::filesystem::path db_path_;
};

double unix_now();

}  // namespace lightbeam::state
