// The seed of one test run, shared by every test binary.
//
// FERRY_SEED=<n> replays a run; without it each run draws a fresh seed. The
// seed is printed once ("FERRY_SEED=<n>") before the first test, and
// RapidCheck is seeded with it through RC_PARAMS (unless the caller set
// RC_PARAMS), so one number replays both the hand-written random tests and
// the property tests of a binary.
#pragma once

#include <cstdint>

namespace ferry::testing {

// The run's seed; the same value for every call in one process.
uint64_t test_seed();

}  // namespace ferry::testing
