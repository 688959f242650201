// Outboard creation: the root hash and the pre-order parent pairs of a blob,
// byte-identical to iroh-blobs 0.35's `<hex>.obao4` files (spec §8): the
// 64-byte pairs (left CV ‖ right CV) of every node over more than 16 chunks,
// in pre-order, no header. A blob of <= 16 KiB has an empty outboard.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "bao/tree.h"
#include "core/bytes.h"
#include "crypto/hash.h"
#include "ferry/result.h"

namespace ferry::bao {

struct Outboard {
  crypto::Hash root;  // BLAKE3 hash of the blob
  uint64_t size = 0;  // blob size in bytes
  Bytes pairs;        // BaoTree(size).outboard_size() bytes, pre-order
};

// Streaming outboard builder: feed the blob's bytes in pieces of any size.
// Memory: the outboard (64 bytes per 16 KiB of data) plus one batch of groups
// (at most 256 KiB) plus O(depth). Group CVs are computed in SIMD batches.
class OutboardBuilder {
 public:
  // A blob of exactly `size` bytes. Allocates the outboard up front (64 bytes
  // per 16 KiB of data), so `size` must be the real size of local data, never
  // a size claimed by a peer.
  explicit OutboardBuilder(uint64_t size);

  // Feeds the next bytes of the blob.
  // Errors: kInvalidArgument if more than `size` bytes in total are fed.
  [[nodiscard]] Status update(ByteView data);

  // Bytes fed so far.
  uint64_t position() const { return pos_; }

  // Finishes after exactly `size` bytes. The builder is spent afterwards.
  // Errors: kInvalidArgument if fewer than `size` bytes were fed, or called
  // twice.
  [[nodiscard]] Result<Outboard> finish();

 private:
  // Hashes the buffered groups that may be hashed eagerly (all but the last).
  void flush_batch();
  // Hashes n full groups from `data` (not the last group) and merges them.
  void hash_groups(ByteView data, size_t n);
  void push_group_cv(const crypto::Hash& cv);

  BaoTree tree_;
  uint64_t pos_ = 0;
  Bytes batch_;                    // bytes of groups [next_group_, ...) not yet hashed
  uint64_t next_group_ = 0;        // groups hashed so far
  std::vector<crypto::Hash> cvs_;  // scratch for batch group CVs
  // Merge stack of completed subtrees (node, cv), as in BLAKE3's hasher.
  std::vector<std::pair<Node, crypto::Hash>> stack_;
  Bytes pairs_;
  bool finished_ = false;
};

// One-shot outboard of `data`.
Outboard compute_outboard(ByteView data);

// Root hash and outboard from the CVs of all chunk groups of a blob of `size`
// bytes (group g covers chunks [16g, 16g+16); the last group may be
// partial). Used by the parallel builder, which hashes groups on threads.
// Requires: group_cvs.size() == BaoTree(size).groups(); each CV is the
// non-root subtree CV of its group, except that for a blob of a single group
// the one CV must be the root hash (computed with ROOT).
Outboard outboard_from_group_cvs(uint64_t size, std::span<const crypto::Hash> group_cvs);

}  // namespace ferry::bao
