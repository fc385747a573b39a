// The sandbox's document store: every document in memory behind hash indexes (id, natural key,
// reference projections, descriptor URIs, referrers), with SQLite (--db FILE) as write-through
// persistence. One reader/writer lock; validation runs before the lock, so only lookups and index
// updates are serialised.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <memory>
#include <optional>
#include <random>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/schema/spec_model.hpp"
#include "sandbox/problem.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace lightbeam::sandbox {

struct Document;

struct Outgoing {
  std::string pointer;                       // JSON pointer of the reference object or descriptor property
  const schema::Reference* reference = nullptr;  // nullptr for a descriptor value
  const schema::ReferenceTarget* target_info = nullptr;
  Document* target = nullptr;
};

struct Document {
  std::uint64_t seq = 0;
  std::uint64_t change_version = 0;  // of its last write (create, update, cascade rewrite)
  std::string id;
  const schema::Endpoint* endpoint = nullptr;
  std::string body;  // compact JSON, without id/_etag/_lastModifiedDate/link
  std::string uri;   // descriptors: "<namespace>#<codeValue>" in the stored spelling
  std::string etag;
  std::string last_modified;
  std::string identity_key;
  std::string super_key;
  std::vector<std::string> projection_keys;
  std::vector<Outgoing> refs;
  std::unordered_map<Document*, int> referrers;  // documents that reference this one (count of references)
};

struct Preconditions {
  std::string if_match;       // raw header value, empty when absent
  std::string if_none_match;  // raw header value, empty when absent
};

struct WriteOutcome {
  int status = 0;                  // 201, 200, 204 on success
  std::optional<Problem> problem;  // set on failure (status = problem->status)
  bool empty_not_found = false;    // 404 with an empty body
  std::string id;
  std::string etag;
};

struct ReadOutcome {
  int status = 200;
  std::string body;
  std::string etag;
};

// Documents by sequence number, both ends included (cursor paging, sandbox/cursor_paging.hpp).
struct SeqRange {
  std::uint64_t first = 0;
  std::uint64_t last = UINT64_MAX;
};

// Change queries: minChangeVersion/maxChangeVersion, both ends included (as the ODS/API filters).
struct ChangeWindow {
  std::uint64_t min = 0;
  std::uint64_t max = UINT64_MAX;
  bool contains(std::uint64_t cv) const { return cv >= min && cv <= max; }
  bool whole() const { return min == 0 && max == UINT64_MAX; }
};

// The change events that leave no document behind: GET /{resource}/deletes and /keyChanges.
enum class TrackedKind { deletes, key_changes };
struct TrackedChange {
  TrackedKind kind = TrackedKind::deletes;
  std::uint64_t change_version = 0;
  std::string id;
  nlohmann::json old_keys;  // keyValues of a delete, oldKeyValues of a key change
  nlohmann::json new_keys;  // newKeyValues of a key change
};

struct QueryFilter {
  const schema::QueryField* field = nullptr;  // nullptr: the `id` filter
  std::string value;                          // normalised per field type
};

class Store {
 public:
  Store(const schema::SpecModel& model, const std::string& db_path, std::uint64_t seed);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  WriteOutcome post(const schema::Endpoint& endpoint, nlohmann::json doc, const Preconditions& pre);
  WriteOutcome put(const schema::Endpoint& endpoint, const std::string& id, nlohmann::json doc, const Preconditions& pre);
  WriteOutcome remove(const schema::Endpoint& endpoint, const std::string& id, const Preconditions& pre);
  ReadOutcome get(const schema::Endpoint& endpoint, const std::string& id, const std::string& if_none_match) const;
  // A JSON array of the matching documents in [offset, offset + limit); total = all matches.
  // `visible` (when set) hides documents the caller may not read (namespace authorization).
  // `range` keeps only the documents whose sequence number lies in it; `last_seq` (when set) gets the
  // sequence number of the page's last document, 0 for an empty page.
  std::string query(const schema::Endpoint& endpoint, const std::vector<QueryFilter>& filters, std::size_t offset,
                    std::size_t limit, std::size_t& total,
                    const std::function<bool(const nlohmann::json&)>& visible = {}, const SeqRange& range = {},
                    std::uint64_t* last_seq = nullptr, const ChangeWindow& window = {}) const;
  // The sequence numbers of the matching documents, ascending (cursor paging partitions).
  std::vector<std::uint64_t> matching(const schema::Endpoint& endpoint, const std::vector<QueryFilter>& filters,
                                      const std::function<bool(const nlohmann::json&)>& visible = {},
                                      const ChangeWindow& window = {}) const;

  // The API's change version counter: creates, updates, cascade rewrites, deletes and key changes each
  // take the next value, as the ODS/API's one database sequence (0 before the first write).
  std::uint64_t newest_change_version() const;
  // A JSON array of the endpoint's deletes or key changes in the window, oldest first, in the API's
  // item shapes ({id, changeVersion, keyValues} / {id, changeVersion, oldKeyValues, newKeyValues}),
  // [offset, offset + limit) of `total`.
  std::string tracked(const schema::Endpoint& endpoint, TrackedKind kind, const ChangeWindow& window, std::size_t offset,
                      std::size_t limit, std::size_t& total) const;

  std::map<std::string, std::size_t> counts() const;
  std::size_t size() const;
  void clear();

 private:
  std::string identity_key(const schema::Endpoint& ep, const nlohmann::json& doc) const;
  std::string super_key(const schema::Endpoint& ep, const nlohmann::json& doc) const;
  std::vector<std::string> projection_keys(const schema::Endpoint& ep, const nlohmann::json& doc) const;
  // Resolves references and descriptors of `doc` (rewriting descriptor values to the stored spelling).
  // Returns a problem when something is missing.
  std::optional<Problem> resolve(const schema::Endpoint& ep, nlohmann::json& doc, std::vector<Outgoing>& refs) const;
  void link(Document* d);
  void unlink(Document* d);
  void index(Document* d);
  void unindex(Document* d);
  void cascade(Document* changed, std::vector<Document*>& visited);
  // The natural key as the change queries name it: each identity leaf by its own name
  // (schoolReference.schoolId → schoolId), descriptors by namespace and codeValue.
  nlohmann::json key_values(const schema::Endpoint& ep, const nlohmann::json& doc) const;
  void track(const schema::Endpoint& ep, TrackedChange change);
  std::string render(const Document& d) const;
  std::string new_id();
  std::string new_etag(const std::string& body);
  void persist(const Document& d);
  void persist_delete(const Document& d);
  void load_from_db();

  const schema::SpecModel& model_;
  // Per endpoint: the (reference schema, target) pairs whose lookups can land on its documents.
  std::unordered_map<const schema::Endpoint*, std::vector<std::pair<const schema::Reference*, const schema::ReferenceTarget*>>>
      refs_into_;

  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, std::unique_ptr<Document>> by_id_;
  std::unordered_map<std::string, Document*> by_identity_;
  std::unordered_map<std::string, Document*> by_super_;
  std::unordered_map<std::string, Document*> by_projection_;
  std::unordered_map<std::string, std::vector<Document*>> descriptors_;  // lower-cased URI
  std::unordered_map<const schema::Endpoint*, std::map<std::uint64_t, Document*>> by_endpoint_;
  std::uint64_t next_seq_ = 1;
  std::uint64_t change_version_ = 0;
  std::unordered_map<const schema::Endpoint*, std::vector<TrackedChange>> tracked_;  // change version order
  std::uint64_t version_ = 0;
  std::mt19937_64 rng_;

  // Collection GETs page through an endpoint's documents with growing offsets: where the last pages
  // ended (valid while no document was added or removed, i.e. next_seq_ and the endpoint's size are
  // unchanged), so a page costs O(limit) instead of O(offset) map steps. Read path only.
  struct PageCursor {
    const schema::Endpoint* endpoint;
    std::size_t offset;      // position of the document with sequence `seq`
    std::uint64_t seq;
    std::uint64_t next_seq;  // next_seq_ when recorded
    std::size_t size;        // the endpoint's document count when recorded
  };
  mutable std::mutex cursor_mutex_;
  mutable std::vector<PageCursor> cursors_;

  sqlite3* db_ = nullptr;
  sqlite3_stmt* upsert_stmt_ = nullptr;
  sqlite3_stmt* delete_stmt_ = nullptr;
  sqlite3_stmt* track_stmt_ = nullptr;
};

std::string canonical(const nlohmann::json& v, bool lower);

}  // namespace lightbeam::sandbox
