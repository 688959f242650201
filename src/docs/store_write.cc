// Store: the insert rules (§3.5) and the local / remote insert paths.
#include <algorithm>

#include "docs/store.h"
#include "docs/store_internal.h"

namespace ferry::docs {
namespace {

FingerprintIndex::Fp fp_of(const Entry& e) {
  return e.fingerprint().bytes();
}

}  // namespace

void Store::index_upsert(const SignedEntry& e) {
  auto it = indexes_.find(e.namespace_id());
  if (it == indexes_.end()) return;
  it->second->upsert(ByteView(e.id().view()).subspan(32), fp_of(e.entry));
}

void Store::index_erase(const NamespaceId& ns, ByteView suffix) {
  auto it = indexes_.find(ns);
  if (it == indexes_.end()) return;
  it->second->erase(suffix);
}

Result<PutOutcome> Store::put_in_tx(const SignedEntry& e, uint64_t* removed) {
  const NamespaceId ns = e.namespace_id();
  const AuthorId author = e.author();
  const ByteView key = e.key();
  const Record& rec = e.record();
  if (std::find(touched_.begin(), touched_.end(), ns) == touched_.end()) touched_.push_back(ns);

  // Steps 1-2: non-empty same-author entries at the key or any non-empty
  // prefix of it block the insert if their value is >= ours. The empty key
  // skips this entirely (upstream quirk).
  auto& get = st_->get_entry;
  for (size_t n = key.size(); n >= 1; --n) {
    get.bind(1, ns.view()).bind(2, author.view()).bind(3, key.first(n));
    auto row = get.step();
    if (!row) return tl::unexpected(row.error());
    if (*row) {
      ByteView h = get.col_blob(3);
      uint64_t ts = get.col_u64(4);
      if (h.size() == 32) {
        Record other{get.col_u64(2), crypto::Hash::from_bytes(h), ts};
        if (!other.is_empty() && value_cmp(other, rec) >= 0) {
          get.reset();
          return PutOutcome::kNotInserted;
        }
      }
    }
    get.reset();
  }

  // Step 3: remove the author's entries under the new key with value <= ours
  // (tombstones included).
  auto upper = prefix_successor(key);
  auto& scan = upper ? st_->scan_prefix : st_->scan_prefix_open;
  scan.bind(1, ns.view()).bind(2, author.view()).bind(3, key);
  if (upper) scan.bind(4, *upper);
  std::vector<Bytes> doomed;
  for (;;) {
    auto row = scan.step();
    if (!row) {
      scan.reset();
      return tl::unexpected(row.error());
    }
    if (!*row) break;
    ByteView h = scan.col_blob(2);
    crypto::Hash hash = h.size() == 32 ? crypto::Hash::from_bytes(h) : crypto::Hash();
    Record other{0, hash, scan.col_u64(1)};
    if (value_cmp(other, rec) <= 0) {
      ByteView k = scan.col_blob(0);
      doomed.emplace_back(k.begin(), k.end());
    }
  }
  scan.reset();
  uint64_t n_removed = 0;
  for (const auto& k : doomed) {
    FERRY_TRY(st_->del_entry.bind(1, ns.view()).bind(2, author.view()).bind(3, k).exec());
    Bytes suffix(author.view().begin(), author.view().end());
    append(suffix, k);
    index_erase(ns, suffix);
    ++n_removed;  // as iroh's `removed`: includes an older entry at the key itself
  }

  // Step 4: store, replacing whatever is at the exact id.
  auto& up = st_->upsert_entry;
  up.bind(1, ns.view())
      .bind(2, author.view())
      .bind(3, key)
      .bind_u64(4, rec.len)
      .bind(5, rec.hash.view())
      .bind_u64(6, rec.timestamp)
      .bind(7, e.signature.author_signature.view())
      .bind(8, e.signature.namespace_signature.view());
  FERRY_TRY(up.exec());
  index_upsert(e);
  if (removed != nullptr) *removed = n_removed;
  return PutOutcome::kInserted;
}

Result<PutOutcome> Store::put(const SignedEntry& entry) {
  FERRY_TRY(require_namespace(entry.namespace_id()));
  FERRY_TRY(begin_batch());
  auto r = put_in_tx(entry, nullptr);
  if (!r) {
    rollback_batch();
    return r;
  }
  FERRY_TRY(commit_batch());
  return r;
}

Result<SignedEntry> Store::insert_local(const NamespaceId& ns, const AuthorId& author_id,
                                        ByteView key, const crypto::Hash& hash, uint64_t len,
                                        uint64_t timestamp_us) {
  if (len == 0 || hash == crypto::Hash::empty()) {
    FERRY_TRY(check_key_size(key.size(), options_.validation));
    return make_error(ErrorCode::kInvalidArgument,
                      "entry is empty (len 0 or the empty hash); use delete_prefix");
  }
  return sign_and_put_local(ns, author_id, key, Record{len, hash, timestamp_us}, nullptr);
}

Result<uint64_t> Store::delete_prefix(const NamespaceId& ns, const AuthorId& author_id,
                                      ByteView prefix, uint64_t timestamp_us) {
  uint64_t removed = 0;
  FERRY_TRY(sign_and_put_local(ns, author_id, prefix, Record::tombstone(timestamp_us), &removed));
  return removed;
}

Result<SignedEntry> Store::sign_and_put_local(const NamespaceId& ns, const AuthorId& author_id,
                                              ByteView key, const Record& record,
                                              uint64_t* removed) {
  FERRY_TRY(check_key_size(key.size(), options_.validation));
  FERRY_ASSIGN(auto cap, capability(ns));
  if (cap.secret() == nullptr) {
    return make_error(ErrorCode::kInvalidArgument, "document " + ns.fmt_short() + " is read-only");
  }
  FERRY_ASSIGN(auto signer, author(author_id));
  Entry entry{RecordIdentifier(ns, author_id, key), record};
  FERRY_ASSIGN(auto signed_entry, SignedEntry::sign(*cap.secret(), signer, std::move(entry)));
  FERRY_TRY(begin_batch());
  auto r = put_in_tx(signed_entry, removed);
  if (!r) {
    rollback_batch();
    return tl::unexpected(r.error());
  }
  if (*r == PutOutcome::kNotInserted) {
    rollback_batch();
    return make_error(ErrorCode::kAlreadyExists, "newer entry exists");
  }
  emit(InsertLocal{signed_entry});
  FERRY_TRY(commit_batch());
  return signed_entry;
}

Result<PutOutcome> Store::insert_remote(const NamespaceId& ns, const SignedEntry& entry,
                                        RemotePath path, const crypto::PublicKey& from,
                                        ContentStatus content_status, uint64_t now_us) {
  FERRY_TRY(require_namespace(ns));
  if (auto rej = check_remote_entry(entry, ns, now_us, path, options_.validation)) {
    return tl::unexpected(rej->to_error());
  }
  return put_remote(entry, from, content_status);
}

Status Store::notify_remote_insert(const SignedEntry& entry, const crypto::PublicKey& from,
                                   ContentStatus content_status) {
  FERRY_ASSIGN(auto policy, download_policy(entry.namespace_id()));
  emit(InsertRemote{entry, from, content_status, policy.should_download(entry.key())});
  return ok();
}

Result<PutOutcome> Store::put_remote(const SignedEntry& entry, const crypto::PublicKey& from,
                                     ContentStatus content_status) {
  FERRY_ASSIGN(auto policy, download_policy(entry.namespace_id()));
  FERRY_TRY(begin_batch());
  auto r = put_in_tx(entry, nullptr);
  if (!r) {
    rollback_batch();
    return r;
  }
  if (*r == PutOutcome::kInserted) {
    emit(InsertRemote{entry, from, content_status, policy.should_download(entry.key())});
  }
  FERRY_TRY(commit_batch());
  return r;
}

}  // namespace ferry::docs
