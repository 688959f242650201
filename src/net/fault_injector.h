// A test-only network fault injector: decides, for each datagram sent, how
// many copies arrive and when (drop, fixed delay plus jitter, reorder by
// extra delay, duplicate). Sans-IO and seeded, so a failing run replays.
// Used by the UDP driver (these machines have no netem) and by simulations.
#pragma once

#include <vector>

#include "core/instant.h"
#include "core/prng.h"

namespace ferry::net {

struct FaultConfig {
  double drop = 0;       // probability a datagram is lost
  double duplicate = 0;  // probability a second copy is delivered
  double reorder = 0;    // probability a datagram gets `reorder_delay` extra
  Duration delay{0};     // added to every datagram
  Duration jitter{0};    // uniform extra in [0, jitter)
  Duration reorder_delay = std::chrono::milliseconds(10);
};

class FaultInjector {
 public:
  FaultInjector(FaultConfig config, uint64_t seed) : config_(config), prng_(seed) {}

  // Appends the release time of every copy of a datagram sent at `now`
  // (none if it is dropped).
  void apply(Instant now, std::vector<Instant>& releases) {
    if (prng_.chance(config_.drop)) {
      ++dropped_;
      return;
    }
    int copies = prng_.chance(config_.duplicate) ? 2 : 1;
    for (int i = 0; i < copies; ++i) {
      Duration d = config_.delay;
      if (config_.jitter.count() > 0) {
        d += Duration(
            static_cast<int64_t>(prng_.below(static_cast<uint64_t>(config_.jitter.count()))));
      }
      if (prng_.chance(config_.reorder)) d += config_.reorder_delay;
      releases.push_back(now + d);
    }
  }

  const FaultConfig& config() const { return config_; }
  uint64_t dropped() const { return dropped_; }

 private:
  FaultConfig config_;
  Prng prng_;
  uint64_t dropped_ = 0;
};

}  // namespace ferry::net
