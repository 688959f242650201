// SimNetwork (tests only): gossip::State nodes on a virtual clock over a
// simulated network, driven exactly as a real driver would drive them
// (state.h's contract), deterministic for a seed.
//
// Network model: one connection per peer pair at a time (the newest is the
// one a node sends on), FIFO per direction with a random latency per
// message; every frame goes through encode_frame / FrameDecoder. A
// DisconnectPeer finishes the stream after what is queued: the remote sees
// the FIN after the last message, finishes its side, and each end gets
// on_connection_closed for a connection that is still its newest. A node
// that departs (kill) stops at once: messages to it are lost, dials to it
// fail after dial_timeout, and peers notice an open connection to it only
// after a random detection delay (iroh notices lazily).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "core/prng.h"
#include "gossip/state.h"

namespace ferry::gossip::sim {

struct SimConfig {
  Duration min_latency = 2ms;
  Duration max_latency = 40ms;
  Duration dial_timeout = 1s;
  Duration min_detect = 200ms;  // noticing a departed peer's connection
  Duration max_detect = 3s;
  Config gossip;
};

class SimNetwork {
 public:
  SimNetwork(uint64_t seed, size_t nodes, SimConfig config = {});

  size_t size() const { return nodes_.size(); }
  const PeerId& id(size_t i) const { return nodes_[i].id; }
  std::optional<size_t> index(const PeerId& p) const;
  bool alive(size_t i) const { return nodes_[i].alive; }
  State& state(size_t i) { return *nodes_[i].state; }
  Instant now() const { return now_; }
  Prng& rng() { return rng_; }

  void join(size_t i, const TopicId& topic, const std::vector<size_t>& bootstrap);
  // Returns the message id. Requires: the node joined the topic.
  MessageId broadcast(size_t i, const TopicId& topic, Bytes content);
  void kill(size_t i);

  // Runs every event up to `until` (inclusive), calling `check` after each.
  void run_until(Instant until);
  // Runs until nothing but periodic timers remains (no frame, close or
  // one-shot timer pending), at most `limit` of virtual time. Returns
  // whether it got there.
  bool settle(Duration limit = 120s);

  // Called after every step with the node the step changed (no other node
  // changes); a non-empty string is a failure (the run stops and failure()
  // returns it).
  std::function<std::string(size_t node)> check;
  const std::string& failure() const { return failure_; }

  // Received events: (node, topic, message id) -> count, Swarm scope only;
  // neighbour events per node.
  size_t deliveries(size_t node, const MessageId& id) const;
  uint64_t frames_sent() const { return frames_sent_; }
  uint64_t frames_lost() const { return frames_lost_; }
  uint64_t oversize_frames() const { return oversize_; }
  uint64_t steps() const { return steps_; }

 private:
  struct Conn {
    uint64_t id = 0;
    size_t a = 0, b = 0;   // a < b
    bool closing[2] = {};  // this end finished its send side
    bool closed[2] = {};   // this end is done with it
    Instant last[2];       // last scheduled arrival, direction from end i
    bool broken = false;   // one end departed
  };
  struct Node {
    PeerId id{};
    bool alive = true;
    std::unique_ptr<State> state;
    std::map<size_t, uint64_t> current;  // peer -> newest connection id
    std::set<size_t> dialing_dead;       // pending failed dials
  };
  enum class Kind { kFrame, kFin, kClosed, kTimer, kDialFailed };
  struct Ev {
    Instant at;
    uint64_t seq = 0;
    Kind kind = Kind::kFrame;
    size_t to = 0, from = 0;
    uint64_t conn = 0;
    Bytes frame;
    Timer timer;
    bool operator>(const Ev& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };

  void push(Ev e);
  void drain(size_t node);
  void send(size_t from, size_t to, const Message& m);
  void disconnect(size_t from, size_t to);
  void close_end(Conn& c, size_t node);
  Conn* conn(uint64_t id);
  Conn& open_conn(size_t a, size_t b);
  int end_of(const Conn& c, size_t node) const { return node == c.a ? 0 : 1; }
  Duration latency();
  void step(Ev e);
  void run_check(size_t node);

  SimConfig config_;
  Prng rng_;
  Instant now_;
  uint64_t seq_ = 0;
  bool trace_ = false;        // FERRY_GOSSIP_SIM_TRACE: frames and closes on stderr
  uint64_t nonperiodic_ = 0;  // queued events other than periodic timers
  uint64_t next_conn_ = 1;
  std::vector<Node> nodes_;
  std::map<PeerId, size_t> by_id_;
  std::map<uint64_t, Conn> conns_;
  std::priority_queue<Ev, std::vector<Ev>, std::greater<Ev>> queue_;
  std::map<std::pair<size_t, MessageId>, size_t> delivered_;
  std::string failure_;
  uint64_t frames_sent_ = 0, frames_lost_ = 0, oversize_ = 0, steps_ = 0;
};

}  // namespace ferry::gossip::sim
