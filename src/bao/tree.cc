#include "bao/tree.h"

#include <bit>

namespace ferry::bao {

uint64_t next_pow2(uint64_t n) {
  return n <= 1 ? 1 : std::bit_ceil(n);
}

int Node::level() const {
  return static_cast<int>(std::countr_zero(next_pow2(count))) - 1;
}

Node Node::left() const {
  return Node{start, next_pow2(count) / 2};
}

Node Node::right() const {
  uint64_t half = next_pow2(count) / 2;
  return Node{start + half, count - half};
}

std::string Node::to_string() const {
  return "[" + std::to_string(start) + "," + std::to_string(end()) + ")";
}

BaoTree::BaoTree(uint64_t size)
    : size_(size),
      chunks_(size == 0 ? 1 : (size - 1) / kChunkSize + 1),
      groups_(size == 0 ? 1 : (size - 1) / kGroupSize + 1) {}

std::pair<uint64_t, uint64_t> BaoTree::chunk_bytes(uint64_t chunk) const {
  return node_bytes(Node{chunk, 1});
}

std::pair<uint64_t, uint64_t> BaoTree::node_bytes(const Node& node) const {
  uint64_t s = node.start >= chunks_ ? size_ : node.start * kChunkSize;
  uint64_t e = node.end() >= chunks_ ? size_ : node.end() * kChunkSize;
  if (s > size_) s = size_;
  return {s, e};
}

Node BaoTree::group_of(uint64_t chunk) const {
  uint64_t s = chunk / kGroupChunks * kGroupChunks;
  uint64_t e = s + kGroupChunks < chunks_ ? s + kGroupChunks : chunks_;
  return Node{s, e - s};
}

std::optional<uint64_t> BaoTree::pair_index(const Node& node) const {
  if (!node.is_stored()) return std::nullopt;
  Node cur = root();
  uint64_t index = 0;
  while (cur.is_stored()) {
    if (cur == node) return index;
    Node l = cur.left();
    if (node.start < l.end()) {
      cur = l;
      index += 1;
    } else {
      // Skip the left subtree's stored nodes: one per group boundary inside
      // it (a subtree over k groups has k - 1 stored nodes).
      uint64_t left_groups = l.count / kGroupChunks;
      index += left_groups;
      cur = cur.right();
    }
  }
  return std::nullopt;
}

}  // namespace ferry::bao
