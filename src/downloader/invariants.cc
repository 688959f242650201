// Scheduler::check_invariants: a full, slow cross-check of every table and
// of the keep-busy rule. For tests and the simulator only.
#include <string>

#include "downloader/scheduler.h"

namespace ferry::downloader {
namespace {

Status fail(const std::string& what) {
  return make_error(ErrorCode::kInternal, what);
}

}  // namespace

std::string Scheduler::describe() const {
  static const char* kN[] = {"free", "disconnected", "dialing", "connected", "backoff", "failed"};
  static const char* kR[] = {"free", "unwanted", "ready", "active"};
  std::string out;
  for (uint32_t n = 0; n < nodes_.size(); ++n) {
    const NodeRec& node = nodes_[n];
    if (node.state == NState::kFree) continue;
    out += "node " + std::to_string(n) + " " + kN[static_cast<int>(node.state)] +
           " in_flight=" + std::to_string(node.in_flight) + " groups=";
    for (uint32_t g : node.groups) out += std::to_string(g) + ",";
    out += " direct=" + std::to_string(node.direct.size()) + "\n";
  }
  for (uint32_t r = 0; r < resources_.size(); ++r) {
    const ResourceRec& rec = resources_[r];
    if (rec.state == RState::kFree || rec.state == RState::kUnwanted) continue;
    out += "resource " + std::to_string(r) + " " + kR[static_cast<int>(rec.state)] + " edges=";
    for (uint32_t e = rec.edges; e != kNone; e = edges_[e].res_next)
      out += std::to_string(edges_[e].node) + ":" + std::to_string(edges_[e].flags) + ",";
    out += " groups=";
    for (uint32_t l = rec.groups; l != kNone; l = links_[l].next)
      out += std::to_string(links_[l].group) + "(members " +
             std::to_string(groups_[links_[l].group].members) + "),";
    out += "\n";
  }
  return out;
}

Status Scheduler::check_invariants() const {
  if (!dirty_nodes_.empty() || !dirty_resources_.empty())
    return fail("work queues not drained after a call");

  // Transfers, per-node counts, limits.
  std::vector<uint32_t> per_node(nodes_.size(), 0);
  size_t live_transfers = 0;
  for (uint32_t t = 0; t < transfers_.size(); ++t) {
    const TransferRec& tr = transfers_[t];
    if (!tr.live) continue;
    ++live_transfers;
    ++per_node[tr.node];
    if (nodes_[tr.node].state != NState::kConnected)
      return fail("transfer " + std::to_string(t) + " on a node that is not connected");
    const ResourceRec& rec = resources_[tr.res];
    if (rec.state != RState::kActive || rec.transfer != t)
      return fail("transfer " + std::to_string(t) + " does not match its resource");
    if (rec.intents == kNone) return fail("transfer of a resource nobody wants");
  }
  if (live_transfers != in_flight_) return fail("in_flight_ differs from live transfers");
  if (in_flight_ > config_.max_transfers) return fail("max_transfers exceeded");
  size_t connected = 0, dialing = 0;
  for (uint32_t n = 0; n < nodes_.size(); ++n) {
    const NodeRec& node = nodes_[n];
    if (node.state == NState::kFree) continue;
    if (node.in_flight != per_node[n]) return fail("node in_flight differs from its transfers");
    uint32_t listed = 0;
    for (uint32_t t = node.transfers; t != kNone; t = transfers_[t].next, ++listed)
      if (!transfers_[t].live || transfers_[t].node != n) return fail("node transfer list corrupt");
    if (listed != node.in_flight) return fail("node transfer list length wrong");
    if (node.in_flight > config_.max_transfers_per_node)
      return fail("max_transfers_per_node exceeded");
    connected += node.state == NState::kConnected;
    dialing += node.state == NState::kDialing;
    bool free = node.state == NState::kConnected && node.in_flight < config_.max_transfers_per_node;
    if (free != node.in_free_sets) return fail("node free flag is stale");
    for (uint32_t g : node.groups) {
      if (groups_[g].free_nodes.count(n) != (free ? 1u : 0u))
        return fail("group free_nodes out of step");
      bool dialable = node.state == NState::kDisconnected && !node.dial_queued;
      if (groups_[g].dialable.count(n) != (dialable ? 1u : 0u))
        return fail("group dialable out of step");
    }
    if (node.state == NState::kFailed) {
      if (!node.groups.empty()) return fail("failed node keeps groups");
      for (uint32_t e = node.edges; e != kNone; e = edges_[e].node_next)
        if (edges_[e].flags & kHint) return fail("failed node keeps hints");
    }
    for (uint64_t key : node.direct) {
      uint32_t r = static_cast<uint32_t>(key);
      uint32_t e = find_edge(r, n);
      if (resources_[r].state != RState::kReady || ready_key(r) != key || e == kNone ||
          edges_[e].flags != kHint)
        return fail("direct set holds a resource that is not ready and hinted");
    }
  }
  if (connected != connected_ || dialing != dialing_) return fail("connection counts wrong");
  if (connected_ + dialing_ > config_.max_connections) return fail("max_connections exceeded");
  if (dialing_ > config_.max_dials) return fail("max_dials exceeded");

  // Resources and ready sets.
  size_t unwanted = 0, intents = 0;
  for (uint32_t r = 0; r < resources_.size(); ++r) {
    const ResourceRec& rec = resources_[r];
    if (rec.state == RState::kFree) continue;
    unwanted += rec.state == RState::kUnwanted;
    bool wanted = rec.intents != kNone;
    if (wanted == (rec.state == RState::kUnwanted)) return fail("wanted flag and state disagree");
    for (uint32_t i = rec.intents; i != kNone; i = intents_[i].next) {
      ++intents;
      if (!intents_[i].live || intents_[i].res != r) return fail("intent list corrupt");
    }
    bool ready = rec.state == RState::kReady;
    uint64_t key = ready_key(r);
    for (uint32_t l = rec.groups; l != kNone; l = links_[l].next)
      if (groups_[links_[l].group].ready.count(key) != (ready ? 1u : 0u))
        return fail("group ready set out of step for resource " + std::to_string(r));
    for (uint32_t e = rec.edges; e != kNone; e = edges_[e].res_next) {
      const Edge& ed = edges_[e];
      if (ed.res != r) return fail("edge list corrupt");
      bool via_group = node_in_any_group_of(ed.node, r);
      if (ready && ed.flags == kHint && !via_group && nodes_[ed.node].direct.count(key) == 0)
        return fail("hinted ready resource missing from its node's direct set");
    }
  }
  if (unwanted != unwanted_count_) return fail("unwanted count wrong");
  if (intents != live_intents_) return fail("intent count wrong");
  for (const GroupRec& g : groups_) {
    if (!g.live) continue;
    for (uint64_t key : g.ready) {
      uint32_t r = static_cast<uint32_t>(key);
      if (resources_[r].state != RState::kReady || ready_key(r) != key)
        return fail("group ready set holds a resource that is not ready");
    }
  }

  // Keep-busy: below max_transfers, no connected node with free capacity may
  // have a ready resource it can provide.
  if (in_flight_ < config_.max_transfers) {
    for (uint32_t r = 0; r < resources_.size(); ++r) {
      if (resources_[r].state != RState::kReady) continue;
      for (uint32_t n = 0; n < nodes_.size(); ++n) {
        const NodeRec& node = nodes_[n];
        if (node.state != NState::kConnected || node.in_flight >= config_.max_transfers_per_node)
          continue;
        if (is_skipped(r, n)) continue;
        uint32_t e = find_edge(r, n);
        bool hinted = e != kNone && (edges_[e].flags & kHint);
        if (hinted || node_in_any_group_of(n, r))
          return fail("keep-busy: resource " + std::to_string(r) + " waits while node " +
                      std::to_string(n) + " is connected with free capacity");
      }
    }
  }
  return ok();
}

}  // namespace ferry::downloader
