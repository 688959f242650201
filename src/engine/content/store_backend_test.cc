// ContentTracker over the real stores (docs::Store in SQLite, the memory blob
// store): rows land in the docs database, paging through a document larger
// than one page, completion by import, restart from the persisted rows; and
// MemBackend's rows behave as the docs database's.
#include "engine/content/store_backend.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "blobs/mem_store.h"
#include "engine/content/mem_backend.h"
#include "engine/content/test_util.h"
#include "engine/content/tracker.h"

namespace ferry::engine::content {
namespace {

using namespace testing;  // NOLINT

class StoreBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    docs_store = std::move(*docs::Store::open(":memory:"));
    ASSERT_TRUE(docs_store->import_namespace(docs::Capability(doc)));
  }
  docs::SignedEntry put(std::string_view key, const crypto::Hash& h, uint64_t len = 5) {
    auto e = entry(doc, author, key, h, len, ++ts);
    EXPECT_TRUE(docs_store->put(e));
    return e;
  }

  std::unique_ptr<docs::Store> docs_store;
  std::unique_ptr<blobs::Store> blob_store = blobs::make_mem_store();
  RecordingFetcher fetcher;
  NamespaceId doc = doc_id(3);
  AuthorId author = author_id(1);
  Instant now;
  uint64_t ts = 100;
};

TEST_F(StoreBackendTest, RowsPersistInTheDocsDatabaseAndClearOnImport) {
  StoreBackend backend(*docs_store, *blob_store);
  ContentTracker tracker(backend, fetcher);
  ASSERT_TRUE(tracker.start(now));
  Bytes data = to_bytes("hello");
  crypto::Hash h = crypto::blake3(data);
  auto e = put("greeting", h);
  ASSERT_TRUE(
      tracker.on_remote_insert(doc, e, node_id(1), reconcile::ContentStatus::kComplete, now));
  auto refs = *docs_store->missing_refs(doc);
  ASSERT_EQ(refs.size(), 1u);
  EXPECT_EQ(refs[0].key, to_bytes("greeting"));
  auto listed = *tracker.missing(doc);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_TRUE(listed[0].queued);

  auto imported = blob_store->import_bytes(data);
  ASSERT_TRUE(imported);
  ASSERT_TRUE(tracker.on_blob_complete(h, now));
  EXPECT_TRUE(docs_store->missing_refs(doc)->empty());
  auto ev = tracker.poll_event();
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->hash, h);
  ASSERT_TRUE(tracker.check_invariants());
}

TEST_F(StoreBackendTest, AnOverwrittenEntryKillsItsReference) {
  StoreBackend backend(*docs_store, *blob_store);
  ContentTracker tracker(backend, fetcher);
  ASSERT_TRUE(tracker.start(now));
  crypto::Hash old_hash = content("old"), new_hash = content("new");
  auto e = put("k", old_hash);
  ASSERT_TRUE(
      tracker.on_remote_insert(doc, e, node_id(1), reconcile::ContentStatus::kMissing, now));
  ASSERT_TRUE(tracker.on_intent_failed(fetcher.added[0].intent, ErrorCode::kTimeout, now));
  put("k", new_hash);  // newer entry, same key
  ASSERT_TRUE(tracker.on_sync_finished(doc, node_id(1), now));
  EXPECT_FALSE(tracker.is_missing(doc, old_hash));
  EXPECT_TRUE(docs_store->missing_refs(doc)->empty());
  ASSERT_TRUE(tracker.check_invariants());
}

TEST_F(StoreBackendTest, PolicyChangePagesThroughTheDocumentAndRestartRequeues) {
  const int n = static_cast<int>(StoreBackend::kPageSize) + 100;
  ASSERT_TRUE(docs_store->set_download_policy(
      doc, docs::DownloadPolicy{docs::DownloadPolicy::Kind::kNothingExcept, {}}));
  ASSERT_TRUE(docs_store->begin_batch());
  for (int i = 0; i < n; ++i) put("k" + std::to_string(i), content("v" + std::to_string(i)));
  put("tomb", crypto::Hash::empty(), 0);
  ASSERT_TRUE(docs_store->commit_batch());
  {
    StoreBackend backend(*docs_store, *blob_store);
    ContentTracker tracker(backend, fetcher);
    ASSERT_TRUE(tracker.start(now));
    EXPECT_EQ(tracker.missing_count(), 0u);
    ASSERT_TRUE(docs_store->set_download_policy(doc, docs::DownloadPolicy{}));
    ASSERT_TRUE(tracker.on_policy_changed(doc, now));
    EXPECT_EQ(tracker.missing_count(), static_cast<size_t>(n));
    EXPECT_EQ(docs_store->missing_refs(doc)->size(), static_cast<size_t>(n));
    ASSERT_TRUE(tracker.check_invariants());
  }
  fetcher = RecordingFetcher{};
  StoreBackend backend(*docs_store, *blob_store);
  ContentTracker tracker(backend, fetcher);
  ASSERT_TRUE(tracker.start(now));
  EXPECT_EQ(tracker.queued_count(), static_cast<size_t>(n));
  EXPECT_EQ(fetcher.added.size(), static_cast<size_t>(n));
  ASSERT_TRUE(tracker.check_invariants());
}

// The same random sequence of row operations on MemBackend and on
// StoreBackend (rows in SQLite) gives the same answers and the same rows, so
// tests on MemBackend speak for the node's backend.
RC_GTEST_PROP(StoreBackendRows, MemBackendKeepsTheSameRows, ()) {
  auto docs_store = std::move(*docs::Store::open(":memory:"));
  auto blob_store = blobs::make_mem_store();
  const std::vector<NamespaceId> docs = {doc_id(1), doc_id(2)};
  for (const auto& ns : docs) RC_ASSERT(docs_store->import_namespace(docs::Capability(ns)));
  StoreBackend store(*docs_store, *blob_store);
  MemBackend mem;
  auto gen_ns = rc::gen::elementOf(docs);
  auto gen_hash =
      rc::gen::map(rc::gen::inRange(0, 3), [](int i) { return content("v" + std::to_string(i)); });
  auto gen_ref = [&] {
    return MissingRef{*gen_hash, author_id(*rc::gen::inRange<uint8_t>(1, 3)),
                      *rc::gen::elementOf(std::vector<Bytes>{{}, to_bytes("a"), to_bytes("ab")})};
  };
  const int steps = *rc::gen::inRange(1, 40);
  for (int i = 0; i < steps; ++i) {
    NamespaceId ns = *gen_ns;
    switch (*rc::gen::inRange(0, 4)) {
      case 0: {
        MissingRef ref = gen_ref();
        RC_ASSERT(store.add_missing_ref(ns, ref));
        RC_ASSERT(mem.add_missing_ref(ns, ref));
        break;
      }
      case 1: {
        MissingRef ref = gen_ref();
        RC_ASSERT(store.remove_missing_ref(ns, ref));
        RC_ASSERT(mem.remove_missing_ref(ns, ref));
        break;
      }
      case 2: {
        crypto::Hash h = *gen_hash;
        RC_ASSERT(store.remove_missing(ns, h));
        RC_ASSERT(mem.remove_missing(ns, h));
        break;
      }
      default: {
        crypto::Hash h = *gen_hash;
        auto a = store.clear_missing(h);
        auto b = mem.clear_missing(h);
        RC_ASSERT(a && b);
        RC_ASSERT(*a == *b);
      }
    }
    for (const auto& d : docs) {
      auto a = store.missing_refs(d);
      auto b = mem.missing_refs(d);
      RC_ASSERT(a && b);
      RC_ASSERT(*a == *b);
    }
    auto a = store.missing_pairs();
    auto b = mem.missing_pairs();
    RC_ASSERT(a && b);
    RC_ASSERT(*a == *b);
  }
}

}  // namespace
}  // namespace ferry::engine::content
