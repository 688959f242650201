// Simulated makespan: 10,000 resources of 1 MiB over 20 providers of
// 100 Mbit/s each, 20 ms RTT, on the deterministic simulator (testing/).
//
// completion time = virtual time of the last completion (all resources are
// wanted at t=0, in one document group every provider belongs to).
// ideal = the earliest time T at which the providers could have delivered all
// bytes at full rate: sum over providers of bandwidth * (T - join time) =
// total bytes (with every provider present from t=0 this is total bytes /
// aggregate bandwidth = 41.94 s). Figures: completion time, ideal, and their
// ratio, for four runs: baseline; 10% of transfers failing (aborted part way,
// the bandwidth spent is lost); providers joining over time (one every
// second, 0..19 s); and both.
#include <cstdio>
#include <cstring>

#include "testing/sim_world.h"

using namespace ferry;
using namespace ferry::testing;

namespace {

constexpr uint32_t kResources = 10'000, kProviders = 20;
constexpr uint64_t kSize = 1 << 20;
constexpr double kBytesPerSec = 100e6 / 8;

dl::GroupId doc() {
  std::array<uint8_t, 32> b{};
  b[0] = 0xd0;
  return dl::GroupId::doc(b);
}

Scenario scenario(double fail_rate, bool join_over_time) {
  Scenario sc;
  sc.config.max_transfers = 128;
  sc.config.max_transfers_per_node = 4;
  sc.config.max_connections = 32;
  sc.config.max_dials = 8;
  sc.config.default_wait_deadline = std::chrono::hours(1);
  for (uint32_t p = 0; p < kProviders; ++p) {
    ProviderSpec ps;
    std::memcpy(ps.id.bytes.data(), &p, sizeof(p));
    ps.id.bytes[31] = 0x50;
    ps.rtt = std::chrono::milliseconds(20);
    ps.bytes_per_sec = kBytesPerSec;
    ps.abort_rate = fail_rate;
    ps.join_at = join_over_time ? Instant::from_nanos(int64_t{p} * 1'000'000'000) : Instant();
    ps.groups = {doc()};
    sc.providers.push_back(ps);
  }
  for (uint32_t r = 0; r < kResources; ++r) {
    ResourceSpec rs;
    std::array<uint8_t, 32> b{};
    std::memcpy(b.data(), &r, sizeof(r));
    b[31] = 0x77;
    rs.resource = dl::Resource{crypto::Hash(b), dl::ResourceKind::kBlob};
    rs.size = kSize;
    rs.hints.groups = {doc()};
    rs.options.policy = dl::FailurePolicy::wait(std::nullopt, std::chrono::hours(1));
    sc.resources.push_back(rs);
  }
  return sc;
}

double ideal_seconds(const Scenario& sc) {
  double total = static_cast<double>(kSize) * kResources;
  double lo = 0, hi = 1e6;
  for (int i = 0; i < 200; ++i) {
    double t = (lo + hi) / 2, capacity = 0;
    for (auto& p : sc.providers) {
      double joined = static_cast<double>(p.join_at.nanos()) / 1e9;
      if (t > joined) capacity += p.bytes_per_sec * (t - joined);
    }
    (capacity >= total ? hi : lo) = t;
  }
  return hi;
}

void run(const char* name, double fail_rate, bool join) {
  Scenario sc = scenario(fail_rate, join);
  double ideal = ideal_seconds(sc);
  SimWorld world(sc, 42, /*check_every_step=*/false);
  world.run(100'000'000);
  if (world.error()) {
    std::printf("%s error: %s\n", name, world.error()->c_str());
    return;
  }
  double done = static_cast<double>(world.stats().last_completion.nanos()) / 1e9;
  std::printf("%s completed: %llu of %u\n", name,
              static_cast<unsigned long long>(world.stats().completed), kResources);
  std::printf("%s transfers started: %llu\n", name,
              static_cast<unsigned long long>(world.stats().transfers_started));
  std::printf("%s completion time: %.3f s\n", name, done);
  std::printf("%s ideal: %.3f s\n", name, ideal);
  std::printf("%s completion / ideal: %.4f\n", name, done / ideal);
}

}  // namespace

int main() {
  run("baseline", 0.0, false);
  run("fail10", 0.10, false);
  run("joining", 0.0, true);
  run("fail10+joining", 0.10, true);
  return 0;
}
