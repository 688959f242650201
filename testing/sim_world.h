// SimWorld: a deterministic discrete-event simulation of one downloader
// Scheduler among simulated provider nodes, on a virtual clock starting at 0.
//
// Providers have a round-trip time, a bandwidth (their transfers queue FIFO on
// one link, so concurrent transfers share it), a chance to fail a transfer
// (aborted or node error), a chance to refuse a dial, a "does not have it"
// rate, offline periods (churn: connections break, dials fail), a join time and
// groups. Resources have a size, an add time, hints, an intent policy, and may
// be cancelled or gain a second intent while running.
//
// One seeded Prng drives every random choice, and the event queue is ordered
// by (time, insertion number), so (scenario, seed) replays exactly.
//
// After every step (with check_every_step) the world checks: the scheduler's
// check_invariants() (limits, table consistency, keep-busy); from the outside,
// that no transfer starts on a node the world does not consider connected,
// that limits hold in the world's own accounting, that a dialed node may
// provide some wanted resource (by the world's knowledge of hints and groups), that every started
// transfer ends exactly once (finished, failed, cancelled, or with its connection) and that the
// scheduler's in-flight count equals the world's; that every intent gets at most one outcome.
// check_quiescent() adds the end-of-run checks.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "core/prng.h"
#include "downloader/scheduler.h"

namespace ferry::testing {

namespace dl = ferry::downloader;

struct ProviderSpec {
  dl::NodeId id;
  Duration rtt = std::chrono::milliseconds(20);
  double bytes_per_sec = 12.5e6;
  double abort_rate = 0;       // transfer fails with kAborted
  double node_error_rate = 0;  // transfer fails with kNodeError
  double dial_fail_rate = 0;
  double has_rate = 1.0;  // chance it has a given (non-reliable) resource
  bool reliable = false;  // never fails, never offline, has its reliable resources
  Instant join_at;        // when add_node announces it (with `groups`)
  bool announce = true;   // false: known only through resource hints
  std::vector<dl::GroupId> groups;
  std::vector<std::pair<Instant, Instant>> offline;  // [from, to) periods
};

struct ResourceSpec {
  dl::Resource resource;
  uint64_t size = 1 << 20;
  Instant add_at;
  dl::IntentOptions options;
  dl::ResourceHints hints;
  // A reliable provider has it and may provide it (hint or group), and its
  // intent waits without retry budget: it must complete.
  bool reliable = false;
  std::optional<Instant> cancel_at;  // cancels the first intent
  std::optional<Instant> second_intent_at;
};

struct Scenario {
  dl::Config config;
  std::vector<ProviderSpec> providers;
  std::vector<ResourceSpec> resources;
};

// A random small scenario exercising every feature; the caller's seed picks it.
Scenario random_scenario(uint64_t seed);

struct SimStats {
  uint64_t steps = 0;
  uint64_t transfers_started = 0;
  uint64_t completed = 0;
  uint64_t failed = 0;
  uint64_t cancelled = 0;
  Instant last_completion;
};

class SimWorld {
 public:
  SimWorld(Scenario scenario, uint64_t seed, bool check_every_step = true);

  // Runs one queued event. Returns false when nothing is pending. Any check
  // failure is recorded in error() and stops the world.
  bool step();
  // Steps until quiescent or max_steps; then runs check_quiescent().
  void run(uint64_t max_steps = 2'000'000);

  // End-of-run checks: no transfer, timer or connection left, every intent has
  // exactly one outcome unless cancelled, every reliable resource completed.
  void check_quiescent();

  const std::optional<std::string>& error() const { return error_; }
  const SimStats& stats() const { return stats_; }
  Instant now() const { return now_; }
  const dl::Scheduler& scheduler() const { return sched_; }

 private:
  struct AddNode {
    size_t p;
    size_t id() const { return p; }
  };
  struct AddResource {
    size_t r;
    size_t id() const { return r; }
  };
  struct Cancel {
    size_t r;
    size_t id() const { return r; }
  };
  struct SecondIntent {
    size_t r;
    size_t id() const { return r; }
  };
  struct GoOffline {
    size_t p;
    size_t id() const { return p; }
  };
  struct Tick {
    uint64_t gen;
  };
  struct DialResult {
    size_t p;
    size_t id() const { return p; }
  };
  struct Deliver {
    dl::Event event;
  };
  using Item = std::variant<AddNode, AddResource, Cancel, SecondIntent, GoOffline, Tick, DialResult,
                            Deliver>;
  struct Pending {
    int64_t at;
    uint64_t seq;
    Item item;
    bool operator>(const Pending& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  struct OpenTransfer {
    size_t p, r;
  };
  struct IntentInfo {
    size_t r;
    bool cancelled = false;
    int outcomes = 0;
    bool completed = false;
    bool must_complete = false;  // first intent of a reliable resource
  };
  enum class Conn { kNone, kDialing, kConnected };

  void post(Instant at, Item item);
  void run_item(const Item& item);
  void drain_actions();
  void act(const dl::Action& action);
  void start(const dl::StartTransfer& a);
  void end_transfers_on(size_t p);
  bool online(size_t p, Instant t) const;
  void check_step();
  bool may_have_work(size_t p) const;
  void forget_skips_if_unwanted(size_t r);
  void fail(std::string what);
  size_t provider_of(const dl::NodeId& id) const;

  Scenario sc_;
  uint64_t seed_;
  bool check_every_step_;
  Prng rng_;
  dl::Scheduler sched_;
  Instant now_;
  uint64_t next_seq_ = 0;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> queue_;
  std::map<dl::NodeId, size_t> provider_index_;
  std::map<dl::Resource, size_t> resource_index_;
  std::vector<std::vector<bool>> has_;  // [provider][resource]
  std::vector<Conn> conn_;
  std::vector<bool> joined_;  // add_node done
  // Per resource: nodes it must not be fetched from while it stays wanted
  // (skip hints, and nodes that answered not-found or aborted). Cleared when
  // no intent of the resource is live (the scheduler may then forget it).
  std::vector<std::set<size_t>> skip_;
  std::vector<int64_t> link_free_at_;
  std::map<uint64_t, OpenTransfer> open_;
  std::set<uint64_t> ended_;
  std::map<uint64_t, IntentInfo> intents_;
  std::vector<std::vector<dl::IntentId>> intents_of_;  // per resource
  std::optional<Instant> armed_;
  uint64_t timer_gen_ = 0;
  SimStats stats_;
  std::optional<std::string> error_;
  bool trace_ = false;  // FERRY_SIM_TRACE set: print every step
};

// Seeds to run: FERRY_SEED=<n> replays one; otherwise 1..count, where count is
// FERRY_SIM_SEEDS if set, else `default_count`.
std::vector<uint64_t> sim_seeds(uint64_t default_count);

}  // namespace ferry::testing
