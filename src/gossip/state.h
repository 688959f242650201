// State: the gossip core of one node, all topics (spec iroh-0.35-gossip.md
// §7), sans-IO. Each joined topic runs HyParView (membership) and PlumTree
// (broadcast); the node routes frames by topic and decides when a peer's
// connection may close.
//
// Driver contract:
//  1. One QUIC connection per peer pair, one bidi stream on it (ALPN
//     proto::gossip::kAlpn), frames per proto/gossip/frame.h. Decode each
//     received frame and call on_message(peer, msg, now); a frame that fails
//     to decode or is too long ends reading that connection.
//  2. After every call drain poll_action():
//     SendMessage   -> encode_frame and write it on the peer's newest
//                      connection, dialing (lazily) if there is none; a frame
//                      that encode_frame refuses is dropped;
//     DisconnectPeer-> finish the stream after the queued frames, close;
//     ScheduleTimer -> call on_timer(timer, now) once `at` has passed;
//     EmitEvent     -> to the topic's subscribers;
//     PeerDataReceived -> decode (peer_data.h), feed the address book.
//  3. When a peer's current connection ends (either side closed, a read or
//     write error, a failed dial), call on_connection_closed(peer, now).
//  `now` must never decrease. Single-threaded; no clocks, sockets or logging.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "core/prng.h"
#include "ferry/result.h"
#include "gossip/hyparview.h"
#include "gossip/plumtree.h"
#include "gossip/types.h"

namespace ferry::gossip {

class State {
 public:
  // `my_data`: our PeerData (AddrInfo bytes with our direct addresses; spec
  // §2.4 says always send it). `seed` seeds the PRNG behind every random
  // choice, so a run replays from it.
  State(const PeerId& me, Bytes my_data, Config config, uint64_t seed);
  ~State();
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  // Creates the topic's state if needed (arming its shuffle and cache
  // timers) and sends Join to each bootstrap peer. Joining again sends Join
  // to the new list.
  void join(const TopicId& topic, const std::vector<PeerId>& bootstrap, Instant now);
  // Leaves the topic: Disconnect to each neighbour, NeighborDown for each,
  // state dropped; its pending timers become stale.
  void quit(const TopicId& topic, Instant now);
  // Errors: kNotFound if the topic is not joined; kResourceExhausted if the
  // content cannot fit one message (max 4025 bytes for Swarm scope).
  Status broadcast(const TopicId& topic, Bytes content, DeliveryScope::Kind scope, Instant now);
  // Replaces our PeerData for later messages (never pushed on its own).
  void update_peer_data(Bytes data);

  // A decoded frame from `from`. Frames for topics we have not joined are
  // ignored (no reply), as in iroh.
  void on_message(const PeerId& from, const Message& message, Instant now);
  void on_connection_closed(const PeerId& peer, Instant now);
  void on_timer(const Timer& timer, Instant now);

  [[nodiscard]] std::optional<Action> poll_action();
  bool has_actions() const { return !actions_.empty(); }

  // ---- Introspection ----
  const PeerId& me() const { return me_; }
  bool has_topic(const TopicId& t) const { return topics_.contains(t); }
  std::vector<TopicId> topics() const;
  // Requires: has_topic(t).
  const HyParView& membership(const TopicId& t) const;
  const PlumTree& broadcast_tree(const TopicId& t) const;

  // Every topic's invariants, plus: each neighbour is eager or lazy.
  [[nodiscard]] Status check_invariants() const;

 private:
  struct Topic;
  class Out;
  Topic* find(const TopicId& t);

  PeerId me_;
  Bytes my_data_;
  Config config_;
  Prng rng_;
  std::map<TopicId, std::unique_ptr<Topic>> topics_;
  // Topics that received from a peer; a connection closes only when a
  // topic asks and no other topic still uses the peer (spec §2.3).
  std::map<PeerId, std::set<TopicId>> peer_topics_;
  std::deque<Action> actions_;
  const PeerId* closed_peer_ = nullptr;  // during on_connection_closed
};

}  // namespace ferry::gossip
