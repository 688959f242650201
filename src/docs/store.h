// Store: the persistent document store (SQLite, WAL). Many documents per
// database; each document's entries obey the insert rules of spec
// iroh-0.35-wire.md §3.5 exactly (see put()).
//
// Tables: namespaces (id, kind 1=write/2=read, secret for write), authors
// (id, secret), entries (ns, author, key, len, hash, ts, signatures; primary
// key (ns, author, key) = reconciliation order, WITHOUT ROWID), an index
// (ns, key, author) for key queries across authors, download_policy (ns,
// postcard policy), meta (schema version, default author), missing_content
// (ns, hash, author, key: the engine's persisted missing-content set, see
// "Missing content" below; schema 2).
//
// Range counts and fingerprints come from a per-document FingerprintIndex
// (O(log n), see fingerprint_index.h for its memory cost), built lazily from
// SQLite on the first range query of a document and then kept in sync on
// every insert and delete.
//
// Time is passed in (µs since the Unix epoch); the store never reads a clock.
// Not thread-safe: one owner thread. Observers run synchronously after the
// change is committed, on the calling thread; they must not call back into
// the store.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "core/bytes.h"
#include "crypto/ed25519.h"
#include "docs/entry.h"
#include "docs/fingerprint_index.h"
#include "docs/keys.h"
#include "docs/missing_ref.h"
#include "docs/policy.h"
#include "docs/sqlite.h"
#include "docs/validation.h"
#include "ferry/result.h"
#include "reconcile/fingerprint.h"
#include "reconcile/item.h"
#include "reconcile/range.h"
#include "reconcile/store.h"

namespace ferry::docs {

using reconcile::ContentStatus;
using reconcile::PutOutcome;

struct StoreOptions {
  ValidationOptions validation;
};

// Events (spec §6: InsertLocal, InsertRemote{from, content_status}).
struct InsertLocal {
  SignedEntry entry;
};
struct InsertRemote {
  SignedEntry entry;
  crypto::PublicKey from;        // the peer that delivered it
  ContentStatus content_status;  // the sender's blob status for the hash
  bool should_download;          // the document's download policy says fetch
};
using StoreEvent = std::variant<InsertLocal, InsertRemote>;
using Observer = std::function<void(const StoreEvent&)>;
using SubscriptionId = uint64_t;

struct Query {
  enum class SortBy { kKeyAuthor, kAuthorKey };
  std::optional<AuthorId> author;
  std::optional<Bytes> key_exact;
  std::optional<Bytes> key_prefix;
  // Only the latest entry per key across authors (value order); a key whose
  // latest entry is empty is hidden unless include_empty.
  bool latest_per_key = false;
  SortBy sort_by = SortBy::kKeyAuthor;
  bool descending = false;
  uint64_t offset = 0;
  std::optional<uint64_t> limit;
  bool include_empty = false;
};

class Store {
 public:
  // Opens or creates the database at `path` (":memory:" for tests).
  // Errors: kIo, kCorrupt (not a database), kUnsupported (newer schema).
  static Result<std::unique_ptr<Store>> open(const std::string& path, StoreOptions options = {});
  ~Store();

  const StoreOptions& options() const { return options_; }

  // --- Documents and capabilities ---
  // Adds a document or upgrades its capability (write wins over read).
  Status import_namespace(const Capability& cap);
  // kNotFound if the document is unknown.
  Result<Capability> capability(const NamespaceId& ns);
  Result<std::vector<std::pair<NamespaceId, CapabilityKind>>> list_namespaces();
  // Removes the document, its entries and its policy. kNotFound if unknown.
  Status remove_namespace(const NamespaceId& ns);

  // --- Authors ---
  Status import_author(const Author& author);
  Result<Author> author(const AuthorId& id);  // kNotFound
  Result<std::vector<AuthorId>> list_authors();
  Status set_default_author(const AuthorId& id);  // kNotFound if not imported
  Result<std::optional<AuthorId>> default_author();

  // --- Writing ---
  // Local insert: key size limit, rejects empty entries (len 0 or the empty
  // hash: use delete_prefix), needs the write capability and the author in
  // the store, signs, then put(). NotInserted -> kAlreadyExists ("newer
  // entry exists"). Raises InsertLocal.
  Result<SignedEntry> insert_local(const NamespaceId& ns, const AuthorId& author, ByteView key,
                                   const crypto::Hash& hash, uint64_t len, uint64_t timestamp_us);
  // Inserts a tombstone (key = prefix, len 0, empty hash) that removes the
  // author's older entries under the prefix. Returns how many entries it
  // removed (like iroh: including an older entry at the prefix itself; the
  // new tombstone is not counted). Raises InsertLocal.
  Result<uint64_t> delete_prefix(const NamespaceId& ns, const AuthorId& author, ByteView prefix,
                                 uint64_t timestamp_us);
  // Remote insert: check_remote_entry (namespace = ns, which must be known),
  // then put(). Rejections are returned as errors naming the reason
  // (Rejection::to_error); NotInserted is a value. Raises InsertRemote.
  Result<PutOutcome> insert_remote(const NamespaceId& ns, const SignedEntry& entry, RemotePath path,
                                   const crypto::PublicKey& from, ContentStatus content_status,
                                   uint64_t now_us);

  // put() plus an InsertRemote event when inserted, without validation:
  // for callers that already ran check_remote_entry (the sync session).
  Result<PutOutcome> put_remote(const SignedEntry& entry, const crypto::PublicKey& from,
                                ContentStatus content_status);

  // Raises InsertRemote for an entry already inserted by put() (the ranger's
  // on_inserted hook; see sync_hooks.h). should_download from the policy.
  Status notify_remote_insert(const SignedEntry& entry, const crypto::PublicKey& from,
                              ContentStatus content_status);

  // The insert rules of §3.5 without any validation (the entry is trusted):
  // 1. unless the key is empty, collect the same author's NON-EMPTY entries
  //    whose key is a prefix of (or equal to) the new key;
  // 2. if any has value >= new (timestamp, then hash): NotInserted;
  // 3. delete the same author's entries whose key starts with the new key
  //    and whose value <= new (tombstones included);
  // 4. store the new entry, replacing whatever is under its exact id.
  // No event is raised. Requires: the document is known (kNotFound).
  Result<PutOutcome> put(const SignedEntry& entry);

  // Groups writes into one transaction (much faster for many inserts).
  // Events of the batch are raised at commit. Nested begin/commit pairs
  // count; on rollback the indexes of touched documents are rebuilt lazily.
  Status begin_batch();
  Status commit_batch();
  void rollback_batch();

  // --- Reading ---
  Result<std::optional<SignedEntry>> get_exact(const NamespaceId& ns, const AuthorId& author,
                                               ByteView key, bool include_empty = false);
  Result<std::vector<SignedEntry>> query(const NamespaceId& ns, const Query& q);
  // Total number of stored entries in a document (tombstones included).
  Result<uint64_t> entry_count(const NamespaceId& ns);

  // --- Download policy (local only) ---
  Status set_download_policy(const NamespaceId& ns, const DownloadPolicy& p);
  Result<DownloadPolicy> download_policy(const NamespaceId& ns);  // default if unset

  // --- Missing content (local only; kept by engine/content's tracker) ---
  // A plain persisted set of MissingRef rows per document: the store does not
  // check them against entries, policies or blobs. Removing a document drops
  // its rows. Errors: kIo (kNotFound from add_missing_ref: unknown document).
  Status add_missing_ref(const NamespaceId& ns, const MissingRef& ref);  // idempotent
  Status remove_missing_ref(const NamespaceId& ns, const MissingRef& ref);
  // Drops every row of `hash` in `ns`.
  Status remove_missing(const NamespaceId& ns, const crypto::Hash& hash);
  // Drops every row of `hash` in every document; returns those documents
  // (ascending), empty if none held it.
  Result<std::vector<NamespaceId>> clear_missing(const crypto::Hash& hash);
  // The document's rows ordered by (hash, author, key).
  Result<std::vector<MissingRef>> missing_refs(const NamespaceId& ns);
  // Every distinct (document, hash) pair, ordered (node start).
  Result<std::vector<std::pair<NamespaceId, crypto::Hash>>> missing_pairs();

  // --- Subscriptions ---
  SubscriptionId subscribe(Observer observer);
  void unsubscribe(SubscriptionId id);

  // --- Ranger view (§4), over one document; see replica_set.h ---
  Result<std::optional<Bytes>> first_id(const NamespaceId& ns);
  Result<uint64_t> range_count(const NamespaceId& ns, const reconcile::Range& r);
  Result<reconcile::Fingerprint> range_fingerprint(const NamespaceId& ns,
                                                   const reconcile::Range& r);
  Result<Bytes> range_key_at(const NamespaceId& ns, const reconcile::Range& r, uint64_t index);
  // Visits entries in the range's iteration order until f returns false.
  Status range_for_each(const NamespaceId& ns, const reconcile::Range& r,
                        const std::function<bool(const SignedEntry&)>& f);

  // Test hook: the document's index, loading it if needed.
  Result<const FingerprintIndex*> index_for_test(const NamespaceId& ns);
  // Drops all in-memory indexes (tests, memory pressure).
  void drop_indexes() { indexes_.clear(); }

 private:
  struct Spans;
  Store(std::unique_ptr<sql::Db> db, StoreOptions options);
  Status init_schema();
  Status prepare_statements();
  Status require_namespace(const NamespaceId& ns);
  Result<FingerprintIndex*> index(const NamespaceId& ns);
  Result<Spans> spans(const NamespaceId& ns, const reconcile::Range& r);
  Result<PutOutcome> put_in_tx(const SignedEntry& entry, uint64_t* removed);
  // The shared path of insert_local and delete_prefix: key size, write
  // capability, author, sign, put in one transaction, InsertLocal event.
  // NotInserted -> kAlreadyExists. `removed` (may be null) counts deletions.
  Result<SignedEntry> sign_and_put_local(const NamespaceId& ns, const AuthorId& author_id,
                                         ByteView key, const Record& record, uint64_t* removed);
  void index_upsert(const SignedEntry& e);
  void index_erase(const NamespaceId& ns, ByteView suffix);
  void emit(StoreEvent ev);
  Result<SignedEntry> read_entry(sql::Stmt& s, const NamespaceId& ns, int first_col);

  std::unique_ptr<sql::Db> db_;
  StoreOptions options_;
  struct Statements;
  std::unique_ptr<Statements> st_;
  std::unordered_map<NamespaceId, std::unique_ptr<FingerprintIndex>> indexes_;
  std::map<SubscriptionId, Observer> observers_;
  SubscriptionId next_subscription_ = 1;
  int batch_depth_ = 0;
  std::vector<StoreEvent> pending_events_;
  std::vector<NamespaceId> touched_;
};

}  // namespace ferry::docs
