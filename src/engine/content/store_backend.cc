#include "engine/content/store_backend.h"

namespace ferry::engine::content {

Result<docs::DownloadPolicy> StoreBackend::download_policy(const NamespaceId& ns) {
  return docs_.download_policy(ns);
}

Result<bool> StoreBackend::blob_complete(const crypto::Hash& hash) {
  FERRY_ASSIGN(auto status, blobs_.status(hash));
  return status.is_complete();
}

Result<std::optional<crypto::Hash>> StoreBackend::entry_hash(const NamespaceId& ns,
                                                             const AuthorId& author, ByteView key) {
  FERRY_ASSIGN(auto e, docs_.get_exact(ns, author, key, /*include_empty=*/true));
  if (!e) return std::optional<crypto::Hash>{};
  return std::optional<crypto::Hash>{e->record().hash};
}

Status StoreBackend::for_each_entry(const NamespaceId& ns,
                                    const std::function<void(const docs::SignedEntry&)>& f) {
  docs::Query q;
  q.sort_by = docs::Query::SortBy::kAuthorKey;
  q.include_empty = true;
  q.limit = kPageSize;
  for (uint64_t offset = 0;; offset += kPageSize) {
    q.offset = offset;
    FERRY_ASSIGN(auto page, docs_.query(ns, q));
    for (const auto& e : page) f(e);
    if (page.size() < kPageSize) return ok();
  }
}

Status StoreBackend::add_missing_ref(const NamespaceId& ns, const MissingRef& ref) {
  return docs_.add_missing_ref(ns, ref);
}

Status StoreBackend::remove_missing_ref(const NamespaceId& ns, const MissingRef& ref) {
  return docs_.remove_missing_ref(ns, ref);
}

Status StoreBackend::remove_missing(const NamespaceId& ns, const crypto::Hash& hash) {
  return docs_.remove_missing(ns, hash);
}

Result<std::vector<NamespaceId>> StoreBackend::clear_missing(const crypto::Hash& hash) {
  return docs_.clear_missing(hash);
}

Result<std::vector<MissingRef>> StoreBackend::missing_refs(const NamespaceId& ns) {
  return docs_.missing_refs(ns);
}

Result<std::vector<std::pair<NamespaceId, crypto::Hash>>> StoreBackend::missing_pairs() {
  return docs_.missing_pairs();
}

}  // namespace ferry::engine::content
