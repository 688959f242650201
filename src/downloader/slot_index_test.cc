#include "downloader/slot_index.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>

namespace ferry::downloader {
namespace {

// Keys are slots' values in `keys`; a deliberately weak hash forces long
// probe runs and wrap-around, the cases backward-shift deletion must handle.
RC_GTEST_PROP(SlotIndex, BehavesLikeAMap, (std::vector<std::pair<bool, uint8_t>> ops)) {
  SlotIndex index;
  std::vector<uint64_t> keys;          // slot -> key
  std::map<uint64_t, uint32_t> model;  // key -> slot
  auto hash = [](uint64_t k) { return k % 7; };
  auto hash_of = [&](uint32_t s) { return hash(keys[s]); };
  for (auto [insert, k8] : ops) {
    uint64_t k = k8 % 40;
    auto matches = [&](uint32_t s) { return keys[s] == k; };
    uint32_t found = index.find(hash(k), matches);
    RC_ASSERT((found != SlotIndex::kNone) == (model.count(k) == 1));
    if (insert && found == SlotIndex::kNone) {
      keys.push_back(k);
      uint32_t slot = static_cast<uint32_t>(keys.size() - 1);
      index.insert(hash(k), slot, hash_of);
      model[k] = slot;
    } else if (!insert && found != SlotIndex::kNone) {
      RC_ASSERT(found == model[k]);
      index.erase(hash(k), found, hash_of);
      model.erase(k);
    }
    RC_ASSERT(index.size() == model.size());
  }
  for (auto [k, slot] : model)
    RC_ASSERT(index.find(hash(k), [&](uint32_t s) { return keys[s] == k; }) == slot);
}

}  // namespace
}  // namespace ferry::downloader
