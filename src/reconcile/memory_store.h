// MemoryStore: an in-memory SortedSetStore for one document, used by tests,
// the simulator and the benchmarks.
//
// A treap (randomized balanced binary search tree, seeded, so replayable)
// ordered by id, each node holding its entry fingerprint and the subtree's
// count and XOR of fingerprints. Hence rank, select, prefix fingerprint,
// range count and range fingerprint are O(log n), iteration O(log n + k).
// Nodes live in one deque addressed by index (no per-node allocation
// besides the item itself, no moves when it grows).
//
// Insert rule: last writer wins per id (an equal or newer stored value
// blocks the put). The iroh prefix rules (§3.5) belong to the docs store.
// Not thread-safe; single owner.
#pragma once

#include <cassert>
#include <cstdint>
#include <deque>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "core/prng.h"
#include "reconcile/store.h"

namespace ferry::reconcile {

template <RangerItem Item>
class MemoryStore final : public SortedSetStore<Item> {
  using Traits = ItemTraits<Item>;

 public:
  using Visitor = typename SortedSetStore<Item>::Visitor;

  explicit MemoryStore(uint64_t seed = 1) : prng_(seed) {}

  // Replaces the contents with `items`. Requires: sorted by id, ids unique.
  // O(n) (Cartesian-tree build), for quickly loading large benchmark sets.
  void assign_sorted(std::vector<Item> items);

  uint64_t size() const { return root_ < 0 ? 0 : nodes_[root_].size; }

  // Number of entries with id < key.
  uint64_t rank(ByteView key) const;
  // The entry at sorted position i. Requires: i < size().
  const Item& at(uint64_t i) const;
  // XOR of entry fingerprints of positions [0, i).
  Fingerprint prefix_xor(uint64_t i) const;
  // Visits positions [lo, hi) in order until visit returns false; returns
  // false if stopped early.
  bool visit_positions(uint64_t lo, uint64_t hi, const Visitor& visit) const;
  // Removes the entry with this id; returns whether it existed.
  bool erase(ByteView id);
  // Every entry in order (tests).
  std::vector<Item> items() const;
  // Recomputes every aggregate and checks order and heap property.
  // Returns false on violation (tests call it after mutations).
  bool check_invariants() const;

  // SortedSetStore
  Result<std::optional<Bytes>> first_key() override;
  Result<uint64_t> count(const Range& r) override;
  Result<Fingerprint> fingerprint(const Range& r) override;
  Result<RangeSummary> summary(const Range& r) override;
  Result<Bytes> key_at(const Range& r, uint64_t index) override;
  Status for_each(const Range& r, const Visitor& visit) override;
  Result<std::optional<Item>> get(ByteView id) override;
  Result<PutOutcome> put(const Item& item) override;
  using FpVisitor = typename SortedSetStore<Item>::FpVisitor;
  Result<uint64_t> total() override { return size(); }
  Result<Cut> cut_at_key(ByteView key) override;
  // One walk down the tree for all keys: each node is compared once with
  // the keys that pass through it, instead of one descent per key.
  Status cuts_at_keys(std::span<const ByteView> keys, std::vector<Cut>& out) override;
  Result<PivotCut> cut_at_position(uint64_t position) override;
  Status for_each_position(uint64_t lo, uint64_t hi, const FpVisitor& visit) override;

 private:
  struct Node {
    Item item;
    Fingerprint fp;   // this entry's fingerprint
    Fingerprint agg;  // XOR over the subtree
    uint64_t prio = 0;
    uint32_t size = 1;
    int32_t left = -1;
    int32_t right = -1;
  };
  // Up to two position intervals making up a range, in iteration order.
  struct Spans {
    uint64_t lo[2], hi[2];
    int n = 0;
    uint64_t total() const {
      uint64_t t = 0;
      for (int i = 0; i < n; ++i) t += hi[i] - lo[i];
      return t;
    }
  };

  Spans spans(const Range& r) const;
  ByteView id_of(int32_t n) const { return Traits::id(nodes_[n].item); }
  uint32_t sz(int32_t n) const { return n < 0 ? 0 : nodes_[n].size; }
  void pull(int32_t n);
  int32_t alloc(const Item& item);
  // Splits t into (< key, >= key).
  std::pair<int32_t, int32_t> split(int32_t t, ByteView key);
  int32_t merge(int32_t a, int32_t b);
  int32_t find(ByteView id) const;
  bool visit_rec(int32_t t, uint64_t base, uint64_t lo, uint64_t hi, const Visitor& v) const;
  bool check_rec(int32_t t, uint32_t& size, Fingerprint& agg) const;
  void cuts_rec(int32_t t, std::span<const ByteView> keys, Cut base, Cut* out) const;
  bool visit_fp_rec(int32_t t, uint64_t base, uint64_t lo, uint64_t hi, const FpVisitor& v) const;

  // A deque, not a vector: growing never moves existing nodes (a vector's
  // reallocation would copy every entry of a large store on one put).
  std::deque<Node> nodes_;
  std::vector<int32_t> free_;
  int32_t root_ = -1;
  Prng prng_;
  // Ranks of recently asked keys, valid while version_ is unchanged (every
  // mutation bumps it). The ranger asks for the same range endpoints many
  // times while evaluating and splitting one range.
  struct RankSlot {
    uint64_t version = ~uint64_t{0};
    Bytes key;
    uint64_t rank = 0;
  };
  static constexpr size_t kRankCacheSlots = 1024;
  mutable std::vector<RankSlot> rank_cache_ = std::vector<RankSlot>(kRankCacheSlots);
  uint64_t version_ = 0;
};

}  // namespace ferry::reconcile

#include "reconcile/memory_store_inl.h"
