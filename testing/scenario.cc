// random_scenario: small worlds that exercise every scheduler feature.
#include "testing/sim_world.h"

namespace ferry::testing {
namespace {

using std::chrono::milliseconds;

dl::NodeId make_node(uint32_t n) {
  dl::NodeId id;
  std::memcpy(id.bytes.data(), &n, sizeof(n));
  id.bytes[31] = 0x4e;
  return id;
}

dl::GroupId make_group(uint32_t g) {
  std::array<uint8_t, 32> b{};
  std::memcpy(b.data(), &g, sizeof(g));
  return dl::GroupId::doc(b);
}

dl::Resource make_resource(uint32_t r) {
  std::array<uint8_t, 32> b{};
  std::memcpy(b.data(), &r, sizeof(r));
  b[31] = 0x52;
  return dl::Resource{crypto::Hash(b),
                      r % 5 == 0 ? dl::ResourceKind::kHashSeq : dl::ResourceKind::kBlob};
}

Instant at_ms(uint64_t ms) {
  return Instant::from_nanos(static_cast<int64_t>(ms) * 1'000'000);
}

}  // namespace

Scenario random_scenario(uint64_t seed) {
  Prng rng(seed);
  Scenario sc;
  // Shrunk limits hit the edge paths (global cap, dial queue, full tables).
  dl::Config& c = sc.config;
  c.max_transfers = 1 + static_cast<uint32_t>(rng.below(6));
  c.max_transfers_per_node = 1 + static_cast<uint32_t>(rng.below(3));
  c.max_connections = 1 + static_cast<uint32_t>(rng.below(4));
  c.max_dials = 1 + static_cast<uint32_t>(rng.below(2));
  c.max_dial_attempts = 1 + static_cast<uint32_t>(rng.below(4));
  c.dial_backoff_initial = milliseconds(50 + rng.below(200));
  c.dial_backoff_cap = milliseconds(2000);
  c.idle_timeout = milliseconds(100 + rng.below(2000));
  c.default_wait_deadline = std::chrono::seconds(20);
  c.unwanted_ttl = milliseconds(500 + rng.below(5000));
  c.max_unwanted_resources = 1 + static_cast<uint32_t>(rng.below(20));
  c.node_ttl = milliseconds(500 + rng.below(5000));
  c.max_idle_nodes = 1 + static_cast<uint32_t>(rng.below(10));

  // One world in ten is larger (more contention, longer queues).
  const bool large = rng.chance(0.1);
  const uint32_t np = 1 + static_cast<uint32_t>(rng.below(large ? 12 : 6));
  const uint32_t ng = 1 + static_cast<uint32_t>(rng.below(large ? 5 : 3));
  const uint32_t nr = 1 + static_cast<uint32_t>(rng.below(large ? 120 : 30));
  const bool has_reliable = rng.chance(0.7);
  for (uint32_t p = 0; p < np; ++p) {
    ProviderSpec ps;
    ps.id = make_node(p);
    ps.rtt = milliseconds(2 + rng.below(80));
    ps.bytes_per_sec = 1e6 + static_cast<double>(rng.below(20'000'000));
    ps.reliable = has_reliable && p == 0;
    if (!ps.reliable) {
      ps.abort_rate = rng.unit() * 0.3;
      ps.node_error_rate = rng.unit() * 0.1;
      ps.dial_fail_rate = rng.unit() * 0.4;
      ps.has_rate = rng.unit();
      uint64_t t = 0;
      while (rng.chance(0.4)) {
        t += rng.below(3000);
        uint64_t len = 1 + rng.below(2000);
        ps.offline.emplace_back(at_ms(t), at_ms(t + len));
        t += len;
      }
    } else {
      ps.has_rate = 0.5;
    }
    ps.join_at = at_ms(rng.below(3000));
    ps.announce = rng.chance(0.8);
    for (uint32_t g = 0; g < ng; ++g)
      if (rng.chance(0.5)) ps.groups.push_back(make_group(g));
    sc.providers.push_back(ps);
  }
  for (uint32_t r = 0; r < nr; ++r) {
    ResourceSpec rs;
    rs.resource = make_resource(r);
    rs.size = 1 + rng.below(4 << 20);
    rs.add_at = at_ms(rng.below(4000));
    rs.options.priority.value = static_cast<uint8_t>(rng.below(16));
    rs.reliable = has_reliable && rng.chance(0.3);
    if (rs.reliable) {
      // Known through a hint, or through a group the reliable provider joins.
      const ProviderSpec& p0 = sc.providers[0];
      if (p0.announce && !p0.groups.empty() && rng.chance(0.5))
        rs.hints.groups.push_back(p0.groups[rng.below(p0.groups.size())]);
      else
        rs.hints.nodes.push_back(p0.id);
      rs.options.policy = dl::FailurePolicy::wait(std::nullopt, std::chrono::hours(1));
    } else {
      double roll = rng.unit();
      if (roll < 0.3)
        rs.options.policy = dl::FailurePolicy::fail_fast();
      else if (roll < 0.6)
        rs.options.policy =
            dl::FailurePolicy::wait(1 + static_cast<uint32_t>(rng.below(4)), std::nullopt);
      else
        rs.options.policy =
            dl::FailurePolicy::wait(std::nullopt, milliseconds(500 + rng.below(8000)));
      if (rng.chance(0.15)) rs.cancel_at = rs.add_at + milliseconds(rng.below(3000));
    }
    for (uint32_t p = 0; p < np; ++p)
      if (rng.chance(0.3)) rs.hints.nodes.push_back(sc.providers[p].id);
    for (uint32_t g = 0; g < ng; ++g)
      if (rng.chance(0.4)) rs.hints.groups.push_back(make_group(g));
    if (np > 1 && rng.chance(0.1)) rs.hints.skip_nodes.push_back(sc.providers[np - 1].id);
    if (rng.chance(0.1)) rs.second_intent_at = rs.add_at + milliseconds(rng.below(2000));
    sc.resources.push_back(rs);
  }
  return sc;
}

}  // namespace ferry::testing
