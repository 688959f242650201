#include "gossip/plumtree.h"

#include <algorithm>
#include <string>

#include "crypto/blake3.h"

namespace ferry::gossip {

namespace pg = proto::gossip;

namespace {
MessageId message_id(ByteView content) {
  return crypto::blake3(content).bytes();
}

// Body size of a Gossip of `len` content bytes in `scope` (spec §3.1).
size_t gossip_body_size(size_t len, const DeliveryScope& scope) {
  auto varint_len = [](uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) {
      v >>= 7;
      ++n;
    }
    return n;
  };
  size_t scope_len = scope.is_swarm() ? 1 + varint_len(scope.round) : 1;
  return 32 + 1 + 1 + 32 + varint_len(len) + len + scope_len;
}
}  // namespace

PlumTree::PlumTree(const TopicId& topic, const PeerId& me, const PlumTreeConfig& config,
                   size_t max_message_size, TopicOut& out)
    : topic_(topic),
      me_(me),
      config_(config),
      max_message_size_(max_message_size),
      // iroh: (max - postcard header of a Prune envelope - 3) / largest entry.
      ihave_chunk_(std::max<size_t>(1, (max_message_size - 33 - 3) / 35)),
      out_(out) {}

Status PlumTree::broadcast(Bytes content, DeliveryScope::Kind kind, Instant now) {
  DeliveryScope scope =
      kind == DeliveryScope::Kind::kSwarm ? DeliveryScope::swarm(0) : DeliveryScope::neighbors();
  if (gossip_body_size(content.size(), scope) >= max_message_size_) {
    return make_error(
        ErrorCode::kResourceExhausted,
        "gossip: content of " + std::to_string(content.size()) + " bytes does not fit a message");
  }
  pg::Gossip g{message_id(content), std::move(content), scope};
  if (scope.is_swarm()) {
    mark_received(g.id, now);
    missing_.erase(g.id);
    graft_scheduled_.erase(g.id);
    cache_[g.id] = Cached{g, now + config_.message_cache_retention};
    cache_order_.emplace_back(now + config_.message_cache_retention, g.id);
    lazy_push(g.id, 0, nullptr, now);
  }
  eager_push(g, nullptr);
  return ok();
}

void PlumTree::on_message(const PeerId& from, const Body& body, Instant now) {
  if (from == me_) return;
  if (const auto* g = std::get_if<pg::Gossip>(&body)) {
    on_gossip(from, *g, now);
  } else if (std::holds_alternative<pg::Prune>(body)) {
    add_lazy(from);
  } else if (const auto* m = std::get_if<pg::Graft>(&body)) {
    on_graft(from, *m);
  } else if (const auto* m = std::get_if<pg::IHave>(&body)) {
    on_ihave(from, *m, now);
  }
}

void PlumTree::on_gossip(const PeerId& from, pg::Gossip g, Instant now) {
  if (message_id(g.content) != g.id) return;  // forged or corrupt: dropped, as in iroh
  if (!g.scope.is_swarm()) {
    out_.received(Received{std::move(g.content), from, g.scope});
    return;
  }
  if (received_.contains(g.id)) {
    add_lazy(from);
    out_.send(from, pg::Prune{});
    return;
  }
  const uint16_t round = g.scope.round;
  mark_received(g.id, now);
  pg::Gossip fwd{g.id, g.content, DeliveryScope::swarm(round == UINT16_MAX ? round : round + 1)};
  eager_push(fwd, &from);
  lazy_push(g.id, fwd.scope.round, &from, now);
  cache_order_.emplace_back(now + config_.message_cache_retention, g.id);
  cache_[g.id] = Cached{std::move(fwd), now + config_.message_cache_retention};
  graft_scheduled_.erase(g.id);
  if (auto it = missing_.find(g.id); it != missing_.end()) {
    // Tree optimisation: a lazy link that announced it many rounds earlier
    // replaces the eager link it came over.
    if (!it->second.empty()) {
      auto best =
          std::min_element(it->second.begin(), it->second.end(),
                           [](const auto& a, const auto& b) { return a.second < b.second; });
      if (best->second < round && round - best->second >= config_.optimization_threshold) {
        if (!eager_.contains(best->first)) {
          out_.send(best->first, pg::Graft{std::nullopt, best->second});
          add_eager(best->first);
        }
        out_.send(from, pg::Prune{});
        add_lazy(from);
      }
    }
    missing_.erase(it);
  }
  out_.received(Received{std::move(g.content), from, g.scope});
}

void PlumTree::on_ihave(const PeerId& from, const pg::IHave& m, Instant now) {
  for (const auto& e : m.entries) {
    if (received_.contains(e.id)) continue;
    missing_[e.id].emplace_back(from, e.round);
    if (graft_scheduled_.insert(e.id).second) {
      out_.schedule(now + config_.graft_timeout_1,
                    Timer{topic_, Timer::Kind::kSendGraft, {}, e.id});
    }
  }
}

void PlumTree::on_graft(const PeerId& from, const pg::Graft& m) {
  add_eager(from);
  if (!m.id) return;
  if (auto it = cache_.find(*m.id); it != cache_.end()) out_.send(from, it->second.gossip);
}

void PlumTree::on_send_graft_timer(const MessageId& id, Instant now) {
  if (!graft_scheduled_.contains(id)) return;
  auto it = missing_.find(id);
  if (received_.contains(id) || it == missing_.end() || it->second.empty()) {
    graft_scheduled_.erase(id);
    if (it != missing_.end()) missing_.erase(it);
    return;
  }
  auto [peer, round] = it->second.front();
  it->second.pop_front();
  add_eager(peer);
  out_.send(peer, pg::Graft{id, round});
  out_.schedule(now + config_.graft_timeout_2, Timer{topic_, Timer::Kind::kSendGraft, {}, id});
}

void PlumTree::on_dispatch_timer() {
  dispatch_armed_ = false;
  for (auto& [peer, entries] : lazy_queue_) {
    for (size_t i = 0; i < entries.size(); i += ihave_chunk_) {
      size_t end = std::min(entries.size(), i + ihave_chunk_);
      pg::IHave m;
      m.entries.assign(entries.begin() + static_cast<ptrdiff_t>(i),
                       entries.begin() + static_cast<ptrdiff_t>(end));
      out_.send(peer, std::move(m));
    }
  }
  lazy_queue_.clear();
}

void PlumTree::on_evict_timer(Instant now) {
  out_.schedule(now + config_.cache_evict_interval,
                Timer{topic_, Timer::Kind::kEvictCache, {}, {}});
  while (!cache_order_.empty() && cache_order_.front().first <= now) {
    auto it = cache_.find(cache_order_.front().second);
    if (it != cache_.end() && it->second.expires <= now) cache_.erase(it);
    cache_order_.pop_front();
  }
  while (!received_order_.empty() && received_order_.front().first <= now) {
    auto it = received_.find(received_order_.front().second);
    // Keep ids whose payload is still cached (a Graft may still be answered).
    if (it != received_.end() && it->second <= now && !cache_.contains(it->first)) {
      received_.erase(it);
    }
    received_order_.pop_front();
  }
}

void PlumTree::on_neighbor_up(const PeerId& peer) {
  add_eager(peer);
}

void PlumTree::on_neighbor_down(const PeerId& peer) {
  eager_.erase(peer);
  lazy_.erase(peer);
  lazy_queue_.erase(peer);
  for (auto& [id, q] : missing_) {
    q.erase(std::remove_if(q.begin(), q.end(), [&](const auto& e) { return e.first == peer; }),
            q.end());
  }
}

void PlumTree::add_eager(const PeerId& p) {
  if (p == me_) return;
  lazy_.erase(p);
  eager_.insert(p);
}

void PlumTree::add_lazy(const PeerId& p) {
  if (p == me_) return;
  eager_.erase(p);
  lazy_.insert(p);
}

void PlumTree::mark_received(const MessageId& id, Instant now) {
  Instant until = now + config_.message_id_retention;
  received_[id] = until;
  received_order_.emplace_back(until, id);
}

void PlumTree::eager_push(const pg::Gossip& g, const PeerId* except) {
  for (const auto& p : eager_) {
    if (except && p == *except) continue;
    out_.send(p, g);
  }
}

void PlumTree::lazy_push(const MessageId& id, uint16_t round, const PeerId* except, Instant now) {
  bool queued = false;
  for (const auto& p : lazy_) {
    if (except && p == *except) continue;
    lazy_queue_[p].push_back(pg::IHaveEntry{id, round});
    queued = true;
  }
  if (queued && !dispatch_armed_) {
    dispatch_armed_ = true;
    out_.schedule(now + config_.dispatch_timeout,
                  Timer{topic_, Timer::Kind::kDispatchLazyPush, {}, {}});
  }
}

Status PlumTree::check_invariants() const {
  auto fail = [](const std::string& what) {
    return make_error(ErrorCode::kInternal, "plumtree: " + what);
  };
  for (const auto& p : eager_) {
    if (lazy_.contains(p)) return fail("peer both eager and lazy");
    if (p == me_) return fail("we are eager to ourselves");
  }
  if (lazy_.contains(me_)) return fail("we are lazy to ourselves");
  if (!lazy_queue_.empty() && !dispatch_armed_) return fail("IHaves queued without a timer");
  for (const auto& [id, c] : cache_) {
    if (!received_.contains(id)) return fail("cached message not marked received");
    if (c.gossip.id != id) return fail("cache key differs from the message id");
  }
  for (const auto& [id, q] : missing_) {
    if (received_.contains(id)) return fail("received message still missing");
  }
  for (const auto& id : graft_scheduled_) {
    if (received_.contains(id)) return fail("graft scheduled for a received message");
  }
  return ok();
}

}  // namespace ferry::gossip
