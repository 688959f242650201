// PlumTree: one topic's broadcast (spec iroh-0.35-gossip.md §3.3). Full
// messages travel along a spanning tree of "eager" links; every other
// neighbour ("lazy") gets only IHave announcements, batched, and Grafts a
// message it misses after a timeout, which also repairs the tree. A
// duplicate makes its sender lazy (Prune).
//
// Message id = BLAKE3(content); Swarm-scope ids are remembered for
// message_id_retention and payloads cached for message_cache_retention
// (to answer Grafts). Neighbors-scope messages go to eager peers only and
// are delivered every time they arrive (no dedup), as in iroh.
#pragma once

#include <deque>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "core/prng.h"
#include "ferry/result.h"
#include "gossip/types.h"

namespace ferry::gossip {

class PlumTree {
 public:
  // Requires: `out` outlives this object.
  PlumTree(const TopicId& topic, const PeerId& me, const PlumTreeConfig& config,
           size_t max_message_size, TopicOut& out);

  // Errors: kResourceExhausted if the Gossip body would reach
  // max_message_size (iroh's limit: 4025 bytes of Swarm content).
  Status broadcast(Bytes content, DeliveryScope::Kind scope, Instant now);
  // Handles a PlumTree message. Requires: !is_swarm(body).
  void on_message(const PeerId& from, const Body& body, Instant now);
  void on_neighbor_up(const PeerId& peer);
  void on_neighbor_down(const PeerId& peer);
  void on_send_graft_timer(const MessageId& id, Instant now);
  void on_dispatch_timer();
  void on_evict_timer(Instant now);

  const std::set<PeerId>& eager() const { return eager_; }
  const std::set<PeerId>& lazy() const { return lazy_; }
  bool has_seen(const MessageId& id) const { return received_.contains(id); }
  size_t cache_size() const { return cache_.size(); }
  // IHave entries per message that keep the body under the size limit.
  size_t ihave_chunk() const { return ihave_chunk_; }

  Status check_invariants() const;

 private:
  struct Cached {
    proto::gossip::Gossip gossip;
    Instant expires;
  };
  void on_gossip(const PeerId& from, proto::gossip::Gossip g, Instant now);
  void on_ihave(const PeerId& from, const proto::gossip::IHave& m, Instant now);
  void on_graft(const PeerId& from, const proto::gossip::Graft& m);
  void add_eager(const PeerId& p);
  void add_lazy(const PeerId& p);
  void mark_received(const MessageId& id, Instant now);
  void eager_push(const proto::gossip::Gossip& g, const PeerId* except);
  void lazy_push(const MessageId& id, uint16_t round, const PeerId* except, Instant now);

  TopicId topic_;
  PeerId me_;
  PlumTreeConfig config_;
  size_t max_message_size_;
  size_t ihave_chunk_;
  TopicOut& out_;
  std::set<PeerId> eager_;
  std::set<PeerId> lazy_;
  std::map<PeerId, std::vector<proto::gossip::IHaveEntry>> lazy_queue_;
  bool dispatch_armed_ = false;
  // Announcements of ids we lack, oldest first: who has it, at which round.
  std::map<MessageId, std::deque<std::pair<PeerId, uint16_t>>> missing_;
  std::set<MessageId> graft_scheduled_;
  std::map<MessageId, Instant> received_;  // id -> forget after
  std::deque<std::pair<Instant, MessageId>> received_order_;
  std::map<MessageId, Cached> cache_;
  std::deque<std::pair<Instant, MessageId>> cache_order_;
};

}  // namespace ferry::gossip
