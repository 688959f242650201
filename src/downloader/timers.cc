// Scheduler timers (a lazy min-heap with generation checks) and pruning of
// unwanted resources and purposeless nodes. See scheduler.h, "Pruning".
#include <algorithm>
#include <functional>

#include "downloader/scheduler.h"

namespace ferry::downloader {

// ---- timers and pruning ----------------------------------------------------

void Scheduler::arm_timer(TimerKind kind, uint32_t idx, uint32_t gen, Instant at) {
  timers_.push_back(Timer{at.nanos(), idx, gen, kind});
  std::push_heap(timers_.begin(), timers_.end(), std::greater<>());
  // Live timers: one deadline per intent, one retry or idle timer per node,
  // one prune timer.
  size_t live_bound = live_intents_ + nodes_.size() + 1;
  if (timers_.size() > 64 && timers_.size() > 2 * live_bound) {
    std::erase_if(timers_, [this](const Timer& t) { return !timer_valid(t); });
    std::make_heap(timers_.begin(), timers_.end(), std::greater<>());
  }
}

void Scheduler::pop_timer() {
  std::pop_heap(timers_.begin(), timers_.end(), std::greater<>());
  timers_.pop_back();
}

// Keeps the heap top valid so next_deadline() is exact: at quiescence no
// stale timer is left.
void Scheduler::purge_timers() {
  while (!timers_.empty() && !timer_valid(timers_.front())) pop_timer();
}

bool Scheduler::timer_valid(const Timer& t) const {
  switch (t.kind) {
    case TimerKind::kNodeRetry:
      return nodes_[t.idx].gen == t.gen && nodes_[t.idx].state == NState::kBackoff;
    case TimerKind::kNodeIdle:
      return nodes_[t.idx].gen == t.gen && nodes_[t.idx].state == NState::kConnected &&
             nodes_[t.idx].in_flight == 0;
    case TimerKind::kIntentDeadline: return intents_[t.idx].gen == t.gen && intents_[t.idx].live;
    case TimerKind::kPrune: return t.at == prune_armed_at_;
  }
  return false;
}

std::optional<Instant> Scheduler::next_deadline() const {
  if (timers_.empty()) return std::nullopt;
  return Instant::from_nanos(timers_.front().at);
}

// Drops resources unwanted for longer than unwanted_ttl or beyond the budget,
// and purposeless nodes likewise; re-arms the prune timer for the next one.
void Scheduler::prune(Instant now) {
  auto res_valid = [&](const PruneEntry& p) {
    return resources_[p.idx].gen == p.gen && resources_[p.idx].state == RState::kUnwanted;
  };
  while (!unwanted_fifo_.empty()) {
    const PruneEntry& p = unwanted_fifo_.front();
    if (!res_valid(p)) {
      unwanted_fifo_.pop_front();
      continue;
    }
    bool expired = now.nanos() - p.at >= config_.unwanted_ttl.count();
    if (!expired && unwanted_count_ <= config_.max_unwanted_resources) break;
    free_resource(p.idx);
    unwanted_fifo_.pop_front();
  }
  auto node_valid = [&](const PruneEntry& p) {
    return nodes_[p.idx].state != NState::kFree && purposeless(p.idx) &&
           nodes_[p.idx].idle_since == p.at;
  };
  while (!idle_node_fifo_.empty()) {
    const PruneEntry& p = idle_node_fifo_.front();
    if (!node_valid(p)) {
      idle_node_fifo_.pop_front();
      continue;
    }
    bool expired = now.nanos() - p.at >= config_.node_ttl.count();
    if (!expired && idle_node_fifo_.size() <= config_.max_idle_nodes) break;
    free_node(p.idx);
    idle_node_fifo_.pop_front();
  }
  int64_t want = INT64_MAX;
  if (!unwanted_fifo_.empty())
    want = std::min(want, unwanted_fifo_.front().at + config_.unwanted_ttl.count());
  if (!idle_node_fifo_.empty())
    want = std::min(want, idle_node_fifo_.front().at + config_.node_ttl.count());
  if (want != prune_armed_at_) {
    prune_armed_at_ = want;
    if (want != INT64_MAX) arm_timer(TimerKind::kPrune, 0, 0, Instant::from_nanos(want));
  }
}

}  // namespace ferry::downloader
