#include "core/prng.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

TEST(Prng, SameSeedSameSequence) {
  Prng a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    uint64_t x = a.next();
    EXPECT_EQ(x, b.next());
    differs |= x != c.next();
  }
  EXPECT_TRUE(differs);
}

TEST(Prng, BelowStaysInBounds) {
  Prng p(7);
  int hist[10] = {};
  for (int i = 0; i < 10000; ++i) {
    auto v = p.below(10);
    ASSERT_LT(v, 10u);
    ++hist[v];
  }
  for (int h : hist) EXPECT_GT(h, 800);
}

}  // namespace
}  // namespace ferry
