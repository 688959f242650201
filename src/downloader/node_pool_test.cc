#include "downloader/node_pool.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <set>

namespace ferry::downloader {
namespace {

using PooledSet = std::set<uint64_t, std::less<>, PoolAllocator<uint64_t>>;

// A pooled set behaves like a plain one through inserts, erases, moves and
// record resets (the scheduler's usage), and reuses freed blocks.
RC_GTEST_PROP(NodePool, PooledSetBehavesLikeASet, (std::vector<std::pair<bool, uint16_t>> ops)) {
  NodePool pool(4 * sizeof(void*) + sizeof(uint64_t));
  std::vector<PooledSet> sets;
  sets.emplace_back(PoolAllocator<uint64_t>(&pool));
  std::set<uint64_t> model;
  for (auto [insert, v] : ops) {
    if (insert) {
      sets.back().insert(v);
      model.insert(v);
    } else {
      sets.back().erase(v);
      model.erase(v);
    }
    if (v % 17 == 0) sets.emplace_back(std::move(sets.back()));  // move, as vectors do
    RC_ASSERT(std::equal(sets.back().begin(), sets.back().end(), model.begin(), model.end()));
  }
}

TEST(NodePool, ReusesFreedBlocks) {
  NodePool pool(40);
  void* a = pool.allocate();
  void* b = pool.allocate();
  EXPECT_NE(a, b);
  pool.deallocate(a);
  EXPECT_EQ(pool.allocate(), a);
  // Objects too large for a block come from the heap.
  PoolAllocator<std::array<uint64_t, 8>> big(&pool);
  auto* p = big.allocate(1);
  big.deallocate(p, 1);
}

}  // namespace
}  // namespace ferry::downloader
