// MemoryStore against a std::map model: counts, fingerprints, pivots and
// iteration order of random whole, regular and wrap ranges after random
// puts and erases.
#include "reconcile/memory_store.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "reconcile/test_item.h"

namespace ferry::reconcile {
namespace {

uint64_t test_seed() {
  const char* env = std::getenv("FERRY_SEED");
  uint64_t seed = env ? std::strtoull(env, nullptr, 10) : 0x5eed;
  std::printf("FERRY_SEED=%llu\n", static_cast<unsigned long long>(seed));
  return seed;
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
