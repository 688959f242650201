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

namespace ferry::bao::testing {

// The 100,000-byte test blob of spec §11: byte i = (i * 7) mod 251.
inline Bytes spec_blob(size_t n = 100000) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>((i * 7) % 251);
  return b;
}

// The seed of this test run: FERRY_SEED if set, else fresh (from ASLR and the
// pid). Printed once. RapidCheck is seeded with it too (through RC_PARAMS,
// unless the caller set RC_PARAMS), so FERRY_SEED=<n> replays a whole run.
inline uint64_t init_test_seed() {
  uint64_t seed;
  if (const char* env = std::getenv("FERRY_SEED")) {
    seed = std::strtoull(env, nullptr, 10);
  } else {
    int local = 0;
    seed = (reinterpret_cast<uintptr_t>(&local) * 0x9e3779b97f4a7c15ULL) ^
           (static_cast<uint64_t>(getpid()) << 32) ^ reinterpret_cast<uintptr_t>(&init_test_seed);
    seed %= 1000000000000ULL;
  }
  std::printf("FERRY_SEED=%llu (replay with FERRY_SEED=%llu)\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  if (!std::getenv("RC_PARAMS")) {
    std::string params = "seed=" + std::to_string(seed);
    setenv("RC_PARAMS", params.c_str(), 0);
  }
  return seed;
}

inline const uint64_t kTestSeed = init_test_seed();

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
