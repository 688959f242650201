#include "engine/live_state.h"

#include <algorithm>

namespace ferry::engine {

void LiveState::set_syncing(const docs::NamespaceId& ns) {
  docs_[ns].syncing = true;
}

bool LiveState::is_syncing(const docs::NamespaceId& ns) const {
  auto it = docs_.find(ns);
  return it != docs_.end() && it->second.syncing;
}

void LiveState::add_peer(const docs::NamespaceId& ns, const net::NodeAddr& addr) {
  if (addr.node_id == self_) return;
  auto& peers = docs_[ns].peers;
  net::NodeAddr merged = addr;
  auto it = std::find_if(peers.begin(), peers.end(),
                         [&](const net::NodeAddr& p) { return p.node_id == addr.node_id; });
  if (it != peers.end()) {
    for (const auto& a : it->direct_addresses) merged.direct_addresses.push_back(a);
    if (!merged.relay_url) merged.relay_url = it->relay_url;
    peers.erase(it);
  }
  std::sort(merged.direct_addresses.begin(), merged.direct_addresses.end());
  merged.direct_addresses.erase(
      std::unique(merged.direct_addresses.begin(), merged.direct_addresses.end()),
      merged.direct_addresses.end());
  peers.insert(peers.begin(), std::move(merged));
  if (peers.size() > kMaxPeers) peers.resize(kMaxPeers);
}

std::vector<net::NodeAddr> LiveState::peers(const docs::NamespaceId& ns) const {
  auto it = docs_.find(ns);
  return it == docs_.end() ? std::vector<net::NodeAddr>{} : it->second.peers;
}

std::vector<docs::NamespaceId> LiveState::syncing_docs() const {
  std::vector<docs::NamespaceId> out;
  for (const auto& [ns, d] : docs_) {
    if (d.syncing) out.push_back(ns);
  }
  return out;
}

std::optional<proto::sync::AbortReason> LiveState::accept(const docs::NamespaceId& ns,
                                                          const net::NodeId& peer) {
  if (!is_syncing(ns)) return proto::sync::AbortReason::kNotFound;
  auto it = runs_.find({ns, peer});
  if (it != runs_.end()) {
    const Run& r = it->second;
    if (r.accepted || (r.dialing && self_ <= peer)) {
      return proto::sync::AbortReason::kAlreadySyncing;
    }
  }
  runs_[{ns, peer}].accepted = true;
  return std::nullopt;
}

bool LiveState::begin_dial(const docs::NamespaceId& ns, const net::NodeId& peer) {
  Run& r = runs_[{ns, peer}];
  if (r.dialing) {
    r.redial = true;
    return false;
  }
  r.dialing = true;
  return true;
}

bool LiveState::end_run(const docs::NamespaceId& ns, const net::NodeId& peer, bool dialer,
                        bool success, const std::optional<net::NodeAddr>& addr) {
  auto it = runs_.find({ns, peer});
  bool redial = false;
  if (it != runs_.end()) {
    Run& r = it->second;
    if (dialer) {
      r.dialing = false;
      redial = std::exchange(r.redial, false);
    } else {
      r.accepted = false;
    }
    if (!r.dialing && !r.accepted) runs_.erase(it);
  }
  if (success && addr) add_peer(ns, *addr);
  return redial;
}

void LiveState::on_local_insert(const docs::NamespaceId& ns, Instant now) {
  if (!is_syncing(ns) || docs_[ns].peers.empty()) return;
  due_.try_emplace(ns, now + debounce_);
}

Instant LiveState::next_deadline() const {
  Instant next = Instant::max();
  for (const auto& [ns, at] : due_) next = std::min(next, at);
  return next;
}

std::vector<docs::NamespaceId> LiveState::take_due(Instant now) {
  std::vector<docs::NamespaceId> out;
  for (auto it = due_.begin(); it != due_.end();) {
    if (it->second <= now) {
      out.push_back(it->first);
      it = due_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

bool LiveState::check_invariants() const {
  for (const auto& [key, r] : runs_) {
    if (!r.dialing && !r.accepted) return false;
    if (r.redial && !r.dialing) return false;
  }
  for (const auto& [ns, d] : docs_) {
    if (d.peers.size() > kMaxPeers) return false;
    for (const auto& p : d.peers) {
      if (p.node_id == self_) return false;
    }
  }
  for (const auto& [ns, at] : due_) {
    if (!is_syncing(ns)) return false;
  }
  return true;
}

}  // namespace ferry::engine
