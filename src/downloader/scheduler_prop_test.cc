// Property tests: random command/event sequences against the Scheduler.
// After every call: check_invariants() holds (limits, tables, keep-busy),
// StartTransfer only names connected nodes, transfer ids are fresh, the
// scheduler's in-flight count equals the model's, every intent gets at most
// one outcome. After a final drain (all dials succeed, all transfers finish,
// time runs out): nothing is left behind.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <set>

#include "downloader/scheduler.h"

namespace ferry::downloader {
namespace {

NodeId node(uint32_t n) {
  NodeId id;
  id.bytes[0] = static_cast<uint8_t>(n);
  id.bytes[1] = 0x77;
  return id;
}
Resource blob(uint32_t n) {
  std::array<uint8_t, 32> b{};
  b[0] = static_cast<uint8_t>(n);
  return Resource{crypto::Hash(b), ResourceKind::kBlob};
}
GroupId group(uint32_t n) {
  std::array<uint8_t, 32> b{};
  b[0] = static_cast<uint8_t>(n);
  return GroupId::doc(b);
}

struct Model {
  explicit Model(Config c) : s(c, 7) {}
  Scheduler s;
  Instant now;
  std::set<NodeId> dialing, connected;
  std::map<uint64_t, NodeId> running;  // transfer -> node
  std::set<uint64_t> seen_transfers;
  std::map<uint64_t, int> outcomes;  // intent -> count
  std::vector<IntentId> intents;

  void drain() {
    while (auto a = s.poll_action()) {
      if (auto* c = std::get_if<Connect>(&*a)) {
        RC_ASSERT(!dialing.count(c->node) && !connected.count(c->node));
        dialing.insert(c->node);
      } else if (auto* d = std::get_if<DropConnection>(&*a)) {
        connected.erase(d->node);
        for (auto it = running.begin(); it != running.end();)
          it = it->second == d->node ? running.erase(it) : std::next(it);
      } else if (auto* st = std::get_if<StartTransfer>(&*a)) {
        RC_ASSERT(connected.count(st->node) == 1u);
        RC_ASSERT(seen_transfers.insert(st->transfer.value).second);
        running[st->transfer.value] = st->node;
      } else if (auto* ct = std::get_if<CancelTransfer>(&*a)) {
        RC_ASSERT(running.erase(ct->transfer.value) == 1u);
      } else if (auto* ic = std::get_if<IntentCompleted>(&*a)) {
        RC_ASSERT(++outcomes[ic->intent.value] == 1);
      } else if (auto* f = std::get_if<IntentFailed>(&*a)) {
        RC_ASSERT(++outcomes[f->intent.value] == 1);
      }
    }
    Status st = s.check_invariants();
    RC_ASSERT(st.has_value());
    RC_ASSERT(s.transfers_in_flight() == running.size());
    RC_ASSERT(s.open_connections() == dialing.size() + connected.size());
  }
  template <typename Set>
  static auto nth(const Set& set, uint32_t k) {
    auto it = set.begin();
    std::advance(it, k % set.size());
    return *it;
  }
  void lost(const NodeId& n) {
    connected.erase(n);
    for (auto it = running.begin(); it != running.end();)
      it = it->second == n ? running.erase(it) : std::next(it);
  }
};

Config tiny_config(uint32_t knobs) {
  Config c;
  c.max_transfers = 1 + knobs % 4;
  c.max_transfers_per_node = 1 + (knobs >> 2) % 3;
  c.max_connections = 1 + (knobs >> 4) % 3;
  c.max_dials = 1 + (knobs >> 6) % 2;
  c.max_dial_attempts = 1 + (knobs >> 7) % 3;
  c.idle_timeout = std::chrono::milliseconds(300);
  c.dial_backoff_initial = std::chrono::milliseconds(100);
  c.default_wait_deadline = std::chrono::seconds(5);
  c.unwanted_ttl = std::chrono::seconds(2);
  c.node_ttl = std::chrono::seconds(2);
  c.max_unwanted_resources = 1 + (knobs >> 9) % 6;
  c.max_idle_nodes = 1 + (knobs >> 12) % 4;
  return c;
}

RC_GTEST_PROP(SchedulerProp, RandomSequencesKeepInvariantsAndLeaveNothingBehind,
              (uint32_t knobs, std::vector<std::tuple<uint8_t, uint8_t, uint8_t>> ops)) {
  Model m(tiny_config(knobs));
  for (auto [op, a, b] : ops) {
    switch (op % 10) {
      case 0: {
        IntentOptions o;
        o.priority.value = b % 16;
        if (b % 3 == 0)
          o.policy = FailurePolicy::fail_fast();
        else if (b % 3 == 1)
          o.policy = FailurePolicy::wait(1 + a % 3, std::nullopt);
        ResourceHints h;
        if (a & 1) h.nodes.push_back(node(a % 5));
        if (a & 2) h.groups.push_back(group(b % 2));
        if (a & 4) h.skip_nodes.push_back(node(b % 5));
        m.intents.push_back(m.s.add_resource(blob(a % 8), o, h, m.now));
        break;
      }
      case 1: {
        NodeHints h;
        if (b & 1) h.groups.push_back(group(a % 2));
        if (b & 2) h.resources.push_back(blob(b % 8));
        m.s.add_node(node(a % 5), h, m.now);
        break;
      }
      case 2:
        if (!m.intents.empty()) (void)m.s.cancel_intent(Model::nth(m.intents, a), m.now);
        break;
      case 3:
        if (!m.dialing.empty()) {
          NodeId n = Model::nth(m.dialing, a);
          m.dialing.erase(n);
          if (b & 1) {
            m.connected.insert(n);
            m.s.handle(Connected{n}, m.now);
          } else {
            m.s.handle(DialFailed{n}, m.now);
          }
        }
        break;
      case 4:
      case 5:
      case 6:
        if (!m.running.empty()) {
          auto [t, n] = Model::nth(m.running, a);
          TransferId id{t};
          if (op % 10 == 6) {
            m.s.handle(TransferProgressed{id, b, 255}, m.now);
          } else if (op % 10 == 4) {
            m.running.erase(t);
            m.s.handle(TransferFinished{id}, m.now);
          } else {
            m.running.erase(t);
            m.s.handle(TransferFailed{id, static_cast<FailureKind>(b % 3)}, m.now);
          }
        }
        break;
      case 7:
        if (!m.connected.empty()) {
          NodeId n = Model::nth(m.connected, a);
          m.lost(n);
          m.s.handle(ConnectionLost{n}, m.now);
        }
        break;
      case 8:
        m.now = m.now + std::chrono::milliseconds(10 * b);
        m.s.handle(DeadlineReached{}, m.now);
        break;
      case 9:  // stale inputs must not break anything
        m.s.handle(TransferFinished{TransferId{(uint64_t{a} << 32) | b}}, m.now);
        break;
    }
    m.drain();
  }
  // Drain: every dial succeeds, every transfer finishes, time runs out.
  for (int round = 0; round < 10000; ++round) {
    if (!m.dialing.empty()) {
      NodeId n = *m.dialing.begin();
      m.dialing.erase(n);
      m.connected.insert(n);
      m.s.handle(Connected{n}, m.now);
    } else if (!m.running.empty()) {
      auto [t, n] = *m.running.begin();
      m.running.erase(t);
      m.s.handle(TransferFinished{TransferId{t}}, m.now);
    } else if (auto d = m.s.next_deadline()) {
      m.now = std::max(m.now, *d);
      m.s.handle(DeadlineReached{}, m.now);
    } else {
      break;
    }
    m.drain();
  }
  RC_ASSERT(m.s.transfers_in_flight() == 0u);
  RC_ASSERT(m.s.open_connections() == 0u);
  RC_ASSERT(!m.s.next_deadline());
  RC_ASSERT(m.s.intent_count() == 0u);
  RC_ASSERT(m.s.resource_count() == 0u);
  for (IntentId id : m.intents) RC_ASSERT(m.outcomes[id.value] <= 1);
}

// Every intent whose resource some node can serve completes once dials and
// transfers succeed: nothing is starved, whatever the priorities and groups.
RC_GTEST_PROP(SchedulerProp, ReliableWorldCompletesEverything,
              (uint32_t knobs, std::vector<std::pair<uint8_t, uint8_t>> wants)) {
  Config c = tiny_config(knobs);
  c.default_wait_deadline = std::chrono::hours(1);
  Model m(c);
  for (uint32_t n = 0; n < 4; ++n) m.s.add_node(node(n), {.groups = {group(n % 2)}}, m.now);
  m.drain();
  std::set<uint64_t> expected;
  for (auto [r, p] : wants) {
    IntentOptions o;
    o.priority.value = p % 16;
    IntentId id = m.s.add_resource(blob(r % 16), o, {.groups = {group(r % 2)}}, m.now);
    expected.insert(id.value);
    m.intents.push_back(id);
    m.drain();
  }
  for (int round = 0; round < 100000; ++round) {
    if (!m.dialing.empty()) {
      NodeId n = *m.dialing.begin();
      m.dialing.erase(n);
      m.connected.insert(n);
      m.s.handle(Connected{n}, m.now);
    } else if (!m.running.empty()) {
      auto [t, n] = *m.running.begin();
      m.running.erase(t);
      m.s.handle(TransferFinished{TransferId{t}}, m.now);
    } else if (m.s.intent_count() > 0 && m.s.next_deadline()) {
      m.now = std::max(m.now, *m.s.next_deadline());
      m.s.handle(DeadlineReached{}, m.now);
    } else {
      break;
    }
    m.drain();
  }
  RC_ASSERT(m.s.intent_count() == 0u);
  for (uint64_t id : expected) RC_ASSERT(m.outcomes[id] == 1);
}

}  // namespace
}  // namespace ferry::downloader
