// Wiring of one Store document into the ranger (reconcile::Ranger /
// run_local_sync / the /iroh-sync/1 session) on docs::SignedEntry:
//
//   ReplicaSet set(store, ns);                      // no peer: put raises nothing
//   auto hooks = make_ranger_hooks(store, ns, peer, now_us, blob_status);
//   reconcile::Ranger<SignedEntry> ranger(set, ns.view(), config, hooks);
//
// validate  = check_remote_entry on the sync path (namespace, key size,
//             timestamp bound, both signatures), reasons mapped to the
//             ranger's RejectReason (InvalidEmptyEntry -> kInvalidEntry,
//             which the sync path never produces);
// content_status = blob_status(hash) (null: kMissing, like iroh without a
//             blob store);
// on_inserted = Store::notify_remote_insert (InsertRemote{from = peer,
//             content_status = the sender's status}).
#pragma once

#include <functional>

#include "docs/ranger_item.h"
#include "docs/store.h"
#include "reconcile/ranger.h"

namespace ferry::docs {

reconcile::RejectReason to_ranger_reason(RejectReason r);

// Requires: store outlives the hooks. now_us is called once per received
// entry (the store and ranger never read a clock themselves).
reconcile::RangerHooks<SignedEntry> make_ranger_hooks(
    Store& store, const NamespaceId& ns, const crypto::PublicKey& peer,
    std::function<uint64_t()> now_us,
    std::function<ContentStatus(const crypto::Hash&)> blob_status = nullptr);

}  // namespace ferry::docs
