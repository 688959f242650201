// Scheduler: placement of ready resources on nodes, dialing, retries and
// failure handling. The single place that starts transfers is fill().
#include <algorithm>
#include <cmath>

#include "downloader/scheduler.h"

namespace ferry::downloader {

// Drains the work queues until nothing can change: dirty nodes are filled (or
// dialed), dirty resources placed, nodes blocked by max_transfers or by dial
// limits retried while capacity allows. Each round either consumes a queue
// entry or starts a transfer / dial, so it terminates.
void Scheduler::schedule(Instant now) {
  for (;;) {
    if (!dirty_nodes_.empty()) {
      uint32_t n = dirty_nodes_.back();
      dirty_nodes_.pop_back();
      nodes_[n].dirty = false;
      consider_node(n, now);
      continue;
    }
    if (!dirty_resources_.empty()) {
      uint32_t r = dirty_resources_.back();
      dirty_resources_.pop_back();
      resources_[r].dirty = false;
      place(r, now);
      continue;
    }
    if (in_flight_ < config_.max_transfers && !hungry_.empty()) {
      uint32_t n = hungry_.front();
      hungry_.pop_front();
      nodes_[n].hungry = false;
      fill(n, now);
      continue;
    }
    if (in_flight_ < config_.max_transfers && !hungry_resources_.empty()) {
      uint32_t r = hungry_resources_.front();
      hungry_resources_.pop_front();
      place(r, now);  // a stale slot is harmless: place() checks the state
      continue;
    }
    if (!dial_wait_.empty() && can_dial()) {
      uint32_t n = dial_wait_.front();
      dial_wait_.pop_front();
      nodes_[n].dial_queued = false;
      if (nodes_[n].state != NState::kFree) sync_node_sets(n);
      if (nodes_[n].state == NState::kDisconnected && has_work(n)) request_dial(n, now);
      continue;
    }
    break;
  }
}

void Scheduler::consider_node(uint32_t n, Instant now) {
  NState s = nodes_[n].state;
  if (s == NState::kConnected) {
    fill(n, now);
  } else if (s == NState::kDisconnected && has_work(n)) {
    request_dial(n, now);
  }
}

// Starts transfers on a connected node until it is full, the global limit is
// reached, or it has nothing startable. Arms the idle timer if it stays idle.
void Scheduler::fill(uint32_t n, Instant now) {
  while (nodes_[n].state == NState::kConnected &&
         nodes_[n].in_flight < config_.max_transfers_per_node) {
    if (in_flight_ >= config_.max_transfers) {
      if (!nodes_[n].hungry && has_work(n)) {
        nodes_[n].hungry = true;
        hungry_.push_back(n);
      }
      break;
    }
    uint32_t r;
    if (!pick(n, &r)) break;
    start_transfer(r, n, now);
  }
  NodeRec& node = nodes_[n];
  if (node.state == NState::kConnected && node.in_flight == 0 && !node.idle_armed) {
    node.idle_armed = true;
    ++node.gen;
    arm_timer(TimerKind::kNodeIdle, n, node.gen, now + config_.idle_timeout);
  }
}

// Resource of the first key in `ready` that does not skip node n, or kNone.
uint32_t Scheduler::first_eligible(const ReadySet& ready, uint32_t n) const {
  for (uint64_t key : ready) {
    uint32_t r = static_cast<uint32_t>(key);
    if (!is_skipped(r, n)) return r;
  }
  return kNone;
}

// Chooses the next resource for node n: highest priority over all its sources
// (its groups' ready sets and its direct set); between sources offering the
// same priority, round-robin from the node's cursor; oldest first within a
// source.
bool Scheduler::pick(uint32_t n, uint32_t* out) {
  NodeRec& node = nodes_[n];
  const size_t sources = node.groups.size() + 1;
  uint32_t best_r = kNone;
  uint8_t best_prio = 0;
  size_t best_src = 0;
  for (size_t k = 0; k < sources; ++k) {
    size_t src = (node.rr + k) % sources;
    uint32_t r = src < node.groups.size() ? first_eligible(groups_[node.groups[src]].ready, n)
                                          : first_eligible(node.direct, n);
    if (r == kNone) continue;
    // Strictly higher priority wins; on a tie the earlier source in rotation
    // order keeps it.
    if (best_r == kNone || resources_[r].priority > best_prio) {
      best_r = r;
      best_prio = resources_[r].priority;
      best_src = src;
    }
  }
  if (best_r == kNone) return false;
  node.rr = static_cast<uint32_t>((best_src + 1) % sources);
  *out = best_r;
  return true;
}

bool Scheduler::has_work(uint32_t n) const {
  const NodeRec& node = nodes_[n];
  if (!node.direct.empty()) return true;
  for (uint32_t g : node.groups)
    if (first_eligible(groups_[g].ready, n) != kNone) return true;
  return false;
}

void Scheduler::start_transfer(uint32_t r, uint32_t n, Instant) {
  erase_ready(r);
  uint32_t t;
  if (!free_transfers_.empty()) {
    t = free_transfers_.back();
    free_transfers_.pop_back();
  } else {
    t = static_cast<uint32_t>(transfers_.size());
    transfers_.emplace_back();
  }
  TransferRec& tr = transfers_[t];
  tr.res = r;
  tr.node = n;
  tr.live = true;
  tr.bytes = 0;
  tr.total = 0;
  tr.prev = kNone;
  tr.next = nodes_[n].transfers;
  if (tr.next != kNone) transfers_[tr.next].prev = t;
  nodes_[n].transfers = t;
  ResourceRec& rec = resources_[r];
  rec.state = RState::kActive;
  rec.transfer = t;
  NodeRec& node = nodes_[n];
  ++node.in_flight;
  ++in_flight_;
  node.idle_armed = false;
  sync_node_sets(n);
  actions_.push_back(StartTransfer{transfer_id(t), node.id, Resource{rec.hash, rec.kind}});
}

// Finds a node for a ready resource: a connected node with free capacity
// (hinted first, then group members), else dials one candidate. A resource
// with no provider at all fails its fail-fast intents here.
void Scheduler::place(uint32_t r, Instant now) {
  for (;;) {
    if (resources_[r].state != RState::kReady) return;
    uint32_t target = kNone;
    for (uint32_t e = resources_[r].edges; e != kNone && target == kNone; e = edges_[e].res_next)
      if (edges_[e].flags == kHint && nodes_[edges_[e].node].in_free_sets) target = edges_[e].node;
    for (uint32_t l = resources_[r].groups; l != kNone && target == kNone; l = links_[l].next) {
      for (uint32_t m : groups_[links_[l].group].free_nodes) {
        if (!is_skipped(r, m)) {
          target = m;
          break;
        }
      }
    }
    if (target != kNone) {
      if (in_flight_ >= config_.max_transfers) {
        // Blocked by the global limit: retry when a slot frees (the node
        // found now may be gone by then, so remember the resource).
        hungry_resources_.push_back(r);
        return;
      }
      size_t before = in_flight_;
      fill(target, now);
      if (in_flight_ == before) return;  // cannot happen while the sets are consistent
      continue;
    }
    if (!has_provider(r)) {
      check_providers(r, now);
      return;
    }
    for (uint32_t e = resources_[r].edges; e != kNone; e = edges_[e].res_next) {
      if (edges_[e].flags == kHint && nodes_[edges_[e].node].state == NState::kDisconnected) {
        request_dial(edges_[e].node, now);
        return;
      }
    }
    for (uint32_t l = resources_[r].groups; l != kNone; l = links_[l].next) {
      for (uint32_t m : groups_[links_[l].group].dialable) {
        if (!is_skipped(r, m)) {
          request_dial(m, now);
          return;
        }
      }
    }
    return;
  }
}

bool Scheduler::can_dial() const {
  if (dialing_ >= config_.max_dials) return false;
  if (connected_ + dialing_ < config_.max_connections) return true;
  // A full connection table can make room by closing an idle connection that
  // has nothing to do.
  int looked = 0;
  for (uint32_t m : idle_conns_) {
    if (!has_work(m)) return true;
    if (++looked == 8) break;
  }
  return false;
}

bool Scheduler::close_an_idle_connection(Instant) {
  int looked = 0;
  for (uint32_t m : idle_conns_) {
    if (!has_work(m)) {
      actions_.push_back(DropConnection{nodes_[m].id});
      set_node_state(m, NState::kDisconnected);
      return true;
    }
    if (++looked == 8) break;
  }
  return false;
}

// Dials node n if the limits allow, else queues it until they do.
void Scheduler::request_dial(uint32_t n, Instant now) {
  if (nodes_[n].state != NState::kDisconnected) return;
  if (can_dial()) {
    if (connected_ + dialing_ >= config_.max_connections) close_an_idle_connection(now);
    set_node_state(n, NState::kDialing);
    actions_.push_back(Connect{nodes_[n].id});
    return;
  }
  if (!nodes_[n].dial_queued) {
    nodes_[n].dial_queued = true;
    sync_node_sets(n);
    dial_wait_.push_back(n);
  }
}

// A dial failed or a busy connection broke: back off, or give up on the node.
void Scheduler::dial_failed(uint32_t n, Instant now) {
  // Resources that waited for this node may have other candidates to dial:
  // its direct resources are re-placed, and each of its groups with work
  // dials one other member that has something startable.
  for (uint64_t key : nodes_[n].direct) mark_dirty_resource(static_cast<uint32_t>(key));
  std::vector<uint32_t> groups = nodes_[n].groups;
  ++nodes_[n].dial_failures;
  if (nodes_[n].dial_failures >= config_.max_dial_attempts) {
    fail_node(n, now);
  } else {
    back_off(n, now);
  }
  for (uint32_t g : groups) {
    if (!groups_[g].live || groups_[g].ready.empty()) continue;
    int looked = 0;
    for (uint32_t m : groups_[g].dialable) {
      if (has_work(m)) {
        request_dial(m, now);
        break;
      }
      if (++looked == 16) break;
    }
  }
}

void Scheduler::back_off(uint32_t n, Instant now) {
  NodeRec& node = nodes_[n];
  double delay = static_cast<double>(config_.dial_backoff_initial.count()) *
                 std::pow(config_.dial_backoff_factor, node.dial_failures - 1);
  delay = std::min(delay, static_cast<double>(config_.dial_backoff_cap.count()));
  delay *= 1.0 - config_.dial_backoff_jitter * rng_.unit();
  set_node_state(n, NState::kBackoff);
  arm_timer(TimerKind::kNodeRetry, n, nodes_[n].gen,
            now + Duration(static_cast<int64_t>(std::max(delay, 1.0))));
}

// Marks the node failed: drops its hints (not its skip marks) and groups; resources that may have
// lost their last provider are re-placed (failing fail-fast intents).
void Scheduler::fail_node(uint32_t n, Instant) {
  set_node_state(n, NState::kFailed);
  // Hints go; skip marks stay (they are facts about the resource, still true
  // if the node is revived later) and go with their resource.
  for (uint32_t e = nodes_[n].edges; e != kNone;) {
    uint32_t next = edges_[e].node_next;
    uint32_t r = edges_[e].res;
    if (edges_[e].flags & kHint) {
      if (resources_[r].state == RState::kReady) {
        erase_key(nodes_[n].direct, ready_key(r));
        mark_dirty_resource(r);
      }
      edges_[e].flags &= static_cast<uint8_t>(~kHint);
      if (edges_[e].flags == 0) remove_edge(e);
    }
    e = next;
  }
  leave_groups(n);
  nodes_[n].direct.clear();
  maybe_purposeless(n, now_);
}

// The connection to n is gone. Its transfers end (their resources become
// ready again); count_failure puts the node into backoff.
void Scheduler::node_down(uint32_t n, bool count_failure, Instant now) {
  set_node_state(n, NState::kDisconnected);
  while (nodes_[n].transfers != kNone) {
    uint32_t t = nodes_[n].transfers;
    uint32_t r = transfers_[t].res;
    free_transfer(t);
    attempt_failed(r, now);
  }
  if (count_failure) dial_failed(n, now);
  mark_dirty_node(n);
}

// A transfer of r ended without success (its record is already freed).
// Spends retry budgets; if intents remain, r is ready again.
void Scheduler::attempt_failed(uint32_t r, Instant now) {
  ++resources_[r].failures;
  for (uint32_t i = resources_[r].intents; i != kNone;) {
    uint32_t next = intents_[i].next;
    if (intents_[i].budget != UINT32_MAX && --intents_[i].budget == 0)
      fail_intent(i, ErrorCode::kResourceExhausted, now);
    i = next;
  }
  if (resources_[r].state == RState::kActive) make_ready(r);
}

// Fails the fail-fast intents of r if no provider is left.
void Scheduler::check_providers(uint32_t r, Instant now) {
  if (has_provider(r)) return;
  for (uint32_t i = resources_[r].intents; i != kNone;) {
    uint32_t next = intents_[i].next;
    if (intents_[i].mode == FailurePolicy::Mode::kFailFast)
      fail_intent(i, ErrorCode::kNotFound, now);
    i = next;
  }
}

// Some node not failed and not skipped may provide r (hint or group member).
bool Scheduler::has_provider(uint32_t r) const {
  for (uint32_t e = resources_[r].edges; e != kNone; e = edges_[e].res_next)
    if (edges_[e].flags == kHint && nodes_[edges_[e].node].state != NState::kFailed) return true;
  for (uint32_t l = resources_[r].groups; l != kNone; l = links_[l].next) {
    uint32_t g = links_[l].group;
    uint32_t skipped_members = 0;
    for (uint32_t e = resources_[r].edges; e != kNone; e = edges_[e].res_next)
      if ((edges_[e].flags & kSkip) && node_in_group(edges_[e].node, g)) ++skipped_members;
    if (groups_[g].members > skipped_members) return true;
  }
  return false;
}

}  // namespace ferry::downloader
