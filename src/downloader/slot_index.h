// SlotIndex: a compact open-addressing hash set of 32-bit slot numbers.
//
// The scheduler keeps its records in dense tables and needs "which slot holds
// this key?". A std::unordered_map would cost ~70 bytes per entry; this costs
// 4 bytes per bucket (load <= 0.5, so <= ~16 bytes per entry right after a
// doubling and ~8 on average). The keys themselves live in the caller's table:
// every operation takes `hash_of(slot)` and `matches(slot)` callbacks.
// Linear probing; erase uses backward shifting, so there are no tombstones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ferry::downloader {

class SlotIndex {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  size_t size() const { return size_; }
  size_t bucket_bytes() const { return buckets_.capacity() * sizeof(uint32_t); }

  // Slot whose key matches, or kNone. `matches(slot)` compares keys.
  template <typename Matches>
  uint32_t find(uint64_t hash, Matches matches) const {
    if (buckets_.empty()) return kNone;
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      uint32_t s = buckets_[i];
      if (s == kNone) return kNone;
      if (matches(s)) return s;
    }
  }

  // Requires: no slot with an equal key is present. `hash_of(slot)` must
  // return the hash used when that slot was inserted (needed to grow).
  template <typename HashOf>
  void insert(uint64_t hash, uint32_t slot, HashOf hash_of) {
    if ((size_ + 1) * 2 > buckets_.size()) grow(hash_of);
    place(hash, slot);
    ++size_;
  }

  // Requires: `slot` is present under `hash`.
  template <typename HashOf>
  void erase(uint64_t hash, uint32_t slot, HashOf hash_of) {
    size_t i = hash & mask_;
    while (buckets_[i] != slot) i = (i + 1) & mask_;
    // Backward shift: move later members of the probe run into the hole when
    // their home position allows it.
    size_t hole = i;
    for (size_t j = (i + 1) & mask_; buckets_[j] != kNone; j = (j + 1) & mask_) {
      size_t home = hash_of(buckets_[j]) & mask_;
      bool movable = (hole <= j) ? (home <= hole || home > j) : (home <= hole && home > j);
      if (movable) {
        buckets_[hole] = buckets_[j];
        hole = j;
      }
    }
    buckets_[hole] = kNone;
    --size_;
  }

 private:
  void place(uint64_t hash, uint32_t slot) {
    size_t i = hash & mask_;
    while (buckets_[i] != kNone) i = (i + 1) & mask_;
    buckets_[i] = slot;
  }

  template <typename HashOf>
  void grow(HashOf hash_of) {
    std::vector<uint32_t> old;
    old.swap(buckets_);
    buckets_.assign(old.empty() ? 16 : old.size() * 2, kNone);
    mask_ = buckets_.size() - 1;
    for (uint32_t s : old)
      if (s != kNone) place(hash_of(s), s);
  }

  std::vector<uint32_t> buckets_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace ferry::downloader
