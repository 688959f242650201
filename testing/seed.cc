#include "testing/seed.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace ferry::testing {
namespace {

uint64_t draw_seed() {
  uint64_t seed;
  if (const char* env = std::getenv("FERRY_SEED")) {
    seed = std::strtoull(env, nullptr, 10);
  } else {
    int local = 0;
    seed = (reinterpret_cast<uintptr_t>(&local) * 0x9e3779b97f4a7c15ULL) ^
           (static_cast<uint64_t>(getpid()) << 32) ^ reinterpret_cast<uintptr_t>(&draw_seed);
    seed %= 1000000000000ULL;
  }
  std::printf("FERRY_SEED=%llu (replay with FERRY_SEED=%llu)\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  std::fflush(stdout);
  if (!std::getenv("RC_PARAMS")) {
    std::string params = "seed=" + std::to_string(seed);
    setenv("RC_PARAMS", params.c_str(), 0);
  }
  return seed;
}

}  // namespace

uint64_t test_seed() {
  static const uint64_t seed = draw_seed();
  return seed;
}

namespace {
// Drawn during static initialisation so RC_PARAMS is set before RapidCheck
// reads it, even in binaries that never call test_seed().
[[maybe_unused]] const uint64_t kDrawnAtStart = test_seed();
}  // namespace

}  // namespace ferry::testing
