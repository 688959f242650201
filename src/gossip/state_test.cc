// The gossip core against the behaviour of spec iroh-0.35-gossip.md §2.3 and
// §3.3, one exchange at a time: the join handshake, ForwardJoin, eviction,
// Disconnect, unknown topics; broadcast, de-duplication and Prune, lazy
// IHave, Graft, id checks, size limits, and timers.
#include <gtest/gtest.h>

#include <string>

#include "core/encoding.h"
#include "crypto/blake3.h"
#include "gossip/state.h"
#include "testing/seed.h"

namespace ferry::gossip {
namespace {

namespace pg = proto::gossip;

PeerId peer(uint8_t n) {
  PeerId p{};
  p.fill(n);
  return p;
}
const TopicId kTopic = peer(0x27);
const Instant t0 = Instant::from_nanos(1'000'000'000);

class Node {
 public:
  explicit Node(uint8_t n, Config config = {})
      : state(peer(n), to_bytes("data-" + std::to_string(n)), config, ferry::testing::test_seed()) {
  }

  // Drains and returns the actions; checks invariants.
  std::vector<Action> take() {
    std::vector<Action> out;
    while (auto a = state.poll_action()) out.push_back(std::move(*a));
    auto st = state.check_invariants();
    EXPECT_TRUE(st) << st.error().to_string();
    return out;
  }
  void recv(uint8_t from, Body body, Instant now = t0) {
    state.on_message(peer(from), Message{kTopic, std::move(body)}, now);
  }
  const HyParView& hv() { return state.membership(kTopic); }
  const PlumTree& pt() { return state.broadcast_tree(kTopic); }

  State state;
};

// Messages of type M sent to `to` among `actions`.
template <typename M>
std::vector<M> sent(const std::vector<Action>& actions, const PeerId& to) {
  std::vector<M> out;
  for (const auto& a : actions) {
    if (const auto* s = std::get_if<SendMessage>(&a); s && s->peer == to) {
      EXPECT_EQ(s->message.topic, kTopic);
      if (const auto* m = std::get_if<M>(&s->message.body)) out.push_back(*m);
    }
  }
  return out;
}
size_t sends(const std::vector<Action>& actions) {
  size_t n = 0;
  for (const auto& a : actions) n += std::holds_alternative<SendMessage>(a);
  return n;
}
template <typename E>
std::vector<E> events(const std::vector<Action>& actions) {
  std::vector<E> out;
  for (const auto& a : actions) {
    if (const auto* e = std::get_if<EmitEvent>(&a)) {
      if (const auto* x = std::get_if<E>(&e->event)) out.push_back(*x);
    }
  }
  return out;
}
bool disconnects(const std::vector<Action>& actions, const PeerId& p) {
  for (const auto& a : actions) {
    if (const auto* d = std::get_if<DisconnectPeer>(&a); d && d->peer == p) return true;
  }
  return false;
}
std::vector<Timer> timers(const std::vector<Action>& actions, Timer::Kind kind) {
  std::vector<Timer> out;
  for (const auto& a : actions) {
    if (const auto* t = std::get_if<ScheduleTimer>(&a); t && t->timer.kind == kind) {
      out.push_back(t->timer);
    }
  }
  return out;
}

// Makes `n` a neighbour of `node` through a Join from it.
void befriend(Node& node, uint8_t n) {
  node.recv(n, pg::Join{to_bytes("data-" + std::to_string(n))});
  (void)node.take();
}

TEST(GossipState, JoinerSendsJoinAndAnswersNeighbor) {
  Node c(3);
  c.state.join(kTopic, {peer(1)}, t0);
  auto a = c.take();
  auto joins = sent<pg::Join>(a, peer(1));
  ASSERT_EQ(joins.size(), 1u);
  EXPECT_EQ(joins[0].data, to_bytes("data-3"));  // always Some(our data)
  EXPECT_EQ(timers(a, Timer::Kind::kDoShuffle).size(), 1u);
  EXPECT_EQ(timers(a, Timer::Kind::kEvictCache).size(), 1u);

  c.recv(1, pg::Neighbor{pg::Priority::kHigh, to_bytes("data-1")});
  a = c.take();
  EXPECT_EQ(events<NeighborUp>(a).size(), 1u);
  auto back = sent<pg::Neighbor>(a, peer(1));
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].priority, pg::Priority::kHigh);
  EXPECT_TRUE(c.hv().is_active(peer(1)));
  EXPECT_TRUE(c.pt().eager().contains(peer(1)));
  bool learnt = false;
  for (const auto& x : a) {
    if (const auto* d = std::get_if<PeerDataReceived>(&x)) {
      learnt |= d->peer == peer(1) && d->data == to_bytes("data-1");
    }
  }
  EXPECT_TRUE(learnt);
}

TEST(GossipState, ContactAddsJoinerAndForwardsTheJoin) {
  Node a(1);
  a.state.join(kTopic, {}, t0);
  (void)a.take();
  befriend(a, 2);
  a.recv(3, pg::Join{to_bytes("data-3")});
  auto acts = a.take();
  auto nb = sent<pg::Neighbor>(acts, peer(3));
  ASSERT_EQ(nb.size(), 1u);
  EXPECT_EQ(nb[0].priority, pg::Priority::kHigh);
  EXPECT_EQ(nb[0].data, to_bytes("data-1"));
  auto fj = sent<pg::ForwardJoin>(acts, peer(2));
  ASSERT_EQ(fj.size(), 1u);
  EXPECT_EQ(fj[0].peer.id, peer(3));
  EXPECT_EQ(fj[0].peer.data, to_bytes("data-3"));
  EXPECT_EQ(fj[0].ttl, 6);
  EXPECT_TRUE(sent<pg::ForwardJoin>(acts, peer(3)).empty());
  // The joiner's Neighbor reply changes nothing and keeps the connection.
  a.recv(3, pg::Neighbor{pg::Priority::kHigh, to_bytes("data-3")});
  acts = a.take();
  EXPECT_EQ(sends(acts), 0u);
  EXPECT_FALSE(disconnects(acts, peer(3)));
  // A re-Join from a neighbour is answered with Neighbor(High) (renewal).
  a.recv(3, pg::Join{to_bytes("data-3")});
  EXPECT_EQ(sent<pg::Neighbor>(a.take(), peer(3)).size(), 1u);
}

TEST(GossipState, ForwardJoinRules) {
  // |active| <= 1: take the joiner (and dial it with a Neighbor).
  Node a(1);
  a.state.join(kTopic, {}, t0);
  (void)a.take();
  befriend(a, 2);
  a.recv(2, pg::ForwardJoin{{peer(9), to_bytes("data-9")}, 5});
  auto acts = a.take();
  EXPECT_EQ(sent<pg::Neighbor>(acts, peer(9)).size(), 1u);
  EXPECT_TRUE(a.hv().is_active(peer(9)));

  // ttl == PRWL with more neighbours: passive, and forwarded with ttl - 1 to
  // a neighbour other than the sender.
  befriend(a, 3);
  a.recv(2, pg::ForwardJoin{{peer(10), to_bytes("data-10")}, 3});
  acts = a.take();
  EXPECT_TRUE(a.hv().is_passive(peer(10)));
  EXPECT_TRUE(sent<pg::ForwardJoin>(acts, peer(2)).empty());
  size_t forwarded = 0;
  for (uint8_t n : {3, 9}) {
    for (const auto& f : sent<pg::ForwardJoin>(acts, peer(n))) {
      EXPECT_EQ(f.ttl, 2);
      EXPECT_EQ(f.peer.id, peer(10));
      ++forwarded;
    }
  }
  EXPECT_EQ(forwarded, 1u);

  // ttl 0: take it whatever the view.
  a.recv(3, pg::ForwardJoin{{peer(11), std::nullopt}, 0});
  acts = a.take();
  EXPECT_TRUE(a.hv().is_active(peer(11)));
}

TEST(GossipState, FullViewEvictsForHighAndRefusesLow) {
  Node a(1);
  a.state.join(kTopic, {}, t0);
  (void)a.take();
  for (uint8_t n = 2; n <= 6; ++n) befriend(a, n);
  ASSERT_EQ(a.hv().active().size(), 5u);

  a.recv(7, pg::Join{to_bytes("data-7")});
  auto acts = a.take();
  EXPECT_TRUE(a.hv().is_active(peer(7)));
  ASSERT_EQ(events<NeighborDown>(acts).size(), 1u);
  PeerId victim = events<NeighborDown>(acts)[0].peer;
  auto bye = sent<pg::Disconnect>(acts, victim);
  ASSERT_EQ(bye.size(), 1u);
  EXPECT_EQ(bye[0], (pg::Disconnect{true, false}));  // 05 01 00, as real nodes send
  EXPECT_TRUE(disconnects(acts, victim));
  EXPECT_TRUE(a.hv().is_passive(victim));
  EXPECT_EQ(a.hv().active().size(), 5u);

  // Low priority at capacity: refused (explicitly, Ferry) and disconnected.
  a.recv(8, pg::Neighbor{pg::Priority::kLow, std::nullopt});
  acts = a.take();
  EXPECT_FALSE(a.hv().is_active(peer(8)));
  EXPECT_EQ(sent<pg::Disconnect>(acts, peer(8)).size(), 1u);
  EXPECT_TRUE(disconnects(acts, peer(8)));
}

TEST(GossipState, DisconnectAndConnectionLoss) {
  Node b(2);
  b.state.join(kTopic, {}, t0);
  (void)b.take();
  befriend(b, 3);
  befriend(b, 4);
  // Disconnect{1,1}: reply Disconnect{1,0}, NeighborDown, close, keep passive.
  b.recv(3, pg::Disconnect{true, true});
  auto acts = b.take();
  auto reply = sent<pg::Disconnect>(acts, peer(3));
  ASSERT_EQ(reply.size(), 1u);
  EXPECT_EQ(reply[0], (pg::Disconnect{true, false}));
  EXPECT_EQ(events<NeighborDown>(acts).size(), 1u);
  EXPECT_TRUE(disconnects(acts, peer(3)));
  EXPECT_TRUE(b.hv().is_passive(peer(3)));
  // Refill: a Neighbor request (Low: we still have a neighbour) to a
  // passive peer other than the one that left, with a 500 ms timer.
  EXPECT_TRUE(sent<pg::Neighbor>(acts, peer(3)).empty());

  // Connection lost: like a received Disconnect; we still tell the peer (it
  // may have moved to a newer connection and still count us).
  b.state.on_connection_closed(peer(4), t0);
  acts = b.take();
  EXPECT_EQ(sent<pg::Disconnect>(acts, peer(4)).size(), 1u);
  EXPECT_FALSE(disconnects(acts, peer(4)));  // the connection is gone already
  EXPECT_EQ(events<NeighborDown>(acts).size(), 1u);
  EXPECT_FALSE(b.pt().eager().contains(peer(4)));
  // Isolated with passive peers: a High request, and its timer.
  auto req = sent<pg::Neighbor>(acts, peer(3));
  auto req4 = sent<pg::Neighbor>(acts, peer(4));
  EXPECT_EQ(req.size() + req4.size(), 1u);
  auto pend = timers(acts, Timer::Kind::kPendingNeighbor);
  ASSERT_EQ(pend.size(), 1u);
  // No answer in time: the candidate leaves passive.
  b.state.on_timer(pend[0], t0 + 500ms);
  (void)b.take();
  EXPECT_FALSE(b.hv().is_passive(pend[0].peer));

  // Disconnect{alive = false}: dropped from passive too.
  befriend(b, 5);
  b.recv(5, pg::Disconnect{false, false});
  (void)b.take();
  EXPECT_FALSE(b.hv().is_passive(peer(5)));
}

TEST(GossipState, UnknownTopicIsIgnoredAndQuitLeaves) {
  Node a(1);
  a.state.on_message(peer(3), Message{peer(0x55), pg::Join{to_bytes("x")}}, t0);
  EXPECT_TRUE(a.take().empty());
  EXPECT_FALSE(a.state.broadcast(kTopic, to_bytes("x"), DeliveryScope::Kind::kSwarm, t0));

  a.state.join(kTopic, {}, t0);
  (void)a.take();
  befriend(a, 2);
  a.state.quit(kTopic, t0);
  auto acts = a.take();
  EXPECT_EQ(sent<pg::Disconnect>(acts, peer(2)).size(), 1u);
  EXPECT_EQ(events<NeighborDown>(acts).size(), 1u);
  EXPECT_FALSE(a.state.has_topic(kTopic));
  // Its timers are stale now.
  a.state.on_timer(Timer{kTopic, Timer::Kind::kDoShuffle, {}, {}}, t0 + 60s);
  EXPECT_TRUE(a.take().empty());
}

TEST(GossipState, ShuffleForwardAndReply) {
  Node a(1);
  a.state.join(kTopic, {}, t0);
  (void)a.take();
  befriend(a, 2);
  befriend(a, 3);
  // ttl > 0 and two neighbours: forwarded (ttl - 1) to one that is neither
  // origin nor sender.
  a.recv(2, pg::Shuffle{peer(9), {pg::PeerInfo{peer(8), to_bytes("d8")}}, 5});
  auto acts = a.take();
  auto fwd = sent<pg::Shuffle>(acts, peer(3));
  ASSERT_EQ(fwd.size(), 1u);
  EXPECT_EQ(fwd[0].ttl, 4);
  EXPECT_EQ(fwd[0].origin, peer(9));
  // ttl 0: nodes go to passive and a reply goes straight to the origin.
  a.recv(2, pg::Shuffle{peer(9), {pg::PeerInfo{peer(8), to_bytes("d8")}}, 0});
  acts = a.take();
  EXPECT_TRUE(a.hv().is_passive(peer(8)));
  EXPECT_EQ(sent<pg::ShuffleReply>(acts, peer(9)).size(), 1u);
  // A ShuffleReply from a non-neighbour: passive, then its connection closes.
  a.recv(9, pg::ShuffleReply{{pg::PeerInfo{peer(7), std::nullopt}}});
  acts = a.take();
  EXPECT_TRUE(a.hv().is_passive(peer(7)));
  EXPECT_TRUE(disconnects(acts, peer(9)));
  // Our own shuffle: to a neighbour, origin us, ttl 6, and re-armed.
  a.state.on_timer(Timer{kTopic, Timer::Kind::kDoShuffle, {}, {}}, t0 + 60s);
  acts = a.take();
  size_t shuffles = 0;
  for (uint8_t n : {2, 3}) {
    for (const auto& s : sent<pg::Shuffle>(acts, peer(n))) {
      EXPECT_EQ(s.origin, peer(1));
      EXPECT_EQ(s.ttl, 6);
      EXPECT_LE(s.nodes.size(), 7u);
      ++shuffles;
    }
  }
  EXPECT_EQ(shuffles, 1u);
  EXPECT_EQ(timers(acts, Timer::Kind::kDoShuffle).size(), 1u);
}

// ---- PlumTree ----

pg::Gossip gossip_of(const std::string& content, DeliveryScope scope) {
  Bytes c = to_bytes(content);
  return pg::Gossip{crypto::blake3(c).bytes(), c, scope};
}

TEST(GossipState, BroadcastDedupPruneAndForward) {
  Node a(1);
  a.state.join(kTopic, {}, t0);
  (void)a.take();
  befriend(a, 2);
  befriend(a, 3);
  ASSERT_TRUE(a.state.broadcast(kTopic, to_bytes("hello"), DeliveryScope::Kind::kSwarm, t0));
  auto acts = a.take();
  for (uint8_t n : {2, 3}) {
    auto g = sent<pg::Gossip>(acts, peer(n));
    ASSERT_EQ(g.size(), 1u);
    EXPECT_EQ(g[0], gossip_of("hello", DeliveryScope::swarm(0)));
  }
  EXPECT_TRUE(events<Received>(acts).empty());

  // A message from 2 at round 3: delivered, forwarded to 3 at round 4.
  auto m = gossip_of("from two", DeliveryScope::swarm(3));
  a.recv(2, m);
  acts = a.take();
  auto got = events<Received>(acts);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].content, to_bytes("from two"));
  EXPECT_EQ(got[0].delivered_from, peer(2));
  EXPECT_EQ(got[0].scope, DeliveryScope::swarm(3));
  auto fwd = sent<pg::Gossip>(acts, peer(3));
  ASSERT_EQ(fwd.size(), 1u);
  EXPECT_EQ(fwd[0].scope, DeliveryScope::swarm(4));
  EXPECT_TRUE(sent<pg::Gossip>(acts, peer(2)).empty());

  // The same message again from 3: Prune, 3 becomes lazy, nothing delivered.
  a.recv(3, gossip_of("from two", DeliveryScope::swarm(1)));
  acts = a.take();
  EXPECT_EQ(sent<pg::Prune>(acts, peer(3)).size(), 1u);
  EXPECT_TRUE(events<Received>(acts).empty());
  EXPECT_TRUE(a.pt().lazy().contains(peer(3)));

  // Now 3 gets IHaves, batched by the 5 ms dispatch timer.
  ASSERT_TRUE(a.state.broadcast(kTopic, to_bytes("second"), DeliveryScope::Kind::kSwarm, t0));
  acts = a.take();
  EXPECT_TRUE(sent<pg::Gossip>(acts, peer(3)).empty());
  auto dispatch = timers(acts, Timer::Kind::kDispatchLazyPush);
  ASSERT_EQ(dispatch.size(), 1u);
  a.state.on_timer(dispatch[0], t0 + 5ms);
  acts = a.take();
  auto ihave = sent<pg::IHave>(acts, peer(3));
  ASSERT_EQ(ihave.size(), 1u);
  ASSERT_EQ(ihave[0].entries.size(), 1u);
  EXPECT_EQ(ihave[0].entries[0].id, crypto::blake3(to_bytes("second")).bytes());
  EXPECT_EQ(ihave[0].entries[0].round, 0);

  // A Graft from 3 gets the cached copy and makes 3 eager again.
  a.recv(3, pg::Graft{crypto::blake3(to_bytes("second")).bytes(), 0});
  acts = a.take();
  auto cached = sent<pg::Gossip>(acts, peer(3));
  ASSERT_EQ(cached.size(), 1u);
  EXPECT_EQ(cached[0], gossip_of("second", DeliveryScope::swarm(0)));
  EXPECT_TRUE(a.pt().eager().contains(peer(3)));

  // A Gossip whose id is not BLAKE3(content) is dropped.
  auto forged = gossip_of("x", DeliveryScope::swarm(0));
  forged.content = to_bytes("y");
  a.recv(2, forged);
  EXPECT_TRUE(a.take().empty());
}

TEST(GossipState, IHaveThenGraftFromAnnouncersInTurn) {
  Node a(1);
  a.state.join(kTopic, {}, t0);
  (void)a.take();
  befriend(a, 2);
  befriend(a, 3);
  MessageId id = crypto::blake3(to_bytes("missing")).bytes();
  a.recv(2, pg::IHave{{pg::IHaveEntry{id, 2}}});
  auto acts = a.take();
  auto graft_timers = timers(acts, Timer::Kind::kSendGraft);
  ASSERT_EQ(graft_timers.size(), 1u);
  a.recv(3, pg::IHave{{pg::IHaveEntry{id, 5}}});
  EXPECT_TRUE(timers(a.take(), Timer::Kind::kSendGraft).empty());  // one per id

  a.state.on_timer(graft_timers[0], t0 + 80ms);
  acts = a.take();
  auto g = sent<pg::Graft>(acts, peer(2));
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0], (pg::Graft{id, 2}));
  auto again = timers(acts, Timer::Kind::kSendGraft);
  ASSERT_EQ(again.size(), 1u);
  // Still missing 40 ms later: the next announcer.
  a.state.on_timer(again[0], t0 + 120ms);
  acts = a.take();
  EXPECT_EQ(sent<pg::Graft>(acts, peer(3)).size(), 1u);
  // It arrives: delivered once; later timers and IHaves do nothing.
  a.recv(3, gossip_of("missing", DeliveryScope::swarm(5)));
  EXPECT_EQ(events<Received>(a.take()).size(), 1u);
  a.state.on_timer(again[0], t0 + 160ms);
  a.recv(2, pg::IHave{{pg::IHaveEntry{id, 2}}});
  acts = a.take();
  EXPECT_TRUE(sent<pg::Graft>(acts, peer(2)).empty());
  EXPECT_TRUE(timers(acts, Timer::Kind::kSendGraft).empty());
}

TEST(GossipState, NeighborsScopeIsEagerOnlyAndNotDeduplicated) {
  Node a(1);
  a.state.join(kTopic, {}, t0);
  (void)a.take();
  befriend(a, 2);
  befriend(a, 3);
  a.recv(3, pg::Prune{});
  (void)a.take();
  ASSERT_TRUE(a.state.broadcast(kTopic, to_bytes("ready"), DeliveryScope::Kind::kNeighbors, t0));
  auto acts = a.take();
  EXPECT_EQ(sent<pg::Gossip>(acts, peer(2)).size(), 1u);
  EXPECT_TRUE(sent<pg::Gossip>(acts, peer(3)).empty());  // lazy: never gets it (iroh)
  EXPECT_TRUE(timers(acts, Timer::Kind::kDispatchLazyPush).empty());
  auto g = gossip_of("ready", DeliveryScope::neighbors());
  a.recv(2, g);
  a.recv(2, g);
  acts = a.take();
  EXPECT_EQ(events<Received>(acts).size(), 2u);
  EXPECT_EQ(sends(acts), 0u);  // no forwarding, no Prune
}

TEST(GossipState, SizeLimitsAndCapturedId) {
  Node a(1);
  a.state.join(kTopic, {}, t0);
  (void)a.take();
  EXPECT_TRUE(a.state.broadcast(kTopic, Bytes(4025, 1), DeliveryScope::Kind::kSwarm, t0));
  auto big = a.state.broadcast(kTopic, Bytes(4026, 1), DeliveryScope::Kind::kSwarm, t0);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_TRUE(a.state.broadcast(kTopic, Bytes(4026, 2), DeliveryScope::Kind::kNeighbors, t0));
  EXPECT_FALSE(a.state.broadcast(kTopic, Bytes(4027, 2), DeliveryScope::Kind::kNeighbors, t0));
  EXPECT_EQ(a.pt().ihave_chunk(), 116u);
  // The captured ContentReady("world") of §8: id b2ac8fb0…c74a.
  Bytes content{1};
  append(content, *hex_decode("d7894ae9716d38d2dfad0ec55424ca321ee12453d51f1b3adeb77d0475ed988c"));
  std::string id = hex_encode(crypto::blake3(content).bytes());
  EXPECT_EQ(id.substr(0, 8), "b2ac8fb0");
  EXPECT_EQ(id.substr(60), "c74a");
}

TEST(GossipState, CacheAndIdsExpire) {
  Node a(1);
  a.state.join(kTopic, {}, t0);
  (void)a.take();
  befriend(a, 2);
  ASSERT_TRUE(a.state.broadcast(kTopic, to_bytes("old"), DeliveryScope::Kind::kSwarm, t0));
  (void)a.take();
  EXPECT_EQ(a.pt().cache_size(), 1u);
  a.state.on_timer(Timer{kTopic, Timer::Kind::kEvictCache, {}, {}}, t0 + 31s);
  auto acts = a.take();
  EXPECT_EQ(a.pt().cache_size(), 0u);
  EXPECT_EQ(timers(acts, Timer::Kind::kEvictCache).size(), 1u);
  MessageId id = crypto::blake3(to_bytes("old")).bytes();
  EXPECT_TRUE(a.pt().has_seen(id));  // ids outlive payloads
  a.recv(2, pg::Graft{id, 0}, t0 + 31s);
  EXPECT_TRUE(sent<pg::Gossip>(a.take(), peer(2)).empty());  // too old to answer
  a.state.on_timer(Timer{kTopic, Timer::Kind::kEvictCache, {}, {}}, t0 + 91s);
  (void)a.take();
  EXPECT_FALSE(a.pt().has_seen(id));
}

}  // namespace
}  // namespace ferry::gossip
