#include "gossip/state.h"

#include <cassert>

namespace ferry::gossip {

// Routes one topic's outputs into the node's action queue, wiring
// HyParView's neighbour changes into PlumTree in the same step.
class State::Out final : public TopicOut {
 public:
  Out(State& s, const TopicId& t) : s_(s), topic_(t) {}
  void bind(Topic* t) { t_ = t; }

  void send(const PeerId& peer, Body body) override {
    s_.actions_.emplace_back(SendMessage{peer, Message{topic_, std::move(body)}});
  }
  void disconnect(const PeerId& peer) override {
    if (s_.closed_peer_ && *s_.closed_peer_ == peer) return;  // already gone
    auto it = s_.peer_topics_.find(peer);
    if (it != s_.peer_topics_.end()) {
      it->second.erase(topic_);
      if (!it->second.empty()) return;
      s_.peer_topics_.erase(it);
    }
    s_.actions_.emplace_back(DisconnectPeer{peer});
  }
  void schedule(Instant at, Timer timer) override {
    s_.actions_.emplace_back(ScheduleTimer{at, timer});
  }
  void neighbor_up(const PeerId& peer) override;
  void neighbor_down(const PeerId& peer) override;
  void received(Received r) override { s_.actions_.emplace_back(EmitEvent{topic_, std::move(r)}); }
  void peer_data(const PeerId& peer, const Bytes& data) override {
    s_.actions_.emplace_back(PeerDataReceived{peer, data});
  }

 private:
  State& s_;
  TopicId topic_;
  Topic* t_ = nullptr;
};

struct State::Topic {
  Topic(State& s, const TopicId& t)
      : out(s, t),
        hv(t, s.me_, s.config_.membership, s.rng_, out),
        pt(t, s.me_, s.config_.broadcast, s.config_.max_message_size, out) {
    out.bind(this);
  }
  Out out;
  HyParView hv;
  PlumTree pt;
};

void State::Out::neighbor_up(const PeerId& peer) {
  t_->pt.on_neighbor_up(peer);
  s_.actions_.emplace_back(EmitEvent{topic_, NeighborUp{peer}});
}

void State::Out::neighbor_down(const PeerId& peer) {
  t_->pt.on_neighbor_down(peer);
  s_.actions_.emplace_back(EmitEvent{topic_, NeighborDown{peer}});
}

State::State(const PeerId& me, Bytes my_data, Config config, uint64_t seed)
    : me_(me), my_data_(std::move(my_data)), config_(config), rng_(seed) {}

State::~State() = default;

State::Topic* State::find(const TopicId& t) {
  auto it = topics_.find(t);
  return it == topics_.end() ? nullptr : it->second.get();
}

void State::join(const TopicId& topic, const std::vector<PeerId>& bootstrap, Instant now) {
  Topic* t = find(topic);
  if (!t) {
    t = topics_.emplace(topic, std::make_unique<Topic>(*this, topic)).first->second.get();
    t->hv.set_my_data(my_data_);
    actions_.emplace_back(ScheduleTimer{now + config_.membership.shuffle_interval,
                                        Timer{topic, Timer::Kind::kDoShuffle, {}, {}}});
    actions_.emplace_back(ScheduleTimer{now + config_.broadcast.cache_evict_interval,
                                        Timer{topic, Timer::Kind::kEvictCache, {}, {}}});
  }
  t->hv.join(bootstrap, now);
}

void State::quit(const TopicId& topic, Instant) {
  auto it = topics_.find(topic);
  if (it == topics_.end()) return;
  it->second->hv.quit();
  for (auto pit = peer_topics_.begin(); pit != peer_topics_.end();) {
    pit->second.erase(topic);
    pit = pit->second.empty() ? peer_topics_.erase(pit) : std::next(pit);
  }
  topics_.erase(it);
}

Status State::broadcast(const TopicId& topic, Bytes content, DeliveryScope::Kind scope,
                        Instant now) {
  Topic* t = find(topic);
  if (!t) return make_error(ErrorCode::kNotFound, "gossip: topic not joined");
  return t->pt.broadcast(std::move(content), scope, now);
}

void State::update_peer_data(Bytes data) {
  my_data_ = std::move(data);
  for (auto& [id, t] : topics_) t->hv.set_my_data(my_data_);
}

void State::on_message(const PeerId& from, const Message& message, Instant now) {
  if (from == me_) return;
  Topic* t = find(message.topic);
  if (!t) return;
  peer_topics_[from].insert(message.topic);
  if (proto::gossip::is_swarm(message.body)) {
    t->hv.on_message(from, message.body, now);
  } else {
    t->pt.on_message(from, message.body, now);
  }
}

void State::on_connection_closed(const PeerId& peer, Instant now) {
  peer_topics_.erase(peer);
  closed_peer_ = &peer;
  for (auto& [id, t] : topics_) {
    t->hv.on_connection_closed(peer, now);
    t->pt.on_neighbor_down(peer);  // also forgets a non-neighbour eager/lazy peer
  }
  closed_peer_ = nullptr;
}

void State::on_timer(const Timer& timer, Instant now) {
  Topic* t = find(timer.topic);
  if (!t) return;
  switch (timer.kind) {
    case Timer::Kind::kDoShuffle: t->hv.on_shuffle_timer(now); break;
    case Timer::Kind::kPendingNeighbor: t->hv.on_pending_neighbor_timer(timer.peer, now); break;
    case Timer::Kind::kSendGraft: t->pt.on_send_graft_timer(timer.id, now); break;
    case Timer::Kind::kDispatchLazyPush: t->pt.on_dispatch_timer(); break;
    case Timer::Kind::kEvictCache: t->pt.on_evict_timer(now); break;
  }
}

std::optional<Action> State::poll_action() {
  if (actions_.empty()) return std::nullopt;
  Action a = std::move(actions_.front());
  actions_.pop_front();
  return a;
}

std::vector<TopicId> State::topics() const {
  std::vector<TopicId> out;
  for (const auto& [id, t] : topics_) out.push_back(id);
  return out;
}

const HyParView& State::membership(const TopicId& t) const {
  return topics_.at(t)->hv;
}
const PlumTree& State::broadcast_tree(const TopicId& t) const {
  return topics_.at(t)->pt;
}

Status State::check_invariants() const {
  for (const auto& [id, t] : topics_) {
    FERRY_TRY(t->hv.check_invariants());
    FERRY_TRY(t->pt.check_invariants());
    for (const auto& p : t->hv.active()) {
      if (!t->pt.eager().contains(p) && !t->pt.lazy().contains(p)) {
        return make_error(ErrorCode::kInternal, "gossip: a neighbour is neither eager nor lazy");
      }
    }
  }
  for (const auto& [peer, ts] : peer_topics_) {
    if (ts.empty()) return make_error(ErrorCode::kInternal, "gossip: empty peer_topics entry");
  }
  return ok();
}

}  // namespace ferry::gossip
