// MemoryStore against a std::map model: counts, fingerprints, pivots and
// iteration order of random whole, regular and wrap ranges after random
// puts and erases.
#include "reconcile/memory_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#include "reconcile/test_item.h"
#include "testing/seed.h"

namespace ferry::reconcile {
namespace {

uint64_t test_seed() {
  return ferry::testing::test_seed();
}

Bytes random_key(Prng& prng) {
  Bytes k(prng.below(4));
  for (auto& b : k) b = static_cast<uint8_t>('a' + prng.below(4));
  return test_id(7, static_cast<uint8_t>(prng.below(3)), k);
}

using Model = std::map<Bytes, TestItem>;

std::vector<TestItem> model_range(const Model& m, const Range& r) {
  std::vector<TestItem> below_y, rest;
  for (const auto& [id, item] : m) {
    if (!r.contains(id)) continue;
    if (r.kind() == Range::Kind::kWrap && compare_keys(id, r.y) < 0) {
      below_y.push_back(item);
    } else {
      rest.push_back(item);
    }
  }
  below_y.insert(below_y.end(), rest.begin(), rest.end());
  return below_y;
}

TEST(MemoryStore, MatchesModel) {
  Prng prng(test_seed());
  for (int round = 0; round < 10; ++round) {
    MemoryStore<TestItem> store(prng.next());
    Model model;
    for (int op = 0; op < 300; ++op) {
      TestItem item{random_key(prng), prng.below(5), static_cast<uint8_t>(prng.below(3))};
      if (prng.chance(0.15)) {
        bool existed = model.erase(item.id) > 0;
        EXPECT_EQ(store.erase(item.id), existed);
      } else {
        auto it = model.find(item.id);
        bool newer = it == model.end() || ItemTraits<TestItem>::value_cmp(it->second, item) < 0;
        auto out = store.put(item);
        ASSERT_TRUE(out);
        EXPECT_EQ(*out == PutOutcome::kInserted, newer);
        if (newer) model[item.id] = item;
      }
      ASSERT_TRUE(store.check_invariants());
      ASSERT_EQ(store.size(), model.size());
      // A random range.
      Range r{random_key(prng), random_key(prng)};
      if (prng.chance(0.1)) r.y = r.x;
      auto expected = model_range(model, r);
      ASSERT_EQ(*store.count(r), expected.size());
      Fingerprint fp = Fingerprint::empty();
      for (const auto& e : expected) fp ^= ItemTraits<TestItem>::fingerprint(e);
      ASSERT_EQ(*store.fingerprint(r), fp);
      auto sum = store.summary(r);
      ASSERT_TRUE(sum);
      ASSERT_EQ(sum->count, expected.size());
      ASSERT_EQ(sum->fingerprint, fp);
      std::vector<TestItem> visited;
      ASSERT_TRUE(store.for_each(r, [&](const TestItem& e) {
        visited.push_back(e);
        return true;
      }));
      ASSERT_EQ(visited, expected);
      for (size_t i = 0; i < expected.size(); ++i) ASSERT_EQ(*store.key_at(r, i), expected[i].id);
    }
    auto first = store.first_key();
    ASSERT_TRUE(first);
    if (model.empty()) {
      EXPECT_FALSE(first->has_value());
    } else {
      EXPECT_EQ(**first, model.begin()->first);
    }
  }
}

TEST(MemoryStore, AssignSortedBuildsValidTree) {
  MemoryStore<TestItem> store(3);
  std::vector<TestItem> items;
  for (int i = 0; i < 1000; ++i) {
    Bytes key{static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)};
    items.push_back(TestItem{test_id(1, 1, key), static_cast<uint64_t>(i), 0});
  }
  store.assign_sorted(items);
  ASSERT_TRUE(store.check_invariants());
  EXPECT_EQ(store.items(), items);
  EXPECT_EQ(store.rank(items[500].id), 500u);
  EXPECT_EQ(store.at(777), items[777]);
  // Further puts keep the structure valid.
  ASSERT_TRUE(store.put(TestItem{test_id(1, 0, {}), 1, 1}));
  EXPECT_TRUE(store.check_invariants());
  EXPECT_EQ(store.size(), 1001u);
}

// The positional view (compact dialect): MemoryStore's one-descent answers
// equal the generic defaults of SortedSetStore built on the range interface.
TEST(MemoryStore, PositionalViewMatchesDefaults) {
  Prng prng(test_seed());
  for (int round = 0; round < 30; ++round) {
    MemoryStore<TestItem> s(prng.next());
    size_t n = prng.below(60);
    for (size_t i = 0; i < n; ++i) (void)s.put(TestItem{random_key(prng), prng.below(9), 0});
    SortedSetStore<TestItem>& base = s;
    ASSERT_EQ(*s.total(), *base.SortedSetStore<TestItem>::total());
    std::vector<Bytes> keys;
    for (int i = 0; i < 12; ++i) keys.push_back(random_key(prng));
    std::sort(keys.begin(), keys.end());
    std::vector<ByteView> views(keys.begin(), keys.end());
    std::vector<Cut> batch;
    ASSERT_TRUE(s.cuts_at_keys(views, batch));
    ASSERT_EQ(batch.size(), keys.size());
    for (size_t i = 0; i < keys.size(); ++i) {
      Cut one = *s.cut_at_key(keys[i]);
      Cut generic = *base.SortedSetStore<TestItem>::cut_at_key(keys[i]);
      EXPECT_EQ(one.position, generic.position);
      EXPECT_EQ(one.prefix_xor, generic.prefix_xor);
      EXPECT_EQ(batch[i].position, one.position);
      EXPECT_EQ(batch[i].prefix_xor, one.prefix_xor);
    }
    for (uint64_t p = 1; p < s.size(); ++p) {
      PivotCut a = *s.cut_at_position(p);
      PivotCut b = *base.SortedSetStore<TestItem>::cut_at_position(p);
      EXPECT_EQ(a.before, b.before);
      EXPECT_EQ(a.at, b.at);
      EXPECT_EQ(a.cut.position, b.cut.position);
      EXPECT_EQ(a.cut.prefix_xor, b.cut.prefix_xor);
    }
    uint64_t lo = prng.below(s.size() + 1), hi = lo + prng.below(s.size() - lo + 1);
    std::vector<TestItem> x, y;
    ASSERT_TRUE(s.for_each_position(lo, hi, [&](const TestItem& it, const Fingerprint& fp) {
      EXPECT_EQ(fp, ItemTraits<TestItem>::fingerprint(it));
      x.push_back(it);
      return true;
    }));
    ASSERT_TRUE(base.SortedSetStore<TestItem>::for_each_position(
        lo, hi, [&](const TestItem& it, const Fingerprint&) {
          y.push_back(it);
          return true;
        }));
    EXPECT_EQ(x, y);
    EXPECT_EQ(x.size(), hi - lo);
  }
}

TEST(MemoryStore, EmptyStore) {
  MemoryStore<TestItem> store;
  Range all{test_id(0, 0, {}), test_id(0, 0, {})};
  EXPECT_EQ(*store.count(all), 0u);
  EXPECT_EQ(*store.fingerprint(all), Fingerprint::empty());
  EXPECT_FALSE(store.first_key()->has_value());
  EXPECT_FALSE(store.key_at(all, 0));
}

}  // namespace
}  // namespace ferry::reconcile
