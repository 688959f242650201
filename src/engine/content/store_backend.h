// StoreBackend: the ContentBackend of a node, over its document store
// (policies, entries, the persisted missing_content rows) and its blob store
// (completeness). Synchronous SQLite calls: run it on the thread that owns
// the docs::Store.
// Lifetime: both stores outlive the backend.
#pragma once

#include "blobs/store.h"
#include "docs/store.h"
#include "engine/content/backend.h"

namespace ferry::engine::content {

class StoreBackend final : public ContentBackend {
 public:
  StoreBackend(docs::Store& docs, blobs::Store& blobs) : docs_(docs), blobs_(blobs) {}

  Result<docs::DownloadPolicy> download_policy(const NamespaceId& ns) override;
  Result<bool> blob_complete(const crypto::Hash& hash) override;
  Result<std::optional<crypto::Hash>> entry_hash(const NamespaceId& ns, const AuthorId& author,
                                                 ByteView key) override;
  // Pages through the document (kPageSize entries per query), so the
  // visitor runs outside any open statement.
  Status for_each_entry(const NamespaceId& ns,
                        const std::function<void(const docs::SignedEntry&)>& f) override;
  Status add_missing_ref(const NamespaceId& ns, const MissingRef& ref) override;
  Status remove_missing_ref(const NamespaceId& ns, const MissingRef& ref) override;
  Status remove_missing(const NamespaceId& ns, const crypto::Hash& hash) override;
  Result<std::vector<NamespaceId>> clear_missing(const crypto::Hash& hash) override;
  Result<std::vector<MissingRef>> missing_refs(const NamespaceId& ns) override;
  Result<std::vector<std::pair<NamespaceId, crypto::Hash>>> missing_pairs() override;

  static constexpr uint64_t kPageSize = 1024;

 private:
  docs::Store& docs_;
  blobs::Store& blobs_;
};

}  // namespace ferry::engine::content
