// Send state in SQLite (see state_store.hpp).
//
// Crash safety without a commit per record: every outcome is first appended (one write(2)) to
// {state_dir}/lightbeam-state.journal, and rows are folded into SQLite in transactions of
// commit_every_rows rows or commit_every_seconds, after which the journal is emptied. A process
// killed with `kill -9` leaves its journal in the page cache; the next open replays it (upserts
// are idempotent). So a crash loses only the requests in flight, and a record costs one small
// write instead of one SQLite commit.
#include "core/state/state_store.hpp"

#include <fcntl.h>
#include <openssl/md5.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <numeric>

#include "core/error.hpp"
#include "core/state/pickle_import.hpp"

namespace lightbeam::state {
namespace {

constexpr const char* k_journal_name = "lightbeam-state.journal";

// Journal: an 8-byte header (magic + format version 2), then records of op (1), endpoint id (4),
// status (4), sent_at (8), digest (16) and a checksum of those 33 bytes (4), so a torn or garbage
// tail is recognised and ignored instead of replayed as rows. A journal without the header is
// version 1 (33-byte records, no checksum), written by lightbeam before the checksums.
constexpr char k_journal_magic[8] = {'L', 'B', 'J', 'R', 'N', 'L', 0, 2};
constexpr std::size_t k_body_size = 1 + 4 + 4 + 8 + 16;
constexpr std::size_t k_record_size = k_body_size + 4;

// FNV-1a: cheap, and any torn write or stray byte changes it (not a defence against tampering).
std::uint32_t checksum(const unsigned char* body) {
  std::uint32_t h = 2166136261u;
  for (std::size_t i = 0; i < k_body_size; ++i) h = (h ^ body[i]) * 16777619u;
  return h;
}

void seal(unsigned char* rec) {
  const std::uint32_t c = checksum(rec);
  std::memcpy(rec + k_body_size, &c, 4);
}
enum Op : unsigned char { op_upsert = 1, op_remove = 2 };

bool is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

}  // namespace

std::string_view strip_ascii_whitespace(std::string_view line) {
  std::size_t b = 0, e = line.size();
  while (b < e && is_ascii_space(line[b])) ++b;
  while (e > b && is_ascii_space(line[e - 1])) --e;
  return line.substr(b, e - b);
}

Digest payload_hash(std::string_view line) {
  std::string_view s = strip_ascii_whitespace(line);
  Digest d{};
  // OpenSSL's low-level MD5 (same assembly as the EVP one): EVP_Digest() fetched the provider
  // implementation and allocated (and freed) a context on every call, ~1,000 instructions per
  // line on top of the ~2,700 of hashing a 200-byte payload — the largest part of an all-skipped
  // re-send. The low-level API is deprecated in OpenSSL 3 but present in every 3.x build.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  MD5_CTX ctx;
  if (MD5_Init(&ctx) != 1 || MD5_Update(&ctx, s.data(), s.size()) != 1 || MD5_Final(d.data(), &ctx) != 1)
    throw Error("MD5 is not available in this OpenSSL build (needed for payload hashes)");
#pragma GCC diagnostic pop
  return d;
}

std::string to_hex(const Digest& d) {
  static const char* k_hex = "0123456789abcdef";
  std::string out;
  out.reserve(32);
  for (unsigned char c : d) {
    out.push_back(k_hex[c >> 4]);
    out.push_back(k_hex[c & 15]);
  }
  return out;
}

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool ResendCriteria::matches(const Entry& e) const {
  if (force) return true;
  if (older_than && e.sent_at < *older_than) return true;
  if (newer_than && e.sent_at > *newer_than) return true;
  for (int s : statuses)
    if (s == e.status) return true;
  return false;
}

struct StateStore::Impl {
  std::filesystem::path state_dir;
  std::filesystem::path db_path;
  std::filesystem::path journal_path;
  StoreOptions options;
  sqlite3* db = nullptr;
  sqlite3_stmt* upsert = nullptr;
  sqlite3_stmt* remove = nullptr;
  int journal_fd = -1;
  std::size_t journal_rows = 0;
  std::vector<unsigned char> pending;  // journal records not yet folded into SQLite
  std::size_t journal_written = 0;     // bytes of `pending` already in the journal file
  bool header_written = false;         // the journal file starts with k_journal_magic
  std::vector<std::uint32_t> order;    // commit(): pending records sorted by key
  std::size_t committed_rows = 0;      // by this process (the close checkpoints only then)
  std::chrono::steady_clock::time_point oldest_pending;
  std::unordered_map<std::string, std::int64_t> endpoint_ids;

  [[noreturn]] void fail(int rc, const std::string& what) const {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    int primary = rc & 0xff;
    const std::string file = db_path.string();
    if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB)
      throw Error("the state database " + file + " is corrupt (" + msg + "); delete it (and " + file +
                  "-wal, " + file + "-shm) to reset lightbeam's state: every payload is then sent again once");
    if (primary == SQLITE_FULL)
      throw Error("the state database " + file + " could not be saved: disk full (" + msg +
                  "); free space on the disk of state_dir and run again (state saved so far is kept)");
    if (primary == SQLITE_READONLY || primary == SQLITE_CANTOPEN || primary == SQLITE_PERM ||
        primary == SQLITE_AUTH)
      throw Error("cannot write the state database " + file + " (" + msg + "); make state_dir " +
                  state_dir.string() + " writable or point state_dir (in the config file) elsewhere");
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
      throw Error("the state database " + file + " is locked by another process (" + msg +
                  "); wait for the other lightbeam run using this state_dir to finish");
    throw Error("state database " + file + ": " + what + " failed: " + msg);
  }

  void exec(const char* sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
    if (err) sqlite3_free(err);
    if (rc != SQLITE_OK) fail(rc, sql);
  }

  sqlite3_stmt* prepare(const char* sql) {
    sqlite3_stmt* st = nullptr;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, nullptr);
    if (rc != SQLITE_OK) fail(rc, "prepare");
    return st;
  }

  void step_done(sqlite3_stmt* st, const char* what) {
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) fail(rc, what);
  }

  std::int64_t endpoint_id(const std::string& name, bool* created = nullptr) {
    auto it = endpoint_ids.find(name);
    if (it != endpoint_ids.end()) return it->second;
    sqlite3_stmt* q = prepare("SELECT id FROM endpoints WHERE name = ?");
    sqlite3_bind_text(q, 1, name.data(), static_cast<int>(name.size()), SQLITE_TRANSIENT);
    int rc = sqlite3_step(q);
    std::int64_t id = -1;
    if (rc == SQLITE_ROW) id = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) fail(rc, "reading endpoints");
    if (id < 0) {
      sqlite3_stmt* ins = prepare("INSERT INTO endpoints(name) VALUES (?)");
      sqlite3_bind_text(ins, 1, name.data(), static_cast<int>(name.size()), SQLITE_TRANSIENT);
      rc = sqlite3_step(ins);
      sqlite3_finalize(ins);
      if (rc != SQLITE_DONE) fail(rc, "adding endpoint " + name);
      id = sqlite3_last_insert_rowid(db);
      if (created) *created = true;
    }
    endpoint_ids.emplace(name, id);
    return id;
  }

  void apply_record(const unsigned char* r) {
    unsigned char op = r[0];
    std::int32_t eid, status;
    double when;
    std::memcpy(&eid, r + 1, 4);
    std::memcpy(&status, r + 5, 4);
    std::memcpy(&when, r + 9, 8);
    const unsigned char* digest = r + 17;
    if (op == op_upsert) {
      sqlite3_bind_int64(upsert, 1, eid);
      sqlite3_bind_blob(upsert, 2, digest, 16, SQLITE_STATIC);
      sqlite3_bind_double(upsert, 3, when);
      sqlite3_bind_int(upsert, 4, status);
      step_done(upsert, "saving an outcome");
    } else if (op == op_remove) {
      sqlite3_bind_int64(remove, 1, eid);
      sqlite3_bind_blob(remove, 2, digest, 16, SQLITE_STATIC);
      step_done(remove, "removing a payload");
    }
  }

  // Folds `pending` into SQLite in one transaction, then empties the journal. Records are applied
  // in key order (stable, so two records of one payload keep their order): the B-tree is then
  // walked once from left to right instead of jumping to a random leaf per record.
  void commit() {
    if (pending.empty()) return;
    const std::size_t rows = pending.size() / k_record_size;
    order.resize(rows);
    std::iota(order.begin(), order.end(), 0u);
    const unsigned char* base = pending.data();
    std::stable_sort(order.begin(), order.end(), [base](std::uint32_t a, std::uint32_t b) {
      // endpoint id (bytes 1-4) then digest (bytes 17-32); the id's byte order does not matter
      // for locality, only that equal keys compare equal.
      const unsigned char* ra = base + std::size_t{a} * k_record_size;
      const unsigned char* rb = base + std::size_t{b} * k_record_size;
      int c = std::memcmp(ra + 1, rb + 1, 4);
      if (c != 0) return c < 0;
      return std::memcmp(ra + 17, rb + 17, 16) < 0;
    });
    exec("BEGIN IMMEDIATE");
    try {
      for (std::uint32_t i : order) apply_record(base + std::size_t{i} * k_record_size);
      exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
    pending.clear();
    committed_rows += rows;
    journal_written = 0;
    journal_rows = 0;
    header_written = false;
    if (journal_fd >= 0 && ::ftruncate(journal_fd, 0) != 0)
      throw Error("cannot write the state journal " + journal_path.string() + ": " + std::strerror(errno));
  }

  void write_all(const unsigned char* data, std::size_t size, std::size_t& written) {
    while (written < size) {
      ssize_t n = ::write(journal_fd, data + written, size - written);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        int err = n < 0 ? errno : ENOSPC;
        throw Error("cannot write the state journal " + journal_path.string() + ": " + std::strerror(err) +
                    (err == ENOSPC ? "; free space on the disk of state_dir and run again" : ""));
      }
      written += static_cast<std::size_t>(n);
    }
  }

  // Writes the part of `pending` that is not in the journal yet (after the header, if not there).
  void write_journal() {
    if (journal_fd < 0) {
      journal_written = pending.size();
      return;
    }
    if (journal_written == pending.size()) return;
    if (!header_written) {
      std::size_t done = 0;
      write_all(reinterpret_cast<const unsigned char*>(k_journal_magic), sizeof k_journal_magic, done);
      header_written = true;
    }
    write_all(pending.data(), pending.size(), journal_written);
  }

  void append(const unsigned char* rec) {
    if (pending.empty()) oldest_pending = std::chrono::steady_clock::now();
    pending.insert(pending.end(), rec, rec + k_record_size);
    ++journal_rows;
    if (!options.defer_journal_writes) write_journal();
    if (journal_rows >= options.commit_every_rows ||
        std::chrono::duration<double>(std::chrono::steady_clock::now() - oldest_pending).count() >=
            options.commit_every_seconds)
      commit();
  }

  void replay_journal() {
    int fd = ::open(journal_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    std::vector<unsigned char> data;
    unsigned char buf[1 << 16];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) data.insert(data.end(), buf, buf + n);
    ::close(fd);
    std::size_t good = 0;  // bytes of `data` replayed
    pending.clear();
    if (data.size() >= sizeof k_journal_magic && std::memcmp(data.data(), k_journal_magic, sizeof k_journal_magic) == 0) {
      good = sizeof k_journal_magic;
      // Records up to the first torn or corrupt one: what follows it cannot be trusted either.
      while (good + k_record_size <= data.size()) {
        const unsigned char* rec = data.data() + good;
        std::uint32_t stored;
        std::memcpy(&stored, rec + k_body_size, 4);
        if (stored != checksum(rec) || (rec[0] != op_upsert && rec[0] != op_remove)) break;
        pending.insert(pending.end(), rec, rec + k_record_size);
        good += k_record_size;
      }
    } else {
      // Version 1: no checksums; a torn last record is dropped, as before, and bytes that cannot be a
      // record (an unknown op, an upsert with a status no HTTP answer has, a removal with one) end the replay: not ours, never rows.
      for (; good + k_body_size <= data.size(); good += k_body_size) {
        unsigned char rec[k_record_size];
        std::memcpy(rec, data.data() + good, k_body_size);
        std::int32_t status;
        std::memcpy(&status, rec + 5, 4);
        const bool plausible = rec[0] == op_remove ? status == 0 : rec[0] == op_upsert && status >= 100 && status <= 599;
        if (!plausible) break;
        seal(rec);
        pending.insert(pending.end(), rec, rec + k_record_size);
      }
    }
    if (good < data.size())
      spdlog::warn("the state journal {} ends with {} bytes that are not a whole, intact record (a run that ended "
                   "abruptly, or damage); they are ignored: the payloads they stood for are sent again",
                   journal_path.string(), data.size() - good);
    if (pending.empty()) return;
    journal_written = pending.size();  // already in the file
    spdlog::debug("replaying {} outcomes from the state journal {} (previous run ended abruptly)",
                  pending.size() / k_record_size, journal_path.string());
    commit();
  }
};

StateStore::StateStore(const std::filesystem::path& state_dir, StoreOptions options)
    : impl_(std::make_unique<Impl>()) {
  auto& m = *impl_;
  m.options = options;
  if (m.options.commit_every_rows == 0) m.options.commit_every_rows = 1;
  m.state_dir = state_dir;
  std::error_code ec;
  if (std::filesystem::exists(state_dir, ec) && !std::filesystem::is_directory(state_dir, ec))
    throw Error("state_dir " + state_dir.string() + " is a file, not a directory; point state_dir elsewhere (or move the file away)");
  std::filesystem::create_directories(state_dir, ec);
  if (ec || !std::filesystem::is_directory(state_dir))
    throw Error("cannot create state_dir " + state_dir.string() + ": " +
                (ec ? ec.message() : std::string("not a directory")) +
                "; fix the permissions or point state_dir (in the config file) elsewhere");
  m.db_path = state_dir / k_file_name;
  db_path_ = m.db_path;
  m.journal_path = state_dir / k_journal_name;

  // Something other than a file where the database belongs: say what it is (SQLite would only
  // say "unable to open database file", and blame the permissions).
  if (const auto st = std::filesystem::symlink_status(m.db_path, ec); !ec && std::filesystem::exists(st) &&
                                                                      !std::filesystem::is_regular_file(m.db_path, ec)) {
    const std::string what = std::filesystem::is_directory(st)  ? "a directory"
                             : std::filesystem::is_symlink(st) ? "a symlink whose target does not exist or is not a file"
                                                               : "not a regular file";
    throw Error("the state database " + m.db_path.string() + " is " + what +
                "; move it away (or delete it) to start with an empty state, or point state_dir elsewhere");
  }
  int rc = sqlite3_open_v2(m.db_path.c_str(), &m.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = m.db ? sqlite3_errmsg(m.db) : sqlite3_errstr(rc);
    sqlite3_close(m.db);
    m.db = nullptr;
    throw Error("cannot open the state database " + m.db_path.string() + " (" + msg + "); make state_dir " +
                state_dir.string() + " writable or point state_dir (in the config file) elsewhere");
  }
  try {
    sqlite3_busy_timeout(m.db, 5000);
    sqlite3_extended_result_codes(m.db, 1);
    // No checkpoint on close: it would rewrite the database file at the end of every run (a re-send
    // that skips everything would pay for it); SQLite checkpoints automatically as the WAL grows,
    // and ~StateStore checkpoints only after a run that wrote rows.
    sqlite3_db_config(m.db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    m.exec("PRAGMA journal_mode=WAL");
    m.exec("PRAGMA synchronous=NORMAL");
    // No mmap (PRAGMA mmap_size): every mapped page a run touches counts in its RSS, and random
    // payload keys touch every page, so a 1,000,000-row state would map ~80 MB; the 2 MB page
    // cache keeps memory flat in N.
    if (m.options.max_page_count) {
      std::string sql = "PRAGMA max_page_count=" + std::to_string(*m.options.max_page_count);
      m.exec(sql.c_str());
    }
    m.exec(
        "CREATE TABLE IF NOT EXISTS endpoints(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
        "CREATE TABLE IF NOT EXISTS payloads(endpoint_id INTEGER NOT NULL, hash BLOB NOT NULL,"
        " sent_at REAL NOT NULL, status INTEGER NOT NULL, PRIMARY KEY(endpoint_id, hash)) WITHOUT ROWID;");
    m.upsert = m.prepare(
        "INSERT INTO payloads(endpoint_id, hash, sent_at, status) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(endpoint_id, hash) DO UPDATE SET sent_at = excluded.sent_at, status = excluded.status");
    m.remove = m.prepare("DELETE FROM payloads WHERE endpoint_id = ? AND hash = ?");
    m.replay_journal();
    m.journal_fd = ::open(m.journal_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (m.journal_fd < 0)
      throw Error("cannot write the state journal " + m.journal_path.string() + ": " + std::strerror(errno) +
                  "; make state_dir " + state_dir.string() + " writable or point state_dir elsewhere");
    if (::flock(m.journal_fd, LOCK_EX | LOCK_NB) != 0)
      throw Error("state_dir " + state_dir.string() +
                  " is in use by another lightbeam run; wait for it to finish or use another state_dir");
    if (::ftruncate(m.journal_fd, 0) != 0)
      throw Error("cannot write the state journal " + m.journal_path.string() + ": " + std::strerror(errno));
  } catch (...) {
    if (m.journal_fd >= 0) ::close(m.journal_fd);
    m.journal_fd = -1;
    sqlite3_finalize(m.upsert);
    sqlite3_finalize(m.remove);
    sqlite3_close(m.db);
    m.db = nullptr;
    throw;
  }
}

StateStore::~StateStore() {
  auto& m = *impl_;
  try {
    m.commit();
    // A run that wrote rows folds the WAL into the database file (and empties it), so the next
    // run reads its state from the mapped file instead of thousands of WAL frames with one
    // pread(2) each. A run that wrote nothing (e.g. every payload skipped) pays nothing here.
    if (m.committed_rows > 0 && m.db)
      sqlite3_exec(m.db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
  }
  sqlite3_finalize(m.upsert);
  sqlite3_finalize(m.remove);
  if (m.db) sqlite3_close(m.db);
  if (m.journal_fd >= 0) ::close(m.journal_fd);
}

void SkipSet::build_index() {
  if (!std::is_sorted(digests_.begin(), digests_.end())) std::sort(digests_.begin(), digests_.end());
  // About two digests per bucket (MD5 prefixes are uniform); at most 2^24 buckets.
  bits_ = 0;
  while (bits_ < 24 && (std::size_t{1} << (bits_ + 1)) <= digests_.size() / 2) ++bits_;
  const std::size_t buckets = std::size_t{1} << bits_;
  bucket_start_.assign(buckets + 1, 0);
  std::size_t i = 0;
  for (std::size_t b = 0; b < buckets; ++b) {
    bucket_start_[b] = static_cast<std::uint32_t>(i);
    while (i < digests_.size() && bucket_of(digests_[i]) == b) ++i;
  }
  bucket_start_[buckets] = static_cast<std::uint32_t>(digests_.size());
}

SkipSet StateStore::load_skip_set(const std::string& endpoint, const ResendCriteria& criteria) {
  auto& m = *impl_;
  load_prepare(endpoint);
  SkipSet out;
  if (criteria.force) return out;  // every payload is sent
  const bool need_entry = criteria.older_than || criteria.newer_than || !criteria.statuses.empty();
  // The scan reads each page once: a small page cache recycles its buffers instead of touching
  // ~1 fresh page of memory per database page read (each a page fault; slow on this VM).
  m.exec("PRAGMA cache_size=-256");
  struct RestoreCache {
    Impl& m;
    ~RestoreCache() { sqlite3_exec(m.db, "PRAGMA cache_size=-2000", nullptr, nullptr, nullptr); }
  } restore_cache{m};
  // Rows come in primary-key order (endpoint_id, hash): already sorted by digest.
  sqlite3_stmt* q = m.prepare(need_entry ? "SELECT hash, sent_at, status FROM payloads WHERE endpoint_id = ?"
                                         : "SELECT hash FROM payloads WHERE endpoint_id = ?");
  sqlite3_bind_int64(q, 1, m.endpoint_id(endpoint));
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    const void* blob = sqlite3_column_blob(q, 0);
    if (sqlite3_column_bytes(q, 0) != 16 || !blob) continue;
    if (need_entry && criteria.matches(Entry{sqlite3_column_double(q, 1), sqlite3_column_int(q, 2)})) continue;
    Digest d;
    std::memcpy(d.data(), blob, 16);
    out.digests_.push_back(d);
  }
  sqlite3_finalize(q);
  if (rc != SQLITE_DONE) m.fail(rc, "loading the state of " + endpoint);
  out.digests_.shrink_to_fit();
  out.build_index();
  return out;
}

void StateStore::load_prepare(const std::string& endpoint) {
  auto& m = *impl_;
  bool created = false;
  m.endpoint_id(endpoint, &created);
  if (created && m.options.import_pickles) {
    std::filesystem::path dat = m.state_dir / (endpoint + ".dat");
    std::error_code ec;
    if (std::filesystem::is_regular_file(dat, ec)) {
      auto rows = read_state_pickle(dat);
      for (const auto& [digest, entry] : rows) record(endpoint, digest, entry.status, entry.sent_at);
      flush();
      spdlog::info("imported {} payload hashes for {} from the Python lightbeam state file {}", rows.size(),
                   endpoint, dat.string());
    }
  }
  m.commit();
}

std::vector<std::string> StateStore::endpoints() {
  auto& m = *impl_;
  std::vector<std::string> out;
  sqlite3_stmt* q = m.prepare("SELECT name FROM endpoints WHERE EXISTS (SELECT 1 FROM payloads WHERE endpoint_id = endpoints.id)"
                              " ORDER BY name");
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW)
    out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)));
  sqlite3_finalize(q);
  if (rc != SQLITE_DONE) m.fail(rc, "listing the endpoints of the state");
  return out;
}

EndpointState StateStore::load(const std::string& endpoint) {
  auto& m = *impl_;
  load_prepare(endpoint);
  std::int64_t id = m.endpoint_id(endpoint);
  EndpointState out;
  out.endpoint_ = endpoint;
  sqlite3_stmt* q = m.prepare("SELECT hash, sent_at, status FROM payloads WHERE endpoint_id = ?");
  sqlite3_bind_int64(q, 1, id);
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    const void* blob = sqlite3_column_blob(q, 0);
    if (sqlite3_column_bytes(q, 0) != 16 || !blob) continue;
    Digest d;
    std::memcpy(d.data(), blob, 16);
    out.entries_[d] = Entry{sqlite3_column_double(q, 1), sqlite3_column_int(q, 2)};
  }
  sqlite3_finalize(q);
  if (rc != SQLITE_DONE) m.fail(rc, "loading the state of " + endpoint);
  return out;
}

void StateStore::record(const std::string& endpoint, const Digest& d, int status, double sent_at) {
  auto& m = *impl_;
  unsigned char rec[k_record_size];
  rec[0] = op_upsert;
  std::int32_t eid = static_cast<std::int32_t>(m.endpoint_id(endpoint));
  std::int32_t st = status;
  double when = sent_at < 0 ? unix_now() : sent_at;
  std::memcpy(rec + 1, &eid, 4);
  std::memcpy(rec + 5, &st, 4);
  std::memcpy(rec + 9, &when, 8);
  std::memcpy(rec + 17, d.data(), 16);
  seal(rec);
  m.append(rec);
}

void StateStore::remove(const std::string& endpoint, const Digest& d) {
  auto& m = *impl_;
  unsigned char rec[k_record_size] = {};
  rec[0] = op_remove;
  std::int32_t eid = static_cast<std::int32_t>(m.endpoint_id(endpoint));
  std::memcpy(rec + 1, &eid, 4);
  std::memcpy(rec + 17, d.data(), 16);
  seal(rec);
  m.append(rec);
}

void StateStore::clear(const std::string& endpoint) {
  auto& m = *impl_;
  m.commit();
  std::int64_t id = m.endpoint_id(endpoint);
  sqlite3_stmt* q = m.prepare("DELETE FROM payloads WHERE endpoint_id = ?");
  sqlite3_bind_int64(q, 1, id);
  int rc = sqlite3_step(q);
  sqlite3_finalize(q);
  if (rc != SQLITE_DONE) m.fail(rc, "clearing the state of " + endpoint);
}

void StateStore::write_journal() { impl_->write_journal(); }

void StateStore::flush() { impl_->commit(); }

std::size_t StateStore::count(const std::string& endpoint) {
  auto& m = *impl_;
  m.commit();
  std::int64_t id = m.endpoint_id(endpoint);
  sqlite3_stmt* q = m.prepare("SELECT COUNT(*) FROM payloads WHERE endpoint_id = ?");
  sqlite3_bind_int64(q, 1, id);
  int rc = sqlite3_step(q);
  std::size_t n = rc == SQLITE_ROW ? static_cast<std::size_t>(sqlite3_column_int64(q, 0)) : 0;
  sqlite3_finalize(q);
  if (rc != SQLITE_ROW) m.fail(rc, "counting the state of " + endpoint);
  return n;
}

}  // namespace lightbeam::state
