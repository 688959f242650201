// The persisted missing-content rows of the docs store (store.h, "Missing
// content"). The tracker that decides what goes in them is
// engine/content/tracker.h.
#include "docs/store.h"
#include "docs/store_internal.h"

namespace ferry::docs {

Status Store::add_missing_ref(const NamespaceId& ns, const MissingRef& ref) {
  FERRY_TRY(require_namespace(ns));
  return st_->add_missing.bind(1, ns.view())
      .bind(2, ref.hash.view())
      .bind(3, ref.author.view())
      .bind(4, ref.key)
      .exec();
}

Status Store::remove_missing_ref(const NamespaceId& ns, const MissingRef& ref) {
  return st_->del_missing_ref.bind(1, ns.view())
      .bind(2, ref.hash.view())
      .bind(3, ref.author.view())
      .bind(4, ref.key)
      .exec();
}

Status Store::remove_missing(const NamespaceId& ns, const crypto::Hash& hash) {
  return st_->del_missing.bind(1, ns.view()).bind(2, hash.view()).exec();
}

Result<std::vector<NamespaceId>> Store::clear_missing(const crypto::Hash& hash) {
  std::vector<NamespaceId> docs;
  FERRY_TRY(begin_batch());
  auto& s = st_->docs_missing;
  s.bind(1, hash.view());
  for (;;) {
    auto row = s.step();
    if (!row) {
      s.reset();
      rollback_batch();
      return tl::unexpected(row.error());
    }
    if (!*row) break;
    if (s.col_blob(0).size() == NamespaceId::kSize) {
      docs.push_back(NamespaceId::from_bytes(s.col_blob(0)));
    }
  }
  s.reset();
  if (docs.empty()) {
    FERRY_TRY(commit_batch());
    return docs;
  }
  if (auto st = st_->del_missing_all.bind(1, hash.view()).exec(); !st) {
    rollback_batch();
    return tl::unexpected(st.error());
  }
  FERRY_TRY(commit_batch());
  return docs;
}

Result<std::vector<MissingRef>> Store::missing_refs(const NamespaceId& ns) {
  std::vector<MissingRef> out;
  auto& s = st_->list_missing;
  s.bind(1, ns.view());
  for (;;) {
    auto row = s.step();
    if (!row) {
      s.reset();
      return tl::unexpected(row.error());
    }
    if (!*row) break;
    if (s.col_blob(0).size() != 32 || s.col_blob(1).size() != AuthorId::kSize) continue;
    out.push_back(MissingRef{crypto::Hash::from_bytes(s.col_blob(0)),
                             AuthorId::from_bytes(s.col_blob(1)), s.col_blob_copy(2)});
  }
  s.reset();
  return out;
}

Result<std::vector<std::pair<NamespaceId, crypto::Hash>>> Store::missing_pairs() {
  std::vector<std::pair<NamespaceId, crypto::Hash>> out;
  auto& s = st_->list_missing_pairs;
  for (;;) {
    auto row = s.step();
    if (!row) {
      s.reset();
      return tl::unexpected(row.error());
    }
    if (!*row) break;
    if (s.col_blob(0).size() != NamespaceId::kSize || s.col_blob(1).size() != 32) continue;
    out.emplace_back(NamespaceId::from_bytes(s.col_blob(0)),
                     crypto::Hash::from_bytes(s.col_blob(1)));
  }
  s.reset();
  return out;
}

}  // namespace ferry::docs
