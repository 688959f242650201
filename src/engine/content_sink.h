// ContentSink: where the engine reports what content fetching needs to know
// (ARCHITECTURE.md "main data flow", steps 2-3 and 6). The missing-content
// tracker of engine/content/ implements it; until then the node passes
// NoopContentSink.
//
// Threading: called on the node's io thread, after the store committed the
// entry; implementations must not block and must not call back into the
// document store synchronously (store observers run inside its commit).
#pragma once

#include "crypto/ed25519.h"
#include "docs/entry.h"
#include "docs/keys.h"
#include "reconcile/item.h"

namespace ferry::engine {

class ContentSink {
 public:
  virtual ~ContentSink() = default;
  // A remote entry was inserted into `ns` (sync or gossip). `from_node` is the
  // peer that delivered it; `content_status` is that peer's status for the
  // entry's blob (spec §6.2: Complete means `from_node` can serve it).
  virtual void on_remote_insert(const docs::NamespaceId& ns, const docs::SignedEntry& entry,
                                const crypto::PublicKey& from_node,
                                reconcile::ContentStatus content_status) = 0;
  // A sync run of `ns` with `peer` completed (either direction): a good
  // moment to re-queue the document's missing content with that peer.
  virtual void on_sync_finished(const docs::NamespaceId& ns, const crypto::PublicKey& peer) = 0;
};

// Ignores everything (content fetching not wired yet).
class NoopContentSink final : public ContentSink {
 public:
  void on_remote_insert(const docs::NamespaceId&, const docs::SignedEntry&,
                        const crypto::PublicKey&, reconcile::ContentStatus) override {}
  void on_sync_finished(const docs::NamespaceId&, const crypto::PublicKey&) override {}
};

}  // namespace ferry::engine
