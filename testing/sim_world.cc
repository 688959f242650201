#include "testing/sim_world.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <type_traits>

namespace ferry::testing {

SimWorld::SimWorld(Scenario scenario, uint64_t seed, bool check_every_step)
    : sc_(std::move(scenario)),
      seed_(seed),
      check_every_step_(check_every_step),
      rng_(seed ^ 0x5eedf00dULL),
      sched_(sc_.config, seed) {
  trace_ = std::getenv("FERRY_SIM_TRACE") != nullptr;
  const size_t np = sc_.providers.size(), nr = sc_.resources.size();
  conn_.assign(np, Conn::kNone);
  joined_.assign(np, false);
  skip_.resize(nr);
  link_free_at_.assign(np, 0);
  intents_of_.resize(nr);
  has_.assign(np, std::vector<bool>(nr, false));
  for (size_t p = 0; p < np; ++p) provider_index_[sc_.providers[p].id] = p;
  for (size_t r = 0; r < nr; ++r) resource_index_[sc_.resources[r].resource] = r;
  for (size_t p = 0; p < np; ++p) {
    const ProviderSpec& ps = sc_.providers[p];
    for (size_t r = 0; r < nr; ++r) {
      const ResourceSpec& rs = sc_.resources[r];
      // The reliable provider has every reliable resource, however it is
      // known to provide it (hint or group).
      has_[p][r] = (ps.reliable && rs.reliable) || rng_.chance(ps.has_rate);
    }
    if (ps.announce) post(ps.join_at, AddNode{p});
    for (auto& [from, to] : ps.offline) post(from, GoOffline{p});
  }
  for (size_t r = 0; r < nr; ++r) {
    const ResourceSpec& rs = sc_.resources[r];
    post(rs.add_at, AddResource{r});
    if (rs.cancel_at) post(*rs.cancel_at, Cancel{r});
    if (rs.second_intent_at) post(*rs.second_intent_at, SecondIntent{r});
  }
}

void SimWorld::post(Instant at, Item item) {
  queue_.push(Pending{at.nanos(), next_seq_++, std::move(item)});
}

bool SimWorld::online(size_t p, Instant t) const {
  for (auto& [from, to] : sc_.providers[p].offline)
    if (t >= from && t < to) return false;
  return true;
}

size_t SimWorld::provider_of(const dl::NodeId& id) const {
  auto it = provider_index_.find(id);
  return it == provider_index_.end() ? SIZE_MAX : it->second;
}

void SimWorld::fail(std::string what) {
  if (error_) return;
  std::ostringstream os;
  os << "seed " << seed_ << " (replay with FERRY_SEED=" << seed_ << "), t=" << now_.nanos()
     << "ns, step " << stats_.steps << ": " << what;
  if (trace_) os << "\n" << sched_.describe();
  error_ = os.str();
}

bool SimWorld::step() {
  if (error_ || queue_.empty()) return false;
  Pending p = queue_.top();
  queue_.pop();
  now_ = Instant::from_nanos(p.at);
  ++stats_.steps;
  run_item(p.item);
  drain_actions();
  // Re-arm the driver's single timer.
  auto d = sched_.next_deadline();
  if (d && (!armed_ || *armed_ != *d)) {
    armed_ = *d;
    post(std::max(*d, now_), Tick{++timer_gen_});
  } else if (!d) {
    armed_.reset();
  }
  if (check_every_step_) check_step();
  return !error_;
}

void SimWorld::run(uint64_t max_steps) {
  for (uint64_t i = 0; i < max_steps; ++i)
    if (!step()) break;
  if (!error_ && !queue_.empty()) fail("no quiescence after " + std::to_string(max_steps));
  if (!error_) check_quiescent();
}

namespace {
const char* item_name(size_t index) {
  static const char* kNames[] = {"AddNode",   "AddResource", "Cancel",     "SecondIntent",
                                 "GoOffline", "Tick",        "DialResult", "Deliver"};
  return kNames[index];
}
const char* action_name(size_t index) {
  static const char* kNames[] = {"Connect",        "DropConnection",   "StartTransfer",
                                 "CancelTransfer", "IntentProgressed", "IntentCompleted",
                                 "IntentFailed"};
  return kNames[index];
}
const char* event_name(size_t index) {
  static const char* kNames[] = {"Connected",          "DialFailed",       "ConnectionLost",
                                 "TransferProgressed", "TransferFinished", "TransferFailed",
                                 "DeadlineReached"};
  return kNames[index];
}
}  // namespace

void SimWorld::run_item(const Item& item) {
  if (trace_) {
    std::fprintf(stderr, "[%lld] %s", static_cast<long long>(now_.nanos() / 1000000),
                 item_name(item.index()));
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, Deliver>) {
            std::fprintf(stderr, " %s", event_name(x.event.index()));
            if (auto* f = std::get_if<dl::TransferFailed>(&x.event))
              std::fprintf(stderr, " t=%llx kind=%d",
                           static_cast<unsigned long long>(f->transfer.value),
                           static_cast<int>(f->kind));
            if (auto* f = std::get_if<dl::TransferFinished>(&x.event))
              std::fprintf(stderr, " t=%llx", static_cast<unsigned long long>(f->transfer.value));
          } else if constexpr (std::is_same_v<T, Tick>) {
            std::fprintf(stderr, " gen=%llu", static_cast<unsigned long long>(x.gen));
          } else if constexpr (!std::is_same_v<T, Deliver>) {
            std::fprintf(stderr, " #%zu", x.id());
          }
        },
        item);
    std::fprintf(stderr, "\n");
  }
  if (auto* a = std::get_if<AddNode>(&item)) {
    const ProviderSpec& ps = sc_.providers[a->p];
    joined_[a->p] = true;
    sched_.add_node(ps.id, dl::NodeHints{.resources = {}, .groups = ps.groups}, now_);
  } else if (auto* a = std::get_if<AddResource>(&item)) {
    const ResourceSpec& rs = sc_.resources[a->r];
    dl::IntentId id = sched_.add_resource(rs.resource, rs.options, rs.hints, now_);
    intents_[id.value] = IntentInfo{a->r};
    intents_[id.value].must_complete = rs.reliable;
    for (const dl::NodeId& n : rs.hints.skip_nodes) skip_[a->r].insert(provider_of(n));
    intents_of_[a->r].push_back(id);
  } else if (auto* a = std::get_if<SecondIntent>(&item)) {
    const ResourceSpec& rs = sc_.resources[a->r];
    dl::IntentOptions o = rs.options;
    o.policy = dl::FailurePolicy::wait(std::nullopt, std::chrono::seconds(30));
    dl::IntentId id = sched_.add_resource(rs.resource, o, dl::ResourceHints{}, now_);
    intents_[id.value] = IntentInfo{a->r};
    intents_of_[a->r].push_back(id);
  } else if (auto* a = std::get_if<Cancel>(&item)) {
    if (intents_of_[a->r].empty()) return;
    dl::IntentId id = intents_of_[a->r].front();
    IntentInfo& info = intents_[id.value];
    bool live = sched_.cancel_intent(id, now_);
    if (live != (info.outcomes == 0)) fail("cancel_intent disagrees with the outcomes seen");
    if (live) {
      info.cancelled = true;
      ++stats_.cancelled;
    }
    forget_skips_if_unwanted(a->r);
  } else if (auto* a = std::get_if<GoOffline>(&item)) {
    if (conn_[a->p] == Conn::kConnected) {
      conn_[a->p] = Conn::kNone;
      end_transfers_on(a->p);
      sched_.handle(dl::ConnectionLost{sc_.providers[a->p].id}, now_);
    }
  } else if (auto* a = std::get_if<Tick>(&item)) {
    if (a->gen != timer_gen_) return;  // superseded
    armed_.reset();
    sched_.handle(dl::DeadlineReached{}, now_);
  } else if (auto* a = std::get_if<DialResult>(&item)) {
    const ProviderSpec& ps = sc_.providers[a->p];
    if (conn_[a->p] != Conn::kDialing) {
      fail("dial result for a node that is not dialing");
      return;
    }
    if (online(a->p, now_) && !rng_.chance(ps.dial_fail_rate)) {
      conn_[a->p] = Conn::kConnected;
      sched_.handle(dl::Connected{ps.id}, now_);
    } else {
      conn_[a->p] = Conn::kNone;
      sched_.handle(dl::DialFailed{ps.id}, now_);
    }
  } else if (auto* a = std::get_if<Deliver>(&item)) {
    uint64_t tid = 0;
    bool completion = false;
    if (auto* f = std::get_if<dl::TransferFinished>(&a->event))
      tid = f->transfer.value, completion = true;
    if (auto* f = std::get_if<dl::TransferFailed>(&a->event))
      tid = f->transfer.value, completion = true;
    if (auto* f = std::get_if<dl::TransferProgressed>(&a->event)) tid = f->transfer.value;
    auto it = open_.find(tid);
    if (completion && it != open_.end()) {
      auto* f = std::get_if<dl::TransferFailed>(&a->event);
      if (f && f->kind != dl::FailureKind::kNodeError) skip_[it->second.r].insert(it->second.p);
      open_.erase(it);
      ended_.insert(tid);
    }
    // Completions for transfers already ended (cancelled, or with their
    // connection) are delivered too: the scheduler must ignore them.
    sched_.handle(a->event, now_);
  }
}

void SimWorld::drain_actions() {
  while (auto a = sched_.poll_action()) act(*a);
}

void SimWorld::end_transfers_on(size_t p) {
  for (auto it = open_.begin(); it != open_.end();) {
    if (it->second.p == p) {
      ended_.insert(it->first);
      it = open_.erase(it);
    } else {
      ++it;
    }
  }
}

void SimWorld::act(const dl::Action& action) {
  if (trace_) {
    std::fprintf(stderr, "    -> %s", action_name(action.index()));
    if (auto* a = std::get_if<dl::StartTransfer>(&action))
      std::fprintf(stderr, " t=%llx p=%zu r=%zu",
                   static_cast<unsigned long long>(a->transfer.value), provider_of(a->node),
                   resource_index_.at(a->resource));
    if (auto* a = std::get_if<dl::Connect>(&action))
      std::fprintf(stderr, " p=%zu", provider_of(a->node));
    if (auto* a = std::get_if<dl::DropConnection>(&action))
      std::fprintf(stderr, " p=%zu", provider_of(a->node));
    if (auto* a = std::get_if<dl::IntentFailed>(&action))
      std::fprintf(stderr, " i=%llx code=%d", static_cast<unsigned long long>(a->intent.value),
                   static_cast<int>(a->code));
    if (auto* a = std::get_if<dl::IntentCompleted>(&action))
      std::fprintf(stderr, " i=%llx", static_cast<unsigned long long>(a->intent.value));
    std::fprintf(stderr, "\n");
  }
  if (auto* a = std::get_if<dl::Connect>(&action)) {
    size_t p = provider_of(a->node);
    if (p == SIZE_MAX) return fail("dial to an unknown node");
    if (conn_[p] != Conn::kNone) return fail("dial to a node already dialing or connected");
    if (!may_have_work(p)) return fail("dial to a node that cannot provide any wanted resource");
    conn_[p] = Conn::kDialing;
    post(now_ + sc_.providers[p].rtt, DialResult{p});
  } else if (auto* a = std::get_if<dl::DropConnection>(&action)) {
    size_t p = provider_of(a->node);
    if (p == SIZE_MAX) return;
    if (conn_[p] == Conn::kDialing) return fail("DropConnection for a node being dialed");
    conn_[p] = Conn::kNone;
    end_transfers_on(p);
  } else if (auto* a = std::get_if<dl::StartTransfer>(&action)) {
    start(*a);
  } else if (auto* a = std::get_if<dl::CancelTransfer>(&action)) {
    auto it = open_.find(a->transfer.value);
    if (it == open_.end()) return fail("CancelTransfer for a transfer that is not running");
    open_.erase(it);
    ended_.insert(a->transfer.value);
  } else if (auto* a = std::get_if<dl::IntentProgressed>(&action)) {
    auto it = intents_.find(a->intent.value);
    if (it == intents_.end()) return fail("progress for an unknown intent");
    if (a->total != 0 && a->bytes > a->total) return fail("progress beyond total");
  } else if (auto* a = std::get_if<dl::IntentCompleted>(&action)) {
    auto it = intents_.find(a->intent.value);
    if (it == intents_.end()) return fail("completion of an unknown intent");
    if (++it->second.outcomes != 1) return fail("intent with two outcomes");
    if (it->second.cancelled) return fail("outcome for a cancelled intent");
    it->second.completed = true;
    ++stats_.completed;
    stats_.last_completion = now_;
    skip_[it->second.r].clear();  // completed: the scheduler forgets it
  } else if (auto* a = std::get_if<dl::IntentFailed>(&action)) {
    auto it = intents_.find(a->intent.value);
    if (it == intents_.end()) return fail("failure of an unknown intent");
    if (++it->second.outcomes != 1) return fail("intent with two outcomes");
    if (it->second.cancelled) return fail("outcome for a cancelled intent");
    if (it->second.must_complete)
      return fail("reliable resource " + std::to_string(it->second.r) + " failed with " +
                  std::string(error_code_name(a->code)));
    ++stats_.failed;
    forget_skips_if_unwanted(it->second.r);
  }
}

void SimWorld::start(const dl::StartTransfer& a) {
  size_t p = provider_of(a.node);
  if (p == SIZE_MAX) return fail("transfer from an unknown node");
  if (conn_[p] != Conn::kConnected) return fail("StartTransfer to a node that is not connected");
  auto rit = resource_index_.find(a.resource);
  if (rit == resource_index_.end()) return fail("transfer of an unknown resource");
  size_t r = rit->second;
  if (open_.count(a.transfer.value) || ended_.count(a.transfer.value))
    return fail("transfer id reused");
  for (auto& [tid, o] : open_)
    if (o.r == r) return fail("the same resource twice at once");
  if (skip_[r].count(p)) return fail("transfer from a node in the resource's skip set");
  open_[a.transfer.value] = OpenTransfer{p, r};
  ++stats_.transfers_started;

  const ProviderSpec& ps = sc_.providers[p];
  const ResourceSpec& rs = sc_.resources[r];
  // Request reaches the provider after rtt/2, data flows back through its
  // FIFO link, the last byte lands rtt/2 later.
  int64_t half = ps.rtt.count() / 2;
  int64_t begin = std::max(now_.nanos() + half, link_free_at_[p]);
  int64_t duration = static_cast<int64_t>(static_cast<double>(rs.size) / ps.bytes_per_sec * 1e9);
  if (!has_[p][r]) {
    post(now_ + ps.rtt, Deliver{dl::TransferFailed{a.transfer, dl::FailureKind::kNotFound}});
    return;
  }
  int64_t end = begin + duration + half;
  bool unreliable = !(ps.reliable && rs.reliable);
  double roll = rng_.unit();
  if (unreliable && roll < ps.abort_rate + ps.node_error_rate) {
    // Fails part way through the data: the link is busy until then.
    auto kind = roll < ps.abort_rate ? dl::FailureKind::kAborted : dl::FailureKind::kNodeError;
    int64_t fail_at = begin + static_cast<int64_t>(rng_.unit() * static_cast<double>(duration));
    link_free_at_[p] = fail_at;
    post(Instant::from_nanos(fail_at + half), Deliver{dl::TransferFailed{a.transfer, kind}});
    return;
  }
  link_free_at_[p] = begin + duration;
  post(Instant::from_nanos(begin + duration / 2 + half),
       Deliver{dl::TransferProgressed{a.transfer, rs.size / 2, rs.size}});
  post(Instant::from_nanos(end), Deliver{dl::TransferFinished{a.transfer}});
}

void SimWorld::forget_skips_if_unwanted(size_t r) {
  for (dl::IntentId id : intents_of_[r]) {
    const IntentInfo& info = intents_.at(id.value);
    if (info.outcomes == 0 && !info.cancelled) return;
  }
  skip_[r].clear();
}

// Over-approximation of "p has something startable": some resource with a
// live intent names p as a hint, or shares a group with p (once p joined),
// and does not skip p.
bool SimWorld::may_have_work(size_t p) const {
  const ProviderSpec& ps = sc_.providers[p];
  auto contains = [](const auto& v, const auto& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  for (size_t r = 0; r < sc_.resources.size(); ++r) {
    bool live = false;
    for (dl::IntentId id : intents_of_[r]) {
      const IntentInfo& info = intents_.at(id.value);
      live |= info.outcomes == 0 && !info.cancelled;
    }
    if (!live) continue;
    const dl::ResourceHints& h = sc_.resources[r].hints;
    if (contains(h.skip_nodes, ps.id)) continue;
    if (contains(h.nodes, ps.id)) return true;
    if (joined_[p])
      for (const dl::GroupId& g : h.groups)
        if (contains(ps.groups, g)) return true;
  }
  return false;
}

void SimWorld::check_step() {
  if (error_) return;
  if (Status st = sched_.check_invariants(); !st) return fail(st.error().to_string());
  if (sched_.transfers_in_flight() != open_.size())
    return fail("scheduler counts " + std::to_string(sched_.transfers_in_flight()) +
                " transfers in flight, the world " + std::to_string(open_.size()));
  const dl::Config& c = sched_.config();
  if (open_.size() > c.max_transfers) return fail("world sees max_transfers exceeded");
  std::vector<uint32_t> per(sc_.providers.size(), 0);
  for (auto& [tid, o] : open_)
    if (++per[o.p] > c.max_transfers_per_node) return fail("world sees per-node limit exceeded");
  size_t dialing = 0, open = 0;
  for (Conn k : conn_) {
    dialing += k == Conn::kDialing;
    open += k != Conn::kNone;
  }
  if (dialing > c.max_dials) return fail("world sees max_dials exceeded");
  if (open > c.max_connections) return fail("world sees max_connections exceeded");
}

void SimWorld::check_quiescent() {
  if (error_) return;
  if (sched_.transfers_in_flight() != 0 || !open_.empty())
    return fail("transfers left at quiescence");
  if (sched_.next_deadline()) return fail("timer left at quiescence");
  if (sched_.open_connections() != 0) return fail("connection left at quiescence (scheduler)");
  for (Conn k : conn_)
    if (k != Conn::kNone) return fail("connection left at quiescence (world)");
  for (auto& [id, info] : intents_) {
    if (info.outcomes + (info.cancelled ? 1 : 0) != 1)
      return fail("intent of resource " + std::to_string(info.r) + " ended without outcome (" +
                  std::to_string(info.outcomes) + " outcomes, cancelled " +
                  std::to_string(info.cancelled) + ", scheduler holds " +
                  std::to_string(sched_.intent_count()) + " intents)");
    if (info.must_complete && !info.cancelled && !info.completed)
      return fail("reliable resource " + std::to_string(info.r) + " did not complete");
  }
  if (sched_.intent_count() != 0) return fail("scheduler keeps intents at quiescence");
  if (sched_.resource_count() != 0) return fail("scheduler keeps resources at quiescence");
}

std::vector<uint64_t> sim_seeds(uint64_t default_count) {
  if (const char* s = std::getenv("FERRY_SEED")) return {std::strtoull(s, nullptr, 10)};
  uint64_t count = default_count;
  if (const char* s = std::getenv("FERRY_SIM_SEEDS")) count = std::strtoull(s, nullptr, 10);
  std::vector<uint64_t> out;
  for (uint64_t i = 1; i <= count; ++i) out.push_back(i);
  return out;
}

}  // namespace ferry::testing
