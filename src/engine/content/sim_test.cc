// Deterministic simulation: several nodes, each a ContentTracker over a
// MemBackend driving a real downloader::Scheduler, on a virtual clock with
// one seeded Prng. Entries arrive from peers (who may or may not have the
// content, or claim to and not), policies change, peers join, syncs finish,
// nodes restart (memory lost, backend kept), dials and transfers fail, blobs
// get imported locally. After every step, for every node:
//  * tracker and scheduler check_invariants();
//  * every stored entry whose content is wanted and incomplete is missing
//    (its reference persisted, the pair queued or parked for a retry);
//  * every persisted reference is wanted by the current policy and points to
//    an incomplete, non-empty blob (nothing unwanted, nothing complete);
//  * every transfer the scheduler starts is for a hash the tracker has
//    queued (nothing unwanted is fetched).
// Then a final phase: a seeder gets every blob and joins every document,
// failures stop, and the world runs to quiescence: every wanted content of
// every node must be complete and every missing set empty.
//
// FERRY_SEED=<n> replays a run (world k uses seed n + k);
// FERRY_CONTENT_SIM_WORLDS=<count> changes how many worlds run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <queue>
#include <set>
#include <string>

#include "core/prng.h"
#include "downloader/scheduler.h"
#include "engine/content/mem_backend.h"
#include "engine/content/test_util.h"
#include "engine/content/tracker.h"
#include "testing/seed.h"

namespace ferry::engine::content {
namespace {

using namespace testing;  // NOLINT
using reconcile::ContentStatus;

class SchedulerFetcher final : public Fetcher {
 public:
  explicit SchedulerFetcher(dl::Scheduler& s) : s_(s) {}
  dl::IntentId add_resource(const dl::Resource& r, const dl::IntentOptions& o,
                            const dl::ResourceHints& h, Instant now) override {
    return s_.add_resource(r, o, h, now);
  }
  bool cancel_intent(dl::IntentId i, Instant now) override { return s_.cancel_intent(i, now); }
  void add_node(const dl::NodeId& n, const dl::NodeHints& h, Instant now) override {
    s_.add_node(n, h, now);
  }

 private:
  dl::Scheduler& s_;
};

struct SimNode {
  MemBackend backend;  // survives restarts
  std::unique_ptr<dl::Scheduler> sched;
  std::unique_ptr<SchedulerFetcher> fetcher;
  std::unique_ptr<ContentTracker> tracker;
  uint64_t epoch = 0;
  std::set<uint64_t> cancelled;  // transfer ids cancelled in this epoch
};

struct Pending {
  int64_t at;
  uint64_t seq;
  size_t node;
  uint64_t epoch;
  dl::Event event;
  // Set for a successful transfer: the blob to mark complete on delivery.
  std::optional<crypto::Hash> completes;
  bool operator>(const Pending& o) const { return at != o.at ? at > o.at : seq > o.seq; }
};

class World {
 public:
  explicit World(uint64_t seed) : seed_(seed), rng_(seed) {
    n_nodes_ = 3 + rng_.below(3);
    n_docs_ = 1 + rng_.below(3);
    n_blobs_ = 6 + rng_.below(20);
    for (size_t b = 0; b < n_blobs_; ++b) blobs_.push_back(content("blob" + std::to_string(b)));
    config_.intent_deadline = std::chrono::seconds(2 + rng_.below(4));
    config_.retry_after = std::chrono::seconds(1 + rng_.below(3));
    dl_config_.max_transfers = 3;
    dl_config_.max_transfers_per_node = 2;
    dl_config_.max_connections = 3;
    dl_config_.max_dials = 2;
    dl_config_.dial_backoff_initial = std::chrono::milliseconds(100);
    dl_config_.dial_backoff_cap = std::chrono::seconds(1);
    dl_config_.max_dial_attempts = 3;
    dl_config_.idle_timeout = std::chrono::seconds(1);
    // nodes_[n_nodes_] is the final phase's seeder: it holds every blob and
    // takes part in nothing before (a node that answered NotFound stays in
    // the resource's skip set in the downloader, so a fresh one is needed).
    nodes_.resize(n_nodes_ + 1);
    nodes_[n_nodes_].backend.complete.insert(blobs_.begin(), blobs_.end());
    boot(n_nodes_);
    for (size_t i = 0; i < n_nodes_; ++i) {
      for (size_t b = 0; b < n_blobs_; ++b) {
        if (rng_.chance(0.25)) nodes_[i].backend.complete.insert(blobs_[b]);
      }
      boot(i);
    }
  }

  // Random phase then the final phase; returns an error description or "".
  std::string run(int steps) {
    for (int s = 0; s < steps && error_.empty(); ++s) {
      now_ += std::chrono::milliseconds(rng_.below(150));
      fire_timers();
      random_op();
      check_all();
    }
    if (error_.empty()) final_phase();
    return error_;
  }

  uint64_t transfers = 0, completions = 0, restarts = 0, intent_failures = 0, policy_changes = 0;

 private:
  // ---- Node lifecycle ----
  void boot(size_t i) {
    SimNode& n = nodes_[i];
    n.tracker.reset();
    n.fetcher.reset();
    n.sched = std::make_unique<dl::Scheduler>(dl_config_, seed_ * 31 + i + n.epoch * 1000);
    n.fetcher = std::make_unique<SchedulerFetcher>(*n.sched);
    n.tracker = std::make_unique<ContentTracker>(n.backend, *n.fetcher, config_);
    n.cancelled.clear();
    expect(n.tracker->start(now_), "start");
    drain(i);
  }

  // ---- Random operations ----
  void random_op() {
    size_t i = rng_.below(n_nodes_);
    SimNode& n = nodes_[i];
    NamespaceId doc = doc_id(static_cast<uint8_t>(rng_.below(n_docs_)));
    uint64_t r = rng_.below(100);
    if (trace_) std::printf("op %llu node %zu\n", static_cast<unsigned long long>(r), i);
    if (r < 30) {
      size_t j = other(i);
      const crypto::Hash& h = blobs_[rng_.below(n_blobs_)];
      bool empty = rng_.chance(0.05);
      auto e = entry(doc, author_id(static_cast<uint8_t>(rng_.below(2))),
                     "k" + std::to_string(rng_.below(8)), empty ? crypto::Hash::empty() : h,
                     empty ? 0 : 100, now_.nanos());
      n.backend.put_entry(e);
      if (trace_) {
        size_t b = std::find(blobs_.begin(), blobs_.end(), h) - blobs_.begin();
        std::printf("  insert blob %zu empty %d\n", b, empty);
      }
      bool has = nodes_[j].backend.complete.count(h) > 0;
      ContentStatus st =
          has || rng_.chance(0.1) ? ContentStatus::kComplete : ContentStatus::kMissing;
      expect(n.tracker->on_remote_insert(doc, e, node_id(static_cast<uint8_t>(j)), st, now_),
             "remote insert");
    } else if (r < 35) {
      n.backend.policies[doc] = random_policy();
      ++policy_changes;
      expect(n.tracker->on_policy_changed(doc, now_), "policy changed");
    } else if (r < 43) {
      expect(n.tracker->on_peer_joined(doc, node_id(static_cast<uint8_t>(other(i))), now_),
             "peer joined");
    } else if (r < 50) {
      expect(n.tracker->on_sync_finished(doc, node_id(static_cast<uint8_t>(other(i))), now_),
             "sync finished");
    } else if (r < 52) {
      ++n.epoch;
      ++restarts;
      boot(i);
      return;
    } else if (r < 54) {
      const crypto::Hash& h = blobs_[rng_.below(n_blobs_)];
      if (trace_) {
        size_t b = std::find(blobs_.begin(), blobs_.end(), h) - blobs_.begin();
        std::printf("  import blob %zu\n", b);
      }
      n.backend.complete.insert(h);  // a local import or a ticket fetch
      expect(n.tracker->on_blob_complete(h, now_), "blob complete");
    } else {
      deliver_one();
      return;
    }
    drain(i);
  }

  docs::DownloadPolicy random_policy() {
    using K = docs::DownloadPolicy::Kind;
    docs::DownloadPolicy p;
    p.kind = rng_.chance(0.5) ? K::kNothingExcept : K::kEverythingExcept;
    size_t nf = rng_.below(3);
    for (size_t f = 0; f < nf; ++f) {
      std::string k = "k" + std::to_string(rng_.below(8));
      p.filters.push_back(rng_.chance(0.5)
                              ? docs::FilterKind::exact(as_bytes(k))
                              : docs::FilterKind::prefix(as_bytes(k.substr(0, 1 + rng_.below(2)))));
    }
    return p;
  }

  size_t other(size_t i) {
    size_t j = rng_.below(n_nodes_ - 1);
    return j >= i ? j + 1 : j;
  }

  // ---- Downloader actions and events ----
  // Carries out the node's actions. A tracker call may start a transfer and
  // cancel it again (dropping several pairs frees slots one at a time), so
  // a StartTransfer cancelled later in the same batch is not checked.
  void drain(size_t i) {
    SimNode& n = nodes_[i];
    for (;;) {
      std::vector<dl::Action> batch;
      while (auto a = n.sched->poll_action()) batch.push_back(std::move(*a));
      if (batch.empty()) return;
      std::set<uint64_t> cancelled_later;
      for (const auto& a : batch) {
        if (auto* ct = std::get_if<dl::CancelTransfer>(&a))
          cancelled_later.insert(ct->transfer.value);
      }
      for (const auto& a : batch) {
        if (trace_) std::printf("  node %zu action %zu\n", i, a.index());
        if (auto* c = std::get_if<dl::Connect>(&a)) {
          bool ok = final_ || !rng_.chance(0.15);
          post(i, latency(),
               ok ? dl::Event{dl::Connected{c->node}} : dl::Event{dl::DialFailed{c->node}});
        } else if (auto* st = std::get_if<dl::StartTransfer>(&a)) {
          start_transfer(i, *st, cancelled_later.count(st->transfer.value) > 0);
        } else if (auto* ct = std::get_if<dl::CancelTransfer>(&a)) {
          n.cancelled.insert(ct->transfer.value);
        } else if (auto* ic = std::get_if<dl::IntentCompleted>(&a)) {
          n.tracker->on_intent_completed(ic->intent, now_);
        } else if (auto* inf = std::get_if<dl::IntentFailed>(&a)) {
          ++intent_failures;
          n.tracker->on_intent_failed(inf->intent, inf->code, now_);
        }
      }
    }
  }

  void start_transfer(size_t i, const dl::StartTransfer& st, bool cancelled_later) {
    ++transfers;
    SimNode& n = nodes_[i];
    const crypto::Hash& h = st.resource.hash;
    bool wanted = cancelled_later;
    for (size_t d = 0; d < n_docs_; ++d) wanted |= n.tracker->is_queued(doc_id(d), h);
    if (!wanted) {
      std::string st;
      for (size_t d = 0; d < n_docs_; ++d) {
        st +=
            " doc" + std::to_string(d) + (n.tracker->is_missing(doc_id(d), h) ? " missing" : " -");
      }
      fail("node " + std::to_string(i) + " fetches a hash it does not want:" + st +
           " sched intents " + std::to_string(n.sched->intent_count()) + " tracker queued " +
           std::to_string(n.tracker->queued_count()));
    }
    if (!cancelled_later && n.backend.complete.count(h))
      fail("node " + std::to_string(i) + " fetches a complete hash");
    size_t from = st.node.bytes[1];
    bool has = nodes_[from].backend.complete.count(h) > 0;
    if (!has) {
      post(i, latency(), dl::TransferFailed{st.transfer, dl::FailureKind::kNotFound});
    } else if (!final_ && rng_.chance(0.2)) {
      auto kind = rng_.chance(0.5) ? dl::FailureKind::kAborted : dl::FailureKind::kNodeError;
      post(i, latency(), dl::TransferFailed{st.transfer, kind});
    } else {
      post(i, latency() * 2, dl::TransferFinished{st.transfer}, h);
    }
  }

  Duration latency() { return std::chrono::milliseconds(5 + rng_.below(200)); }

  void post(size_t i, Duration after, dl::Event ev, std::optional<crypto::Hash> completes = {}) {
    queue_.push(
        Pending{(now_ + after).nanos(), seq_++, i, nodes_[i].epoch, std::move(ev), completes});
  }

  void deliver_one() {
    if (queue_.empty()) return;
    Pending p = queue_.top();
    queue_.pop();
    if (p.at > now_.nanos()) now_ = Instant::from_nanos(p.at);
    fire_timers();
    SimNode& n = nodes_[p.node];
    if (p.epoch != n.epoch) return;  // sent to a process that restarted since
    if (auto* f = std::get_if<dl::TransferFinished>(&p.event)) {
      if (n.cancelled.count(f->transfer.value)) return;
      n.backend.complete.insert(*p.completes);
      if (trace_) {
        size_t b = std::find(blobs_.begin(), blobs_.end(), *p.completes) - blobs_.begin();
        std::printf("  node %zu completes blob %zu\n", p.node, b);
      }
      ++completions;
      n.sched->handle(p.event, now_);
      drain(p.node);
      // The node reports every blob completion (tracker.h: on_blob_complete).
      expect(n.tracker->on_blob_complete(*p.completes, now_), "blob complete");
    } else {
      n.sched->handle(p.event, now_);
    }
    drain(p.node);
  }

  void fire_timers() {
    for (size_t i = 0; i < n_nodes_; ++i) {
      SimNode& n = nodes_[i];
      for (int guard = 0; guard < 1000; ++guard) {
        auto a = n.sched->next_deadline();
        auto b = n.tracker->next_deadline();
        if (a && *a <= now_) {
          n.sched->handle(dl::DeadlineReached{}, now_);
        } else if (b && *b <= now_) {
          if (trace_) std::printf("  node %zu tracker deadline\n", i);
          expect(n.tracker->on_deadline(now_), "deadline");
        } else {
          break;
        }
        drain(i);
      }
    }
  }

  std::optional<Instant> earliest_deadline() const {
    std::optional<Instant> t;
    for (size_t i = 0; i < n_nodes_; ++i) {
      const SimNode& n = nodes_[i];
      for (auto d : {n.sched->next_deadline(), n.tracker->next_deadline()}) {
        if (d && (!t || *d < *t)) t = d;
      }
    }
    return t;
  }

  // ---- Final phase ----
  void final_phase() {
    final_ = true;
    // Outcomes decided before (dial failures that could fail the seeder's
    // record) land first; from now on nothing fails.
    for (int steps = 0; steps < 100000 && !queue_.empty() && error_.empty(); ++steps) {
      deliver_one();
      check_all();
    }
    dl::NodeId seeder = node_id(static_cast<uint8_t>(n_nodes_));
    for (size_t i = 0; i < n_nodes_; ++i) {
      for (size_t d = 0; d < n_docs_; ++d) {
        expect(nodes_[i].tracker->on_peer_joined(doc_id(d), seeder, now_), "final join");
      }
      drain(i);
    }
    // Transfers in flight may still fail (they were decided before); parked
    // pairs come back through their retry timers.
    for (int steps = 0; steps < 200000 && error_.empty(); ++steps) {
      if (!queue_.empty()) {
        deliver_one();
      } else if (auto t = earliest_deadline(); t && *t < now_ + std::chrono::minutes(30)) {
        now_ = std::max(now_, *t);
        fire_timers();
      } else {
        break;
      }
      check_all();
      if (all_done()) break;
    }
    if (!error_.empty()) return;
    for (size_t i = 0; i < n_nodes_; ++i) {
      for (const auto& [ns, es] : nodes_[i].backend.entries) {
        auto policy = *nodes_[i].backend.download_policy(ns);
        for (const auto& [id, e] : es) {
          if (content_wanted(policy, e) && !nodes_[i].backend.complete.count(e.record().hash)) {
            fail("final: node " + std::to_string(i) + " never got wanted content");
          }
        }
      }
      if (nodes_[i].tracker->missing_count() != 0) {
        fail("final: node " + std::to_string(i) + " still misses " +
             std::to_string(nodes_[i].tracker->missing_count()) + " (queued " +
             std::to_string(nodes_[i].tracker->queued_count()) + ") at " +
             std::to_string(now_.nanos() / 1000000) + " ms\n" + nodes_[i].sched->describe());
      }
    }
  }

  bool all_done() const {
    for (size_t i = 0; i < n_nodes_; ++i) {
      if (nodes_[i].tracker->missing_count() != 0) return false;
    }
    return true;
  }

  // ---- Checks ----
  void check_all() {
    for (size_t i = 0; i < n_nodes_ && error_.empty(); ++i) check_node(i);
  }

  void check_node(size_t i) {
    SimNode& n = nodes_[i];
    std::string who = "node " + std::to_string(i) + ": ";
    if (auto st = n.tracker->check_invariants(); !st) return fail(who + st.error().to_string());
    if (auto st = n.sched->check_invariants(); !st) return fail(who + st.error().to_string());
    for (const auto& [ns, es] : n.backend.entries) {
      auto policy = *n.backend.download_policy(ns);
      for (const auto& [id, e] : es) {
        const crypto::Hash& h = e.record().hash;
        if (!content_wanted(policy, e) || n.backend.complete.count(h)) continue;
        MissingRef ref{h, e.author(), Bytes(e.key().begin(), e.key().end())};
        auto rows = n.backend.rows.find(ns);
        if (!n.tracker->is_missing(ns, h) || rows == n.backend.rows.end() ||
            !rows->second.count(ref)) {
          return fail(who + "wanted incomplete content is not missing");
        }
      }
    }
    for (const auto& [ns, refs] : n.backend.rows) {
      auto policy = *n.backend.download_policy(ns);
      for (const auto& ref : refs) {
        if (!policy.should_download(ref.key)) return fail(who + "an unwanted key is missing");
        if (ref.hash == crypto::Hash::empty()) return fail(who + "the empty hash is missing");
        if (n.backend.complete.count(ref.hash)) {
          size_t b = std::find(blobs_.begin(), blobs_.end(), ref.hash) - blobs_.begin();
          return fail(who + "a complete hash is missing: blob " + std::to_string(b) +
                      (n.tracker->is_missing(ns, ref.hash) ? " (in memory)" : " (rows only)"));
        }
      }
    }
  }

  void expect(const Status& st, const char* what) {
    if (!st) fail(std::string(what) + ": " + st.error().to_string());
  }
  void fail(std::string what) {
    if (error_.empty()) error_ = "world seed " + std::to_string(seed_) + ": " + what;
  }

  uint64_t seed_;
  Prng rng_;
  size_t n_nodes_, n_docs_, n_blobs_;
  std::vector<crypto::Hash> blobs_;
  TrackerConfig config_;
  dl::Config dl_config_;
  std::vector<SimNode> nodes_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> queue_;
  uint64_t seq_ = 0;
  Instant now_ = Instant::from_nanos(1'000'000'000);
  bool final_ = false;
  bool trace_ = std::getenv("FERRY_CONTENT_SIM_TRACE") != nullptr;
  std::string error_;
};

TEST(ContentSim, RandomWorldsKeepEveryInvariantAndConverge) {
  uint64_t worlds = 200;
  if (const char* s = std::getenv("FERRY_CONTENT_SIM_WORLDS"))
    worlds = std::strtoull(s, nullptr, 10);
  uint64_t base = ferry::testing::test_seed();
  uint64_t transfers = 0, completions = 0, restarts = 0, failures = 0, policies = 0;
  for (uint64_t k = 0; k < worlds; ++k) {
    World w(base + k);
    std::string err = w.run(1500);
    ASSERT_EQ(err, "") << "replay: FERRY_SEED=" << base << " (world " << k << ")";
    transfers += w.transfers;
    completions += w.completions;
    restarts += w.restarts;
    failures += w.intent_failures;
    policies += w.policy_changes;
  }
  auto u = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  std::printf(
      "worlds: %llu, transfers: %llu, completed: %llu, intents failed: %llu, policy changes: "
      "%llu, restarts: %llu\n",
      u(worlds), u(transfers), u(completions), u(failures), u(policies), u(restarts));
}

}  // namespace
}  // namespace ferry::engine::content
