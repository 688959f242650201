// The persisted missing-content rows (store.h, "Missing content").
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "docs/store.h"
#include "docs/store_test_util.h"

namespace ferry::docs {
namespace {

namespace fs = std::filesystem;

class MissingContentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store = std::move(*Store::open(":memory:"));
    ASSERT_TRUE(store->import_namespace(Capability(a)));
    ASSERT_TRUE(store->import_namespace(Capability(b)));
  }
  MissingRef ref(std::string_view content, std::string_view key) {
    return MissingRef{testing::content_hash(content), author.id(), to_bytes(key)};
  }
  Prng prng{91};
  NamespaceSecret a = NamespaceSecret::generate(prng);
  NamespaceSecret b = NamespaceSecret::generate(prng);
  Author author = Author::generate(prng);
  std::unique_ptr<Store> store;
};

TEST_F(MissingContentTest, AddIsIdempotentAndListsPerDocument) {
  ASSERT_TRUE(store->add_missing_ref(a.id(), ref("x", "k1")));
  ASSERT_TRUE(store->add_missing_ref(a.id(), ref("x", "k1")));
  ASSERT_TRUE(store->add_missing_ref(a.id(), ref("x", "k2")));
  ASSERT_TRUE(store->add_missing_ref(b.id(), ref("x", "k9")));
  auto refs = *store->missing_refs(a.id());
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs[0], ref("x", "k1"));
  EXPECT_EQ(refs[1], ref("x", "k2"));
  EXPECT_EQ(store->missing_pairs()->size(), 2u);
  // Unknown document.
  Prng p2(3);
  auto unknown = NamespaceSecret::generate(p2);
  EXPECT_EQ(store->add_missing_ref(unknown.id(), ref("x", "k")).error().code(),
            ErrorCode::kNotFound);
}

TEST_F(MissingContentTest, ClearRemovesTheHashFromEveryDocument) {
  ASSERT_TRUE(store->add_missing_ref(a.id(), ref("x", "k1")));
  ASSERT_TRUE(store->add_missing_ref(b.id(), ref("x", "k2")));
  ASSERT_TRUE(store->add_missing_ref(b.id(), ref("y", "k3")));
  auto docs = *store->clear_missing(testing::content_hash("x"));
  std::vector<NamespaceId> want{a.id(), b.id()};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(docs, want);
  EXPECT_TRUE(store->missing_refs(a.id())->empty());
  ASSERT_EQ(store->missing_refs(b.id())->size(), 1u);
  EXPECT_TRUE(store->clear_missing(testing::content_hash("x"))->empty());
}

TEST_F(MissingContentTest, RemoveOneRefOrOneHashOfOneDocument) {
  ASSERT_TRUE(store->add_missing_ref(a.id(), ref("x", "k1")));
  ASSERT_TRUE(store->add_missing_ref(a.id(), ref("x", "k2")));
  ASSERT_TRUE(store->add_missing_ref(b.id(), ref("x", "k1")));
  ASSERT_TRUE(store->remove_missing_ref(a.id(), ref("x", "k1")));
  ASSERT_EQ(store->missing_refs(a.id())->size(), 1u);
  ASSERT_TRUE(store->remove_missing(a.id(), testing::content_hash("x")));
  EXPECT_TRUE(store->missing_refs(a.id())->empty());
  EXPECT_EQ(store->missing_refs(b.id())->size(), 1u);
  ASSERT_TRUE(store->remove_namespace(b.id()));
  EXPECT_TRUE(store->missing_pairs()->empty());
}

TEST(MissingContentFile, SurvivesReopenAndUpgradesVersionOne) {
  fs::path dir = fs::temp_directory_path() / ("ferry-missing-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::string path = (dir / "docs.db").string();
  Prng prng(4);
  auto ns = NamespaceSecret::generate(prng);
  auto author = Author::generate(prng);
  MissingRef r{testing::content_hash("v"), author.id(), to_bytes("key")};
  {
    auto s = std::move(*Store::open(path));
    ASSERT_TRUE(s->import_namespace(Capability(ns)));
    ASSERT_TRUE(s->add_missing_ref(ns.id(), r));
  }
  {
    auto s = std::move(*Store::open(path));
    auto refs = *s->missing_refs(ns.id());
    ASSERT_EQ(refs.size(), 1u);
    EXPECT_EQ(refs[0], r);
  }
  // A version-1 file (no missing_content table) gains the table on open.
  {
    auto db = *sql::Db::open(path);
    ASSERT_TRUE(db->exec("DROP TABLE missing_content; PRAGMA user_version = 1"));
  }
  {
    auto s = std::move(*Store::open(path));
    EXPECT_TRUE(s->missing_refs(ns.id())->empty());
    ASSERT_TRUE(s->add_missing_ref(ns.id(), r));
    EXPECT_EQ(s->capability(ns.id())->kind(), CapabilityKind::kWrite);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace ferry::docs
