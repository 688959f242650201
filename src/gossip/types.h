// Vocabulary of the gossip core (spec iroh-0.35-gossip.md §2-4, §7): its
// configuration, timers as values, the events it reports and the actions it
// asks its driver to carry out.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <variant>

#include "core/bytes.h"
#include "core/instant.h"
#include "proto/gossip/message.h"

namespace ferry::gossip {

using proto::gossip::Body;
using proto::gossip::DeliveryScope;
using proto::gossip::Message;
using proto::gossip::MessageId;
using proto::gossip::PeerId;
using proto::gossip::TopicId;

using namespace std::chrono_literals;

// HyParView membership (hyparview::Config::default of iroh-gossip 0.35).
struct HyParViewConfig {
  size_t active_view_capacity = 5;
  size_t passive_view_capacity = 30;
  uint16_t active_random_walk_length = 6;
  uint16_t passive_random_walk_length = 3;
  uint16_t shuffle_random_walk_length = 6;
  size_t shuffle_active_view_count = 3;
  size_t shuffle_passive_view_count = 4;
  Duration shuffle_interval = 60s;
  Duration neighbor_request_timeout = 500ms;
  // Ferry only: a topic left without neighbours and without passive peers
  // Joins its bootstrap peers again, at most this often (iroh stays alone).
  Duration rejoin_interval = 10s;
};

// PlumTree broadcast (plumtree::Config::default of iroh-gossip 0.35).
struct PlumTreeConfig {
  Duration graft_timeout_1 = 80ms;
  Duration graft_timeout_2 = 40ms;
  Duration dispatch_timeout = 5ms;
  uint16_t optimization_threshold = 7;
  Duration message_cache_retention = 30s;
  // How long ids are remembered for de-duplication. iroh 0.35 never forgets
  // them (a quirk, spec §3.3); we keep them this long to bound memory.
  Duration message_id_retention = 90s;
  Duration cache_evict_interval = 1s;
};

struct Config {
  HyParViewConfig membership;
  PlumTreeConfig broadcast;
  // Bodies must stay below this (spec §1.2); sizes broadcasts and IHaves.
  size_t max_message_size = 4096;
};

// A timer as a value: the core asks for it with ScheduleTimer and the driver
// hands it back through State::on_timer once `at` has passed. Timers are
// never cancelled; a stale one is recognised and ignored.
struct Timer {
  enum class Kind : uint8_t {
    kDoShuffle,         // repeating, per topic
    kPendingNeighbor,   // `peer` did not answer our Neighbor request in time
    kSendGraft,         // graft `id` from the next IHave sender
    kDispatchLazyPush,  // flush queued IHaves
    kEvictCache,        // repeating, per topic
  };
  TopicId topic{};
  Kind kind = Kind::kDoShuffle;
  PeerId peer{};   // kPendingNeighbor
  MessageId id{};  // kSendGraft
  bool operator==(const Timer&) const = default;
};

// ---- Events for the application (per topic) ----

struct NeighborUp {
  PeerId peer{};
};
struct NeighborDown {
  PeerId peer{};
};
struct Received {
  Bytes content;
  PeerId delivered_from{};  // the neighbour it came from (not the author)
  DeliveryScope scope;      // as received: Swarm(round) or Neighbors
};
using Event = std::variant<NeighborUp, NeighborDown, Received>;

// ---- Actions for the driver ----

// Send on the peer's connection, dialing it if there is none (with what the
// address book holds). The driver frames it (proto/gossip/frame.h).
struct SendMessage {
  PeerId peer{};
  Message message;
};
// No topic uses this peer any more: finish the stream after the queued
// messages and close the connection.
struct DisconnectPeer {
  PeerId peer{};
};
struct ScheduleTimer {
  Instant at;
  Timer timer;
};
struct EmitEvent {
  TopicId topic{};
  Event event;
};
// New or changed PeerData for a peer (AddrInfo bytes, proto/gossip/
// peer_data.h): the driver feeds the endpoint's address book with it.
struct PeerDataReceived {
  PeerId peer{};
  Bytes data;
};
using Action =
    std::variant<SendMessage, DisconnectPeer, ScheduleTimer, EmitEvent, PeerDataReceived>;

// Where one topic's machines put their outputs (implemented by State).
class TopicOut {
 public:
  virtual ~TopicOut() = default;
  virtual void send(const PeerId& peer, Body body) = 0;
  virtual void disconnect(const PeerId& peer) = 0;
  virtual void schedule(Instant at, Timer timer) = 0;
  virtual void neighbor_up(const PeerId& peer) = 0;
  virtual void neighbor_down(const PeerId& peer) = 0;
  virtual void received(Received r) = 0;
  virtual void peer_data(const PeerId& peer, const Bytes& data) = 0;
};

}  // namespace ferry::gossip
