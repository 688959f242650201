// Scheduler tables: records, edges, groups, ready sets, intents, transfers.
// See scheduler.h for what each table holds.
#include <algorithm>
#include <cassert>

#include "downloader/scheduler.h"

namespace ferry::downloader {
namespace {

uint64_t hash_key(const crypto::Hash& h, ResourceKind kind) {
  uint64_t v;
  std::memcpy(&v, h.data(), sizeof(v));
  return v ^ (static_cast<uint64_t>(kind) * 0x9e3779b97f4a7c15ULL);
}

}  // namespace

// ---- resources -------------------------------------------------------------

uint32_t Scheduler::find_resource(const Resource& res) const {
  return index_.find(hash_key(res.hash, res.kind), [&](uint32_t s) {
    return resources_[s].hash == res.hash && resources_[s].kind == res.kind;
  });
}

uint32_t Scheduler::get_resource(const Resource& res, Instant now) {
  uint32_t r = find_resource(res);
  if (r != kNone) return r;
  if (!free_resources_.empty()) {
    r = free_resources_.back();
    free_resources_.pop_back();
  } else {
    r = static_cast<uint32_t>(resources_.size());
    resources_.emplace_back();
  }
  ResourceRec& rec = resources_[r];
  uint32_t gen = rec.gen + 1;
  rec = ResourceRec{};
  rec.gen = gen;
  rec.hash = res.hash;
  rec.kind = res.kind;
  rec.state = RState::kUnwanted;
  ++unwanted_count_;
  unwanted_fifo_.push_back(PruneEntry{now.nanos(), r, rec.gen});
  index_.insert(hash_key(res.hash, res.kind), r,
                [this](uint32_t s) { return hash_key(resources_[s].hash, resources_[s].kind); });
  return r;
}

// Requires: no intents, no transfer.
void Scheduler::free_resource(uint32_t r) {
  ResourceRec& rec = resources_[r];
  assert(rec.intents == kNone && rec.transfer == kNone);
  if (rec.state == RState::kReady) erase_ready(r);
  if (rec.state == RState::kUnwanted) --unwanted_count_;
  while (rec.edges != kNone) remove_edge(rec.edges);
  for (uint32_t l = rec.groups; l != kNone;) {
    uint32_t next = links_[l].next;
    uint32_t g = links_[l].group;
    --groups_[g].resources;
    maybe_free_group(g);
    free_links_.push_back(l);
    l = next;
  }
  rec.groups = kNone;
  index_.erase(hash_key(rec.hash, rec.kind), r,
               [this](uint32_t s) { return hash_key(resources_[s].hash, resources_[s].kind); });
  rec.state = RState::kFree;
  ++rec.gen;
  free_resources_.push_back(r);
}

uint64_t Scheduler::ready_key(uint32_t r) const {
  const ResourceRec& rec = resources_[r];
  return (static_cast<uint64_t>(Priority::kMax - rec.priority) << 60) |
         (static_cast<uint64_t>(rec.seq & 0x0FFFFFFFu) << 32) | r;
}

// Adds r's key to its groups' ready sets and to the direct sets of its hinted,
// non-skipped nodes that do not already reach it through one of its groups.
void Scheduler::insert_ready(uint32_t r) {
  uint64_t key = ready_key(r);
  for (uint32_t l = resources_[r].groups; l != kNone; l = links_[l].next)
    groups_[links_[l].group].ready.insert(key);
  for (uint32_t e = resources_[r].edges; e != kNone; e = edges_[e].res_next) {
    const Edge& ed = edges_[e];
    if (ed.flags == kHint && !node_in_any_group_of(ed.node, r)) nodes_[ed.node].direct.insert(key);
  }
}

void Scheduler::erase_ready(uint32_t r) {
  uint64_t key = ready_key(r);
  for (uint32_t l = resources_[r].groups; l != kNone; l = links_[l].next)
    erase_key(groups_[links_[l].group].ready, key);
  // Only plain hint edges can have an entry (a skip mark removes it).
  for (uint32_t e = resources_[r].edges; e != kNone; e = edges_[e].res_next)
    if (edges_[e].flags == kHint) erase_key(nodes_[edges_[e].node].direct, key);
}

// Unwanted or active -> ready.
void Scheduler::make_ready(uint32_t r) {
  ResourceRec& rec = resources_[r];
  if (rec.state == RState::kUnwanted) {
    --unwanted_count_;
    rec.seq = next_seq_++;
    rec.failures = 0;
  }
  rec.state = RState::kReady;
  insert_ready(r);
  mark_dirty_resource(r);
}

// Ready or active (transfer already ended by the caller) -> unwanted.
void Scheduler::make_unwanted(uint32_t r, Instant now) {
  ResourceRec& rec = resources_[r];
  if (rec.state == RState::kReady) erase_ready(r);
  rec.state = RState::kUnwanted;
  ++rec.gen;
  ++unwanted_count_;
  unwanted_fifo_.push_back(PruneEntry{now.nanos(), r, rec.gen});
}

void Scheduler::recompute_priority(uint32_t r) {
  ResourceRec& rec = resources_[r];
  uint8_t p = 0;
  for (uint32_t i = rec.intents; i != kNone; i = intents_[i].next)
    p = std::max(p, intents_[i].priority);
  if (p == rec.priority) return;
  if (rec.state == RState::kReady) {
    erase_ready(r);
    rec.priority = p;
    insert_ready(r);
    mark_dirty_resource(r);
  } else {
    rec.priority = p;
  }
}

// ---- nodes ---------------------------------------------------------------

uint32_t Scheduler::find_node(const NodeId& id) const {
  auto it = node_index_.find(id);
  return it == node_index_.end() ? kNone : it->second;
}

uint32_t Scheduler::get_node(const NodeId& id, Instant now) {
  uint32_t n = find_node(id);
  if (n != kNone) return n;
  if (!free_nodes_.empty()) {
    n = free_nodes_.back();
    free_nodes_.pop_back();
  } else {
    n = static_cast<uint32_t>(nodes_.size());
    nodes_.emplace_back();
  }
  NodeRec& rec = nodes_[n];
  uint32_t gen = rec.gen + 1;
  rec = NodeRec{};
  rec.direct = ReadySet(PoolAllocator<uint64_t>(&ready_pool_));
  rec.gen = gen;
  rec.id = id;
  rec.state = NState::kDisconnected;
  node_index_.emplace(id, n);
  sync_node_sets(n);
  maybe_purposeless(n, now);
  return n;
}

// Requires: purposeless(n).
void Scheduler::free_node(uint32_t n) {
  NodeRec& rec = nodes_[n];
  node_index_.erase(rec.id);
  rec.direct.clear();
  rec.groups.clear();
  rec.in_dialable_sets = false;
  rec.state = NState::kFree;
  ++rec.gen;
  free_nodes_.push_back(n);
}

bool Scheduler::purposeless(uint32_t n) const {
  const NodeRec& rec = nodes_[n];
  return (rec.state == NState::kDisconnected || rec.state == NState::kFailed) &&
         rec.edges == kNone && rec.groups.empty() && rec.in_flight == 0;
}

void Scheduler::maybe_purposeless(uint32_t n, Instant now) {
  if (!purposeless(n)) return;
  nodes_[n].idle_since = now.nanos();
  idle_node_fifo_.push_back(PruneEntry{now.nanos(), n, 0});
}

void Scheduler::set_node_state(uint32_t n, NState s) {
  NodeRec& rec = nodes_[n];
  if (rec.state == NState::kConnected) --connected_;
  if (rec.state == NState::kDialing) --dialing_;
  rec.state = s;
  if (s == NState::kConnected) ++connected_;
  if (s == NState::kDialing) ++dialing_;
  ++rec.gen;
  rec.idle_armed = false;
  sync_node_sets(n);
  if (s == NState::kDisconnected || s == NState::kFailed) maybe_purposeless(n, now_);
}

// Keeps the node's entries in its groups' free_nodes / dialable sets in step
// with its state and load.
void Scheduler::sync_node_sets(uint32_t n) {
  NodeRec& rec = nodes_[n];
  bool free = rec.state == NState::kConnected && rec.in_flight < config_.max_transfers_per_node;
  // A node queued for a dial is left out, so placement picks the next one.
  bool dialable = rec.state == NState::kDisconnected && !rec.dial_queued;
  bool idle = rec.state == NState::kConnected && rec.in_flight == 0;
  if (idle != rec.in_idle_set) {
    if (idle)
      idle_conns_.insert(n);
    else
      idle_conns_.erase(n);
    rec.in_idle_set = idle;
  }
  if (free != rec.in_free_sets) {
    for (uint32_t g : rec.groups) {
      if (free)
        groups_[g].free_nodes.insert(n);
      else
        groups_[g].free_nodes.erase(n);
    }
    rec.in_free_sets = free;
  }
  if (dialable != rec.in_dialable_sets) {
    for (uint32_t g : rec.groups) {
      if (dialable)
        groups_[g].dialable.insert(n);
      else
        groups_[g].dialable.erase(n);
    }
    rec.in_dialable_sets = dialable;
  }
}

void Scheduler::mark_dirty_node(uint32_t n) {
  if (nodes_[n].dirty) return;
  nodes_[n].dirty = true;
  dirty_nodes_.push_back(n);
}

void Scheduler::mark_dirty_resource(uint32_t r) {
  if (resources_[r].dirty) return;
  resources_[r].dirty = true;
  dirty_resources_.push_back(r);
}

// ---- groups --------------------------------------------------------------

uint32_t Scheduler::get_group(const GroupId& id) {
  auto it = group_index_.find(id);
  if (it != group_index_.end()) return it->second;
  uint32_t g;
  if (!free_groups_.empty()) {
    g = free_groups_.back();
    free_groups_.pop_back();
  } else {
    g = static_cast<uint32_t>(groups_.size());
    groups_.emplace_back();
  }
  groups_[g] = GroupRec{};
  groups_[g].ready = ReadySet(PoolAllocator<uint64_t>(&ready_pool_));
  groups_[g].id = id;
  groups_[g].live = true;
  group_index_.emplace(id, g);
  return g;
}

void Scheduler::maybe_free_group(uint32_t g) {
  GroupRec& rec = groups_[g];
  if (rec.members != 0 || rec.resources != 0) return;
  group_index_.erase(rec.id);
  rec = GroupRec{};
  free_groups_.push_back(g);
}

bool Scheduler::node_in_group(uint32_t n, uint32_t g) const {
  const auto& gs = nodes_[n].groups;
  return std::find(gs.begin(), gs.end(), g) != gs.end();
}

bool Scheduler::node_in_any_group_of(uint32_t n, uint32_t r) const {
  if (nodes_[n].groups.empty()) return false;
  for (uint32_t l = resources_[r].groups; l != kNone; l = links_[l].next)
    if (node_in_group(n, links_[l].group)) return true;
  return false;
}

void Scheduler::link_group(uint32_t r, uint32_t g) {
  for (uint32_t l = resources_[r].groups; l != kNone; l = links_[l].next)
    if (links_[l].group == g) return;
  uint32_t l;
  if (!free_links_.empty()) {
    l = free_links_.back();
    free_links_.pop_back();
  } else {
    l = static_cast<uint32_t>(links_.size());
    links_.emplace_back();
  }
  links_[l] = GroupLink{g, resources_[r].groups};
  resources_[r].groups = l;
  ++groups_[g].resources;
  if (resources_[r].state == RState::kReady) {
    groups_[g].ready.insert(ready_key(r));
    mark_dirty_resource(r);
  }
}

void Scheduler::join_group(uint32_t n, uint32_t g) {
  if (node_in_group(n, g)) return;
  NodeRec& rec = nodes_[n];
  rec.groups.push_back(g);
  ++groups_[g].members;
  groups_[g].member_set.insert(n);
  if (rec.in_free_sets) groups_[g].free_nodes.insert(n);
  if (rec.in_dialable_sets) groups_[g].dialable.insert(n);
  if (!groups_[g].ready.empty()) mark_dirty_node(n);
}

// Leaves every group; resources of a group that lost its last member are
// checked for providers by the caller through the returned dirty marks.
void Scheduler::leave_groups(uint32_t n) {
  NodeRec& rec = nodes_[n];
  for (uint32_t g : rec.groups) {
    GroupRec& grp = groups_[g];
    grp.free_nodes.erase(n);
    grp.dialable.erase(n);
    --grp.members;
    grp.member_set.erase(n);
    if (grp.members == 0) {
      // Every ready resource of the group may have lost its last provider.
      for (uint64_t key : grp.ready) mark_dirty_resource(static_cast<uint32_t>(key));
    } else {
      // A resource that just lost its last provider in this group is skipped
      // by every remaining member, so by this one in particular: its skip
      // edges list every such resource.
      uint32_t m = *grp.member_set.begin();
      for (uint32_t e = nodes_[m].edges; e != kNone; e = edges_[e].node_next)
        if ((edges_[e].flags & kSkip) && resources_[edges_[e].res].state == RState::kReady)
          mark_dirty_resource(edges_[e].res);
    }
    maybe_free_group(g);
  }
  rec.groups.clear();
  rec.in_free_sets = false;
  rec.in_dialable_sets = false;
}

// ---- edges ---------------------------------------------------------------

uint32_t Scheduler::find_edge(uint32_t r, uint32_t n) const {
  for (uint32_t e = resources_[r].edges; e != kNone; e = edges_[e].res_next)
    if (edges_[e].node == n) return e;
  return kNone;
}

bool Scheduler::is_skipped(uint32_t r, uint32_t n) const {
  for (uint32_t e = resources_[r].edges; e != kNone; e = edges_[e].res_next)
    if (edges_[e].node == n) return (edges_[e].flags & kSkip) != 0;
  return false;
}

void Scheduler::add_edge_flag(uint32_t r, uint32_t n, uint8_t flag) {
  uint32_t e = find_edge(r, n);
  if (e == kNone) {
    if (!free_edges_.empty()) {
      e = free_edges_.back();
      free_edges_.pop_back();
    } else {
      e = static_cast<uint32_t>(edges_.size());
      edges_.emplace_back();
    }
    Edge& ed = edges_[e];
    ed = Edge{r, n, resources_[r].edges, kNone, nodes_[n].edges, kNone, 0};
    if (ed.res_next != kNone) edges_[ed.res_next].res_prev = e;
    if (ed.node_next != kNone) edges_[ed.node_next].node_prev = e;
    resources_[r].edges = e;
    nodes_[n].edges = e;
  }
  Edge& ed = edges_[e];
  uint8_t before = ed.flags;
  ed.flags |= flag;
  if (before == ed.flags || resources_[r].state != RState::kReady) return;
  if (ed.flags == kHint) {  // newly hinted, not skipped
    if (!node_in_any_group_of(n, r)) nodes_[n].direct.insert(ready_key(r));
    mark_dirty_resource(r);
  } else if (ed.flags & kSkip) {
    erase_key(nodes_[n].direct, ready_key(r));
  }
}

void Scheduler::clear_edge_skip(uint32_t r, uint32_t n) {
  uint32_t e = find_edge(r, n);
  if (e == kNone || !(edges_[e].flags & kSkip)) return;
  edges_[e].flags &= static_cast<uint8_t>(~kSkip);
  if (resources_[r].state != RState::kReady) return;
  if (edges_[e].flags == kHint && !node_in_any_group_of(n, r))
    nodes_[n].direct.insert(ready_key(r));
  mark_dirty_resource(r);
}

void Scheduler::remove_edge(uint32_t e) {
  Edge ed = edges_[e];
  if (resources_[ed.res].state == RState::kReady)
    erase_key(nodes_[ed.node].direct, ready_key(ed.res));
  if (ed.res_prev != kNone)
    edges_[ed.res_prev].res_next = ed.res_next;
  else
    resources_[ed.res].edges = ed.res_next;
  if (ed.res_next != kNone) edges_[ed.res_next].res_prev = ed.res_prev;
  if (ed.node_prev != kNone)
    edges_[ed.node_prev].node_next = ed.node_next;
  else
    nodes_[ed.node].edges = ed.node_next;
  if (ed.node_next != kNone) edges_[ed.node_next].node_prev = ed.node_prev;
  free_edges_.push_back(e);
  if (nodes_[ed.node].edges == kNone) maybe_purposeless(ed.node, now_);
}

// ---- intents and transfers -------------------------------------------------

IntentId Scheduler::intent_id(uint32_t i) const {
  return IntentId{(static_cast<uint64_t>(intents_[i].gen) << 32) | i};
}

TransferId Scheduler::transfer_id(uint32_t t) const {
  return TransferId{(static_cast<uint64_t>(transfers_[t].gen) << 32) | t};
}

uint32_t Scheduler::live_transfer(TransferId id) const {
  uint32_t t = static_cast<uint32_t>(id.value);
  if (t >= transfers_.size() || !transfers_[t].live ||
      transfers_[t].gen != static_cast<uint32_t>(id.value >> 32))
    return kNone;
  return t;
}

// Unlinks and frees the intent; the caller handles the resource.
void Scheduler::drop_intent(uint32_t i) {
  IntentRec& in = intents_[i];
  ResourceRec& rec = resources_[in.res];
  if (in.prev != kNone)
    intents_[in.prev].next = in.next;
  else
    rec.intents = in.next;
  if (in.next != kNone) intents_[in.next].prev = in.prev;
  in.live = false;
  ++in.gen;
  --live_intents_;
  free_intents_.push_back(i);
}

// Emits IntentFailed and drops the intent; a resource left without intents
// becomes unwanted (its transfer, if any, is cancelled).
void Scheduler::fail_intent(uint32_t i, ErrorCode code, Instant now) {
  uint32_t r = intents_[i].res;
  actions_.push_back(IntentFailed{intent_id(i), code});
  drop_intent(i);
  ResourceRec& rec = resources_[r];
  if (rec.intents != kNone) {
    recompute_priority(r);
    return;
  }
  if (rec.transfer != kNone) {
    uint32_t t = rec.transfer;
    uint32_t n = transfers_[t].node;
    actions_.push_back(CancelTransfer{transfer_id(t), nodes_[n].id});
    free_transfer(t);
  }
  make_unwanted(r, now);
}

// Ends a transfer record: frees the node's slot and the global slot.
void Scheduler::free_transfer(uint32_t t) {
  TransferRec& tr = transfers_[t];
  NodeRec& node = nodes_[tr.node];
  if (tr.prev != kNone)
    transfers_[tr.prev].next = tr.next;
  else
    node.transfers = tr.next;
  if (tr.next != kNone) transfers_[tr.next].prev = tr.prev;
  --node.in_flight;
  --in_flight_;
  resources_[tr.res].transfer = kNone;
  sync_node_sets(tr.node);
  mark_dirty_node(tr.node);
  tr.live = false;
  ++tr.gen;
  free_transfers_.push_back(t);
}

}  // namespace ferry::downloader
