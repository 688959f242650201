#include "docs/replica_set.h"

namespace ferry::docs {

Result<std::optional<Bytes>> ReplicaSet::first_key() {
  return store_.first_id(ns_);
}

Result<uint64_t> ReplicaSet::count(const reconcile::Range& r) {
  return store_.range_count(ns_, r);
}

Result<reconcile::Fingerprint> ReplicaSet::fingerprint(const reconcile::Range& r) {
  return store_.range_fingerprint(ns_, r);
}

Result<Bytes> ReplicaSet::key_at(const reconcile::Range& r, uint64_t index) {
  return store_.range_key_at(ns_, r, index);
}

Status ReplicaSet::for_each(const reconcile::Range& r, const Visitor& visit) {
  return store_.range_for_each(ns_, r, visit);
}

Result<std::optional<SignedEntry>> ReplicaSet::get(ByteView id) {
  auto rid = RecordIdentifier::from_bytes(id);
  if (!rid || rid->namespace_id() != ns_) return std::optional<SignedEntry>();
  return store_.get_exact(ns_, rid->author(), rid->key(), /*include_empty=*/true);
}

Result<PutOutcome> ReplicaSet::put_with_status(const SignedEntry& item, ContentStatus status) {
  if (item.namespace_id() != ns_) {
    return make_error(ErrorCode::kInvalidArgument, "entry belongs to another document");
  }
  if (peer_) return store_.put_remote(item, *peer_, status);
  return store_.put(item);
}

Result<PutOutcome> ReplicaSet::put_validated(const SignedEntry& item, ContentStatus status,
                                             uint64_t now_us) {
  if (auto rej =
          check_remote_entry(item, ns_, now_us, RemotePath::kSync, store_.options().validation)) {
    return tl::unexpected(rej->to_error());
  }
  return put_with_status(item, status);
}

Result<PutOutcome> ReplicaSet::put(const SignedEntry& item) {
  return put_with_status(item, next_status_);
}

}  // namespace ferry::docs
