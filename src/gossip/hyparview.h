// HyParView: one topic's membership (spec iroh-0.35-gossip.md §2.3). Keeps a
// small symmetric active view (the neighbours messages flow over) and a
// larger passive view (candidates to refill it), by Join / ForwardJoin random
// walks, Neighbor requests, Shuffles and Disconnects.
//
// Outputs go to a TopicOut: messages, peer disconnect requests, timers,
// NeighborUp / NeighborDown (exactly at insertion into and removal from the
// active view) and learnt PeerData.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <vector>

#include "core/prng.h"
#include "ferry/result.h"
#include "gossip/types.h"

namespace ferry::gossip {

class HyParView {
 public:
  // Requires: `rng` and `out` outlive this object.
  HyParView(const TopicId& topic, const PeerId& me, const HyParViewConfig& config, Prng& rng,
            TopicOut& out);

  // Sends Join(our data) to each bootstrap peer (not ourselves) and
  // remembers them for rejoining when isolated.
  void join(const std::vector<PeerId>& bootstrap, Instant now);
  // Handles a Swarm message. Requires: is_swarm(body).
  void on_message(const PeerId& from, const Body& body, Instant now);
  // The connection to `peer` ended: like Disconnect{alive, respond=false},
  // and (Ferry) a Disconnect is sent if the peer was a neighbour.
  void on_connection_closed(const PeerId& peer, Instant now);
  void on_shuffle_timer(Instant now);
  void on_pending_neighbor_timer(const PeerId& peer, Instant now);
  // Leaves: Disconnect{1,0} to every neighbour, NeighborDown for each.
  void quit();
  // Used in later Join / Neighbor / ForwardJoin / Shuffle messages.
  void set_my_data(std::optional<Bytes> data) { my_data_ = std::move(data); }

  const std::vector<PeerId>& active() const { return active_; }
  const std::vector<PeerId>& passive() const { return passive_; }
  bool is_active(const PeerId& p) const;
  bool is_passive(const PeerId& p) const;
  size_t pending_count() const { return pending_.size(); }

  // kInternal on the first broken invariant (views bounded, disjoint, free
  // of duplicates and of us; pending requests not active).
  Status check_invariants() const;

 private:
  enum class RemoveReason { kEvicted, kQuit, kDisconnectRespond, kDisconnectQuiet };

  bool add_active(const PeerId& p, const std::optional<Bytes>& data, proto::gossip::Priority prio,
                  Instant now);
  void remove_active(const PeerId& p, RemoveReason reason, Instant now);
  void add_passive(const PeerId& p, const std::optional<Bytes>& data);
  void remove_passive(const PeerId& p);
  void refill(const PeerId* skip, Instant now);
  // Ferry addition (spec §6.3): with at most `max_active` neighbours and
  // nothing pending, Join the bootstrap peers that are not neighbours again,
  // at most once per rejoin_interval. Called with 0 when refill finds no
  // candidate, with 1 on shuffle ticks.
  void maybe_rejoin(Instant now, size_t max_active);
  void record_data(const PeerId& p, const std::optional<Bytes>& data);
  std::optional<Bytes> data_of(const PeerId& p) const;
  // A random element of `v` not in `skip`, or nullptr.
  const PeerId* pick(const std::vector<PeerId>& v, std::initializer_list<const PeerId*> skip);
  // Up to n random distinct elements of v, skipping `skip`.
  std::vector<PeerId> sample(const std::vector<PeerId>& v, size_t n, const PeerId* skip);

  void handle_join(const PeerId& from, const proto::gossip::Join& m, Instant now);
  void handle_forward_join(const PeerId& from, const proto::gossip::ForwardJoin& m, Instant now);
  void handle_shuffle(const PeerId& from, const proto::gossip::Shuffle& m);
  void handle_disconnect(const PeerId& from, const proto::gossip::Disconnect& m, Instant now);

  TopicId topic_;
  PeerId me_;
  HyParViewConfig config_;
  Prng& rng_;
  TopicOut& out_;
  std::optional<Bytes> my_data_;
  std::vector<PeerId> active_;     // insertion order, <= active_view_capacity
  std::vector<PeerId> passive_;    // insertion order, <= passive_view_capacity
  std::set<PeerId> pending_;       // Neighbor requests awaiting an answer
  std::map<PeerId, Bytes> data_;   // PeerData of peers in either view
  std::vector<PeerId> bootstrap_;  // every peer join() was given
  std::optional<Instant> last_rejoin_;
};

}  // namespace ferry::gossip
