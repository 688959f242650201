#include "engine/content/tracker.h"

#include <algorithm>

namespace ferry::engine::content {

namespace {

dl::Resource blob(const crypto::Hash& hash) {
  return dl::Resource{hash, dl::ResourceKind::kBlob};
}

// Keeps the first error of a sequence of steps that must all be tried.
void keep_first(Status& first, Status st) {
  if (first && !st) first = std::move(st);
}

}  // namespace

bool content_wanted(const docs::DownloadPolicy& policy, const docs::SignedEntry& entry) {
  const auto& rec = entry.record();
  if (rec.is_empty() || rec.len == 0) return false;
  return policy.should_download(entry.key());
}

ContentTracker::ContentTracker(ContentBackend& backend, Fetcher& fetcher, TrackerConfig config)
    : backend_(backend), fetcher_(fetcher), config_(config) {}

// ---- Start ------------------------------------------------------------------

Status ContentTracker::start(Instant now) {
  FERRY_ASSIGN(auto pairs, backend_.missing_pairs());
  // Re-check each document's rows against its current policy and entries.
  std::set<NamespaceId> docs;
  for (const auto& [ns, hash] : pairs) docs.insert(ns);
  for (const auto& ns : docs) {
    FERRY_ASSIGN(auto policy, backend_.download_policy(ns));
    FERRY_ASSIGN(auto live, live_refs(ns, policy, nullptr));
    for (const auto& hash : live) {
      if (pairs_.try_emplace(Key{hash, ns}).second) by_doc_.emplace(ns, hash);
    }
    std::vector<Key> dead;  // only on a second start()
    for (auto it = by_doc_.lower_bound({ns, crypto::Hash{}});
         it != by_doc_.end() && it->first == ns; ++it) {
      if (!live.count(it->second)) dead.push_back({it->second, ns});
    }
    for (const auto& key : dead) drop_pair(key, now);
  }
  // Queue every pair that has neither an intent nor a pending retry.
  std::vector<Key> todo;
  for (const auto& [key, pair] : pairs_) {
    if (!pair.intent && !pair.retry_at) todo.push_back(key);
  }
  for (const auto& key : todo) {
    auto it = pairs_.find(key);
    if (it == pairs_.end()) continue;  // cleared with an earlier hash
    FERRY_TRY(complete_or_queue(key, it->second, now));
  }
  return ok();
}

// ---- Document events ---------------------------------------------------------

Status ContentTracker::on_remote_insert(const NamespaceId& ns, const docs::SignedEntry& entry,
                                        const dl::NodeId& from,
                                        reconcile::ContentStatus from_status, Instant now) {
  if (entry.record().is_empty() || entry.record().len == 0) return ok();
  FERRY_ASSIGN(auto policy, backend_.download_policy(ns));
  if (!content_wanted(policy, entry)) return ok();
  const crypto::Hash& hash = entry.record().hash;
  FERRY_ASSIGN(bool done, backend_.blob_complete(hash));
  // Complete: nothing to do unless another document still lists it (no
  // store write per insert of content we hold).
  if (done) return on_blob_complete(hash, now);
  std::optional<dl::NodeId> hint;
  if (from_status == reconcile::ContentStatus::kComplete) hint = from;
  MissingRef ref{hash, entry.author(), Bytes(entry.key().begin(), entry.key().end())};
  return add_missing(ns, ref, hint, now);
}

Status ContentTracker::add_missing(const NamespaceId& ns, const MissingRef& ref,
                                   const std::optional<dl::NodeId>& from, Instant now) {
  FERRY_TRY(backend_.add_missing_ref(ns, ref));
  Key key{ref.hash, ns};
  auto [it, inserted] = pairs_.try_emplace(key);
  if (inserted) by_doc_.emplace(ns, ref.hash);
  Pair& pair = it->second;
  if (pair.intent) {
    if (from) fetcher_.add_node(*from, dl::NodeHints{{blob(ref.hash)}, {}}, now);
  } else {
    queue(key, pair, from, now);
  }
  return ok();
}

Status ContentTracker::on_peer_joined(const NamespaceId& ns, const dl::NodeId& peer, Instant now) {
  fetcher_.add_node(peer, dl::NodeHints{{}, {dl::GroupId::doc(ns.bytes())}}, now);
  return requeue_doc(ns, now);
}

Status ContentTracker::on_sync_finished(const NamespaceId& ns, const dl::NodeId& peer,
                                        Instant now) {
  return on_peer_joined(ns, peer, now);
}

Status ContentTracker::on_policy_changed(const NamespaceId& ns, Instant now) {
  FERRY_ASSIGN(auto policy, backend_.download_policy(ns));
  // 1. Drop the references the policy no longer wants (and dead ones), then
  //    the pairs left without a reference.
  FERRY_ASSIGN(auto kept, live_refs(ns, policy, nullptr));
  std::vector<Key> gone;
  for (auto it = by_doc_.lower_bound({ns, crypto::Hash{}}); it != by_doc_.end() && it->first == ns;
       ++it) {
    if (!kept.count(it->second)) gone.push_back({it->second, ns});
  }
  for (const auto& key : gone) drop_pair(key, now);
  // 2. Entries already held that the policy now wants.
  Status first = ok();
  Status scan = backend_.for_each_entry(ns, [&](const docs::SignedEntry& e) {
    if (!first || !content_wanted(policy, e)) return;
    const crypto::Hash& hash = e.record().hash;
    MissingRef ref{hash, e.author(), Bytes(e.key().begin(), e.key().end())};
    if (pairs_.count({hash, ns})) {
      keep_first(first, backend_.add_missing_ref(ns, ref));  // one more reference
      return;
    }
    auto done = backend_.blob_complete(hash);
    if (!done) {
      keep_first(first, tl::unexpected(done.error()));
    } else if (!*done) {
      keep_first(first, add_missing(ns, ref, std::nullopt, now));
    }
  });
  FERRY_TRY(scan);
  FERRY_TRY(first);
  return requeue_doc(ns, now);
}

void ContentTracker::on_node_has(const crypto::Hash& hash, const dl::NodeId& node, Instant now) {
  bool hinted = false;
  for (auto it = pairs_.lower_bound({hash, NamespaceId{}});
       it != pairs_.end() && it->first.first == hash; ++it) {
    Pair& pair = it->second;
    if (pair.intent) {
      if (!hinted) fetcher_.add_node(node, dl::NodeHints{{blob(hash)}, {}}, now);
      hinted = true;
    } else {
      queue(it->first, pair, node, now);
    }
  }
}

// ---- Blob events ---------------------------------------------------------------

bool ContentTracker::on_intent_completed(dl::IntentId intent, Instant now) {
  auto it = by_intent_.find(intent.value);
  if (it == by_intent_.end()) return false;
  crypto::Hash hash = it->second.first;
  pairs_.at(it->second).intent.reset();
  by_intent_.erase(it);
  // A failed clear leaves rows behind; start() finds the blob complete and
  // clears them then.
  (void)complete(hash, now);
  return true;
}

bool ContentTracker::on_intent_failed(dl::IntentId intent, ErrorCode /*code*/, Instant now) {
  auto it = by_intent_.find(intent.value);
  if (it == by_intent_.end()) return false;
  Key key = it->second;
  by_intent_.erase(it);
  Pair& pair = pairs_.at(key);
  pair.intent.reset();
  pair.retry_at = now + config_.retry_after;
  retry_.emplace_back(*pair.retry_at, key);
  return true;
}

Status ContentTracker::on_blob_complete(const crypto::Hash& hash, Instant now) {
  auto it = pairs_.lower_bound({hash, NamespaceId{}});
  if (it == pairs_.end() || it->first.first != hash) return ok();
  return complete(hash, now);
}

Status ContentTracker::complete(const crypto::Hash& hash, Instant now) {
  auto cleared = backend_.clear_missing(hash);
  std::set<NamespaceId> docs;
  if (cleared) docs.insert(cleared->begin(), cleared->end());
  auto it = pairs_.lower_bound({hash, NamespaceId{}});
  while (it != pairs_.end() && it->first.first == hash) {
    docs.insert(it->first.second);
    if (it->second.intent) {
      fetcher_.cancel_intent(*it->second.intent, now);  // stale if it just completed
      by_intent_.erase(it->second.intent->value);
    }
    by_doc_.erase({it->first.second, hash});
    it = pairs_.erase(it);
  }
  for (const auto& ns : docs) events_.push_back(ContentReady{ns, hash});
  if (!cleared) return tl::unexpected(cleared.error());
  return ok();
}

// ---- Queueing --------------------------------------------------------------------

void ContentTracker::queue(const Key& key, Pair& pair, const std::optional<dl::NodeId>& from,
                           Instant now) {
  dl::ResourceHints hints;
  hints.groups.push_back(dl::GroupId::doc(key.second.bytes()));
  if (from) hints.nodes.push_back(*from);
  dl::IntentOptions options{config_.priority,
                            dl::FailurePolicy::wait(std::nullopt, config_.intent_deadline)};
  dl::IntentId id = fetcher_.add_resource(blob(key.first), options, hints, now);
  pair.intent = id;
  pair.retry_at.reset();
  by_intent_[id.value] = key;
}

void ContentTracker::drop_pair(const Key& key, Instant now) {
  auto it = pairs_.find(key);
  if (it == pairs_.end()) return;
  if (it->second.intent) {
    fetcher_.cancel_intent(*it->second.intent, now);
    by_intent_.erase(it->second.intent->value);
  }
  by_doc_.erase({key.second, key.first});
  pairs_.erase(it);
}

Status ContentTracker::requeue_doc(const NamespaceId& ns, Instant now) {
  std::vector<Key> parked;
  for (auto it = by_doc_.lower_bound({ns, crypto::Hash{}}); it != by_doc_.end() && it->first == ns;
       ++it) {
    Key key{it->second, ns};
    if (!pairs_.at(key).intent) parked.push_back(key);
  }
  return requeue(ns, parked, now);
}

Status ContentTracker::requeue(const NamespaceId& ns, const std::vector<Key>& parked, Instant now) {
  if (parked.empty()) return ok();
  std::set<crypto::Hash> hashes;
  for (const auto& key : parked) hashes.insert(key.first);
  FERRY_ASSIGN(auto policy, backend_.download_policy(ns));
  FERRY_ASSIGN(auto live, live_refs(ns, policy, &hashes));
  for (const auto& key : parked) {
    auto it = pairs_.find(key);
    if (it == pairs_.end() || it->second.intent) continue;
    if (!live.count(key.first)) {
      drop_pair(key, now);  // every reference was overwritten or deleted
      continue;
    }
    FERRY_TRY(complete_or_queue(key, it->second, now));
  }
  return ok();
}

Status ContentTracker::complete_or_queue(const Key& key, Pair& pair, Instant now) {
  FERRY_ASSIGN(bool done, backend_.blob_complete(key.first));
  if (done) return complete(key.first, now);
  queue(key, pair, std::nullopt, now);
  return ok();
}

Result<std::set<crypto::Hash>> ContentTracker::live_refs(const NamespaceId& ns,
                                                         const docs::DownloadPolicy& policy,
                                                         const std::set<crypto::Hash>* only) {
  FERRY_ASSIGN(auto refs, backend_.missing_refs(ns));
  std::set<crypto::Hash> live;
  for (const auto& ref : refs) {
    if (only && !only->count(ref.hash)) continue;
    bool ok_ref = ref.hash != crypto::Hash::empty() && policy.should_download(ref.key);
    if (ok_ref) {
      FERRY_ASSIGN(auto current, backend_.entry_hash(ns, ref.author, ref.key));
      ok_ref = current == ref.hash;
    }
    if (ok_ref) {
      live.insert(ref.hash);
    } else {
      FERRY_TRY(backend_.remove_missing_ref(ns, ref));
    }
  }
  return live;
}

// ---- Timers and outputs -------------------------------------------------------------

std::optional<Instant> ContentTracker::next_deadline() const {
  if (retry_.empty()) return std::nullopt;
  return retry_.front().first;
}

Status ContentTracker::on_deadline(Instant now) {
  std::map<NamespaceId, std::vector<Key>> due;
  while (!retry_.empty() && retry_.front().first <= now) {
    auto [at, key] = retry_.front();
    retry_.pop_front();
    auto it = pairs_.find(key);
    if (it != pairs_.end() && !it->second.intent && it->second.retry_at == at) {
      due[key.second].push_back(key);
    }
  }
  Status first = ok();
  for (const auto& [ns, keys] : due) {
    Status st = requeue(ns, keys, now);
    if (first && !st) first = std::move(st);
  }
  return first;
}

std::optional<ContentReady> ContentTracker::poll_event() {
  if (events_.empty()) return std::nullopt;
  ContentReady ev = events_.front();
  events_.pop_front();
  return ev;
}

// ---- Introspection -----------------------------------------------------------------

Result<std::vector<MissingContent>> ContentTracker::missing(const NamespaceId& ns) {
  FERRY_ASSIGN(auto refs, backend_.missing_refs(ns));
  std::sort(refs.begin(), refs.end());
  std::vector<MissingContent> out;
  for (auto& ref : refs) {
    if (out.empty() || out.back().hash != ref.hash) {
      out.push_back(MissingContent{ref.hash, {}, is_queued(ns, ref.hash)});
    }
    out.back().refs.emplace_back(ref.author, std::move(ref.key));
  }
  return out;
}

bool ContentTracker::is_missing(const NamespaceId& ns, const crypto::Hash& hash) const {
  return pairs_.count({hash, ns}) > 0;
}

bool ContentTracker::is_queued(const NamespaceId& ns, const crypto::Hash& hash) const {
  auto it = pairs_.find({hash, ns});
  return it != pairs_.end() && it->second.intent.has_value();
}

Status ContentTracker::check_invariants() {
  auto fail = [](const std::string& what) {
    return make_error(ErrorCode::kInternal, "content tracker: " + what);
  };
  if (by_doc_.size() != pairs_.size()) return fail("by_doc and pairs differ in size");
  size_t intents = 0;
  std::set<std::pair<Instant, Key>> retries(retry_.begin(), retry_.end());
  for (const auto& [key, pair] : pairs_) {
    if (!by_doc_.count({key.second, key.first})) return fail("pair missing from by_doc");
    if (key.first == crypto::Hash::empty()) return fail("the empty hash is missing");
    if (pair.intent.has_value() == pair.retry_at.has_value()) {
      return fail("a pair must have exactly one of intent / retry time");
    }
    if (pair.intent) {
      ++intents;
      auto it = by_intent_.find(pair.intent->value);
      if (it == by_intent_.end() || it->second != key) return fail("intent not indexed");
    } else if (!retries.count({*pair.retry_at, key})) {
      return fail("parked pair without a retry entry");
    }
  }
  if (intents != by_intent_.size()) return fail("stale intents in by_intent");
  FERRY_ASSIGN(auto stored, backend_.missing_pairs());
  if (stored.size() != pairs_.size()) {
    return fail("persisted pairs " + std::to_string(stored.size()) + " != memory " +
                std::to_string(pairs_.size()));
  }
  for (const auto& [ns, hash] : stored) {
    if (!pairs_.count({hash, ns})) return fail("persisted pair not in memory");
  }
  return ok();
}

}  // namespace ferry::engine::content
