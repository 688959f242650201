// Seeds RapidCheck for the whole downloader_test binary: FERRY_SEED=<n> if
// set, else a fresh seed; printed once, so FERRY_SEED=<n> replays a run
// (RC_PARAMS, if set by the caller, wins).
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

uint64_t init_test_seed() {
  uint64_t seed;
  if (const char* env = std::getenv("FERRY_SEED")) {
    seed = std::strtoull(env, nullptr, 10);
  } else {
    int local = 0;
    seed = (reinterpret_cast<uintptr_t>(&local) * 0x9e3779b97f4a7c15ULL) ^
           (static_cast<uint64_t>(getpid()) << 32);
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

const uint64_t kTestSeed = init_test_seed();

}  // namespace
