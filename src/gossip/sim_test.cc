// Deterministic simulation of 20-40 gossip nodes (sim_network.h): joins
// through random bootstrap peers, broadcasts in a stable swarm, departures
// with broadcasts racing the (lazy) failure detection, repair, shuffles.
// Checked after every step: the invariants of the node the step changed (no
// other node changes), no Swarm message delivered twice. At quiescence: active views symmetric,
// non-empty and connected; every broadcast delivered exactly once to every live node that could be
// reached when it was sent. Seeds: ferry::testing::test_seed() + run; FERRY_GOSSIP_SIM_RUNS sets
// the number of runs (default 30).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>

#include "core/encoding.h"
#include "gossip/sim_network.h"
#include "testing/seed.h"

namespace ferry::gossip::sim {
namespace {

const TopicId kTopic = [] {
  TopicId t{};
  t.fill(0x27);
  return t;
}();
const TopicId kTopic2 = [] {
  TopicId t{};
  t.fill(0x28);
  return t;
}();

std::string check_node(SimNetwork& net, size_t i) {
  if (!net.alive(i)) return "";
  auto st = net.state(i).check_invariants();
  if (!st) return "node " + std::to_string(i) + ": " + st.error().to_string();
  return "";
}

using Graph = std::vector<std::vector<size_t>>;

// Active-view edges between live nodes (either direction counts).
Graph snapshot(SimNetwork& net, const TopicId& topic) {
  Graph adj(net.size());
  for (size_t i = 0; i < net.size(); ++i) {
    if (!net.alive(i) || !net.state(i).has_topic(topic)) continue;
    for (const auto& p : net.state(i).membership(topic).active()) {
      auto j = net.index(p);
      if (!j || !net.alive(*j)) continue;
      adj[i].push_back(*j);
      adj[*j].push_back(i);
    }
  }
  return adj;
}

// Nodes reachable from `from` in `adj` through nodes that are alive now.
std::vector<bool> reach(SimNetwork& net, const Graph& adj, size_t from) {
  std::vector<bool> seen(net.size(), false);
  std::vector<size_t> stack{from};
  seen[from] = true;
  while (!stack.empty()) {
    size_t x = stack.back();
    stack.pop_back();
    for (size_t y : adj[x]) {
      if (!seen[y] && net.alive(y)) {
        seen[y] = true;
        stack.push_back(y);
      }
    }
  }
  return seen;
}

std::vector<bool> component(SimNetwork& net, const TopicId& topic, size_t from) {
  return reach(net, snapshot(net, topic), from);
}

bool member(SimNetwork& net, const TopicId& topic, size_t i) {
  return net.alive(i) && net.state(i).has_topic(topic);
}

// The largest component of the topic's live members.
std::vector<bool> main_component(SimNetwork& net, const TopicId& topic) {
  std::vector<bool> best(net.size(), false);
  size_t best_size = 0;
  for (size_t i = 0; i < net.size(); ++i) {
    if (!member(net, topic, i) || best[i]) continue;
    auto c = component(net, topic, i);
    size_t n = static_cast<size_t>(std::count(c.begin(), c.end(), true));
    if (n > best_size) {
      best = c;
      best_size = n;
    }
  }
  return best;
}

// A node outside the main component is stranded when its whole component
// knows no live peer outside it (in passive views or bootstrap lists):
// nothing can reconnect it, in iroh or here.
using Boots = std::map<std::pair<size_t, TopicId>, std::vector<size_t>>;
bool stranded(SimNetwork& net, const TopicId& topic, Boots& boots, size_t i) {
  if (main_component(net, topic)[i]) return false;
  auto comp = component(net, topic, i);
  for (size_t k = 0; k < net.size(); ++k) {
    if (!comp[k]) continue;
    for (const auto& p : net.state(k).membership(topic).passive()) {
      size_t q = *net.index(p);
      if (net.alive(q) && !comp[q]) return false;
    }
    for (size_t b : boots[{k, topic}]) {
      if (net.alive(b) && !comp[b]) return false;
    }
  }
  return true;
}

// Quiescent swarm: views symmetric and non-empty; graph connected if asked
// (right after the joins a small island can exist until the next shuffle
// tick repairs it).
// Stranded nodes (see stranded()) are left out.
void expect_healthy(SimNetwork& net, const TopicId& topic, const std::string& when, bool connected,
                    const std::function<bool(size_t)>& stranded) {
  size_t first = net.size();
  for (size_t i = 0; i < net.size(); ++i) {
    if (!member(net, topic, i) || stranded(i)) continue;
    if (first == net.size()) first = i;
    const auto& hv = net.state(i).membership(topic);
    EXPECT_FALSE(hv.active().empty()) << when << ": node " << i << " has no neighbour";
    for (const auto& p : hv.active()) {
      auto j = net.index(p);
      ASSERT_TRUE(j.has_value());
      EXPECT_TRUE(net.alive(*j)) << when << ": node " << i << " keeps departed " << *j;
      if (net.alive(*j)) {
        EXPECT_TRUE(net.state(*j).membership(topic).is_active(net.id(i)))
            << when << ": " << i << " -> " << *j << " is not symmetric";
      }
    }
  }
  if (first == net.size() || !connected) return;
  auto seen = main_component(net, topic);
  for (size_t i = 0; i < net.size(); ++i) {
    if (member(net, topic, i) && !stranded(i)) {
      EXPECT_TRUE(seen[i]) << when << ": node " << i << " is cut off (topic " << int(topic[0])
                           << ", " << net.state(i).membership(topic).active().size() << " active, "
                           << net.state(i).membership(topic).passive().size() << " passive)";
    }
  }
}

// A broadcast and the swarm's edges when it was sent: if its sender stays,
// it must reach every node connected to the sender through nodes that
// stayed alive.
struct Sent {
  MessageId id;
  size_t from;
  Graph edges;
};

// True if every live member's neighbours count it back.
bool symmetric(SimNetwork& net, const std::vector<TopicId>& topics) {
  for (const auto& topic : topics) {
    for (size_t i = 0; i < net.size(); ++i) {
      if (!member(net, topic, i)) continue;
      for (const auto& p : net.state(i).membership(topic).active()) {
        auto j = net.index(p);
        if (!j || !member(net, topic, *j) ||
            !net.state(*j).membership(topic).is_active(net.id(i))) {
          return false;
        }
      }
    }
  }
  return true;
}

// Frames of an older connection can overtake those of a newer one, so a
// Disconnect can arrive stale and leave a one-sided link; a Shuffle or
// ForwardJoin over it heals it (the receiver answers Disconnect). Islands
// merge on shuffle ticks too (rejoin, refill). Lets up to 40 shuffle ticks
// pass while `healthy()` is false. Returns the ticks used.
int heal(SimNetwork& net, const std::function<bool()>& healthy) {
  int ticks = 0;
  while (!healthy() && ticks < 40 && net.failure().empty()) {
    net.run_until(net.now() + 60s);
    (void)net.settle();
    ++ticks;
  }
  return ticks;
}

size_t random_live(SimNetwork& net, const TopicId* topic = nullptr) {
  for (;;) {
    size_t i = net.rng().below(net.size());
    if (net.alive(i) && (!topic || net.state(i).has_topic(*topic))) return i;
  }
}

// Broadcasts from a random member of a random topic of `topics`.
Sent send_one(SimNetwork& net, const std::vector<TopicId>& topics, uint64_t n) {
  const TopicId& topic = topics[net.rng().below(topics.size())];
  size_t from = random_live(net, &topic);
  Bytes content = to_bytes("message " + std::to_string(n) + " from " + std::to_string(from));
  Sent s{{}, from, snapshot(net, topic)};
  s.id = net.broadcast(from, topic, std::move(content));
  return s;
}

void expect_delivered(SimNetwork& net, const std::vector<Sent>& sent, const std::string& when) {
  for (const auto& s : sent) {
    // A sender whose neighbours all pruned it hands its message out only by
    // Graft from its cache: if it departs at once, the message may die too.
    if (!net.alive(s.from)) continue;
    auto reachable = reach(net, s.edges, s.from);
    for (size_t i = 0; i < net.size(); ++i) {
      if (!net.alive(i) || !reachable[i] || i == s.from) continue;
      EXPECT_EQ(net.deliveries(i, s.id), 1u)
          << when << ": message from " << s.from << " at node " << i;
    }
    EXPECT_EQ(net.deliveries(s.from, s.id), 0u) << "a node received its own broadcast";
  }
}

struct Totals {
  uint64_t runs = 0, nodes = 0, frames = 0, lost = 0, steps = 0, heal_ticks = 0, stranded = 0;
};
Totals totals;

void run_one(uint64_t seed) {
  Prng pick(seed);
  size_t n = 20 + pick.below(21);
  SimNetwork net(seed, n);
  net.check = [&](size_t node) { return check_node(net, node); };
  uint64_t counter = 0;

  // Joins, each through one or two earlier nodes. Every other run, a second
  // topic over about half the nodes shares their connections.
  std::vector<TopicId> topics{kTopic};
  if (pick.chance(0.5)) topics.push_back(kTopic2);
  std::vector<size_t> members2;
  Boots boots;
  net.join(0, kTopic, {});
  for (size_t i = 1; i < n; ++i) {
    net.run_until(net.now() + Duration(static_cast<int64_t>(pick.below(50'000'000))));
    std::vector<size_t> boot{pick.below(i)};
    if (i > 2 && pick.chance(0.3)) boot.push_back(pick.below(i));
    net.join(i, kTopic, boot);
    boots[{i, kTopic}] = boot;
    if (topics.size() > 1 && pick.chance(0.5)) {
      std::vector<size_t> boot2;
      if (!members2.empty()) boot2.push_back(members2[pick.below(members2.size())]);
      net.join(i, kTopic2, boot2);
      boots[{i, kTopic2}] = boot2;
      members2.push_back(i);
    }
  }
  ASSERT_TRUE(net.settle()) << "joins did not settle";
  ASSERT_EQ(net.failure(), "");
  auto is_stranded = [&](const TopicId& t, size_t i) {
    bool st = stranded(net, t, boots, i);
    totals.stranded += st;
    return st;
  };
  auto healthy = [&](bool connected) {
    if (!symmetric(net, topics)) return false;
    if (!connected) return true;
    for (const auto& t : topics) {
      auto main = main_component(net, t);
      for (size_t i = 0; i < net.size(); ++i) {
        if (member(net, t, i) && !main[i] && !stranded(net, t, boots, i)) return false;
      }
    }
    return true;
  };
  auto expect_all_healthy = [&](const std::string& when, bool connected = true) {
    totals.heal_ticks += heal(net, [&] { return healthy(connected); });
    for (const auto& t : topics) {
      expect_healthy(net, t, when, connected, [&](size_t i) { return is_stranded(t, i); });
    }
  };
  expect_all_healthy("after joins", false);

  // Broadcasts in a stable swarm.
  std::vector<Sent> sent;
  for (int k = 0; k < 6; ++k) {
    sent.push_back(send_one(net, topics, counter++));
    net.run_until(net.now() + Duration(static_cast<int64_t>(pick.below(100'000'000))));
  }
  ASSERT_TRUE(net.settle());
  ASSERT_EQ(net.failure(), "");
  expect_delivered(net, sent, "stable");

  // Shuffles (every 60 s) fill the passive views.
  net.run_until(net.now() + 185s);
  ASSERT_TRUE(net.settle());
  ASSERT_EQ(net.failure(), "");
  expect_all_healthy("after shuffles");

  // Departures, with broadcasts before anyone notices: the tree has holes
  // and must be repaired by IHave / Graft.
  sent.clear();
  size_t kills = std::max<size_t>(1, n / 10);
  for (size_t k = 0; k < kills; ++k) net.kill(random_live(net));
  for (int k = 0; k < 6; ++k) {
    sent.push_back(send_one(net, topics, counter++));
    net.run_until(net.now() + Duration(static_cast<int64_t>(pick.below(300'000'000))));
    if (k == 2) net.kill(random_live(net));
  }
  ASSERT_TRUE(net.settle());
  ASSERT_EQ(net.failure(), "");
  expect_delivered(net, sent, "with departures");
  expect_all_healthy("after departures");

  // A last round of broadcasts over the repaired tree.
  sent.clear();
  for (int k = 0; k < 4; ++k) {
    sent.push_back(send_one(net, topics, counter++));
    net.run_until(net.now() + Duration(static_cast<int64_t>(pick.below(50'000'000))));
  }
  ASSERT_TRUE(net.settle());
  ASSERT_EQ(net.failure(), "");
  expect_delivered(net, sent, "after repair");
  EXPECT_EQ(net.oversize_frames(), 0u);
  totals.runs += 1;
  totals.nodes += n;
  totals.frames += net.frames_sent();
  totals.lost += net.frames_lost();
  totals.steps += net.steps();
}

TEST(GossipSim, RandomSwarms) {
  uint64_t base = ferry::testing::test_seed();
  int runs = 30;
  if (const char* r = std::getenv("FERRY_GOSSIP_SIM_RUNS")) runs = std::atoi(r);
  for (int r = 0; r < runs; ++r) {
    uint64_t seed = base + static_cast<uint64_t>(r);
    SCOPED_TRACE("sim seed " + std::to_string(seed) + " (run " + std::to_string(r) +
                 " of FERRY_SEED=" + std::to_string(base) + ")");
    run_one(seed);
    if (::testing::Test::HasFailure()) break;
  }
  std::printf(
      "gossip sim: %llu runs, %llu nodes, %llu frames (%llu lost to departed nodes), %llu steps, "
      "%llu shuffle ticks to heal one-sided links, %llu stranded-node checks skipped\n",
      (unsigned long long)totals.runs, (unsigned long long)totals.nodes,
      (unsigned long long)totals.frames, (unsigned long long)totals.lost,
      (unsigned long long)totals.steps, (unsigned long long)totals.heal_ticks,
      (unsigned long long)totals.stranded);
}

}  // namespace
}  // namespace ferry::gossip::sim
