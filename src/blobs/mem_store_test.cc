// The memory store's partial-buffer growth policy (grown_capacity): a
// download larger than the reservation cap must cost O(log n)
// reallocations, not one per write (that was quadratic and made a 512 MiB
// transfer into a memory store run for hours).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "blobs/mem_store.h"

namespace ferry::blobs {
namespace {

struct Growth {
  uint64_t reallocations = 0;
  uint64_t copied = 0;  // bytes moved by reallocations
  uint64_t max_capacity = 0;
};

// Appends `claimed` bytes in `piece`-sized writes the way MemWriter does.
Growth append_all(uint64_t claimed, uint64_t piece, uint64_t cap) {
  Growth g;
  uint64_t size = 0, capacity = 0;
  while (size < claimed) {
    uint64_t needed = std::min(claimed, size + piece);
    if (needed > capacity) {
      uint64_t next = grown_capacity(capacity, needed, claimed, cap);
      EXPECT_GE(next, needed);
      ++g.reallocations;
      g.copied += size;
      capacity = next;
      g.max_capacity = std::max(g.max_capacity, capacity);
    }
    size = needed;
  }
  return g;
}

TEST(MemStoreGrowth, BlobBelowCapReservesOnce) {
  auto g = append_all(100 << 20, 16 << 10, 256 << 20);
  EXPECT_EQ(g.reallocations, 1u);
  EXPECT_EQ(g.max_capacity, uint64_t{100} << 20);
}

TEST(MemStoreGrowth, BlobFarAboveCapGrowsGeometrically) {
  // 512 MiB in 16 KiB leaves with a 256 MiB cap: the bench_net case.
  auto g = append_all(512 << 20, 16 << 10, 256 << 20);
  EXPECT_LE(g.reallocations, 2u);
  EXPECT_LE(g.copied, uint64_t{256} << 20);
  // Small cap: 1 GiB through a 64 KiB cap.
  g = append_all(uint64_t{1} << 30, 16 << 10, 64 << 10);
  EXPECT_LE(g.reallocations, 16u);
  EXPECT_LE(g.copied, uint64_t{1} << 30);
}

RC_GTEST_PROP(MemStoreGrowth, LogarithmicReallocationsNeverPastClaim, ()) {
  const uint64_t claimed = *rc::gen::inRange<uint64_t>(1, uint64_t{1} << 34);
  const uint64_t piece = *rc::gen::inRange<uint64_t>(1024, 1 << 20);
  const uint64_t cap = *rc::gen::inRange<uint64_t>(0, uint64_t{1} << 30);
  if (claimed / piece > 4'000'000) return;  // keep each case fast
  auto g = append_all(claimed, piece, cap);
  uint64_t log2 = 0;
  while ((uint64_t{1} << log2) < claimed) ++log2;
  RC_ASSERT(g.reallocations <= log2 + 2);
  RC_ASSERT(g.copied <= 2 * claimed);
  RC_ASSERT(g.max_capacity <= claimed);
}

}  // namespace
}  // namespace ferry::blobs
