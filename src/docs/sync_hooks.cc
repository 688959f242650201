#include "docs/sync_hooks.h"

namespace ferry::docs {

reconcile::RejectReason to_ranger_reason(RejectReason r) {
  switch (r) {
    case RejectReason::kKeyTooLarge: return reconcile::RejectReason::kKeyTooLarge;
    case RejectReason::kWrongNamespace: return reconcile::RejectReason::kWrongNamespace;
    case RejectReason::kFutureTimestamp: return reconcile::RejectReason::kFutureTimestamp;
    case RejectReason::kBadSignature: return reconcile::RejectReason::kBadSignature;
    case RejectReason::kInvalidEmptyEntry: return reconcile::RejectReason::kInvalidEntry;
  }
  return reconcile::RejectReason::kInvalidEntry;
}

reconcile::RangerHooks<SignedEntry> make_ranger_hooks(
    Store& store, const NamespaceId& ns, const crypto::PublicKey& peer,
    std::function<uint64_t()> now_us,
    std::function<ContentStatus(const crypto::Hash&)> blob_status) {
  reconcile::RangerHooks<SignedEntry> hooks;
  ValidationOptions opts = store.options().validation;
  hooks.validate = [ns, opts,
                    now_us](const SignedEntry& e) -> std::optional<reconcile::RejectReason> {
    auto rej = check_remote_entry(e, ns, now_us(), RemotePath::kSync, opts);
    if (!rej) return std::nullopt;
    return to_ranger_reason(rej->reason);
  };
  if (blob_status) {
    hooks.content_status = [blob_status](const SignedEntry& e) {
      return blob_status(e.record().hash);
    };
  }
  hooks.on_inserted = [&store, peer](const SignedEntry& e, ContentStatus status) {
    // Event delivery cannot fail the sync; a policy read error is dropped.
    (void)store.notify_remote_insert(e, peer, status);
  };
  return hooks;
}

}  // namespace ferry::docs
