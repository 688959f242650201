// ContentTracker: a node's missing-content set, from download policy to
// downloader (ARCHITECTURE.md "The main data flow", steps 3, 5 and 6; spec
// iroh-0.35-wire.md §6.2). Sans-IO: storage is a ContentBackend, the
// downloader a Fetcher, time is passed in; no clocks, sockets or threads.
//
// Rules (each has a unit test in tracker_test.cc):
//  * Wanted: an entry's content is wanted iff its key passes the document's
//    download policy and the entry is not empty (hash != Hash::empty() and
//    len != 0: deletion markers and empty entries are never fetched; iroh
//    would fetch EMPTY from a peer claiming it, §6.2 quirk, we do not).
//  * Missing: a (document, hash) pair is missing iff some entry of the
//    document that references the hash was wanted when seen, and the blob is
//    not complete locally. The references (author, key) are persisted by the
//    backend; the tracker keeps in memory only one record per missing
//    (document, hash): its intent or its retry time. Nothing per entry.
//  * Remote insert (on_remote_insert): a wanted entry whose blob is not
//    complete becomes missing, and the pair gets a downloader intent (wait
//    policy) with hints {nodes: the sender iff its content status is
//    Complete; groups: Doc(namespace)}. If the pair already has an intent,
//    a Complete sender is added as a node hint only.
//  * Success (on_intent_completed, or on_blob_complete when the blob arrived
//    another way): the hash leaves every document's missing set, the other
//    intents on it are cancelled, and ContentReady(ns, hash) is queued for
//    every document that held it.
//  * Failure (on_intent_failed: deadline or retry budget spent): the pair
//    stays missing without an intent ("parked") and is queued again after
//    Config::retry_after, or earlier by any re-queue trigger of its document.
//  * Re-queue triggers, per document: a peer of the document appears
//    (on_peer_joined: the peer also joins the downloader group Doc(ns)), a
//    sync finishes (on_sync_finished), the policy changes
//    (on_policy_changed), and node start (start). Re-queueing gives every
//    parked pair of the document an intent again (or clears it if its blob
//    is complete by now).
//  * Dead references: a reference whose entry now holds another hash (it was
//    overwritten) or is gone (prefix delete) is removed whenever its pair is
//    re-queued, and at start and on a policy change; a pair left without a
//    live reference leaves the missing set instead of being fetched again.
//  * Policy change: rows whose key the new policy rejects are dropped; a
//    pair left without rows leaves the missing set and its intent is
//    cancelled. Then every stored entry of the document is checked: wanted
//    entries whose blob is not complete become missing (cost: one pass over
//    the document's entries).
//  * Listing (missing): a document's missing hashes with the (author, key)
//    references that made them missing.
//
// Known limits: a pair whose references died while its first intent runs is
// still fetched by that intent (iroh keeps such hashes queued too). A policy
// changed while the node was stopped is applied to existing rows at start
// (rows the policy rejects are dropped), but entries it newly wants are found
// only when the node calls on_policy_changed.
//
// Errors: methods returning Status pass the backend's errors on; the tracker
// state stays consistent with what was persisted (the caller logs and may
// retry; start() may be called again).
// Single-threaded; one owner.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/instant.h"
#include "crypto/hash.h"
#include "docs/entry.h"
#include "docs/keys.h"
#include "docs/policy.h"
#include "engine/content/backend.h"
#include "engine/content/fetcher.h"
#include "ferry/result.h"
#include "reconcile/item.h"

namespace ferry::engine::content {

struct TrackerConfig {
  // Options of every intent. The wait deadline bounds how long one attempt
  // waits for a provider before the pair is parked.
  dl::Priority priority{};
  Duration intent_deadline = std::chrono::minutes(10);
  // A parked pair is queued again this long after its intent failed.
  Duration retry_after = std::chrono::minutes(5);
};

// The blob `hash` is now complete; it was missing in document `ns`.
struct ContentReady {
  NamespaceId ns;
  crypto::Hash hash;
  bool operator==(const ContentReady&) const = default;
};

// One line of `ferry doc missing DOC`.
struct MissingContent {
  crypto::Hash hash;
  std::vector<std::pair<AuthorId, Bytes>> refs;  // (author, key), ascending
  bool queued = false;                           // has a downloader intent now
};

// Wanted by `policy` (the rule above), whatever the blob store holds.
bool content_wanted(const docs::DownloadPolicy& policy, const docs::SignedEntry& entry);

class ContentTracker {
 public:
  // Lifetime: backend and fetcher outlive the tracker.
  ContentTracker(ContentBackend& backend, Fetcher& fetcher, TrackerConfig config = {});
  ContentTracker(const ContentTracker&) = delete;
  ContentTracker& operator=(const ContentTracker&) = delete;

  // Loads the persisted set (dropping rows the current policies reject and
  // hashes complete by now) and queues every pair. Call once per process,
  // before the other events; calling it again after an error is fine.
  Status start(Instant now);

  // ---- Document events (from the engine) ----
  Status on_remote_insert(const NamespaceId& ns, const docs::SignedEntry& entry,
                          const dl::NodeId& from, reconcile::ContentStatus from_status,
                          Instant now);
  Status on_peer_joined(const NamespaceId& ns, const dl::NodeId& peer, Instant now);
  Status on_sync_finished(const NamespaceId& ns, const dl::NodeId& peer, Instant now);
  // Requires: the new policy is already stored (the backend returns it).
  Status on_policy_changed(const NamespaceId& ns, Instant now);
  // A neighbour announced it has `hash` (gossip ContentReady): a node hint
  // if the hash is missing and queued, otherwise nothing.
  void on_node_has(const crypto::Hash& hash, const dl::NodeId& node, Instant now);

  // ---- Blob events ----
  // The downloader's outcomes. Return false if the intent is not (or no
  // longer) the tracker's: the caller routes it elsewhere or drops it.
  bool on_intent_completed(dl::IntentId intent, Instant now);
  bool on_intent_failed(dl::IntentId intent, ErrorCode code, Instant now);
  // The blob became complete by any path (download, import, ticket fetch).
  Status on_blob_complete(const crypto::Hash& hash, Instant now);

  // ---- Timers and outputs ----
  // When on_deadline must be called next (parked pairs to retry).
  std::optional<Instant> next_deadline() const;
  Status on_deadline(Instant now);
  std::optional<ContentReady> poll_event();

  // ---- Introspection ----
  Result<std::vector<MissingContent>> missing(const NamespaceId& ns);
  bool is_missing(const NamespaceId& ns, const crypto::Hash& hash) const;
  bool is_queued(const NamespaceId& ns, const crypto::Hash& hash) const;
  size_t missing_count() const { return pairs_.size(); }
  size_t queued_count() const { return by_intent_.size(); }
  // Memory tables agree with each other and with the backend's rows (reads
  // every row: tests only). kInternal naming the first disagreement.
  Status check_invariants();

 private:
  struct Pair {
    std::optional<dl::IntentId> intent;
    // Parked: when the retry is due (an entry in retry_ names it).
    std::optional<Instant> retry_at;
  };
  using Key = std::pair<crypto::Hash, NamespaceId>;  // by hash first

  Status add_missing(const NamespaceId& ns, const MissingRef& ref,
                     const std::optional<dl::NodeId>& from, Instant now);
  void queue(const Key& key, Pair& pair, const std::optional<dl::NodeId>& from, Instant now);
  void drop_pair(const Key& key, Instant now);
  // Clears the hash everywhere if the blob store has it by now (another path
  // completed it), else queues the pair with no sender hint.
  Status complete_or_queue(const Key& key, Pair& pair, Instant now);
  Status requeue_doc(const NamespaceId& ns, Instant now);
  // Queues the parked `keys` of document `ns` again, after dropping those
  // whose every reference is dead (see live_refs) and clearing complete ones.
  Status requeue(const NamespaceId& ns, const std::vector<Key>& keys, Instant now);
  // Removes the document's dead references (unwanted key, or the entry now
  // holds another hash or is gone), examining only hashes in `only` if
  // given; returns the examined hashes that keep a live reference.
  Result<std::set<crypto::Hash>> live_refs(const NamespaceId& ns,
                                           const docs::DownloadPolicy& policy,
                                           const std::set<crypto::Hash>* only);
  Status complete(const crypto::Hash& hash, Instant now);

  ContentBackend& backend_;
  Fetcher& fetcher_;
  TrackerConfig config_;

  std::map<Key, Pair> pairs_;                              // every missing (hash, doc)
  std::set<std::pair<NamespaceId, crypto::Hash>> by_doc_;  // the same, by doc
  std::unordered_map<uint64_t, Key> by_intent_;            // live intents
  std::deque<std::pair<Instant, Key>> retry_;              // parked, by due time
  std::deque<ContentReady> events_;
};

}  // namespace ferry::engine::content
