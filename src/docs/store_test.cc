#include "docs/store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "docs/store_test_util.h"

namespace ferry::docs {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("ferry-docs-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::open(":memory:");
    ASSERT_TRUE(s.has_value()) << s.error().to_string();
    store = std::move(*s);
    ASSERT_TRUE(store->import_namespace(Capability(ns)).has_value());
    ASSERT_TRUE(store->import_author(alice).has_value());
    ASSERT_TRUE(store->import_author(bob).has_value());
  }
  Prng prng{77};
  NamespaceSecret ns = NamespaceSecret::generate(prng);
  Author alice = Author::generate(prng);
  Author bob = Author::generate(prng);
  std::unique_ptr<Store> store;

  Result<SignedEntry> set(const Author& a, std::string_view key, std::string_view value,
                          uint64_t ts) {
    return store->insert_local(ns.id(), a.id(), as_bytes(key), testing::content_hash(value),
                               value.size(), ts);
  }
};

TEST_F(StoreTest, LocalInsertGetAndSignatures) {
  auto e = set(alice, "hello", "world", 100);
  ASSERT_TRUE(e.has_value()) << e.error().to_string();
  EXPECT_TRUE(e->verify().has_value());
  auto got = store->get_exact(ns.id(), alice.id(), as_bytes("hello"));
  ASSERT_TRUE(got.has_value());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, *e);
  EXPECT_FALSE(store->get_exact(ns.id(), bob.id(), as_bytes("hello"))->has_value());
  // An older local write is refused with a clear error.
  auto older = set(alice, "hello", "older", 50);
  ASSERT_FALSE(older.has_value());
  EXPECT_EQ(older.error().code(), ErrorCode::kAlreadyExists);
  // Empty entries are refused; deletion goes through delete_prefix.
  auto empty = store->insert_local(ns.id(), alice.id(), as_bytes("x"), crypto::Hash::empty(), 0, 5);
  EXPECT_EQ(empty.error().code(), ErrorCode::kInvalidArgument);
  auto zero_len =
      store->insert_local(ns.id(), alice.id(), as_bytes("x"), testing::content_hash("a"), 0, 5);
  EXPECT_FALSE(zero_len.has_value());
}

TEST_F(StoreTest, MaxKeySizeIsConfigurableWithClearError) {
  StoreOptions opts;
  opts.validation.max_key_size = 16;
  auto s = *Store::open(":memory:", opts);
  ASSERT_TRUE(s->import_namespace(Capability(ns)).has_value());
  ASSERT_TRUE(s->import_author(alice).has_value());
  auto ok16 =
      s->insert_local(ns.id(), alice.id(), Bytes(16, 'k'), testing::content_hash("v"), 1, 1);
  EXPECT_TRUE(ok16.has_value());
  auto big = s->insert_local(ns.id(), alice.id(), Bytes(17, 'k'), testing::content_hash("v"), 1, 1);
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(big.error().message().find("key too large: 17 bytes > maximum 16"), std::string::npos);
}

TEST_F(StoreTest, ReadOnlyDocumentCannotWriteButCanStoreRemote) {
  Prng p(9);
  auto other = NamespaceSecret::generate(p);
  ASSERT_TRUE(store->import_namespace(Capability(other.id())).has_value());
  auto r =
      store->insert_local(other.id(), alice.id(), as_bytes("k"), testing::content_hash("v"), 1, 1);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("read-only"), std::string::npos);
  auto remote = *SignedEntry::sign(other, alice,
                                   Entry{RecordIdentifier(other.id(), alice.id(), as_bytes("k")),
                                         Record{1, testing::content_hash("v"), 10}});
  crypto::PublicKey peer;
  auto ins = store->insert_remote(other.id(), remote, RemotePath::kSync, peer,
                                  ContentStatus::kComplete, 10);
  ASSERT_TRUE(ins.has_value()) << ins.error().to_string();
  EXPECT_EQ(*ins, PutOutcome::kInserted);
  // Importing the secret later upgrades the capability.
  ASSERT_TRUE(store->import_namespace(Capability(other)).has_value());
  EXPECT_EQ(store->capability(other.id())->kind(), CapabilityKind::kWrite);
  ASSERT_TRUE(store->import_namespace(Capability(other.id())).has_value());
  EXPECT_EQ(store->capability(other.id())->kind(), CapabilityKind::kWrite);  // not downgraded
  auto names = *store->list_namespaces();
  EXPECT_EQ(names.size(), 2u);
}

TEST_F(StoreTest, RemoteInsertValidationRejectsAndNeverStores) {
  auto good = *SignedEntry::sign(ns, bob,
                                 Entry{RecordIdentifier(ns.id(), bob.id(), as_bytes("r")),
                                       Record{1, testing::content_hash("v"), 1000}});
  crypto::PublicKey peer;
  auto bad = good;
  bad.entry.record.timestamp = 1001;  // signature no longer matches
  auto r =
      store->insert_remote(ns.id(), bad, RemotePath::kGossip, peer, ContentStatus::kMissing, 1000);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("bad_signature"), std::string::npos);
  // Future timestamp beyond the tolerance.
  auto future = *SignedEntry::sign(
      ns, bob,
      Entry{RecordIdentifier(ns.id(), bob.id(), as_bytes("f")),
            Record{1, testing::content_hash("v"), 1000 + kDefaultMaxFutureUs + 1}});
  r = store->insert_remote(ns.id(), future, RemotePath::kSync, peer, ContentStatus::kMissing, 1000);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("future_timestamp"), std::string::npos);
  EXPECT_EQ(*store->entry_count(ns.id()), 0u);
  // Unknown document.
  Prng p(4);
  r = store->insert_remote(NamespaceSecret::generate(p).id(), good, RemotePath::kSync, peer,
                           ContentStatus::kMissing, 1000);
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  // Then the valid one goes in; a duplicate is NotInserted.
  EXPECT_EQ(
      *store->insert_remote(ns.id(), good, RemotePath::kSync, peer, ContentStatus::kMissing, 1000),
      PutOutcome::kInserted);
  EXPECT_EQ(
      *store->insert_remote(ns.id(), good, RemotePath::kSync, peer, ContentStatus::kMissing, 1000),
      PutOutcome::kNotInserted);
}

TEST_F(StoreTest, SubscriptionsSeeLocalAndRemoteInserts) {
  std::vector<StoreEvent> events;
  auto id = store->subscribe([&](const StoreEvent& ev) { events.push_back(ev); });
  ASSERT_TRUE(set(alice, "img/a", "A", 10).has_value());
  ASSERT_TRUE(
      store
          ->set_download_policy(ns.id(), DownloadPolicy{DownloadPolicy::Kind::kEverythingExcept,
                                                        {FilterKind::prefix(as_bytes("img/"))}})
          .has_value());
  auto remote1 = *SignedEntry::sign(ns, bob,
                                    Entry{RecordIdentifier(ns.id(), bob.id(), as_bytes("img/b")),
                                          Record{1, testing::content_hash("B"), 20}});
  auto remote2 = *SignedEntry::sign(ns, bob,
                                    Entry{RecordIdentifier(ns.id(), bob.id(), as_bytes("doc")),
                                          Record{1, testing::content_hash("C"), 20}});
  crypto::PublicKey peer = alice.id().public_key();
  ASSERT_TRUE(store->insert_remote(ns.id(), remote1, RemotePath::kSync, peer,
                                   ContentStatus::kComplete, 20));
  ASSERT_TRUE(store->insert_remote(ns.id(), remote2, RemotePath::kGossip, peer,
                                   ContentStatus::kIncomplete, 20));
  // A NotInserted remote raises nothing.
  ASSERT_TRUE(store->insert_remote(ns.id(), remote2, RemotePath::kGossip, peer,
                                   ContentStatus::kIncomplete, 20));
  ASSERT_EQ(events.size(), 3u);
  ASSERT_TRUE(std::holds_alternative<InsertLocal>(events[0]));
  EXPECT_EQ(as_string_view(std::get<InsertLocal>(events[0]).entry.key()), "img/a");
  auto& r1 = std::get<InsertRemote>(events[1]);
  EXPECT_EQ(r1.from, peer);
  EXPECT_EQ(r1.content_status, ContentStatus::kComplete);
  EXPECT_FALSE(r1.should_download);  // excluded by the policy
  auto& r2 = std::get<InsertRemote>(events[2]);
  EXPECT_EQ(r2.content_status, ContentStatus::kIncomplete);
  EXPECT_TRUE(r2.should_download);
  store->unsubscribe(id);
  ASSERT_TRUE(set(alice, "more", "x", 30).has_value());
  EXPECT_EQ(events.size(), 3u);
}

TEST_F(StoreTest, QueriesFilterSortAndPage) {
  ASSERT_TRUE(set(alice, "a", "1", 10));
  ASSERT_TRUE(set(alice, "b/1", "2", 11));
  ASSERT_TRUE(set(alice, "b/2", "3", 12));
  ASSERT_TRUE(set(bob, "a", "4", 20));
  ASSERT_TRUE(set(bob, "b/1", "5", 5));
  ASSERT_TRUE(set(bob, "c", "6", 6));
  // Removes bob's older "c" (1 entry); alice's entries are untouched.
  EXPECT_EQ(*store->delete_prefix(ns.id(), bob.id(), as_bytes("c"), 7), 1u);
  auto keys = [](const std::vector<SignedEntry>& es) {
    std::string s;
    for (const auto& e : es)
      s += std::string(as_string_view(e.key())) + "@" + e.author().fmt_short().substr(0, 2) + " ";
    return s;
  };
  std::string A = alice.id().fmt_short().substr(0, 2), B = bob.id().fmt_short().substr(0, 2);
  Query q;
  auto all = *store->query(ns.id(), q);
  EXPECT_EQ(all.size(), 5u);  // tombstone hidden
  q.include_empty = true;
  EXPECT_EQ(store->query(ns.id(), q)->size(), 6u);
  q = Query{};
  q.key_prefix = to_bytes("b/");
  EXPECT_EQ(store->query(ns.id(), q)->size(), 3u);
  q = Query{};
  q.key_exact = to_bytes("a");
  EXPECT_EQ(store->query(ns.id(), q)->size(), 2u);
  q = Query{};
  q.author = bob.id();
  EXPECT_EQ(store->query(ns.id(), q)->size(), 2u);
  // Latest per key across authors: a -> bob (20), b/1 -> alice (11), b/2; c is a tombstone.
  q = Query{};
  q.latest_per_key = true;
  auto latest = *store->query(ns.id(), q);
  EXPECT_EQ(keys(latest), "a@" + B + " b/1@" + A + " b/2@" + A + " ");
  q.include_empty = true;
  EXPECT_EQ(store->query(ns.id(), q)->size(), 4u);
  // Sort by key then author, descending, with paging.
  q = Query{};
  q.descending = true;
  q.offset = 1;
  q.limit = 2;
  auto page = *store->query(ns.id(), q);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(as_string_view(page[0].key()), "b/1");
  // Sort by author.
  q = Query{};
  q.sort_by = Query::SortBy::kAuthorKey;
  auto by_author = *store->query(ns.id(), q);
  for (size_t i = 1; i < by_author.size(); ++i) {
    EXPECT_LE(by_author[i - 1].id(), by_author[i].id());
  }
}

TEST_F(StoreTest, DeletePrefix) {
  ASSERT_TRUE(set(alice, "p", "0", 10));
  ASSERT_TRUE(set(alice, "p/1", "1", 11));
  ASSERT_TRUE(set(alice, "p/2", "2", 30));  // newer than the deletion: survives
  ASSERT_TRUE(set(alice, "q", "3", 12));
  ASSERT_TRUE(set(bob, "p/1", "4", 13));  // another author: untouched
  std::vector<StoreEvent> events;
  store->subscribe([&](const StoreEvent& ev) { events.push_back(ev); });
  auto removed = store->delete_prefix(ns.id(), alice.id(), as_bytes("p"), 20);
  ASSERT_TRUE(removed.has_value()) << removed.error().to_string();
  EXPECT_EQ(*removed, 2u);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(std::get<InsertLocal>(events[0]).entry.record().is_empty());
  EXPECT_FALSE(store->get_exact(ns.id(), alice.id(), as_bytes("p/1"))->has_value());
  EXPECT_TRUE(store->get_exact(ns.id(), alice.id(), as_bytes("p/2"))->has_value());
  EXPECT_TRUE(store->get_exact(ns.id(), bob.id(), as_bytes("p/1"))->has_value());
  // The tombstone is stored (hidden unless include_empty).
  EXPECT_FALSE(store->get_exact(ns.id(), alice.id(), as_bytes("p"))->has_value());
  EXPECT_TRUE(store->get_exact(ns.id(), alice.id(), as_bytes("p"), true)->has_value());
  // Deleting under a newer non-empty parent fails like a local insert.
  ASSERT_TRUE(set(alice, "r", "5", 50));
  auto blocked = store->delete_prefix(ns.id(), alice.id(), as_bytes("r/x"), 40);
  ASSERT_FALSE(blocked.has_value());
  EXPECT_EQ(blocked.error().code(), ErrorCode::kAlreadyExists);
}

TEST_F(StoreTest, DownloadPolicyDefaultAndRoundTrip) {
  EXPECT_EQ(*store->download_policy(ns.id()), DownloadPolicy{});
  DownloadPolicy p{DownloadPolicy::Kind::kNothingExcept, {FilterKind::exact(as_bytes("x"))}};
  ASSERT_TRUE(store->set_download_policy(ns.id(), p));
  EXPECT_EQ(*store->download_policy(ns.id()), p);
  Prng p2(1);
  EXPECT_EQ(store->download_policy(NamespaceSecret::generate(p2).id()).error().code(),
            ErrorCode::kNotFound);
}

TEST_F(StoreTest, AuthorsAndDefault) {
  auto ids = *store->list_authors();
  EXPECT_EQ(ids.size(), 2u);
  EXPECT_EQ(store->author(alice.id())->seed(), alice.seed());
  EXPECT_FALSE(store->default_author()->has_value());
  ASSERT_TRUE(store->set_default_author(bob.id()));
  EXPECT_EQ(**store->default_author(), bob.id());
  Prng p(8);
  EXPECT_EQ(store->set_default_author(Author::generate(p).id()).error().code(),
            ErrorCode::kNotFound);
}

TEST(StoreFile, PersistsAcrossReopenAndRejectsBadFiles) {
  TempDir dir;
  std::string path = (dir.path / "docs.db").string();
  Prng prng(5);
  auto ns = NamespaceSecret::generate(prng);
  auto author = Author::generate(prng);
  reconcile::Fingerprint fp_before;
  {
    auto opened = Store::open(path);
    ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
    auto s = std::move(*opened);
    ASSERT_TRUE(s->import_namespace(Capability(ns)));
    ASSERT_TRUE(s->import_author(author));
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(s->insert_local(ns.id(), author.id(), to_bytes("k" + std::to_string(i)),
                                  testing::content_hash(std::to_string(i)), 1, 100 + i));
    }
    fp_before = *s->range_fingerprint(ns.id(), reconcile::Range{});
  }
  {
    auto s = *Store::open(path);
    EXPECT_EQ(*s->entry_count(ns.id()), 20u);
    EXPECT_EQ(s->capability(ns.id())->kind(), CapabilityKind::kWrite);
    EXPECT_EQ(*s->range_fingerprint(ns.id(), reconcile::Range{}), fp_before);
    ASSERT_TRUE(s->remove_namespace(ns.id()));
    EXPECT_EQ(s->capability(ns.id()).error().code(), ErrorCode::kNotFound);
  }
  // A newer schema is refused.
  { auto s = *Store::open(path); }
  {
    auto db = *sql::Db::open(path);
    ASSERT_TRUE(db->exec("PRAGMA user_version = 99"));
  }
  auto newer = Store::open(path);
  ASSERT_FALSE(newer.has_value());
  EXPECT_EQ(newer.error().code(), ErrorCode::kUnsupported);
  // Not a database.
  std::string junk = (dir.path / "junk.db").string();
  std::ofstream(junk) << std::string(4096, 'x');
  auto bad = Store::open(junk);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), ErrorCode::kCorrupt);
}

}  // namespace
}  // namespace ferry::docs
