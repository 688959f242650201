// Deterministic simulation of the downloader scheduler over many seeds. Each
// seed builds a random world (random_scenario) and checks every invariant
// after every step, then the quiescence checks. FERRY_SEED=<n> replays one
// seed; FERRY_SIM_SEEDS=<count> changes how many run.
#include <gtest/gtest.h>

#include "testing/sim_world.h"

namespace ferry::testing {
namespace {

// The default keeps the ASan+UBSan run of this binary well under two minutes.
constexpr uint64_t kDefaultSeeds = 10000;

TEST(DownloaderSim, RandomWorldsKeepEveryInvariant) {
  uint64_t steps = 0, completed = 0, failed = 0;
  auto seeds = sim_seeds(kDefaultSeeds);
  for (uint64_t seed : seeds) {
    SimWorld world(random_scenario(seed), seed);
    world.run();
    ASSERT_FALSE(world.error()) << *world.error();
    steps += world.stats().steps;
    completed += world.stats().completed;
    failed += world.stats().failed;
  }
  std::printf("seeds: %zu, steps: %llu, intents completed: %llu, failed: %llu\n", seeds.size(),
              static_cast<unsigned long long>(steps), static_cast<unsigned long long>(completed),
              static_cast<unsigned long long>(failed));
}

// The same seed replays exactly.
TEST(DownloaderSim, ReplaysExactly) {
  for (uint64_t seed : {3u, 17u, 99u}) {
    SimWorld a(random_scenario(seed), seed), b(random_scenario(seed), seed);
    a.run();
    b.run();
    EXPECT_EQ(a.stats().steps, b.stats().steps);
    EXPECT_EQ(a.stats().transfers_started, b.stats().transfers_started);
    EXPECT_EQ(a.now(), b.now());
  }
}

}  // namespace
}  // namespace ferry::testing
