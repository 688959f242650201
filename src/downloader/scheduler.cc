// Scheduler: commands, event handlers and timers. Placement lives in
// schedule.cc, tables in state.cc, invariant checks in invariants.cc.
#include "downloader/scheduler.h"

#include <algorithm>
#include <cassert>

namespace ferry::downloader {

Scheduler::Scheduler(Config config, uint64_t rng_seed)
    : config_(config),
      rng_(rng_seed),
      // A red-black tree node: colour + three links + the 8-byte key. If a
      // standard library's node is larger, PoolAllocator falls back to the
      // heap (still correct, only bigger).
      ready_pool_(4 * sizeof(void*) + sizeof(uint64_t)) {
  if (config_.max_transfers == 0) config_.max_transfers = 1;
  if (config_.max_transfers_per_node == 0) config_.max_transfers_per_node = 1;
  if (config_.max_connections == 0) config_.max_connections = 1;
  if (config_.max_dials == 0) config_.max_dials = 1;
  if (config_.max_dial_attempts == 0) config_.max_dial_attempts = 1;
  config_.dial_backoff_factor = std::max(config_.dial_backoff_factor, 1.0);
  config_.dial_backoff_jitter = std::clamp(config_.dial_backoff_jitter, 0.0, 1.0);
}

std::optional<Action> Scheduler::poll_action() {
  if (actions_.empty()) return std::nullopt;
  Action a = std::move(actions_.front());
  actions_.pop_front();
  return a;
}

bool Scheduler::is_connected(const NodeId& node) const {
  uint32_t n = find_node(node);
  return n != kNone && nodes_[n].state == NState::kConnected;
}

std::optional<Scheduler::Progress> Scheduler::progress(IntentId id) const {
  uint32_t i = static_cast<uint32_t>(id.value);
  if (i >= intents_.size() || !intents_[i].live ||
      intents_[i].gen != static_cast<uint32_t>(id.value >> 32))
    return std::nullopt;
  uint32_t t = resources_[intents_[i].res].transfer;
  if (t == kNone) return std::nullopt;
  return Progress{transfers_[t].bytes, transfers_[t].total, nodes_[transfers_[t].node].id};
}

// ---- commands --------------------------------------------------------------

IntentId Scheduler::add_resource(const Resource& resource, const IntentOptions& options,
                                 const ResourceHints& hints, Instant now) {
  assert(now >= now_);
  now_ = now;
  uint32_t r = get_resource(resource, now);
  for (const GroupId& g : hints.groups) link_group(r, get_group(g));
  for (const NodeId& id : hints.nodes) {
    uint32_t n = get_node(id, now);
    if (nodes_[n].state != NState::kFailed) add_edge_flag(r, n, kHint);
  }
  for (const NodeId& id : hints.skip_nodes) add_edge_flag(r, get_node(id, now), kSkip);

  uint32_t i;
  if (!free_intents_.empty()) {
    i = free_intents_.back();
    free_intents_.pop_back();
  } else {
    i = static_cast<uint32_t>(intents_.size());
    intents_.emplace_back();
  }
  IntentRec& in = intents_[i];
  in.res = r;
  in.prev = kNone;
  in.next = resources_[r].intents;
  if (in.next != kNone) intents_[in.next].prev = i;
  resources_[r].intents = i;
  in.priority = std::min(options.priority.value, Priority::kMax);
  in.mode = options.policy.mode;
  in.budget = options.policy.retry_budget.value_or(UINT32_MAX);
  if (in.budget == 0) in.budget = 1;
  in.live = true;
  ++live_intents_;
  std::optional<Duration> deadline = options.policy.deadline;
  if (!deadline && in.mode == FailurePolicy::Mode::kWait) deadline = config_.default_wait_deadline;
  if (deadline) arm_timer(TimerKind::kIntentDeadline, i, in.gen, now + *deadline);

  ResourceRec& rec = resources_[r];
  if (rec.state == RState::kUnwanted) {
    rec.priority = intents_[i].priority;
    make_ready(r);
  } else {
    recompute_priority(r);
    mark_dirty_resource(r);
    if (rec.state == RState::kActive) {  // attach to the running download
      const TransferRec& tr = transfers_[rec.transfer];
      actions_.push_back(IntentProgressed{intent_id(i), tr.bytes, tr.total, nodes_[tr.node].id});
    }
  }
  IntentId id = intent_id(i);
  finish_call(now);
  return id;
}

bool Scheduler::cancel_intent(IntentId id, Instant now) {
  assert(now >= now_);
  now_ = now;
  uint32_t i = static_cast<uint32_t>(id.value);
  if (i >= intents_.size() || !intents_[i].live ||
      intents_[i].gen != static_cast<uint32_t>(id.value >> 32))
    return false;
  uint32_t r = intents_[i].res;
  drop_intent(i);
  if (resources_[r].intents != kNone) {
    recompute_priority(r);
  } else {
    if (resources_[r].transfer != kNone) {
      uint32_t t = resources_[r].transfer;
      actions_.push_back(CancelTransfer{transfer_id(t), nodes_[transfers_[t].node].id});
      free_transfer(t);
    }
    make_unwanted(r, now);
  }
  finish_call(now);
  return true;
}

void Scheduler::add_node(const NodeId& id, const NodeHints& hints, Instant now) {
  assert(now >= now_);
  now_ = now;
  uint32_t n = get_node(id, now);
  if (nodes_[n].state == NState::kFailed) {
    nodes_[n].dial_failures = 0;
    set_node_state(n, NState::kDisconnected);
  }
  for (const Resource& res : hints.resources) {
    uint32_t r = get_resource(res, now);
    clear_edge_skip(r, n);  // a fresh "I have it" outranks an earlier not-found
    add_edge_flag(r, n, kHint);
  }
  for (const GroupId& g : hints.groups) join_group(n, get_group(g));
  mark_dirty_node(n);
  finish_call(now);
}

// ---- events ----------------------------------------------------------------

void Scheduler::handle(const Event& event, Instant now) {
  assert(now >= now_);
  now_ = now;
  std::visit([&](const auto& e) { on(e, now); }, event);
  finish_call(now);
}

void Scheduler::finish_call(Instant now) {
  schedule(now);
  prune(now);
  purge_timers();
}

void Scheduler::on(const Connected& e, Instant) {
  uint32_t n = find_node(e.node);
  if (n == kNone || nodes_[n].state != NState::kDialing) {
    ++stale_events_;
    actions_.push_back(DropConnection{e.node});  // we did not ask for it
    return;
  }
  nodes_[n].dial_failures = 0;
  set_node_state(n, NState::kConnected);
  mark_dirty_node(n);
}

void Scheduler::on(const DialFailed& e, Instant now) {
  uint32_t n = find_node(e.node);
  if (n == kNone || nodes_[n].state != NState::kDialing) {
    ++stale_events_;
    return;
  }
  dial_failed(n, now);
}

void Scheduler::on(const ConnectionLost& e, Instant now) {
  uint32_t n = find_node(e.node);
  if (n == kNone) {
    ++stale_events_;
    return;
  }
  if (nodes_[n].state == NState::kDialing) {
    dial_failed(n, now);
    return;
  }
  if (nodes_[n].state != NState::kConnected) {
    ++stale_events_;
    return;
  }
  node_down(n, nodes_[n].in_flight > 0, now);
}

void Scheduler::on(const TransferProgressed& e, Instant) {
  uint32_t t = live_transfer(e.transfer);
  if (t == kNone) {
    ++stale_events_;
    return;
  }
  TransferRec& tr = transfers_[t];
  tr.bytes = e.bytes;
  tr.total = e.total;
  for (uint32_t i = resources_[tr.res].intents; i != kNone; i = intents_[i].next)
    actions_.push_back(IntentProgressed{intent_id(i), e.bytes, e.total, nodes_[tr.node].id});
}

void Scheduler::on(const TransferFinished& e, Instant) {
  uint32_t t = live_transfer(e.transfer);
  if (t == kNone) {
    ++stale_events_;
    return;
  }
  uint32_t r = transfers_[t].res;
  free_transfer(t);
  while (resources_[r].intents != kNone) {
    uint32_t i = resources_[r].intents;
    actions_.push_back(IntentCompleted{intent_id(i)});
    drop_intent(i);
  }
  free_resource(r);
}

void Scheduler::on(const TransferFailed& e, Instant now) {
  uint32_t t = live_transfer(e.transfer);
  if (t == kNone) {
    ++stale_events_;
    return;
  }
  uint32_t r = transfers_[t].res;
  uint32_t n = transfers_[t].node;
  free_transfer(t);
  if (e.kind == FailureKind::kNodeError) {
    actions_.push_back(DropConnection{nodes_[n].id});
    attempt_failed(r, now);
    node_down(n, true, now);
  } else {
    add_edge_flag(r, n, kSkip);
    attempt_failed(r, now);
  }
}

void Scheduler::on(const DeadlineReached&, Instant now) {
  while (!timers_.empty() && timers_.front().at <= now.nanos()) {
    Timer t = timers_.front();
    pop_timer();
    if (timer_valid(t)) fire_timer(t, now);
  }
}

void Scheduler::fire_timer(const Timer& t, Instant now) {
  switch (t.kind) {
    case TimerKind::kNodeRetry:
      set_node_state(t.idx, NState::kDisconnected);
      mark_dirty_node(t.idx);
      break;
    case TimerKind::kNodeIdle:
      if (has_work(t.idx)) {  // only blocked by max_transfers: keep it
        nodes_[t.idx].idle_armed = false;
        mark_dirty_node(t.idx);
        break;
      }
      actions_.push_back(DropConnection{nodes_[t.idx].id});
      set_node_state(t.idx, NState::kDisconnected);
      break;
    case TimerKind::kIntentDeadline: fail_intent(t.idx, ErrorCode::kTimeout, now); break;
    case TimerKind::kPrune: prune_armed_at_ = INT64_MAX; break;
  }
}

}  // namespace ferry::downloader
