#include "docs/fingerprint_index.h"

#include <gtest/gtest.h>

#include <map>

#include "docs/store_test_util.h"

namespace ferry::docs {
namespace {

using Fp = FingerprintIndex::Fp;

Fp fp_for(uint64_t v) {
  Fp f{};
  for (int i = 0; i < 8; ++i) f[i] = static_cast<uint8_t>(v >> (8 * i));
  f[31] = static_cast<uint8_t>(v * 7);
  return f;
}

TEST(FingerprintIndex, MatchesReferenceUnderRandomOps) {
  Prng prng(testing::test_seed());
  FingerprintIndex idx(prng.next());
  std::map<Bytes, Fp> ref;
  for (int step = 0; step < 4000; ++step) {
    Bytes key(1 + prng.below(3));
    for (auto& b : key) b = static_cast<uint8_t>('a' + prng.below(4));
    if (prng.chance(0.3)) {
      EXPECT_EQ(idx.erase(key), ref.erase(key) == 1);
    } else {
      Fp f = fp_for(prng.next());
      idx.upsert(key, f);
      ref[key] = f;
    }
    if (step % 200 == 0) {
      ASSERT_TRUE(idx.check_invariants());
    }
    ASSERT_EQ(idx.size(), ref.size());
    // Random range xor and rank against the reference.
    uint64_t lo = prng.below(ref.size() + 1), hi = prng.below(ref.size() + 1);
    if (lo > hi) std::swap(lo, hi);
    Fp expect{};
    uint64_t pos = 0;
    for (const auto& [k, f] : ref) {
      if (pos >= lo && pos < hi) {
        for (size_t i = 0; i < 32; ++i) expect[i] ^= f[i];
      }
      if (pos == lo && lo < ref.size()) {
        EXPECT_TRUE(std::ranges::equal(idx.key_at(pos), k));
        EXPECT_EQ(idx.rank(k), pos);
      }
      ++pos;
    }
    ASSERT_EQ(idx.range_xor(lo, hi), expect);
    // below(key) agrees with rank and the prefix XOR.
    Bytes probe(1 + prng.below(3));
    for (auto& b : probe) b = static_cast<uint8_t>('a' + prng.below(4));
    auto bl = idx.below(probe);
    ASSERT_EQ(bl.count, idx.rank(probe));
    ASSERT_EQ(bl.xor_fp, idx.range_xor(0, bl.count));
  }
}

TEST(FingerprintIndex, AssignSortedBuildsValidTree) {
  std::vector<std::pair<Bytes, Fp>> items;
  for (uint64_t i = 0; i < 5000; ++i) {
    Bytes k(8);
    put_u64_be(k.data(), i * 3);
    items.emplace_back(k, fp_for(i));
  }
  FingerprintIndex idx;
  idx.assign_sorted(items);
  ASSERT_TRUE(idx.check_invariants());
  EXPECT_EQ(idx.size(), 5000u);
  Bytes probe(8);
  put_u64_be(probe.data(), 3 * 100 + 1);
  EXPECT_EQ(idx.rank(probe), 101u);
  EXPECT_NE(idx.find(items[42].first), nullptr);
  EXPECT_TRUE(idx.erase(items[42].first));
  EXPECT_EQ(idx.find(items[42].first), nullptr);
  EXPECT_TRUE(idx.check_invariants());
}

}  // namespace
}  // namespace ferry::docs
