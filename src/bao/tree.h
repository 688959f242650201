// Bao tree geometry for iroh 0.35: 1 KiB BLAKE3 chunks, 16-chunk (16 KiB)
// chunk groups. Spec: ../shared/spec/iroh-0.35-wire.md §7.3 and §8.
//
// Everything here follows from the blob size alone. A tree node covers the
// contiguous chunk range [start, start + count). A node with count > 1 splits
// into a left child of p/2 chunks and a right child of count - p/2 chunks,
// where p is the next power of two >= count (BLAKE3's shape). The outboard
// stores the 64-byte pair (left CV ‖ right CV) of every node with count > 16
// ("stored" nodes: their children are chunk groups or larger), in pre-order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace ferry::bao {

inline constexpr uint64_t kChunkSize = 1024;
inline constexpr unsigned kChunkLog = 10;
inline constexpr uint64_t kGroupChunks = 16;
inline constexpr unsigned kGroupChunksLog = 4;
inline constexpr uint64_t kGroupSize = kChunkSize * kGroupChunks;  // 16 KiB
inline constexpr uint64_t kPairSize = 64;
inline constexpr uint64_t kSizeHeaderSize = 8;

// Smallest power of two >= n (1 for n == 0). Requires: n <= 2^63.
uint64_t next_pow2(uint64_t n);

// A tree node: chunks [start, start + count). Requires count >= 1.
struct Node {
  uint64_t start = 0;
  uint64_t count = 1;

  uint64_t end() const { return start + count; }
  bool is_leaf() const { return count == 1; }
  // log2(next_pow2(count)) - 1: 0 for a 2-chunk node, 3 for a 16-chunk group,
  // -1 for a leaf chunk.
  int level() const;
  // A node whose pair is in the outboard (count > 16, i.e. level >= 4).
  bool is_stored() const { return count > kGroupChunks; }
  // Requires: !is_leaf().
  Node left() const;
  Node right() const;

  bool operator==(const Node&) const = default;
  std::string to_string() const;  // "[start,end)"
};

class BaoTree {
 public:
  // A blob of `size` bytes.
  explicit BaoTree(uint64_t size);

  uint64_t size() const { return size_; }
  // max(1, ceil(size / 1024)).
  uint64_t chunks() const { return chunks_; }
  // max(1, ceil(size / 16384)).
  uint64_t groups() const { return groups_; }
  // Number of stored pairs: groups() - 1.
  uint64_t pair_count() const { return groups_ - 1; }
  // Bytes of the outboard: 64 * pair_count().
  uint64_t outboard_size() const { return pair_count() * kPairSize; }
  // Bytes of a full-blob response: 8 + size + outboard_size().
  uint64_t full_response_size() const { return kSizeHeaderSize + size_ + outboard_size(); }

  // The node over the whole blob (its CV carries ROOT).
  Node root() const { return Node{0, chunks_}; }

  // Byte range [first, second) of chunk `chunk` (clamped to the size).
  std::pair<uint64_t, uint64_t> chunk_bytes(uint64_t chunk) const;
  // Byte range of a node (clamped to the size).
  std::pair<uint64_t, uint64_t> node_bytes(const Node& node) const;
  // The group node containing chunk `chunk`: [16g, min(16g+16, chunks)).
  // Requires: chunk < chunks().
  Node group_of(uint64_t chunk) const;

  // Pre-order index of the stored pair of `node` in the outboard, or nullopt
  // if the node is not a stored node of this tree. O(depth).
  std::optional<uint64_t> pair_index(const Node& node) const;

  // Calls f(node, pair_index) for every stored node in pre-order (pair_index
  // counts 0, 1, 2, ...). O(pair_count) time, O(depth) memory.
  template <typename F>
  void for_each_stored_node(F&& f) const {
    uint64_t index = 0;
    visit_stored(root(), index, f);
  }

 private:
  template <typename F>
  void visit_stored(const Node& n, uint64_t& index, F& f) const {
    if (!n.is_stored()) return;
    f(n, index++);
    visit_stored(n.left(), index, f);
    visit_stored(n.right(), index, f);
  }

  uint64_t size_;
  uint64_t chunks_;
  uint64_t groups_;
};

}  // namespace ferry::bao
