#include "engine/content/mem_backend.h"

namespace ferry::engine::content {

Status MemBackend::maybe_fail() {
  if (!fail_next) return ok();
  fail_next = false;
  return make_error(ErrorCode::kIo, "injected backend failure");
}

Result<docs::DownloadPolicy> MemBackend::download_policy(const NamespaceId& ns) {
  FERRY_TRY(maybe_fail());
  auto it = policies.find(ns);
  return it == policies.end() ? docs::DownloadPolicy{} : it->second;
}

Result<bool> MemBackend::blob_complete(const crypto::Hash& hash) {
  FERRY_TRY(maybe_fail());
  return complete.count(hash) > 0;
}

Result<std::optional<crypto::Hash>> MemBackend::entry_hash(const NamespaceId& ns,
                                                           const AuthorId& author, ByteView key) {
  FERRY_TRY(maybe_fail());
  auto doc = entries.find(ns);
  if (doc == entries.end()) return std::optional<crypto::Hash>{};
  auto it = doc->second.find({author, Bytes(key.begin(), key.end())});
  if (it == doc->second.end()) return std::optional<crypto::Hash>{};
  return std::optional<crypto::Hash>{it->second.record().hash};
}

Status MemBackend::for_each_entry(const NamespaceId& ns,
                                  const std::function<void(const docs::SignedEntry&)>& f) {
  FERRY_TRY(maybe_fail());
  auto it = entries.find(ns);
  if (it == entries.end()) return ok();
  auto copy = it->second;  // the visitor may change the tables
  for (const auto& [id, e] : copy) f(e);
  return ok();
}

Status MemBackend::add_missing_ref(const NamespaceId& ns, const MissingRef& ref) {
  FERRY_TRY(maybe_fail());
  rows[ns].insert(ref);
  return ok();
}

Status MemBackend::remove_missing_ref(const NamespaceId& ns, const MissingRef& ref) {
  FERRY_TRY(maybe_fail());
  auto it = rows.find(ns);
  if (it != rows.end()) {
    it->second.erase(ref);
    if (it->second.empty()) rows.erase(it);
  }
  return ok();
}

Status MemBackend::remove_missing(const NamespaceId& ns, const crypto::Hash& hash) {
  FERRY_TRY(maybe_fail());
  auto it = rows.find(ns);
  if (it == rows.end()) return ok();
  std::erase_if(it->second, [&](const MissingRef& r) { return r.hash == hash; });
  if (it->second.empty()) rows.erase(it);
  return ok();
}

Result<std::vector<NamespaceId>> MemBackend::clear_missing(const crypto::Hash& hash) {
  FERRY_TRY(maybe_fail());
  std::vector<NamespaceId> docs;
  for (auto it = rows.begin(); it != rows.end();) {
    if (std::erase_if(it->second, [&](const MissingRef& r) { return r.hash == hash; }) > 0) {
      docs.push_back(it->first);
    }
    it = it->second.empty() ? rows.erase(it) : std::next(it);
  }
  return docs;
}

Result<std::vector<MissingRef>> MemBackend::missing_refs(const NamespaceId& ns) {
  FERRY_TRY(maybe_fail());
  auto it = rows.find(ns);
  if (it == rows.end()) return std::vector<MissingRef>{};
  return std::vector<MissingRef>(it->second.begin(), it->second.end());
}

Result<std::vector<std::pair<NamespaceId, crypto::Hash>>> MemBackend::missing_pairs() {
  FERRY_TRY(maybe_fail());
  std::set<std::pair<NamespaceId, crypto::Hash>> pairs;
  for (const auto& [ns, refs] : rows) {
    for (const auto& r : refs) pairs.emplace(ns, r.hash);
  }
  return std::vector<std::pair<NamespaceId, crypto::Hash>>(pairs.begin(), pairs.end());
}

void MemBackend::put_entry(const docs::SignedEntry& e) {
  entries[e.namespace_id()][{e.author(), Bytes(e.key().begin(), e.key().end())}] = e;
}

}  // namespace ferry::engine::content
