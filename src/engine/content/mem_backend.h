// MemBackend: a ContentBackend in memory, for tests and the simulation. Its
// tables are public: a test plays the document store (entries, policies) and
// the blob store (complete) directly. `fail_next` makes the next backend call
// fail with kIo (error-path tests).
#pragma once

#include <map>
#include <set>

#include "engine/content/backend.h"

namespace ferry::engine::content {

class MemBackend final : public ContentBackend {
 public:
  Result<docs::DownloadPolicy> download_policy(const NamespaceId& ns) override;
  Result<bool> blob_complete(const crypto::Hash& hash) override;
  Result<std::optional<crypto::Hash>> entry_hash(const NamespaceId& ns, const AuthorId& author,
                                                 ByteView key) override;
  Status for_each_entry(const NamespaceId& ns,
                        const std::function<void(const docs::SignedEntry&)>& f) override;
  Status add_missing_ref(const NamespaceId& ns, const MissingRef& ref) override;
  Status remove_missing_ref(const NamespaceId& ns, const MissingRef& ref) override;
  Status remove_missing(const NamespaceId& ns, const crypto::Hash& hash) override;
  Result<std::vector<NamespaceId>> clear_missing(const crypto::Hash& hash) override;
  Result<std::vector<MissingRef>> missing_refs(const NamespaceId& ns) override;
  Result<std::vector<std::pair<NamespaceId, crypto::Hash>>> missing_pairs() override;

  // Stores the entry under its (author, key), replacing what was there (no
  // prefix rules: the tracker never depends on them).
  void put_entry(const docs::SignedEntry& e);

  std::map<NamespaceId, docs::DownloadPolicy> policies;
  std::map<NamespaceId, std::map<std::pair<AuthorId, Bytes>, docs::SignedEntry>> entries;
  std::set<crypto::Hash> complete;
  std::map<NamespaceId, std::set<MissingRef>> rows;  // the persisted missing set
  bool fail_next = false;

 private:
  Status maybe_fail();
};

}  // namespace ferry::engine::content
