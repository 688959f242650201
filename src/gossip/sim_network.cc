#include "gossip/sim_network.h"

#include <cstdio>
#include <cstdlib>

#include "crypto/blake3.h"
#include "proto/gossip/frame.h"

namespace ferry::gossip::sim {

namespace {
bool periodic(const Timer& t) {
  return t.kind == Timer::Kind::kDoShuffle || t.kind == Timer::Kind::kEvictCache;
}
}  // namespace

SimNetwork::SimNetwork(uint64_t seed, size_t nodes, SimConfig config)
    : config_(config), rng_(seed), now_(Instant::from_nanos(0)) {
  trace_ = std::getenv("FERRY_GOSSIP_SIM_TRACE") != nullptr;
  nodes_.resize(nodes);
  for (size_t i = 0; i < nodes; ++i) {
    auto& n = nodes_[i];
    for (auto& b : n.id) b = static_cast<uint8_t>(rng_.next());
    by_id_[n.id] = i;
    Bytes data = to_bytes("addr-of-" + std::to_string(i));
    n.state = std::make_unique<State>(n.id, data, config_.gossip, rng_.next());
  }
}

std::optional<size_t> SimNetwork::index(const PeerId& p) const {
  auto it = by_id_.find(p);
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

Duration SimNetwork::latency() {
  auto span = (config_.max_latency - config_.min_latency).count();
  return config_.min_latency + Duration(span > 0 ? static_cast<int64_t>(rng_.below(span)) : 0);
}

void SimNetwork::push(Ev e) {
  e.seq = seq_++;
  if (e.at < now_) e.at = now_;
  if (!(e.kind == Kind::kTimer && periodic(e.timer))) ++nonperiodic_;
  queue_.push(std::move(e));
}

void SimNetwork::join(size_t i, const TopicId& topic, const std::vector<size_t>& bootstrap) {
  std::vector<PeerId> ids;
  for (size_t b : bootstrap) ids.push_back(nodes_[b].id);
  nodes_[i].state->join(topic, ids, now_);
  drain(i);
  run_check(i);
}

MessageId SimNetwork::broadcast(size_t i, const TopicId& topic, Bytes content) {
  MessageId id = crypto::blake3(content).bytes();
  if (trace_) std::fprintf(stderr, "%8.3f %zu broadcasts\n", now_.nanos() / 1e6, i);
  auto st =
      nodes_[i].state->broadcast(topic, std::move(content), DeliveryScope::Kind::kSwarm, now_);
  if (!st && failure_.empty()) failure_ = "broadcast failed: " + st.error().to_string();
  drain(i);
  run_check(i);
  return id;
}

void SimNetwork::kill(size_t i) {
  if (trace_) std::fprintf(stderr, "%8.3f %zu departs\n", now_.nanos() / 1e6, i);
  nodes_[i].alive = false;
  for (auto& [cid, c] : conns_) {
    if (c.a != i && c.b != i) continue;
    if (c.broken) continue;
    c.broken = true;
    size_t other = c.a == i ? c.b : c.a;
    if (!nodes_[other].alive || c.closed[end_of(c, other)]) continue;
    auto span = (config_.max_detect - config_.min_detect).count();
    Ev e;
    e.at = now_ + config_.min_detect + Duration(static_cast<int64_t>(rng_.below(span)));
    e.kind = Kind::kClosed;
    e.to = other;
    e.from = i;
    e.conn = cid;
    push(std::move(e));
  }
}

SimNetwork::Conn* SimNetwork::conn(uint64_t id) {
  auto it = conns_.find(id);
  return it == conns_.end() ? nullptr : &it->second;
}

SimNetwork::Conn& SimNetwork::open_conn(size_t x, size_t y) {
  Conn c;
  c.id = next_conn_++;
  c.a = std::min(x, y);
  c.b = std::max(x, y);
  c.last[0] = c.last[1] = now_;
  nodes_[x].current[y] = c.id;  // the acceptor adopts it when its first frame arrives
  return conns_[c.id] = c;
}

void SimNetwork::send(size_t from, size_t to, const Message& m) {
  auto frame = proto::gossip::encode_frame(m, config_.gossip.max_message_size);
  if (!frame) {
    ++oversize_;
    return;
  }
  ++frames_sent_;
  auto& node = nodes_[from];
  if (!nodes_[to].alive) {
    ++frames_lost_;
    if (trace_) {
      std::fprintf(stderr, "%8.3f %zu->%zu lost (departed) %s\n", now_.nanos() / 1e6, from, to,
                   std::string(body_name(m.body)).c_str());
    }
    auto cur = node.current.find(to);
    bool open =
        cur != node.current.end() && !conn(cur->second)->closed[end_of(*conn(cur->second), from)];
    if (!open && node.dialing_dead.insert(to).second) {
      Ev e;
      e.at = now_ + config_.dial_timeout;
      e.kind = Kind::kDialFailed;
      e.to = from;
      e.from = to;
      push(std::move(e));
    }
    return;
  }
  Conn* c = nullptr;
  if (auto cur = node.current.find(to); cur != node.current.end()) {
    c = conn(cur->second);
    int end = end_of(*c, from);
    if (c->closing[end] || c->closed[end] || c->broken) c = nullptr;
  }
  if (!c) c = &open_conn(from, to);
  int end = end_of(*c, from);
  Instant at = std::max(now_ + latency(), c->last[end]);
  c->last[end] = at;
  Ev e;
  e.at = at;
  e.kind = Kind::kFrame;
  e.to = to;
  e.from = from;
  e.conn = c->id;
  e.frame = std::move(*frame);
  push(std::move(e));
}

void SimNetwork::disconnect(size_t from, size_t to) {
  if (trace_) std::fprintf(stderr, "%8.3f %zu disconnects %zu\n", now_.nanos() / 1e6, from, to);
  auto cur = nodes_[from].current.find(to);
  if (cur == nodes_[from].current.end()) return;
  Conn& c = *conn(cur->second);
  int end = end_of(c, from);
  if (c.closing[end] || c.closed[end] || c.broken) return;
  c.closing[end] = true;
  Ev e;
  e.at = std::max(now_ + latency(), c.last[end]);
  c.last[end] = e.at;
  e.kind = Kind::kFin;
  e.to = to;
  e.from = from;
  e.conn = c.id;
  push(std::move(e));
}

void SimNetwork::close_end(Conn& c, size_t node) {
  int end = end_of(c, node);
  if (c.closed[end]) return;
  c.closed[end] = true;
  size_t peer = node == c.a ? c.b : c.a;
  auto& n = nodes_[node];
  auto cur = n.current.find(peer);
  if (cur != n.current.end() && cur->second == c.id) {
    n.current.erase(cur);
    if (trace_) {
      std::fprintf(stderr, "%8.3f %zu closed c%llu to %zu\n", now_.nanos() / 1e6, node,
                   (unsigned long long)c.id, peer);
    }
    n.state->on_connection_closed(nodes_[peer].id, now_);
    drain(node);
  }
}

void SimNetwork::drain(size_t i) {
  auto& n = nodes_[i];
  while (auto a = n.state->poll_action()) {
    if (auto* s = std::get_if<SendMessage>(&*a)) {
      if (auto to = index(s->peer)) send(i, *to, s->message);
    } else if (auto* d = std::get_if<DisconnectPeer>(&*a)) {
      if (auto to = index(d->peer)) disconnect(i, *to);
    } else if (auto* t = std::get_if<ScheduleTimer>(&*a)) {
      Ev e;
      e.at = t->at;
      e.kind = Kind::kTimer;
      e.to = i;
      e.timer = t->timer;
      push(std::move(e));
    } else if (auto* ev = std::get_if<EmitEvent>(&*a)) {
      if (auto* r = std::get_if<Received>(&ev->event); r && r->scope.is_swarm()) {
        MessageId id = crypto::blake3(r->content).bytes();
        if (++delivered_[{i, id}] > 1 && failure_.empty()) {
          failure_ = "node " + std::to_string(i) + " received a message twice";
        }
      }
    }
  }
}

void SimNetwork::step(Ev e) {
  now_ = e.at;
  ++steps_;
  switch (e.kind) {
    case Kind::kTimer:
      if (nodes_[e.to].alive) {
        nodes_[e.to].state->on_timer(e.timer, now_);
        drain(e.to);
      }
      break;
    case Kind::kFrame: {
      Conn* c = conn(e.conn);
      if (!nodes_[e.to].alive || c->closed[end_of(*c, e.to)]) {
        ++frames_lost_;
        break;
      }
      // Accepting: a connection newer than the current one becomes current.
      if (auto cur = nodes_[e.to].current.find(e.from);
          cur == nodes_[e.to].current.end() || cur->second < e.conn) {
        if (!c->closing[end_of(*c, e.to)]) nodes_[e.to].current[e.from] = e.conn;
      }
      proto::gossip::FrameDecoder dec(config_.gossip.max_message_size);
      dec.push(e.frame);
      auto m = dec.next();
      if (!m || !*m) {
        if (failure_.empty()) failure_ = "a frame we sent does not decode";
        break;
      }
      if (trace_) {
        std::fprintf(stderr, "%8.3f %zu->%zu c%llu t%02x %s", now_.nanos() / 1e6, e.from, e.to,
                     (unsigned long long)e.conn, (*m)->topic[0],
                     std::string(body_name((*m)->body)).c_str());
        if (auto* nb = std::get_if<proto::gossip::Neighbor>(&(*m)->body)) {
          std::fprintf(stderr, " prio=%d", int(nb->priority));
        }
        if (auto* fj = std::get_if<proto::gossip::ForwardJoin>(&(*m)->body)) {
          std::fprintf(stderr, " peer=%zu ttl=%d", *index(fj->peer.id), int(fj->ttl));
        }
        std::fprintf(stderr, "\n");
      }
      nodes_[e.to].state->on_message(nodes_[e.from].id, **m, now_);
      drain(e.to);
      break;
    }
    case Kind::kFin: {
      // The remote finished its side: finish ours after what we queued, and
      // we are done with the connection.
      Conn* c = conn(e.conn);
      if (!nodes_[e.to].alive || c->broken) break;
      int end = end_of(*c, e.to);
      if (!c->closing[end]) {
        c->closing[end] = true;
        Ev back;
        back.at = std::max(now_ + latency(), c->last[end]);
        c->last[end] = back.at;
        back.kind = Kind::kClosed;
        back.to = e.from;
        back.from = e.to;
        back.conn = c->id;
        push(std::move(back));
      }
      close_end(*c, e.to);
      break;
    }
    case Kind::kClosed:
      if (nodes_[e.to].alive) close_end(*conn(e.conn), e.to);
      break;
    case Kind::kDialFailed:
      nodes_[e.to].dialing_dead.erase(e.from);
      if (nodes_[e.to].alive && !nodes_[e.to].current.contains(e.from)) {
        nodes_[e.to].state->on_connection_closed(nodes_[e.from].id, now_);
        drain(e.to);
      }
      break;
  }
  run_check(e.to);
}

void SimNetwork::run_check(size_t node) {
  if (!failure_.empty() || !check) return;
  std::string f = check(node);
  if (!f.empty()) failure_ = "t=" + std::to_string(now_.nanos() / 1000000) + "ms: " + f;
}

void SimNetwork::run_until(Instant until) {
  while (!queue_.empty() && queue_.top().at <= until && failure_.empty()) {
    Ev e = queue_.top();
    queue_.pop();
    if (!(e.kind == Kind::kTimer && periodic(e.timer))) --nonperiodic_;
    step(std::move(e));
  }
  if (now_ < until) now_ = until;
}

bool SimNetwork::settle(Duration limit) {
  Instant deadline = now_ + limit;
  while (nonperiodic_ > 0 && !queue_.empty() && queue_.top().at <= deadline && failure_.empty()) {
    Ev e = queue_.top();
    queue_.pop();
    if (!(e.kind == Kind::kTimer && periodic(e.timer))) --nonperiodic_;
    step(std::move(e));
  }
  return nonperiodic_ == 0;
}

size_t SimNetwork::deliveries(size_t node, const MessageId& id) const {
  auto it = delivered_.find({node, id});
  return it == delivered_.end() ? 0 : it->second;
}

}  // namespace ferry::gossip::sim
