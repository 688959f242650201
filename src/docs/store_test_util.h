// Helpers shared by the docs store tests.
#pragma once

#include <cstdlib>
#include <iostream>
#include <random>
#include <string>

#include "core/prng.h"
#include "crypto/blake3.h"
#include "docs/entry.h"
#include "testing/seed.h"

namespace ferry::docs::testing {

// The run's seed (testing/seed.h: FERRY_SEED=<n> replays a run).
using ferry::testing::test_seed;

// An entry with zero signatures: for put(), which trusts its input.
inline SignedEntry unsigned_entry(const NamespaceId& ns, const AuthorId& author,
                                  std::string_view key, uint64_t len, const crypto::Hash& hash,
                                  uint64_t ts) {
  return SignedEntry{{}, Entry{RecordIdentifier(ns, author, as_bytes(key)), Record{len, hash, ts}}};
}

inline crypto::Hash content_hash(std::string_view s) {
  return crypto::blake3(as_bytes(s));
}

}  // namespace ferry::docs::testing
