// Test helpers for bao: the spec's test blob and the vector files.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "core/bytes.h"
#include "core/encoding.h"
#include "testing/seed.h"

namespace ferry::bao::testing {

// The 100,000-byte test blob of spec §11: byte i = (i * 7) mod 251.
inline Bytes spec_blob(size_t n = 100000) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>((i * 7) % 251);
  return b;
}

// The run's seed (testing/seed.h: FERRY_SEED=<n> replays a run).
inline const uint64_t kTestSeed = ferry::testing::test_seed();

// Parses testdata/<name> (defined in test_vectors_test.cc, the one test
// file that reads from disk).
nlohmann::json load_json(const std::string& name);

inline const nlohmann::json& captures() {
  static const nlohmann::json j = load_json("iroh-0.35-captures.json");
  return j;
}

inline Bytes hex(const std::string& s) {
  auto r = hex_decode(s);
  return r ? *r : Bytes();
}

}  // namespace ferry::bao::testing
