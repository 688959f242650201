// ContentBackend: everything the missing-content tracker reads from or
// writes to storage, behind one interface so the tracker stays sans-IO
// (tests and the simulation use MemBackend; a node uses StoreBackend over
// docs::Store + blobs::Store).
//
// The backend is the durable half of the tracker's state: the missing-content
// rows (docs::MissingRef per document) survive a restart; the tracker's
// in-memory tables are rebuilt from them by ContentTracker::start().
// Calls are synchronous; errors are returned, never thrown.
#pragma once

#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "crypto/hash.h"
#include "docs/entry.h"
#include "docs/keys.h"
#include "docs/missing_ref.h"
#include "docs/policy.h"
#include "ferry/result.h"

namespace ferry::engine::content {

using docs::AuthorId;
using docs::NamespaceId;

// One persisted reference: entry (author, key) of a document points to a
// missing `hash` (the row type of docs::Store's missing-content table).
using docs::MissingRef;

class ContentBackend {
 public:
  virtual ~ContentBackend() = default;

  // The document's download policy (the default if none is set).
  virtual Result<docs::DownloadPolicy> download_policy(const NamespaceId& ns) = 0;
  // True iff the blob is complete in the local blob store (partial and
  // absent are both false).
  virtual Result<bool> blob_complete(const crypto::Hash& hash) = 0;

  // The hash of the stored entry (author, key) of the document, nullopt if
  // there is none (a reference is live iff this equals its hash).
  virtual Result<std::optional<crypto::Hash>> entry_hash(const NamespaceId& ns,
                                                         const AuthorId& author, ByteView key) = 0;

  // Visits every stored entry of the document (tombstones included), in any
  // order. The visitor may call the other methods of this backend.
  virtual Status for_each_entry(const NamespaceId& ns,
                                const std::function<void(const docs::SignedEntry&)>& f) = 0;

  // The persisted missing-content rows; same contracts as the docs::Store
  // methods of the same names (store.h, "Missing content").
  virtual Status add_missing_ref(const NamespaceId& ns, const MissingRef& ref) = 0;
  virtual Status remove_missing_ref(const NamespaceId& ns, const MissingRef& ref) = 0;
  virtual Status remove_missing(const NamespaceId& ns, const crypto::Hash& hash) = 0;
  virtual Result<std::vector<NamespaceId>> clear_missing(const crypto::Hash& hash) = 0;
  virtual Result<std::vector<MissingRef>> missing_refs(const NamespaceId& ns) = 0;
  virtual Result<std::vector<std::pair<NamespaceId, crypto::Hash>>> missing_pairs() = 0;
};

}  // namespace ferry::engine::content
