// The insert rules of spec §3.5: the listed consequences one by one, then a
// property test against a direct reference model on random operations, also
// checking range counts and fingerprints against brute force.
#include <gtest/gtest.h>

#include <map>

#include "docs/store.h"
#include "docs/store_test_util.h"

namespace ferry::docs {
namespace {

using testing::content_hash;
using testing::unsigned_entry;

class RulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store = std::move(*Store::open(":memory:"));
    ASSERT_TRUE(store->import_namespace(Capability(ns)));
  }
  PutOutcome put(const AuthorId& a, std::string_view key, uint64_t ts, std::string_view value) {
    auto h = value.empty() ? crypto::Hash::empty() : content_hash(value);
    auto r = store->put(unsigned_entry(ns.id(), a, key, value.size(), h, ts));
    EXPECT_TRUE(r.has_value());
    return *r;
  }
  PutOutcome tomb(const AuthorId& a, std::string_view key, uint64_t ts) {
    return put(a, key, ts, "");
  }
  // "key=ts" of an author's stored entries (tombstones as "key=ts~").
  std::string dump(const AuthorId& a) {
    Query q;
    q.author = a;
    q.include_empty = true;
    std::string s;
    auto rows = *store->query(ns.id(), q);
    for (const auto& e : rows) {
      s += std::string(as_string_view(e.key())) + "=" + std::to_string(e.record().timestamp) +
           (e.record().is_empty() ? "~" : "") + " ";
    }
    return s;
  }
  Prng prng{3};
  NamespaceSecret ns = NamespaceSecret::generate(prng);
  AuthorId a = Author::generate(prng).id();
  AuthorId b = Author::generate(prng).id();
  std::unique_ptr<Store> store;
};

TEST_F(RulesTest, NewerPrefixRemovesOlderExtensionsOfSameAuthorOnly) {
  put(a, "a", 1, "x");
  put(a, "a/b", 2, "x");
  put(a, "ab", 3, "x");
  put(a, "b", 4, "x");
  put(b, "a/b", 1, "x");
  EXPECT_EQ(put(a, "a", 10, "y"), PutOutcome::kInserted);
  EXPECT_EQ(dump(a), "a=10 b=4 ");
  EXPECT_EQ(dump(b), "a/b=1 ");  // other authors unaffected
}

TEST_F(RulesTest, NewerExtensionsSurvive) {
  put(a, "a/new", 20, "x");
  put(a, "a", 10, "y");
  EXPECT_EQ(dump(a), "a=10 a/new=20 ");
}

TEST_F(RulesTest, OlderExtensionRejectedWhileNewerNonEmptyPrefixExists) {
  put(a, "a", 10, "x");
  EXPECT_EQ(put(a, "a/b", 5, "y"), PutOutcome::kNotInserted);
  EXPECT_EQ(put(a, "a/b", 15, "y"), PutOutcome::kInserted);
  EXPECT_EQ(dump(a), "a=10 a/b=15 ");
}

TEST_F(RulesTest, TombstoneDoesNotProtectAgainstOlderArrivals) {
  put(a, "a/b", 5, "x");
  EXPECT_EQ(tomb(a, "a", 10), PutOutcome::kInserted);
  EXPECT_EQ(dump(a), "a=10~ ");
  // An older a/b arrives later: inserted again (tombstones are skipped).
  EXPECT_EQ(put(a, "a/b", 5, "x"), PutOutcome::kInserted);
  EXPECT_EQ(dump(a), "a=10~ a/b=5 ");
  // An older non-empty "a" overwrites the newer tombstone "a" (and, being
  // newer than a/b@5, removes it by rule 3).
  EXPECT_EQ(put(a, "a", 7, "z"), PutOutcome::kInserted);
  EXPECT_EQ(dump(a), "a=7 ");
}

TEST_F(RulesTest, OlderTombstoneOverwritesNewerTombstone) {
  tomb(a, "k", 10);
  EXPECT_EQ(tomb(a, "k", 5), PutOutcome::kInserted);
  EXPECT_EQ(dump(a), "k=5~ ");
}

TEST_F(RulesTest, IdenticalReinsert) {
  put(a, "k", 10, "x");
  EXPECT_EQ(put(a, "k", 10, "x"), PutOutcome::kNotInserted);
  tomb(a, "t", 10);
  EXPECT_EQ(tomb(a, "t", 10), PutOutcome::kInserted);
}

TEST_F(RulesTest, EmptyMeansEmptyHashWhateverLen) {
  // len 0 with a real hash blocks as a parent...
  store->put(unsigned_entry(ns.id(), a, "p", 0, content_hash("h"), 10));
  EXPECT_EQ(put(a, "p/x", 5, "v"), PutOutcome::kNotInserted);
  // ...len > 0 with the empty hash does not.
  store->put(unsigned_entry(ns.id(), a, "q", 9, crypto::Hash::empty(), 10));
  EXPECT_EQ(put(a, "q/x", 5, "v"), PutOutcome::kInserted);
}

TEST_F(RulesTest, EmptyKeyQuirks) {
  put(a, "badempty", 5, "x");
  put(a, "newer", 50, "x");
  // Writing key "" removes the author's older entries (all keys start with "").
  EXPECT_EQ(put(a, "", 10, "e"), PutOutcome::kInserted);
  EXPECT_EQ(dump(a), "=10 newer=50 ");
  // An older empty-key entry still overwrites (step 1 is skipped for "").
  EXPECT_EQ(put(a, "", 3, "f"), PutOutcome::kInserted);
  EXPECT_EQ(dump(a), "=3 newer=50 ");
  // The empty key is never a parent of other keys.
  EXPECT_EQ(put(a, "z", 1, "x"), PutOutcome::kInserted);
}

TEST_F(RulesTest, ValueOrderTiesBreakOnHash) {
  auto h1 = content_hash("1"), h2 = content_hash("2");
  auto lo = h1 < h2 ? h1 : h2, hi = h1 < h2 ? h2 : h1;
  store->put(unsigned_entry(ns.id(), a, "k", 1, lo, 10));
  EXPECT_EQ(*store->put(unsigned_entry(ns.id(), a, "k", 1, hi, 10)), PutOutcome::kInserted);
  EXPECT_EQ(*store->put(unsigned_entry(ns.id(), a, "k", 1, lo, 10)), PutOutcome::kNotInserted);
}

// Reference model: §3.5 written directly over a map.
struct Model {
  std::map<std::pair<Bytes, Bytes>, Record> m;  // (author, key) -> record
  PutOutcome put(const Bytes& author, const Bytes& key, const Record& rec) {
    for (size_t n = 1; n <= key.size(); ++n) {
      auto it = m.find({author, Bytes(key.begin(), key.begin() + n)});
      if (it != m.end() && !it->second.is_empty() && value_cmp(it->second, rec) >= 0) {
        return PutOutcome::kNotInserted;
      }
    }
    std::erase_if(m, [&](const auto& kv) {
      const auto& [ak, r] = kv;
      return ak.first == author && ak.second.size() >= key.size() &&
             std::equal(key.begin(), key.end(), ak.second.begin()) && value_cmp(r, rec) <= 0;
    });
    m[{author, key}] = rec;
    return PutOutcome::kInserted;
  }
};

TEST_F(RulesTest, PropertyMatchesReferenceModel) {
  Prng rng(testing::test_seed());
  AuthorId authors[2] = {a, b};
  crypto::Hash hashes[3] = {crypto::Hash::empty(), content_hash("x"), content_hash("y")};
  for (int round = 0; round < 10; ++round) {
    ASSERT_TRUE(store->remove_namespace(ns.id()));
    ASSERT_TRUE(store->import_namespace(Capability(ns)));
    Model model;
    for (int step = 0; step < 300; ++step) {
      const AuthorId& au = authors[rng.below(2)];
      std::string key;
      size_t len = rng.below(4);
      for (size_t i = 0; i < len; ++i) key += static_cast<char>('a' + rng.below(2));
      Record rec{rng.below(2), hashes[rng.below(3)], rng.below(12)};
      auto e = unsigned_entry(ns.id(), au, key, rec.len, rec.hash, rec.timestamp);
      auto got = store->put(e);
      ASSERT_TRUE(got.has_value());
      Bytes ab(au.view().begin(), au.view().end());
      ASSERT_EQ(*got, model.put(ab, to_bytes(key), rec)) << "step " << step << " key " << key;
      if (step % 25 != 0) continue;
      // Full contents equal.
      Query q;
      q.include_empty = true;
      q.sort_by = Query::SortBy::kAuthorKey;
      auto stored = *store->query(ns.id(), q);
      ASSERT_EQ(stored.size(), model.m.size());
      size_t i = 0;
      std::vector<std::pair<Bytes, crypto::Hash>> ids;  // for range checks
      for (const auto& [ak, r] : model.m) {
        ASSERT_EQ(Bytes(ByteView(stored[i].id().view()).subspan(32).begin(),
                        ByteView(stored[i].id().view()).subspan(32).end()),
                  [&] {
                    Bytes s = ak.first;
                    append(s, ak.second);
                    return s;
                  }());
        ASSERT_EQ(stored[i].record(), r);
        ids.emplace_back(stored[i].id().bytes(), stored[i].entry.fingerprint());
        ++i;
      }
      // Random ranges (regular, wrap, whole, endpoints outside the document).
      for (int k = 0; k < 20; ++k) {
        auto pick = [&]() -> Bytes {
          if (!ids.empty() && rng.chance(0.6)) return ids[rng.below(ids.size())].first;
          const NamespaceId doc = ns.id();
          Bytes x(doc.view().begin(), doc.view().end());
          if (rng.chance(0.1)) x[0] ^= 0x80;  // another namespace
          append(x, authors[rng.below(2)].view());
          for (size_t j = rng.below(4); j > 0; --j)
            x.push_back(static_cast<uint8_t>('a' + rng.below(3)));
          return x;
        };
        reconcile::Range r{pick(), pick()};
        uint64_t count = 0;
        reconcile::Fingerprint fp = reconcile::Fingerprint::empty();
        for (const auto& [id, f] : ids) {
          if (r.contains(id)) {
            ++count;
            fp ^= reconcile::Fingerprint(f.bytes());
          }
        }
        ASSERT_EQ(*store->range_count(ns.id(), r), count);
        ASSERT_EQ(*store->range_fingerprint(ns.id(), r), fp);
        std::vector<Bytes> visited;
        ASSERT_TRUE(store->range_for_each(ns.id(), r, [&](const SignedEntry& e) {
          visited.push_back(e.id().bytes());
          return true;
        }));
        ASSERT_EQ(visited.size(), count);
        for (uint64_t j = 0; j < count; ++j) {
          ASSERT_EQ(*store->range_key_at(ns.id(), r, j), visited[j]);
          ASSERT_TRUE(r.contains(visited[j]));
        }
      }
      ASSERT_TRUE((*store->index_for_test(ns.id()))->check_invariants());
    }
  }
}

}  // namespace
}  // namespace ferry::docs
