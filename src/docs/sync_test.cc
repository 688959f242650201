// Two SQLite stores reconciled by the ranger (reconcile::run_local_sync) on
// docs::SignedEntry through ReplicaSet + make_ranger_hooks.
#include <gtest/gtest.h>

#include "core/encoding.h"
#include "docs/replica_set.h"
#include "docs/store_test_util.h"
#include "docs/sync_hooks.h"
#include "reconcile/local_sync.h"

namespace ferry::docs {
namespace {

constexpr uint64_t kNow = 1'800'000'000'000'000;

struct Side {
  std::unique_ptr<Store> store;
  std::vector<InsertRemote> remote_events;
};

class SyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (Side* s : {&a, &b}) {
      s->store = std::move(*Store::open(":memory:"));
      ASSERT_TRUE(s->store->import_namespace(Capability(ns)));
      for (const auto& au : authors) ASSERT_TRUE(s->store->import_author(au));
      s->store->subscribe([s](const StoreEvent& ev) {
        if (auto* r = std::get_if<InsertRemote>(&ev)) s->remote_events.push_back(*r);
      });
    }
  }
  Result<reconcile::LocalSyncResult> sync(reconcile::RangerConfig cfg = {}) {
    ReplicaSet sa(*a.store, ns.id()), sb(*b.store, ns.id());
    auto now = [] { return kNow; };
    auto status = [](const crypto::Hash&) { return ContentStatus::kComplete; };
    return reconcile::run_local_sync<SignedEntry>(
        sa, sb, ns.id().view(), cfg, cfg, make_ranger_hooks(*a.store, ns.id(), peer_b, now, status),
        make_ranger_hooks(*b.store, ns.id(), peer_a, now, status));
  }
  // Every stored entry as postcard hex, in id order (compact on failure).
  std::vector<std::string> all(Side& s) {
    Query q;
    q.include_empty = true;
    q.sort_by = Query::SortBy::kAuthorKey;
    std::vector<std::string> out;
    auto rows = *s.store->query(ns.id(), q);
    for (const auto& e : rows) out.push_back(hex_encode(e.to_bytes()));
    return out;
  }
  Prng prng{testing::test_seed()};
  NamespaceSecret ns = NamespaceSecret::generate(prng);
  std::vector<Author> authors = {Author::generate(prng), Author::generate(prng),
                                 Author::generate(prng)};
  crypto::PublicKey peer_a = Author::generate(prng).id().public_key();
  crypto::PublicKey peer_b = Author::generate(prng).id().public_key();
  Side a, b;
};

TEST_F(SyncTest, RandomReplicasConverge) {
  for (int i = 0; i < 300; ++i) {
    const Author& au = authors[prng.below(authors.size())];
    // Fixed-length keys (no key is a proper prefix of another) and no
    // tombstones: with them iroh 0.35's rules do not converge (an older
    // value replaces a newer tombstone at the same id and vice versa, spec
    // §3.5/§4.6), which TombstonesSwapAsInIroh shows.
    std::string key = {static_cast<char>('a' + prng.below(6)),
                       static_cast<char>('a' + prng.below(6))};
    uint64_t ts = kNow - 1'000'000 + prng.below(100000);
    int where = static_cast<int>(prng.below(3));  // 0: a, 1: b, 2: both
    for (Side* s : {&a, &b}) {
      if ((where == 0 && s == &b) || (where == 1 && s == &a)) continue;
      (void)s->store->insert_local(ns.id(), au.id(), as_bytes(key),
                                   testing::content_hash(key + std::to_string(ts)), 3, ts);
    }
  }
  auto fa = *a.store->range_fingerprint(ns.id(), reconcile::Range{});
  auto fb = *b.store->range_fingerprint(ns.id(), reconcile::Range{});
  ASSERT_NE(fa, fb);
  auto res = sync();
  ASSERT_TRUE(res.has_value()) << res.error().to_string();
  EXPECT_EQ(*a.store->range_fingerprint(ns.id(), reconcile::Range{}),
            *b.store->range_fingerprint(ns.id(), reconcile::Range{}));
  EXPECT_EQ(all(a), all(b));
  const size_t not_newer = static_cast<size_t>(reconcile::RejectReason::kNotNewer);
  EXPECT_EQ(res->stats_a.rejected_total() - res->stats_a.rejected[not_newer], 0u);
  EXPECT_EQ(res->stats_b.rejected_total() - res->stats_b.rejected[not_newer], 0u);
  EXPECT_EQ(a.remote_events.size(), res->stats_a.num_inserted);
  EXPECT_EQ(b.remote_events.size(), res->stats_b.num_inserted);
  ASSERT_FALSE(b.remote_events.empty());
  EXPECT_EQ(b.remote_events[0].from, peer_a);
  EXPECT_EQ(b.remote_events[0].content_status, ContentStatus::kComplete);
  // A second run finds nothing to do: one message each way at most.
  auto again = sync();
  ASSERT_TRUE(again.has_value());
  EXPECT_LE(again->messages, 2u);
  EXPECT_EQ(again->stats_a.num_inserted + again->stats_b.num_inserted, 0u);
}

TEST_F(SyncTest, TombstonesSwapAsInIroh) {
  // A deleted "k" at t=10 (tombstone); B holds an older value at t=5.
  ASSERT_TRUE(b.store->insert_local(ns.id(), authors[0].id(), as_bytes("k"),
                                    testing::content_hash("v"), 1, kNow - 5));
  ASSERT_TRUE(a.store->insert_local(ns.id(), authors[0].id(), as_bytes("k"),
                                    testing::content_hash("v"), 1, kNow - 20));
  ASSERT_TRUE(a.store->delete_prefix(ns.id(), authors[0].id(), as_bytes("k"), kNow - 1));
  ASSERT_TRUE(sync().has_value());
  // Each side stored the other's entry: A the older value (it replaces the
  // tombstone, which never blocks), B the newer tombstone.
  auto on_a = **a.store->get_exact(ns.id(), authors[0].id(), as_bytes("k"), true);
  auto on_b = **b.store->get_exact(ns.id(), authors[0].id(), as_bytes("k"), true);
  EXPECT_FALSE(on_a.record().is_empty());
  EXPECT_EQ(on_a.record().timestamp, kNow - 5);
  EXPECT_TRUE(on_b.record().is_empty());
}

TEST_F(SyncTest, InvalidEntriesAreRejectedCountedAndNotStored) {
  ASSERT_TRUE(a.store->insert_local(ns.id(), authors[0].id(), as_bytes("good"),
                                    testing::content_hash("g"), 1, kNow - 10));
  // Stored on A without validation: a bad signature and a future timestamp.
  auto good = *a.store->get_exact(ns.id(), authors[0].id(), as_bytes("good"));
  SignedEntry forged = *good;
  forged.entry.id = RecordIdentifier(ns.id(), authors[1].id(), as_bytes("forged"));
  ASSERT_TRUE(a.store->put(forged));
  auto future = *SignedEntry::sign(
      ns, authors[2],
      Entry{RecordIdentifier(ns.id(), authors[2].id(), as_bytes("future")),
            Record{1, testing::content_hash("f"), kNow + kDefaultMaxFutureUs + 1}});
  ASSERT_TRUE(a.store->put(future));
  auto res = sync();
  ASSERT_TRUE(res.has_value()) << res.error().to_string();
  auto& rej = res->stats_b.rejected;
  EXPECT_EQ(rej[static_cast<size_t>(reconcile::RejectReason::kBadSignature)], 1u);
  EXPECT_EQ(rej[static_cast<size_t>(reconcile::RejectReason::kFutureTimestamp)], 1u);
  EXPECT_EQ(*b.store->entry_count(ns.id()), 1u);
  EXPECT_TRUE(b.store->get_exact(ns.id(), authors[0].id(), as_bytes("good"))->has_value());
}

}  // namespace
}  // namespace ferry::docs
