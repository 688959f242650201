// Helpers shared by the reconcile tests: seeds and random replicas.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <map>
#include <vector>

#include "core/prng.h"
#include "reconcile/memory_store.h"
#include "reconcile/test_item.h"
#include "reconcile/wire_entry.h"
#include "testing/seed.h"

namespace ferry::reconcile {

// The run's seed (testing/seed.h: FERRY_SEED=<n> replays a run).
inline uint64_t test_seed() {
  return ferry::testing::test_seed();
}

inline constexpr uint8_t kTestNs = 0x4e;
inline Bytes test_namespace() {
  return Bytes(kNamespaceSize, kTestNs);
}

// Two replicas drawn from a shared universe of ids, and the expected union
// (per id, the greater value wins).
struct ReplicaPair {
  std::vector<TestItem> a, b;
  std::map<Bytes, TestItem> expected;
};

inline ReplicaPair random_replicas(Prng& prng, size_t universe, double p_a, double p_b,
                                   double p_conflict) {
  ReplicaPair out;
  std::map<Bytes, bool> seen;
  for (size_t i = 0; i < universe; ++i) {
    Bytes key(prng.below(6));
    for (auto& c : key) c = static_cast<uint8_t>('a' + prng.below(3));
    Bytes id = test_id(kTestNs, static_cast<uint8_t>(prng.below(3)), key);
    if (seen[id]) continue;
    seen[id] = true;
    TestItem item{id, prng.below(1000), static_cast<uint8_t>(prng.below(4))};
    bool in_a = prng.chance(p_a), in_b = prng.chance(p_b);
    if (in_a) out.a.push_back(item);
    if (in_b) {
      TestItem other = item;
      if (in_a && prng.chance(p_conflict)) other.ts = prng.below(1000);
      out.b.push_back(other);
    }
    for (const auto* side : {&out.a, &out.b}) {
      if (side->empty() || side->back().id != id) continue;
      auto& e = out.expected[id];
      if (e.id.empty() || ItemTraits<TestItem>::value_cmp(e, side->back()) < 0) e = side->back();
    }
  }
  return out;
}

inline void fill(MemoryStore<TestItem>& store, const std::vector<TestItem>& items) {
  for (const auto& it : items) (void)store.put(it);
}

// A WireEntry with fake signatures (the ranger does not verify them).
inline WireEntry fake_entry(ByteView ns, uint8_t author, std::string_view key, uint64_t ts,
                            uint8_t content = 1) {
  WireEntry e;
  e.id.assign(ns.begin(), ns.end());
  e.id.resize(kMinIdSize, author);
  append(e.id, as_bytes(key));
  e.len = 1;
  std::array<uint8_t, 32> h{};
  h.fill(content);
  e.hash = crypto::Hash(h);
  e.timestamp = ts;
  e.author_signature.fill(0xaa);
  e.namespace_signature.fill(0xbb);
  return e;
}

}  // namespace ferry::reconcile
