#include "docs/replica_set.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/encoding.h"
#include "docs/store_test_util.h"

namespace ferry::docs {
namespace {

TEST(ReplicaSet, SyncCaptureWholeSetFingerprint) {
  std::ifstream f(std::string(FERRY_DOCS_TESTDATA) + "/iroh-0.35-sync-capture.json");
  auto cap = nlohmann::json::parse(f);
  auto ns = *NamespaceSecret::parse(cap["ns_secret"].get<std::string>());
  auto store = *Store::open(":memory:");
  ASSERT_TRUE(store->import_namespace(Capability(ns.id())));
  ReplicaSet set(*store, ns.id());
  // Node A's set: its two live entries and the tombstone e2.
  for (const auto& x : cap["entriesA"]) {
    auto e = testing::unsigned_entry(ns.id(), *AuthorId::parse(x["author"].get<std::string>()),
                                     x["key"].get<std::string>(),
                                     std::stoull(x["len"].get<std::string>()),
                                     *crypto::Hash::parse(x["hash"].get<std::string>()),
                                     std::stoull(x["ts"].get<std::string>()));
    ASSERT_EQ(*set.put(e), PutOutcome::kInserted);
  }
  auto e2 = *SignedEntry::from_bytes(*hex_decode(cap["e2"]["wire"].get<std::string>()));
  ASSERT_EQ(*set.put(e2), PutOutcome::kInserted);
  EXPECT_EQ(*set.count(reconcile::Range{}), 3u);
  EXPECT_EQ(hex_encode(set.fingerprint(reconcile::Range{})->view()), cap["fp_all"]);
}

TEST(ReplicaSet, InterfaceSemantics) {
  Prng prng(13);
  auto ns = NamespaceSecret::generate(prng);
  auto other_ns = NamespaceSecret::generate(prng);
  auto author = Author::generate(prng);
  auto store = *Store::open(":memory:");
  ASSERT_TRUE(store->import_namespace(Capability(ns)));
  ASSERT_TRUE(store->import_namespace(Capability(other_ns)));
  crypto::PublicKey peer = author.id().public_key();
  std::vector<StoreEvent> events;
  store->subscribe([&](const StoreEvent& ev) { events.push_back(ev); });
  ReplicaSet set(*store, ns.id(), peer);
  ReplicaSet other(*store, other_ns.id());
  EXPECT_FALSE(set.first_key()->has_value());
  EXPECT_EQ(*set.fingerprint(reconcile::Range{}), reconcile::Fingerprint::empty());
  for (const char* k : {"c", "a", "b"}) {
    auto e = testing::unsigned_entry(ns.id(), author.id(), k, 1, testing::content_hash(k), 5);
    ASSERT_EQ(*set.put_with_status(e, ContentStatus::kComplete), PutOutcome::kInserted);
    ASSERT_EQ(*other.put(testing::unsigned_entry(other_ns.id(), author.id(), k, 1,
                                                 testing::content_hash(k), 5)),
              PutOutcome::kInserted);
  }
  ASSERT_EQ(events.size(), 3u);  // only the ReplicaSet with a peer raises events
  EXPECT_EQ(std::get<InsertRemote>(events[0]).content_status, ContentStatus::kComplete);
  auto first = **set.first_key();
  EXPECT_EQ(as_string_view(ByteView(first).subspan(64)), "a");
  // Wrap range (c, b): c first? No: iteration is [start, y) then [x, end]: a, then c.
  RecordIdentifier ida(ns.id(), author.id(), as_bytes("a")),
      idb(ns.id(), author.id(), as_bytes("b")), idc(ns.id(), author.id(), as_bytes("c"));
  reconcile::Range wrap{idc.bytes(), idb.bytes()};
  std::string order;
  ASSERT_TRUE(set.for_each(wrap, [&](const SignedEntry& e) {
    order += std::string(as_string_view(e.key()));
    return true;
  }));
  EXPECT_EQ(order, "ac");
  EXPECT_EQ(*set.count(wrap), 2u);
  EXPECT_EQ(*set.key_at(wrap, 1), idc.bytes());
  // Ranges are evaluated within the document only.
  RecordIdentifier low(NamespaceId(), author.id(), {});
  Bytes high(64, 0xff);
  EXPECT_EQ(*set.count(reconcile::Range{low.bytes(), high}), 3u);
  // get by id; ids of other documents are not found here.
  EXPECT_TRUE(set.get(idb.bytes())->has_value());
  RecordIdentifier other_b(other_ns.id(), author.id(), as_bytes("b"));
  EXPECT_FALSE(set.get(other_b.bytes())->has_value());
  EXPECT_FALSE(set.get(Bytes(10, 1))->has_value());
  EXPECT_FALSE(set.put(testing::unsigned_entry(other_ns.id(), author.id(), "z", 1,
                                               testing::content_hash("z"), 1))
                   .has_value());
  // Validated put: a real signature is required.
  auto unsigned_e =
      testing::unsigned_entry(ns.id(), author.id(), "v", 1, testing::content_hash("v"), 1);
  auto rejected = set.put_validated(unsigned_e, ContentStatus::kMissing, 100);
  ASSERT_FALSE(rejected.has_value());
  EXPECT_EQ(rejected.error().code(), ErrorCode::kCorrupt);
  auto signed_e = *SignedEntry::sign(ns, author, unsigned_e.entry);
  EXPECT_EQ(*set.put_validated(signed_e, ContentStatus::kMissing, 100), PutOutcome::kInserted);
  // Traits: round trip through postcard, and a short id is a protocol error.
  auto e = **set.get(ida.bytes());
  Bytes buf;
  PostcardWriter w(buf);
  reconcile::ItemTraits<SignedEntry>::encode(e, w);
  PostcardReader r(buf);
  EXPECT_EQ(*reconcile::ItemTraits<SignedEntry>::decode(r), e);
  EXPECT_EQ(reconcile::ItemTraits<SignedEntry>::fingerprint(e),
            reconcile::Fingerprint(e.entry.fingerprint().bytes()));
}

}  // namespace
}  // namespace ferry::docs
