// Scheduler: the sans-IO download scheduler. It decides which resource to
// fetch from which node, and when; a driver carries out its actions.
//
// What it tracks, and why (all in dense tables indexed by 32-bit slots):
//  1. Resources (hash, kind): state unwanted (hints only) / ready (wanted,
//     startable) / active (one transfer in flight), priority (max over its
//     intents), age (oldest first), failed attempts, its intents, its hint
//     and skip edges to nodes, its groups.
//  2. Intents: the caller's handles; priority, failure policy, deadline.
//  3. Nodes: connection state (disconnected, dialing, connected, backoff,
//     failed), transfers in flight, consecutive dial failures, groups, and a
//     "direct" ready set of hinted resources not reachable through a group.
//  4. Groups: a ready set of wanted resources ordered by (priority, age), the
//     member nodes that are connected with free capacity, and the members
//     that could be dialed now.
//  5. Edges (resource, node): "hinted" and/or "skip" flags, linked both ways
//     (the reverse index node -> resources), so dropping a node or a resource
//     costs its own degree only.
//  6. Transfers in flight, a timer heap (lazy: stale entries are recognised
//     by generation and skipped), and FIFOs for pruning.
//
// Scheduling rule (checked by check_invariants, "keep-busy"): after every
// call, while fewer than max_transfers are in flight, no connected node with
// free per-node capacity has a ready resource it may provide (by hint or
// group, and not in the resource's skip set). A node with free capacity takes
// the highest priority first; among sources of equal priority it rotates
// between its groups (and its direct hints), so a huge document cannot starve
// a small one; within one source the oldest resource goes first.
//
// Cost: every event touches only the records it names plus their neighbours:
// O(log n) per ready-set update, times the degree of the item (hints of a
// resource, groups of a node). Picking for a node scans its groups' ready sets
// from the front, skipping resources whose skip set contains the node, so it
// costs O(groups(node) * (log n + s)) with s the number of such skipped
// resources at the front. Never a scan over all resources or all nodes.
//
// Pruning: resources without intents keep their hints for `unwanted_ttl`
// (hints may arrive before a resource is wanted), at most
// `max_unwanted_resources` of them; the oldest are dropped first. Nodes with
// no hints, no groups and no connection are forgotten after `node_ttl`, at
// most `max_idle_nodes`. A failed node (out of dial retries) loses its hints
// and groups at once (its skip marks stay with their resources); its record
// is then pruned like any purposeless node, and until then new hints naming
// it are ignored (add_node revives it). Empty groups (no member, no resource)
// are dropped at once.
//
// Driver contract:
//  1. Call the command methods (add_resource, cancel_intent, add_node) and
//     handle(event) with the current time. `now` must never decrease.
//  2. After each call, drain poll_action() and carry out every action:
//     Connect -> answer Connected / DialFailed; StartTransfer -> answer
//     TransferProgressed* then TransferFinished / TransferFailed (or
//     ConnectionLost); DropConnection and CancelTransfer need no answer.
//     Intent* actions go to whoever holds the intent.
//  3. Re-arm one timer for next_deadline() after each call; when it passes,
//     handle(DeadlineReached{}). Stale completions (for a transfer the
//     scheduler cancelled or already ended with its connection) are ignored,
//     so the driver never has to synchronise cancellation.
// Single-threaded; no clocks, sockets, threads or logging inside.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/instant.h"
#include "core/prng.h"
#include "downloader/events.h"
#include "downloader/node_pool.h"
#include "downloader/slot_index.h"
#include "downloader/types.h"
#include "ferry/result.h"

namespace ferry::downloader {

class Scheduler {
 public:
  // `rng_seed` seeds the PRNG used for backoff jitter (replayable runs).
  // Out-of-range config values are clamped (zero limits to 1, backoff factor
  // to >= 1, jitter to [0, 1]).
  Scheduler(Config config, uint64_t rng_seed);
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // ---- Commands ---------------------------------------------------------

  // Wants `resource` through a new intent and records the hints. If the
  // resource is already downloading, the intent attaches to that transfer
  // (an IntentProgressed with the current progress is emitted at once).
  // A fail-fast intent whose resource has no provider fails at once
  // (IntentFailed follows; the returned id is then already stale).
  IntentId add_resource(const Resource& resource, const IntentOptions& options,
                        const ResourceHints& hints, Instant now);

  // Drops the intent. Cancelling the last intent of a resource cancels its
  // transfer (CancelTransfer). Returns false for a stale or unknown id.
  bool cancel_intent(IntentId intent, Instant now);

  // Adds or refreshes a node with hints. Re-adding a failed node revives it
  // with a fresh retry budget.
  void add_node(const NodeId& node, const NodeHints& hints, Instant now);

  // ---- Events and outputs ------------------------------------------------

  void handle(const Event& event, Instant now);

  // Oldest pending action, or nullopt when there is nothing to do.
  [[nodiscard]] std::optional<Action> poll_action();

  // When to send DeadlineReached next, or nullopt if no timer is pending.
  [[nodiscard]] std::optional<Instant> next_deadline() const;

  // Checks every internal invariant and the keep-busy rule with a full scan
  // (slow: for tests and the simulator). kInternal with a description on the
  // first violation.
  [[nodiscard]] Status check_invariants() const;

  // ---- Introspection -----------------------------------------------------

  // Human-readable dump of wanted resources and nodes, for test failures.
  std::string describe() const;

  // Progress of an intent's resource while it downloads: bytes, total (0 if
  // unknown) and the node it comes from. nullopt for a stale id or while no
  // transfer runs.
  struct Progress {
    uint64_t bytes = 0;
    uint64_t total = 0;
    NodeId node;
  };
  std::optional<Progress> progress(IntentId intent) const;

  size_t transfers_in_flight() const { return in_flight_; }
  size_t open_connections() const { return connected_ + dialing_; }
  size_t dials_in_progress() const { return dialing_; }
  size_t resource_count() const { return index_.size(); }
  size_t intent_count() const { return live_intents_; }
  size_t node_count() const { return node_index_.size(); }
  size_t group_count() const { return group_index_.size(); }
  bool is_connected(const NodeId& node) const;
  // Entries in the timer heap, stale ones included (bounded, see timers_).
  size_t timer_entries() const { return timers_.size(); }
  // Stale events ignored so far (completions for ended transfers, ...).
  uint64_t stale_events() const { return stale_events_; }
  const Config& config() const { return config_; }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  // Ordered (priority, age, slot) keys; tree nodes come from ready_pool_.
  using ReadySet = std::set<uint64_t, std::less<>, PoolAllocator<uint64_t>>;

  enum class RState : uint8_t { kFree, kUnwanted, kReady, kActive };
  enum class NState : uint8_t { kFree, kDisconnected, kDialing, kConnected, kBackoff, kFailed };
  enum EdgeFlags : uint8_t { kHint = 1, kSkip = 2 };
  enum class TimerKind : uint8_t { kNodeRetry, kNodeIdle, kIntentDeadline, kPrune };

  struct ResourceRec {  // 64 bytes: hot, one per resource
    crypto::Hash hash;
    uint32_t seq = 0;           // age for oldest-first, 28 bits used
    uint32_t intents = kNone;   // head of its intent list
    uint32_t transfer = kNone;  // slot in transfers_ while active
    uint32_t edges = kNone;     // head of its edge list (resource side)
    uint32_t groups = kNone;    // head of its group-link list
    uint32_t failures = 0;      // failed attempts while wanted
    uint32_t gen = 0;           // bumps on reuse and on becoming unwanted
    ResourceKind kind = ResourceKind::kBlob;
    RState state = RState::kFree;
    uint8_t priority = 0;  // max over intents while wanted
    bool dirty = false;    // queued in dirty_resources_
  };
  static_assert(sizeof(ResourceRec) == 64);

  struct IntentRec {
    uint32_t res = kNone;
    uint32_t next = kNone, prev = kNone;
    uint32_t gen = 0;
    uint32_t budget = UINT32_MAX;  // failed attempts still allowed
    uint8_t priority = 0;
    FailurePolicy::Mode mode = FailurePolicy::Mode::kWait;
    bool live = false;
  };

  struct NodeRec {
    NodeId id;
    NState state = NState::kFree;
    bool in_free_sets = false;      // listed in its groups' free_nodes
    bool in_dialable_sets = false;  // listed in its groups' dialable
    bool dirty = false;             // queued in dirty_nodes_
    bool hungry = false;            // queued in hungry_ (blocked by max_transfers)
    bool dial_queued = false;       // queued in dial_wait_
    bool idle_armed = false;        // an idle timer is pending (connected, no transfer)
    bool in_idle_set = false;       // listed in idle_conns_
    uint32_t in_flight = 0;
    uint32_t dial_failures = 0;  // consecutive
    uint32_t edges = kNone;      // head of its edge list (node side)
    uint32_t transfers = kNone;  // head of its transfer list
    uint32_t gen = 0;            // bumps on every state change or timer arm
    uint32_t rr = 0;             // fairness cursor over sources
    int64_t idle_since = 0;      // when it last became purposeless
    std::vector<uint32_t> groups;
    ReadySet direct;  // ready keys of hinted resources
  };

  struct GroupRec {
    GroupId id;
    bool live = false;
    uint32_t members = 0;  // == member_set.size()
    uint32_t resources = 0;
    std::set<uint32_t> member_set;
    ReadySet ready;                 // ready keys of its wanted resources
    std::set<uint32_t> free_nodes;  // members connected with free capacity
    std::set<uint32_t> dialable;    // members disconnected and not backing off
  };

  struct Edge {  // (resource, node) with hint/skip flags, in two lists
    uint32_t res, node;
    uint32_t res_next, res_prev, node_next, node_prev;
    uint8_t flags;
  };

  struct GroupLink {
    uint32_t group, next;
  };

  struct TransferRec {
    uint32_t res = kNone, node = kNone, gen = 0;
    uint32_t next = kNone, prev = kNone;  // in its node's transfer list
    bool live = false;
    uint64_t bytes = 0, total = 0;
  };

  struct Timer {
    int64_t at;
    uint32_t idx, gen;
    TimerKind kind;
    bool operator>(const Timer& o) const { return at > o.at; }
  };

  struct PruneEntry {
    int64_t at;
    uint32_t idx, gen;
  };

  // --- event handlers (scheduler.cc)
  void on(const Connected& e, Instant now);
  void on(const DialFailed& e, Instant now);
  void on(const ConnectionLost& e, Instant now);
  void on(const TransferProgressed& e, Instant now);
  void on(const TransferFinished& e, Instant now);
  void on(const TransferFailed& e, Instant now);
  void on(const DeadlineReached& e, Instant now);
  void finish_call(Instant now);

  // --- scheduling (schedule.cc)
  void schedule(Instant now);
  void consider_node(uint32_t n, Instant now);
  void fill(uint32_t n, Instant now);
  void place(uint32_t r, Instant now);
  bool pick(uint32_t n, uint32_t* out);
  bool has_work(uint32_t n) const;
  uint32_t first_eligible(const ReadySet& ready, uint32_t n) const;
  // One tree descent (set::erase(key) makes two: equal_range, then erase).
  static void erase_key(ReadySet& set, uint64_t key) {
    auto it = set.find(key);
    if (it != set.end()) set.erase(it);
  }
  void start_transfer(uint32_t r, uint32_t n, Instant now);
  void request_dial(uint32_t n, Instant now);
  bool can_dial() const;
  bool close_an_idle_connection(Instant now);
  void node_down(uint32_t n, bool count_failure, Instant now);
  void dial_failed(uint32_t n, Instant now);
  void back_off(uint32_t n, Instant now);
  void attempt_failed(uint32_t r, Instant now);
  void check_providers(uint32_t r, Instant now);
  bool has_provider(uint32_t r) const;

  // --- tables (state.cc)
  uint32_t find_resource(const Resource& res) const;
  uint32_t get_resource(const Resource& res, Instant now);
  void free_resource(uint32_t r);
  uint32_t find_node(const NodeId& id) const;
  uint32_t get_node(const NodeId& id, Instant now);
  void free_node(uint32_t n);
  uint32_t get_group(const GroupId& id);
  void maybe_free_group(uint32_t g);
  uint32_t find_edge(uint32_t r, uint32_t n) const;
  void add_edge_flag(uint32_t r, uint32_t n, uint8_t flag);
  // Removes the skip flag of (r, n), if any, so n may be asked for r again.
  void clear_edge_skip(uint32_t r, uint32_t n);
  void remove_edge(uint32_t e);
  bool is_skipped(uint32_t r, uint32_t n) const;
  bool node_in_group(uint32_t n, uint32_t g) const;
  bool node_in_any_group_of(uint32_t n, uint32_t r) const;
  void link_group(uint32_t r, uint32_t g);
  void join_group(uint32_t n, uint32_t g);
  void leave_groups(uint32_t n);
  uint64_t ready_key(uint32_t r) const;
  void insert_ready(uint32_t r);
  void erase_ready(uint32_t r);
  void make_ready(uint32_t r);
  void make_unwanted(uint32_t r, Instant now);
  void set_node_state(uint32_t n, NState s);
  void sync_node_sets(uint32_t n);
  void mark_dirty_node(uint32_t n);
  void mark_dirty_resource(uint32_t r);
  void maybe_purposeless(uint32_t n, Instant now);
  bool purposeless(uint32_t n) const;
  void fail_node(uint32_t n, Instant now);
  void drop_intent(uint32_t i);
  void fail_intent(uint32_t i, ErrorCode code, Instant now);
  void recompute_priority(uint32_t r);
  void arm_timer(TimerKind kind, uint32_t idx, uint32_t gen, Instant at);
  bool timer_valid(const Timer& t) const;
  void pop_timer();
  void purge_timers();
  void fire_timer(const Timer& t, Instant now);
  void prune(Instant now);
  void free_transfer(uint32_t t);
  IntentId intent_id(uint32_t i) const;
  TransferId transfer_id(uint32_t t) const;
  uint32_t live_transfer(TransferId id) const;

  Config config_;
  Prng rng_;
  // Declared before every table: ready sets allocate from it.
  NodePool ready_pool_;

  std::vector<ResourceRec> resources_;
  std::vector<uint32_t> free_resources_;
  SlotIndex index_;
  uint32_t next_seq_ = 0;

  std::vector<IntentRec> intents_;
  std::vector<uint32_t> free_intents_;
  size_t live_intents_ = 0;

  std::vector<NodeRec> nodes_;
  std::vector<uint32_t> free_nodes_;
  std::unordered_map<NodeId, uint32_t> node_index_;

  std::vector<GroupRec> groups_;
  std::vector<uint32_t> free_groups_;
  std::unordered_map<GroupId, uint32_t> group_index_;

  std::vector<Edge> edges_;
  std::vector<uint32_t> free_edges_;
  std::vector<GroupLink> links_;
  std::vector<uint32_t> free_links_;

  std::vector<TransferRec> transfers_;
  std::vector<uint32_t> free_transfers_;

  size_t in_flight_ = 0;
  size_t connected_ = 0;
  size_t dialing_ = 0;
  uint64_t stale_events_ = 0;

  std::vector<uint32_t> dirty_nodes_;
  std::vector<uint32_t> dirty_resources_;
  std::deque<uint32_t> hungry_;     // nodes with work blocked by max_transfers
  std::deque<uint32_t> dial_wait_;  // nodes with work blocked by dial limits
  // Ready resources that had a free candidate node but met max_transfers.
  // Together with hungry_ this covers every (free node, ready resource) pair
  // that the global limit held back; entries may be stale (checked on pop).
  std::deque<uint32_t> hungry_resources_;

  // Min-heap on `at` (std::push_heap with greater). Entries go stale when
  // their node/intent moves on; stale ones are skipped when they reach the
  // top, and the heap is compacted when it holds more than twice the entries
  // that can be live, so finished intents do not pin memory until their
  // deadline.
  std::vector<Timer> timers_;
  int64_t prune_armed_at_ = INT64_MAX;
  std::deque<PruneEntry> unwanted_fifo_;
  size_t unwanted_count_ = 0;
  std::deque<PruneEntry> idle_node_fifo_;
  size_t idle_node_count_ = 0;

  std::set<uint32_t> idle_conns_;  // connected nodes with no transfer
  Instant now_;                    // time of the current call

  std::deque<Action> actions_;
};

}  // namespace ferry::downloader
