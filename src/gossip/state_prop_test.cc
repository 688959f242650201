// Property: whatever a handful of peers send (any message, any topic, any
// order), however timers and connection losses interleave, the core keeps
// its invariants, never addresses itself, emits NeighborUp / NeighborDown
// alternately per peer in step with its active view, and delivers a Swarm
// message at most once per message_id_retention.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <set>

#include "core/prng.h"
#include "crypto/blake3.h"
#include "gossip/state.h"

namespace ferry::gossip {
namespace {

namespace pg = proto::gossip;

PeerId peer(uint8_t n) {
  PeerId p{};
  p.fill(n);
  return p;
}

Bytes small_bytes(Prng& rng) {
  Bytes b(rng.below(12));
  for (auto& x : b) x = static_cast<uint8_t>(rng.below(4));  // few distinct contents
  return b;
}

std::optional<Bytes> maybe_data(Prng& rng) {
  if (rng.chance(0.2)) return std::nullopt;
  return Bytes{static_cast<uint8_t>(rng.below(3))};
}

Body random_body(Prng& rng, const std::vector<MessageId>& ids) {
  auto some_peer = [&] { return peer(static_cast<uint8_t>(1 + rng.below(12))); };
  auto some_id = [&] {
    if (!ids.empty() && rng.chance(0.7)) return ids[rng.below(ids.size())];
    return crypto::blake3(small_bytes(rng)).bytes();
  };
  auto round = [&] { return static_cast<uint16_t>(rng.below(10)); };
  switch (rng.below(10)) {
    case 0: return pg::Join{maybe_data(rng)};
    case 1: return pg::ForwardJoin{{some_peer(), maybe_data(rng)}, round()};
    case 2: {
      pg::Shuffle s{some_peer(), {}, round()};
      for (size_t i = rng.below(5); i > 0; --i) s.nodes.push_back({some_peer(), maybe_data(rng)});
      return s;
    }
    case 3: {
      pg::ShuffleReply s;
      for (size_t i = rng.below(5); i > 0; --i) s.nodes.push_back({some_peer(), maybe_data(rng)});
      return s;
    }
    case 4:
      return pg::Neighbor{rng.chance(0.5) ? pg::Priority::kHigh : pg::Priority::kLow,
                          maybe_data(rng)};
    case 5: return pg::Disconnect{rng.chance(0.7), rng.chance(0.5)};
    case 6: {
      Bytes c = small_bytes(rng);
      pg::Gossip g{crypto::blake3(c).bytes(), c,
                   rng.chance(0.8) ? DeliveryScope::swarm(round()) : DeliveryScope::neighbors()};
      if (rng.chance(0.05)) g.id[0] ^= 1;  // forged
      return g;
    }
    case 7: return pg::Prune{};
    case 8:
      return pg::Graft{rng.chance(0.8) ? std::optional<MessageId>(some_id()) : std::nullopt,
                       round()};
    default: {
      pg::IHave h;
      for (size_t i = rng.below(4); i > 0; --i) h.entries.push_back({some_id(), round()});
      return h;
    }
  }
}

RC_GTEST_PROP(GossipStateProp, InvariantsHoldUnderArbitraryInput, (uint64_t seed)) {
  Prng rng(seed);
  Config config;
  config.membership.active_view_capacity = 1 + rng.below(5);
  config.membership.passive_view_capacity = rng.below(8);
  const PeerId me = peer(0);
  State s(me, Bytes{9}, config, seed);
  TopicId topic = peer(0x77), other = peer(0x78);
  Instant now = Instant::from_nanos(0);
  s.join(topic, {peer(1), peer(2)}, now);

  std::vector<ScheduleTimer> timers;
  std::vector<MessageId> ids;
  std::map<PeerId, bool> up;               // NeighborUp/Down alternate per peer
  std::map<MessageId, Instant> delivered;  // Swarm id -> first delivery

  auto drain = [&] {
    while (auto a = s.poll_action()) {
      if (auto* m = std::get_if<SendMessage>(&*a)) {
        RC_ASSERT(m->peer != me);
        if (auto* g = std::get_if<pg::Gossip>(&m->message.body)) ids.push_back(g->id);
      } else if (auto* d = std::get_if<DisconnectPeer>(&*a)) {
        RC_ASSERT(d->peer != me);
      } else if (auto* t = std::get_if<ScheduleTimer>(&*a)) {
        RC_ASSERT(t->at >= now);
        timers.push_back(*t);
      } else if (auto* e = std::get_if<EmitEvent>(&*a)) {
        RC_ASSERT(e->topic == topic);
        if (auto* u = std::get_if<NeighborUp>(&e->event)) {
          RC_ASSERT(!up[u->peer]);
          up[u->peer] = true;
        } else if (auto* dn = std::get_if<NeighborDown>(&e->event)) {
          RC_ASSERT(up[dn->peer]);
          up[dn->peer] = false;
        } else if (auto* r = std::get_if<Received>(&e->event); r && r->scope.is_swarm()) {
          // Ids are remembered for message_id_retention (iroh: forever).
          auto [it, fresh] = delivered.try_emplace(crypto::blake3(r->content).bytes(), now);
          RC_ASSERT(fresh || now - it->second >= config.broadcast.message_id_retention);
          it->second = now;
        }
      }
    }
    auto st = s.check_invariants();
    RC_ASSERT(st.has_value());
    if (s.has_topic(topic)) {
      for (const auto& [p, is_up] : up) {
        RC_ASSERT(is_up == s.membership(topic).is_active(p));
      }
    }
  };
  drain();

  const int steps = 50 + static_cast<int>(rng.below(250));
  for (int i = 0; i < steps; ++i) {
    now += Duration(static_cast<int64_t>(rng.below(50'000'000)));
    uint64_t what = rng.below(100);
    if (what < 70) {
      PeerId from = peer(static_cast<uint8_t>(rng.below(13)));  // sometimes ourselves
      s.on_message(from, Message{rng.chance(0.95) ? topic : other, random_body(rng, ids)}, now);
    } else if (what < 85 && !timers.empty()) {
      size_t k = rng.below(timers.size());
      ScheduleTimer t = timers[k];
      timers.erase(timers.begin() + static_cast<ptrdiff_t>(k));
      if (t.at > now) now = t.at;
      s.on_timer(t.timer, now);
    } else if (what < 92) {
      s.on_connection_closed(peer(static_cast<uint8_t>(1 + rng.below(12))), now);
    } else if (what < 98) {
      Bytes c = small_bytes(rng);
      auto scope = rng.chance(0.8) ? DeliveryScope::Kind::kSwarm : DeliveryScope::Kind::kNeighbors;
      if (s.has_topic(topic)) RC_ASSERT(s.broadcast(topic, c, scope, now).has_value());
    } else if (what < 99) {
      s.join(topic, {peer(static_cast<uint8_t>(1 + rng.below(12)))}, now);
    } else {
      s.quit(topic, now);
      drain();
      for (auto& [p, is_up] : up) RC_ASSERT(!is_up);
      up.clear();
      delivered.clear();
      s.join(topic, {peer(1)}, now);
    }
    drain();
  }
}

}  // namespace
}  // namespace ferry::gossip
