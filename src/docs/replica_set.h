// ReplicaSet: one document of the SQLite Store seen through the ranger's
// reconcile::SortedSetStore<SignedEntry> interface (count, fingerprint,
// pivots and iteration of ranges in RecordIdentifier order; get; put).
//
// Every range is evaluated only within this document; x == y is the whole
// document. count/fingerprint/key_at are O(log n) from the store's
// FingerprintIndex; for_each is an index range scan in SQLite.
//
// put() applies the §3.5 insert rules to an entry the caller has ALREADY
// validated (docs::check_remote_entry) and, when inserted, raises
// InsertRemote{from = peer, content_status}. The status is the one passed to
// put_with_status, or set_next_content_status's value for put() (default
// Missing). A ReplicaSet without a peer raises no event.
#pragma once

#include <optional>

#include "docs/ranger_item.h"
#include "docs/store.h"
#include "reconcile/store.h"

namespace ferry::docs {

class ReplicaSet final : public reconcile::SortedSetStore<SignedEntry> {
 public:
  // Requires: `store` outlives this object.
  ReplicaSet(Store& store, NamespaceId ns, std::optional<crypto::PublicKey> peer = std::nullopt)
      : store_(store), ns_(ns), peer_(peer) {}

  const NamespaceId& namespace_id() const { return ns_; }
  void set_next_content_status(ContentStatus s) { next_status_ = s; }
  Result<PutOutcome> put_with_status(const SignedEntry& item, ContentStatus status);
  // Validated put: check_remote_entry on the sync path (the store's options,
  // now_us), then the insert rules; InsertRemote from the peer (or no event
  // without a peer). Rejections are errors naming the reason (kCorrupt for
  // signatures, kInvalidArgument otherwise); the entry is not stored.
  Result<PutOutcome> put_validated(const SignedEntry& item, ContentStatus status, uint64_t now_us);

  Result<std::optional<Bytes>> first_key() override;
  Result<uint64_t> count(const reconcile::Range& r) override;
  Result<reconcile::Fingerprint> fingerprint(const reconcile::Range& r) override;
  Result<Bytes> key_at(const reconcile::Range& r, uint64_t index) override;
  Status for_each(const reconcile::Range& r, const Visitor& visit) override;
  Result<std::optional<SignedEntry>> get(ByteView id) override;
  Result<PutOutcome> put(const SignedEntry& item) override;

 private:
  Store& store_;
  NamespaceId ns_;
  std::optional<crypto::PublicKey> peer_;
  ContentStatus next_status_ = ContentStatus::kMissing;
};

}  // namespace ferry::docs
