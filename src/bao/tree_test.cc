#include "bao/tree.h"

#include <gtest/gtest.h>

#include <vector>

namespace ferry::bao {
namespace {

TEST(BaoTree, Geometry) {
  BaoTree t0(0);
  EXPECT_EQ(t0.chunks(), 1u);
  EXPECT_EQ(t0.groups(), 1u);
  EXPECT_EQ(t0.outboard_size(), 0u);
  BaoTree t(100000);
  EXPECT_EQ(t.chunks(), 98u);
  EXPECT_EQ(t.groups(), 7u);
  EXPECT_EQ(t.outboard_size(), 6u * 64);
  EXPECT_EQ(t.full_response_size(), 100392u);
  EXPECT_EQ(BaoTree(16384).groups(), 1u);
  EXPECT_EQ(BaoTree(16385).groups(), 2u);
  EXPECT_EQ(BaoTree(16385).chunks(), 17u);
  EXPECT_EQ(t.chunk_bytes(97), std::make_pair(uint64_t{97 * 1024}, uint64_t{100000}));
  EXPECT_EQ(t.group_of(97), (Node{96, 2}));
  EXPECT_EQ(t.group_of(20), (Node{16, 16}));
}

TEST(BaoTree, NodeShape) {
  Node root{0, 98};
  EXPECT_EQ(root.level(), 6);
  EXPECT_EQ(root.left(), (Node{0, 64}));
  EXPECT_EQ(root.right(), (Node{64, 34}));
  EXPECT_EQ((Node{0, 2}).level(), 0);
  EXPECT_EQ((Node{0, 16}).level(), 3);
  EXPECT_EQ((Node{0, 17}).level(), 4);
  EXPECT_FALSE((Node{0, 16}).is_stored());
  EXPECT_TRUE((Node{0, 17}).is_stored());
}

TEST(BaoTree, PreOrderStoredNodesOf100000) {
  // Spec §11: pairs 0..5 are [0,98) [0,64) [0,32) [32,64) [64,98) [64,96).
  BaoTree t(100000);
  std::vector<Node> nodes;
  t.for_each_stored_node([&](const Node& n, uint64_t index) {
    EXPECT_EQ(index, nodes.size());
    EXPECT_EQ(t.pair_index(n), index);
    nodes.push_back(n);
  });
  std::vector<Node> expected = {{0, 98}, {0, 64}, {0, 32}, {32, 32}, {64, 34}, {64, 32}};
  EXPECT_EQ(nodes, expected);
  EXPECT_EQ(t.pair_index(Node{0, 16}), std::nullopt);
  EXPECT_EQ(t.pair_index(Node{96, 2}), std::nullopt);
  EXPECT_EQ(t.pair_index(Node{1, 64}), std::nullopt);
}

TEST(BaoTree, StoredNodeCountIsPairCount) {
  for (uint64_t size : {0ull, 1ull, 16384ull, 16385ull, 100000ull, 1000000ull, 123456789ull}) {
    BaoTree t(size);
    uint64_t count = 0;
    t.for_each_stored_node([&](const Node& n, uint64_t index) {
      EXPECT_EQ(t.pair_index(n), index);
      ++count;
    });
    EXPECT_EQ(count, t.pair_count()) << size;
  }
}

}  // namespace
}  // namespace ferry::bao
