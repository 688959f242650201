// FingerprintIndex: the in-memory aggregate that answers range counts and
// range fingerprints of one document in O(log n) without scanning.
//
// A treap (randomized balanced search tree; seeded, so replayable) over the
// document's entries in RecordIdentifier order. Keys are the identifier
// WITHOUT the 32-byte namespace (author ‖ key): within one document that
// order is the same and it saves 32 bytes per entry. Every node keeps its
// entry fingerprint, the XOR of its subtree's fingerprints and the subtree
// size, so rank, select (key_at) and the XOR of any position interval take
// O(log n).
//
// Memory: a 104-byte node plus the heap copy of author ‖ key (32 + key
// length, plus malloc overhead), measured by bench_docs at 184 bytes per
// entry with 12-byte keys: ~184 MB for a 1M-entry document. Built lazily on
// the first range query of a document (2.4 s for 1M entries, loaded from
// SQLite and hashed), dropped by Store::drop_indexes().
// Not thread-safe; owned by the store.
#pragma once

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/prng.h"

namespace ferry::docs {

class FingerprintIndex {
 public:
  using Fp = std::array<uint8_t, 32>;

  explicit FingerprintIndex(uint64_t seed = 0x5eed) : prng_(seed) {}

  // Replaces the contents. Requires: keys sorted ascending and unique. O(n).
  void assign_sorted(std::vector<std::pair<Bytes, Fp>> items);
  // Inserts `key` or replaces its fingerprint.
  void upsert(ByteView key, const Fp& fp);
  // Removes `key`; returns whether it was present.
  bool erase(ByteView key);

  uint64_t size() const { return sz(root_); }
  // Number of keys < key.
  uint64_t rank(ByteView key) const;
  // Count and XOR of the fingerprints of all keys < key, in one descent.
  struct Below {
    uint64_t count = 0;
    Fp xor_fp{};
  };
  Below below(ByteView key) const;
  // XOR of every fingerprint.
  Fp total_xor() const { return root_ < 0 ? Fp{} : nodes_[root_].agg; }
  // XOR of the fingerprints at positions [lo, hi). Requires lo <= hi <= size().
  Fp range_xor(uint64_t lo, uint64_t hi) const;
  // Key at position i. Requires: i < size().
  ByteView key_at(uint64_t i) const;
  // Fingerprint stored for key, or nullptr.
  const Fp* find(ByteView key) const;
  // Tree nodes visited by below() so far (a contention-free measure of
  // query cost for benchmarks).
  uint64_t nodes_visited() const { return visited_; }
  // Approximate heap use: node array capacity plus each key's allocation
  // (capacity + 16 bytes of malloc overhead). O(n).
  size_t memory_bytes() const;
  // Recomputes aggregates, order and heap property (tests).
  bool check_invariants() const;

 private:
  struct Node {
    Bytes key;
    Fp fp{};
    Fp agg{};
    uint32_t prio = 0;
    uint32_t size = 1;
    int32_t left = -1;
    int32_t right = -1;
  };

  static void xor_into(Fp& acc, const Fp& x) {
    for (size_t i = 0; i < acc.size(); ++i) acc[i] ^= x[i];
  }
  uint32_t sz(int32_t n) const { return n < 0 ? 0 : nodes_[n].size; }
  void pull(int32_t n);
  int32_t alloc(ByteView key, const Fp& fp);
  // Splits t into (< key, >= key), or (<= key, > key) when inclusive.
  std::pair<int32_t, int32_t> split(int32_t t, ByteView key, bool inclusive);
  int32_t merge(int32_t a, int32_t b);
  Fp prefix_xor(uint64_t i) const;
  bool check_rec(int32_t t, uint32_t& size, Fp& agg) const;

  std::vector<Node> nodes_;
  std::vector<int32_t> free_;
  int32_t root_ = -1;
  Prng prng_;
  mutable uint64_t visited_ = 0;
};

}  // namespace ferry::docs
