#include "gossip/hyparview.h"

#include <algorithm>
#include <string>

#include "core/encoding.h"

namespace ferry::gossip {

namespace pg = proto::gossip;

namespace {
bool contains(const std::vector<PeerId>& v, const PeerId& p) {
  return std::find(v.begin(), v.end(), p) != v.end();
}
bool erase(std::vector<PeerId>& v, const PeerId& p) {
  auto it = std::find(v.begin(), v.end(), p);
  if (it == v.end()) return false;
  v.erase(it);
  return true;
}
}  // namespace

HyParView::HyParView(const TopicId& topic, const PeerId& me, const HyParViewConfig& config,
                     Prng& rng, TopicOut& out)
    : topic_(topic), me_(me), config_(config), rng_(rng), out_(out) {}

bool HyParView::is_active(const PeerId& p) const {
  return contains(active_, p);
}
bool HyParView::is_passive(const PeerId& p) const {
  return contains(passive_, p);
}

void HyParView::join(const std::vector<PeerId>& bootstrap, Instant) {
  for (const auto& p : bootstrap) {
    if (p == me_) continue;
    if (std::find(bootstrap_.begin(), bootstrap_.end(), p) == bootstrap_.end()) {
      bootstrap_.push_back(p);
    }
    out_.send(p, pg::Join{my_data_});
  }
}

void HyParView::maybe_rejoin(Instant now, size_t max_active) {
  if (active_.size() > max_active || !pending_.empty()) return;
  if (last_rejoin_ && now - *last_rejoin_ < config_.rejoin_interval) return;
  bool sent = false;
  for (const auto& p : bootstrap_) {
    if (is_active(p)) continue;
    out_.send(p, pg::Join{my_data_});
    sent = true;
  }
  if (sent) last_rejoin_ = now;
}

void HyParView::on_message(const PeerId& from, const Body& body, Instant now) {
  if (from == me_) return;
  if (const auto* m = std::get_if<pg::Join>(&body)) {
    handle_join(from, *m, now);
  } else if (const auto* m = std::get_if<pg::ForwardJoin>(&body)) {
    handle_forward_join(from, *m, now);
  } else if (const auto* m = std::get_if<pg::Shuffle>(&body)) {
    handle_shuffle(from, *m);
  } else if (const auto* m = std::get_if<pg::ShuffleReply>(&body)) {
    for (const auto& n : m->nodes) add_passive(n.id, n.data);
  } else if (const auto* m = std::get_if<pg::Neighbor>(&body)) {
    pending_.erase(from);
    if (!add_active(from, m->data, m->priority, now)) {
      // Refused (Low priority, view full). iroh relies on the connection
      // closing to tell the sender, which a newer connection can mask;
      // an explicit Disconnect{alive} keeps the views symmetric either way.
      out_.send(from, pg::Disconnect{true, false});
    }
  } else if (const auto* m = std::get_if<pg::Disconnect>(&body)) {
    handle_disconnect(from, *m, now);
    return;
  } else {
    return;  // not a Swarm message
  }
  // Passive-disconnect rule: a peer that talks to us but is not our
  // neighbour does not keep a connection open on our account.
  if (!is_active(from)) {
    // Ferry addition: ForwardJoin and Shuffle go to active peers only, so
    // the sender counts us as a neighbour while we do not: tell it, rather
    // than rely on the connection closing (another topic may keep it open).
    if (std::holds_alternative<pg::ForwardJoin>(body) ||
        std::holds_alternative<pg::Shuffle>(body)) {
      out_.send(from, pg::Disconnect{true, false});
    }
    out_.disconnect(from);
  }
}

void HyParView::handle_join(const PeerId& from, const pg::Join& m, Instant now) {
  if (is_active(from)) {
    record_data(from, m.data);
    out_.send(from, pg::Neighbor{pg::Priority::kHigh, my_data_});
  } else {
    add_active(from, m.data, pg::Priority::kHigh, now);
  }
  for (const auto& a : active_) {
    if (a == from) continue;
    out_.send(a, pg::ForwardJoin{pg::PeerInfo{from, m.data}, config_.active_random_walk_length});
  }
}

void HyParView::handle_forward_join(const PeerId& from, const pg::ForwardJoin& m, Instant now) {
  const PeerId n = m.peer.id;
  if (n == me_) return;
  record_data(n, m.peer.data);
  if (is_active(n)) {
    out_.send(n, pg::Neighbor{pg::Priority::kHigh, my_data_});
  } else if (m.ttl == 0 || active_.size() <= 1) {
    add_active(n, m.peer.data, pg::Priority::kHigh, now);
  } else if (m.ttl == config_.passive_random_walk_length) {
    add_passive(n, m.peer.data);
  }
  if (!is_active(n)) {
    if (const PeerId* next = pick(active_, {&from, &n})) {
      uint16_t ttl = m.ttl == 0 ? 0 : static_cast<uint16_t>(m.ttl - 1);
      out_.send(*next, pg::ForwardJoin{pg::PeerInfo{n, m.peer.data}, ttl});
    }
  }
}

void HyParView::handle_shuffle(const PeerId& from, const pg::Shuffle& m) {
  if (m.origin == me_) return;
  if (m.ttl == 0 || active_.size() <= 1) {
    for (const auto& n : m.nodes) add_passive(n.id, n.data);
    pg::ShuffleReply reply;
    for (const auto& p : sample(passive_, m.nodes.size(), &m.origin)) {
      reply.nodes.push_back(pg::PeerInfo{p, data_of(p)});
    }
    out_.send(m.origin, std::move(reply));
  } else if (const PeerId* next = pick(active_, {&from, &m.origin})) {
    out_.send(*next, pg::Shuffle{m.origin, m.nodes, static_cast<uint16_t>(m.ttl - 1)});
  }
}

void HyParView::handle_disconnect(const PeerId& from, const pg::Disconnect& m, Instant now) {
  // A Disconnect in answer to our Neighbor request is a refusal: drop the
  // peer from passive, as the request's timeout would, so refill moves on.
  bool refused = pending_.erase(from) > 0 && !is_active(from);
  remove_active(from, m.respond ? RemoveReason::kDisconnectRespond : RemoveReason::kDisconnectQuiet,
                now);
  if (!m.alive || refused) remove_passive(from);
  refill(&from, now);
}

void HyParView::on_connection_closed(const PeerId& peer, Instant now) {
  bool was_active = is_active(peer);
  handle_disconnect(peer, pg::Disconnect{true, false}, now);
  // Ferry addition: the peer may well be alive and still count us as a
  // neighbour (it adopted a newer connection, so this close is not news to
  // it). Say so explicitly; for a departed peer this is one failed dial.
  if (was_active) out_.send(peer, pg::Disconnect{true, false});
}

void HyParView::on_shuffle_timer(Instant now) {
  out_.schedule(now + config_.shuffle_interval, Timer{topic_, Timer::Kind::kDoShuffle, {}, {}});
  // Ferry addition: iroh refills only when a neighbour leaves, so a small
  // island (two nodes holding only each other) lasts forever. Each tick, a
  // view with room asks a passive peer, and a lonely node Joins its
  // bootstrap peers again.
  maybe_rejoin(now, 1);
  if (active_.size() < config_.active_view_capacity) refill(nullptr, now);
  const PeerId* target = pick(active_, {});
  if (!target) return;
  const PeerId t = *target;
  pg::Shuffle s{me_, {}, config_.shuffle_random_walk_length};
  for (const auto& p : sample(active_, config_.shuffle_active_view_count, &t)) {
    s.nodes.push_back(pg::PeerInfo{p, data_of(p)});
  }
  for (const auto& p : sample(passive_, config_.shuffle_passive_view_count, &t)) {
    s.nodes.push_back(pg::PeerInfo{p, data_of(p)});
  }
  out_.send(t, std::move(s));
}

void HyParView::on_pending_neighbor_timer(const PeerId& peer, Instant now) {
  if (pending_.erase(peer) == 0) return;
  // Ferry addition: refusals are explicit (see on_message), so silence means
  // the request was lost, the peer is gone, or it already counts us as a
  // neighbour (a Disconnect overtaken by a newer connection). A Disconnect
  // settles the last case symmetrically; iroh peers take it as a no-op.
  out_.send(peer, pg::Disconnect{true, false});
  out_.disconnect(peer);
  remove_passive(peer);
  refill(&peer, now);
}

void HyParView::quit() {
  auto leaving = active_;
  for (const auto& p : leaving) {
    out_.send(p, pg::Disconnect{true, false});
    erase(active_, p);
    out_.disconnect(p);
    out_.neighbor_down(p);
  }
  pending_.clear();
}

bool HyParView::add_active(const PeerId& p, const std::optional<Bytes>& data, pg::Priority prio,
                           Instant now) {
  record_data(p, data);
  if (p == me_ || is_active(p)) return true;
  if (active_.size() >= config_.active_view_capacity) {
    if (prio == pg::Priority::kLow) return false;
    const PeerId victim = active_[rng_.below(active_.size())];
    remove_active(victim, RemoveReason::kEvicted, now);
    // remove_active refills only while a slot is free, and we take it now.
  }
  erase(passive_, p);
  pending_.erase(p);
  active_.push_back(p);
  out_.send(p, pg::Neighbor{prio, my_data_});
  out_.neighbor_up(p);
  return true;
}

void HyParView::remove_active(const PeerId& p, RemoveReason reason, Instant now) {
  if (!erase(active_, p)) return;
  if (reason != RemoveReason::kDisconnectQuiet) out_.send(p, pg::Disconnect{true, false});
  out_.disconnect(p);
  out_.neighbor_down(p);
  add_passive(p, data_of(p));
  if (reason != RemoveReason::kEvicted) refill(&p, now);
}

void HyParView::add_passive(const PeerId& p, const std::optional<Bytes>& data) {
  record_data(p, data);
  if (p == me_ || is_active(p) || is_passive(p)) return;
  if (passive_.size() >= config_.passive_view_capacity && !passive_.empty()) {
    remove_passive(passive_[rng_.below(passive_.size())]);
  }
  if (config_.passive_view_capacity > 0) passive_.push_back(p);
}

void HyParView::remove_passive(const PeerId& p) {
  erase(passive_, p);
  if (!is_active(p) && !pending_.contains(p)) data_.erase(p);
}

void HyParView::refill(const PeerId* skip, Instant now) {
  if (active_.size() + pending_.size() >= config_.active_view_capacity) return;
  std::vector<PeerId> candidates;
  for (const auto& q : passive_) {
    if ((skip && q == *skip) || pending_.contains(q)) continue;
    candidates.push_back(q);
  }
  if (candidates.empty()) {
    maybe_rejoin(now, 0);
    return;
  }
  const PeerId q = candidates[rng_.below(candidates.size())];
  auto prio = active_.empty() ? pg::Priority::kHigh : pg::Priority::kLow;
  out_.send(q, pg::Neighbor{prio, my_data_});
  pending_.insert(q);
  out_.schedule(now + config_.neighbor_request_timeout,
                Timer{topic_, Timer::Kind::kPendingNeighbor, q, {}});
}

void HyParView::record_data(const PeerId& p, const std::optional<Bytes>& data) {
  if (!data || data->empty() || p == me_) return;
  auto [it, inserted] = data_.try_emplace(p, *data);
  if (!inserted) {
    if (it->second == *data) return;
    it->second = *data;
  }
  out_.peer_data(p, *data);
}

std::optional<Bytes> HyParView::data_of(const PeerId& p) const {
  auto it = data_.find(p);
  if (it == data_.end()) return std::nullopt;
  return it->second;
}

const PeerId* HyParView::pick(const std::vector<PeerId>& v,
                              std::initializer_list<const PeerId*> skip) {
  std::vector<const PeerId*> c;
  for (const auto& p : v) {
    bool skipped = false;
    for (const PeerId* s : skip) skipped |= (s && *s == p);
    if (!skipped) c.push_back(&p);
  }
  if (c.empty()) return nullptr;
  return c[rng_.below(c.size())];
}

std::vector<PeerId> HyParView::sample(const std::vector<PeerId>& v, size_t n, const PeerId* skip) {
  std::vector<PeerId> c;
  for (const auto& p : v) {
    if (!skip || p != *skip) c.push_back(p);
  }
  // Partial Fisher-Yates: the first n are a uniform sample.
  n = std::min(n, c.size());
  for (size_t i = 0; i < n; ++i) std::swap(c[i], c[i + rng_.below(c.size() - i)]);
  c.resize(n);
  return c;
}

Status HyParView::check_invariants() const {
  auto fail = [](const std::string& what) {
    return make_error(ErrorCode::kInternal, "hyparview: " + what);
  };
  if (active_.size() > config_.active_view_capacity) return fail("active view over capacity");
  if (passive_.size() > config_.passive_view_capacity) return fail("passive view over capacity");
  std::set<PeerId> seen;
  for (const auto& p : active_) {
    if (p == me_) return fail("we are in our active view");
    if (!seen.insert(p).second) return fail("duplicate in active view");
    if (pending_.contains(p)) return fail("active peer " + hex_encode(p).substr(0, 8) + " pending");
  }
  for (const auto& p : passive_) {
    if (p == me_) return fail("we are in our passive view");
    if (!seen.insert(p).second) return fail("peer in both views or twice in passive");
  }
  if (pending_.contains(me_)) return fail("Neighbor request to ourselves");
  return ok();
}

}  // namespace ferry::gossip
