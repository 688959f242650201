// LiveState: the accept rule of spec §5, one dial per (document, peer) with
// one queued re-run, peers, debounce.
#include "engine/live_state.h"

#include <gtest/gtest.h>

namespace ferry::engine {
namespace {

using proto::sync::AbortReason;
using namespace std::chrono_literals;

net::NodeId id(uint8_t b) {
  std::array<uint8_t, 32> a{};
  a.fill(b);
  return net::NodeId(a);
}
docs::NamespaceId ns(uint8_t b) {
  std::array<uint8_t, 32> a{};
  a.fill(b);
  return docs::NamespaceId(a);
}
net::NodeAddr addr(uint8_t b, uint16_t port) {
  return net::NodeAddr{id(b), std::nullopt, {net::SocketAddr::v4({127, 0, 0, 1}, port)}};
}

TEST(LiveState, NotSyncingIsNotFound) {
  LiveState s(id(5), 100ms);
  EXPECT_EQ(s.accept(ns(1), id(7)), AbortReason::kNotFound);
  s.set_syncing(ns(1));
  EXPECT_EQ(s.accept(ns(1), id(7)), std::nullopt);
  EXPECT_TRUE(s.check_invariants());
}

TEST(LiveState, AlreadySyncingRule) {
  // A second incoming run from the same peer is refused.
  LiveState s(id(5), 100ms);
  s.set_syncing(ns(1));
  ASSERT_EQ(s.accept(ns(1), id(7)), std::nullopt);
  EXPECT_EQ(s.accept(ns(1), id(7)), AbortReason::kAlreadySyncing);
  s.end_run(ns(1), id(7), false, true, std::nullopt);
  EXPECT_EQ(s.accept(ns(1), id(7)), std::nullopt);
  EXPECT_TRUE(s.check_invariants());

  // Both dial each other: the greater id accepts, the smaller refuses.
  LiveState small(id(5), 100ms), big(id(9), 100ms);
  for (auto* st : {&small, &big}) st->set_syncing(ns(1));
  ASSERT_TRUE(small.begin_dial(ns(1), id(9)));
  ASSERT_TRUE(big.begin_dial(ns(1), id(5)));
  EXPECT_EQ(small.accept(ns(1), id(9)), AbortReason::kAlreadySyncing);
  EXPECT_EQ(big.accept(ns(1), id(5)), std::nullopt);
  EXPECT_TRUE(small.check_invariants() && big.check_invariants());
}

TEST(LiveState, OneDialAtATimeWithOneQueuedRerun) {
  LiveState s(id(5), 100ms);
  s.set_syncing(ns(1));
  ASSERT_TRUE(s.begin_dial(ns(1), id(7)));
  EXPECT_FALSE(s.begin_dial(ns(1), id(7)));
  EXPECT_FALSE(s.begin_dial(ns(1), id(7)));
  EXPECT_TRUE(s.begin_dial(ns(1), id(8)));  // another peer is independent
  EXPECT_TRUE(s.end_run(ns(1), id(7), true, true, addr(7, 1)));
  EXPECT_FALSE(s.running(ns(1), id(7)));
  ASSERT_TRUE(s.begin_dial(ns(1), id(7)));
  EXPECT_FALSE(s.end_run(ns(1), id(7), true, false, addr(7, 1)));
  EXPECT_TRUE(s.check_invariants());
}

TEST(LiveState, UsefulPeersMostRecentFirstBoundedAndMerged) {
  LiveState s(id(5), 100ms);
  s.set_syncing(ns(1));
  s.add_peer(ns(1), addr(5, 1));  // ourselves: ignored
  EXPECT_TRUE(s.peers(ns(1)).empty());
  for (uint8_t i = 10; i < 10 + LiveState::kMaxPeers + 3; ++i) s.add_peer(ns(1), addr(i, i));
  auto p = s.peers(ns(1));
  ASSERT_EQ(p.size(), LiveState::kMaxPeers);
  EXPECT_EQ(p[0].node_id, id(10 + LiveState::kMaxPeers + 2));
  s.add_peer(ns(1), addr(15, 99));  // known node, new address: front, both addresses
  p = s.peers(ns(1));
  ASSERT_EQ(p.size(), LiveState::kMaxPeers);
  EXPECT_EQ(p[0].node_id, id(15));
  EXPECT_EQ(p[0].direct_addresses.size(), 2u);
  // A failed run records nothing; a successful one records the peer.
  s.end_run(ns(2), id(40), true, false, addr(40, 1));
  EXPECT_TRUE(s.peers(ns(2)).empty());
  s.end_run(ns(2), id(40), true, true, addr(40, 1));
  EXPECT_EQ(s.peers(ns(2)).size(), 1u);
  EXPECT_TRUE(s.check_invariants());
}

TEST(LiveState, LocalInsertsAreDebounced) {
  LiveState s(id(5), 100ms);
  Instant t0 = Instant::from_nanos(1'000'000'000);
  s.on_local_insert(ns(1), t0);  // not syncing: ignored
  EXPECT_EQ(s.next_deadline(), Instant::max());
  s.set_syncing(ns(1));
  s.on_local_insert(ns(1), t0);  // syncing but no peers: nothing to do
  EXPECT_EQ(s.next_deadline(), Instant::max());
  s.add_peer(ns(1), addr(7, 1));
  s.on_local_insert(ns(1), t0);
  s.on_local_insert(ns(1), t0 + 50ms);  // joins the window
  EXPECT_EQ(s.next_deadline(), t0 + 100ms);
  EXPECT_TRUE(s.take_due(t0 + 99ms).empty());
  auto due = s.take_due(t0 + 100ms);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0], ns(1));
  EXPECT_EQ(s.next_deadline(), Instant::max());
  EXPECT_TRUE(s.check_invariants());
}

}  // namespace
}  // namespace ferry::engine
