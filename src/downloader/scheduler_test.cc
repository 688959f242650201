// Unit tests of Scheduler behaviour, one story per test.
#include "downloader/scheduler.h"

#include <gtest/gtest.h>

namespace ferry::downloader {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

NodeId node(uint8_t n) {
  NodeId id;
  id.bytes[0] = n;
  return id;
}
Resource blob(uint32_t n) {
  std::array<uint8_t, 32> b{};
  std::memcpy(b.data(), &n, sizeof(n));
  b[31] = 0xAB;
  return Resource{crypto::Hash(b), ResourceKind::kBlob};
}
GroupId group(uint8_t n) {
  std::array<uint8_t, 32> b{};
  b[0] = n;
  return GroupId::doc(b);
}

// Owns a scheduler and the actions it emitted since the last take().
struct Harness {
  explicit Harness(Config c = small_config()) : s(c, 1) {}
  static Config small_config() {
    Config c;
    c.max_transfers = 8;
    c.max_transfers_per_node = 2;
    c.max_connections = 4;
    c.max_dials = 2;
    return c;
  }
  std::vector<Action> take() {
    std::vector<Action> out;
    while (auto a = s.poll_action()) out.push_back(*a);
    EXPECT_TRUE(s.check_invariants()) << s.check_invariants().error().to_string();
    return out;
  }
  template <typename T>
  std::vector<T> take_of() {
    std::vector<T> out;
    for (auto& a : take())
      if (auto* p = std::get_if<T>(&a)) out.push_back(*p);
    return out;
  }
  IntentId want(uint32_t r, ResourceHints h, IntentOptions o = {}) {
    return s.add_resource(blob(r), o, h, now);
  }
  void ev(Event e) { s.handle(e, now); }
  // Answers every Connect with Connected until none is left; returns the
  // StartTransfer actions seen on the way.
  std::vector<StartTransfer> connect_all() {
    std::vector<StartTransfer> starts;
    std::vector<Action> pending = take();
    while (!pending.empty()) {
      std::vector<Action> next;
      for (auto& a : pending) {
        if (auto* c = std::get_if<Connect>(&a)) {
          ev(Connected{c->node});
          for (auto& b : take()) next.push_back(b);
        } else if (auto* st = std::get_if<StartTransfer>(&a)) {
          starts.push_back(*st);
        }
      }
      pending = std::move(next);
    }
    return starts;
  }
  Scheduler s;
  Instant now = Instant::from_nanos(1'000'000'000);
};

TEST(Scheduler, DialsHintedNodeThenTransfersThenCompletes) {
  Harness h;
  IntentId id = h.want(1, {.nodes = {node(1)}});
  auto dials = h.take_of<Connect>();
  ASSERT_EQ(dials.size(), 1u);
  EXPECT_EQ(dials[0].node, node(1));
  h.ev(Connected{node(1)});
  auto starts = h.take_of<StartTransfer>();
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].resource, blob(1));
  h.ev(TransferFinished{starts[0].transfer});
  auto done = h.take_of<IntentCompleted>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].intent, id);
  EXPECT_EQ(h.s.resource_count(), 0u);
  EXPECT_EQ(h.s.intent_count(), 0u);
  EXPECT_EQ(h.s.transfers_in_flight(), 0u);
}

TEST(Scheduler, NotFoundSkipsThatNodeAndTriesAnother) {
  Harness h;
  h.want(1, {.nodes = {node(1), node(2)}});
  auto starts = h.connect_all();
  ASSERT_EQ(starts.size(), 1u);
  NodeId first = starts[0].node;
  h.ev(TransferFailed{starts[0].transfer, FailureKind::kNotFound});
  starts = h.connect_all();
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_NE(starts[0].node, first);
  h.ev(TransferFailed{starts[0].transfer, FailureKind::kNotFound});
  EXPECT_TRUE(h.connect_all().empty());  // both skip it now
}

TEST(Scheduler, NodeThatAnnouncesAResourceIsAskedAgainAfterNotFound) {
  // A node answered not-found, then got the blob and announced it (a
  // ContentReady heard over gossip becomes add_node with a resource hint).
  Harness h;
  IntentId id = h.want(1, {.nodes = {node(1)}});
  auto starts = h.connect_all();
  ASSERT_EQ(starts.size(), 1u);
  h.ev(TransferFailed{starts[0].transfer, FailureKind::kNotFound});
  EXPECT_TRUE(h.connect_all().empty());  // skipped: nobody else to ask
  h.s.add_node(node(1), {.resources = {blob(1)}}, h.now);
  starts = h.connect_all();
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].node, node(1));
  h.ev(TransferFinished{starts[0].transfer});
  auto done = h.take_of<IntentCompleted>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].intent, id);
}

TEST(Scheduler, FailFastIntentFailsWhenNoProviderIsLeft) {
  Harness h;
  IntentId id = h.want(1, {.nodes = {node(1)}}, {.policy = FailurePolicy::fail_fast()});
  h.take();
  h.ev(Connected{node(1)});
  auto starts = h.take_of<StartTransfer>();
  ASSERT_EQ(starts.size(), 1u);
  h.ev(TransferFailed{starts[0].transfer, FailureKind::kNotFound});
  auto failed = h.take_of<IntentFailed>();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].intent, id);
  EXPECT_EQ(failed[0].code, ErrorCode::kNotFound);
}

TEST(Scheduler, FailFastWithoutAnyProviderFailsAtOnce) {
  Harness h;
  h.want(1, {}, {.policy = FailurePolicy::fail_fast()});
  EXPECT_EQ(h.take_of<IntentFailed>().size(), 1u);
  EXPECT_EQ(h.s.intent_count(), 0u);
}

TEST(Scheduler, WaitingIntentRestartsWhenANewProviderAppears) {
  Harness h;
  h.want(1, {.nodes = {node(1)}}, {.policy = FailurePolicy::wait(std::nullopt, seconds(60))});
  h.take();
  h.ev(Connected{node(1)});
  auto starts = h.take_of<StartTransfer>();
  h.ev(TransferFailed{starts[0].transfer, FailureKind::kAborted});
  EXPECT_TRUE(h.take_of<IntentFailed>().empty());
  h.s.add_node(node(2), {.resources = {blob(1)}}, h.now);
  auto dials = h.take_of<Connect>();
  ASSERT_EQ(dials.size(), 1u);
  EXPECT_EQ(dials[0].node, node(2));
  h.ev(Connected{node(2)});
  starts = h.take_of<StartTransfer>();
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].node, node(2));
}

TEST(Scheduler, HintsBeforeTheResourceIsWantedStillCount) {
  Harness h;
  h.s.add_node(node(3), {.resources = {blob(7)}}, h.now);
  EXPECT_TRUE(h.take_of<Connect>().empty());  // nothing wanted yet: no dial
  h.want(7, {});
  auto dials = h.take_of<Connect>();
  ASSERT_EQ(dials.size(), 1u);
  EXPECT_EQ(dials[0].node, node(3));
}

TEST(Scheduler, CancellingTheLastIntentCancelsTheTransfer) {
  Harness h;
  IntentId a = h.want(1, {.nodes = {node(1)}});
  IntentId b = h.want(1, {});
  h.take();
  h.ev(Connected{node(1)});
  auto starts = h.take_of<StartTransfer>();
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_TRUE(h.s.cancel_intent(a, h.now));
  EXPECT_TRUE(h.take_of<CancelTransfer>().empty());
  EXPECT_TRUE(h.s.cancel_intent(b, h.now));
  auto cancels = h.take_of<CancelTransfer>();
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(cancels[0].transfer, starts[0].transfer);
  EXPECT_FALSE(h.s.cancel_intent(b, h.now));  // stale id
  // A late completion for the cancelled transfer is ignored.
  h.ev(TransferFinished{starts[0].transfer});
  EXPECT_TRUE(h.take_of<IntentCompleted>().empty());
  EXPECT_EQ(h.s.stale_events(), 1u);
}

TEST(Scheduler, AttachingToARunningDownloadReportsProgress) {
  Harness h;
  h.want(1, {.nodes = {node(1)}});
  h.take();
  h.ev(Connected{node(1)});
  auto starts = h.take_of<StartTransfer>();
  h.ev(TransferProgressed{starts[0].transfer, 300, 1000});
  EXPECT_EQ(h.take_of<IntentProgressed>().size(), 1u);
  IntentId late = h.want(1, {});
  auto now_progress = h.s.progress(late);
  ASSERT_TRUE(now_progress);
  EXPECT_EQ(now_progress->bytes, 300u);
  EXPECT_EQ(now_progress->node, node(1));
  auto progress = h.take_of<IntentProgressed>();
  ASSERT_EQ(progress.size(), 1u);
  EXPECT_EQ(progress[0].intent, late);
  EXPECT_EQ(progress[0].bytes, 300u);
  EXPECT_EQ(progress[0].total, 1000u);
  EXPECT_EQ(progress[0].node, node(1));
  EXPECT_TRUE(h.take_of<StartTransfer>().empty());  // never twice at once
  h.ev(TransferFinished{starts[0].transfer});
  EXPECT_EQ(h.take_of<IntentCompleted>().size(), 2u);
}

TEST(Scheduler, HigherPriorityFirstThenOldestFirst) {
  Config c = Harness::small_config();
  c.max_transfers_per_node = 1;
  Harness h(c);
  h.want(1, {.groups = {group(1)}}, {.priority = {2}});
  h.want(2, {.groups = {group(1)}}, {.priority = {9}});
  h.want(3, {.groups = {group(1)}}, {.priority = {2}});
  h.s.add_node(node(1), {.groups = {group(1)}}, h.now);
  h.take();
  h.ev(Connected{node(1)});
  std::vector<Resource> order;
  for (int k = 0; k < 3; ++k) {
    auto starts = h.take_of<StartTransfer>();
    ASSERT_EQ(starts.size(), 1u);
    order.push_back(starts[0].resource);
    h.ev(TransferFinished{starts[0].transfer});
  }
  EXPECT_EQ(order, (std::vector<Resource>{blob(2), blob(1), blob(3)}));
}

TEST(Scheduler, SmallGroupIsNotStarvedByAHugeOne) {
  Config c = Harness::small_config();
  c.max_transfers_per_node = 1;
  Harness h(c);
  for (uint32_t r = 0; r < 100; ++r) h.want(r, {.groups = {group(1)}});
  h.want(1000, {.groups = {group(2)}});
  h.want(1001, {.groups = {group(2)}});
  h.s.add_node(node(1), {.groups = {group(1), group(2)}}, h.now);
  h.take();
  h.ev(Connected{node(1)});
  int small_seen = 0;
  for (int k = 0; k < 4; ++k) {
    auto starts = h.take_of<StartTransfer>();
    ASSERT_EQ(starts.size(), 1u);
    small_seen += starts[0].resource == blob(1000) || starts[0].resource == blob(1001);
    h.ev(TransferFinished{starts[0].transfer});
  }
  EXPECT_EQ(small_seen, 2);  // alternates between the groups
}

TEST(Scheduler, DialFailuresBackOffWithJitterThenFailTheNode) {
  Config c = Harness::small_config();
  c.max_dial_attempts = 3;
  c.dial_backoff_initial = milliseconds(100);
  c.dial_backoff_factor = 2.0;
  c.dial_backoff_jitter = 0.5;
  Harness h(c);
  IntentId id = h.want(1, {.nodes = {node(1)}}, {.policy = FailurePolicy::fail_fast()});
  ASSERT_EQ(h.take_of<Connect>().size(), 1u);
  int64_t expected_max = 100'000'000;
  for (int attempt = 1; attempt < 3; ++attempt) {
    h.ev(DialFailed{node(1)});
    EXPECT_TRUE(h.take().empty());
    auto deadline = h.s.next_deadline();
    ASSERT_TRUE(deadline);
    int64_t delay = (*deadline - h.now).count();
    EXPECT_LE(delay, expected_max);
    EXPECT_GE(delay, expected_max / 2);
    h.now = *deadline;
    h.ev(DeadlineReached{});
    ASSERT_EQ(h.take_of<Connect>().size(), 1u) << "attempt " << attempt;
    expected_max *= 2;
  }
  h.ev(DialFailed{node(1)});
  auto failed = h.take_of<IntentFailed>();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].intent, id);
}

TEST(Scheduler, IdleConnectionClosesAfterTimeout) {
  Harness h;
  h.want(1, {.nodes = {node(1)}});
  h.take();
  h.ev(Connected{node(1)});
  auto starts = h.take_of<StartTransfer>();
  h.ev(TransferFinished{starts[0].transfer});
  h.take();
  EXPECT_TRUE(h.s.is_connected(node(1)));
  auto deadline = h.s.next_deadline();
  ASSERT_TRUE(deadline);
  EXPECT_EQ(*deadline, h.now + h.s.config().idle_timeout);
  h.now = *deadline;
  h.ev(DeadlineReached{});
  auto drops = h.take_of<DropConnection>();
  ASSERT_EQ(drops.size(), 1u);
  EXPECT_FALSE(h.s.is_connected(node(1)));
  EXPECT_EQ(h.s.open_connections(), 0u);
}

TEST(Scheduler, GlobalLimitFreesASlotForAnotherNode) {
  Config c = Harness::small_config();
  c.max_transfers = 2;
  c.max_transfers_per_node = 2;
  Harness h(c);
  h.want(1, {.nodes = {node(1)}});
  h.want(2, {.nodes = {node(1)}});
  h.want(3, {.nodes = {node(2)}});
  h.take();
  h.ev(Connected{node(1)});
  auto starts = h.take_of<StartTransfer>();
  ASSERT_EQ(starts.size(), 2u);
  h.ev(Connected{node(2)});
  EXPECT_TRUE(h.take_of<StartTransfer>().empty());  // global limit
  h.ev(TransferFinished{starts[0].transfer});
  auto next = h.take_of<StartTransfer>();
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].node, node(2));
}

TEST(Scheduler, RetryBudgetAndDeadlineEndWaitingIntents) {
  Harness h;
  IntentId budget =
      h.want(1, {.nodes = {node(1), node(2)}}, {.policy = FailurePolicy::wait(2, std::nullopt)});
  IntentId deadline = h.want(2, {}, {.policy = FailurePolicy::wait(std::nullopt, seconds(5))});
  auto starts = h.connect_all();
  ASSERT_EQ(starts.size(), 1u);
  h.ev(TransferFailed{starts[0].transfer, FailureKind::kAborted});
  starts = h.connect_all();
  ASSERT_EQ(starts.size(), 1u);
  h.ev(TransferFailed{starts[0].transfer, FailureKind::kAborted});
  auto failed = h.take_of<IntentFailed>();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].intent, budget);
  EXPECT_EQ(failed[0].code, ErrorCode::kResourceExhausted);
  h.now = h.now + seconds(5);
  h.ev(DeadlineReached{});
  failed = h.take_of<IntentFailed>();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].intent, deadline);
  EXPECT_EQ(failed[0].code, ErrorCode::kTimeout);
}

TEST(Scheduler, UnwantedHintsArePrunedAfterTtlAndBeyondBudget) {
  Config c = Harness::small_config();
  c.unwanted_ttl = seconds(10);
  c.max_unwanted_resources = 3;
  c.node_ttl = seconds(10);
  Harness h(c);
  h.s.add_node(node(1), {.resources = {blob(1), blob(2), blob(3), blob(4), blob(5)}}, h.now);
  h.take();
  EXPECT_EQ(h.s.resource_count(), 3u);  // budget: the two oldest are gone
  h.now = h.now + seconds(10);
  h.ev(DeadlineReached{});
  h.take();
  EXPECT_EQ(h.s.resource_count(), 0u);
  // The node lost its purpose with its hints and goes after node_ttl.
  EXPECT_EQ(h.s.node_count(), 1u);
  h.now = h.now + seconds(10);
  h.ev(DeadlineReached{});
  EXPECT_EQ(h.s.node_count(), 0u);
  EXPECT_FALSE(h.s.next_deadline());
}

TEST(Scheduler, NodeErrorDropsConnectionAndRetriesElsewhere) {
  Harness h;
  h.want(1, {.nodes = {node(1)}});
  h.want(2, {.nodes = {node(2)}});
  auto starts = h.connect_all();
  ASSERT_EQ(starts.size(), 2u);
  if (starts[0].node != node(1)) std::swap(starts[0], starts[1]);
  ASSERT_EQ(starts[0].node, node(1));
  h.s.add_node(node(2), {.resources = {blob(1)}}, h.now);
  h.ev(TransferFinished{starts[1].transfer});  // node 2 is now idle
  h.take();
  h.ev(TransferFailed{starts[0].transfer, FailureKind::kNodeError});
  auto actions = h.take();
  bool dropped = false, restarted = false;
  for (auto& a : actions) {
    if (auto* d = std::get_if<DropConnection>(&a)) dropped |= d->node == starts[0].node;
    if (auto* s = std::get_if<StartTransfer>(&a)) restarted |= s->node != starts[0].node;
  }
  EXPECT_TRUE(dropped);
  EXPECT_TRUE(restarted);
}

TEST(Scheduler, FinishedIntentsDoNotPinTimerMemory) {
  Harness h;
  h.s.add_node(node(1), {.groups = {group(1)}}, h.now);
  h.take();
  for (uint32_t r = 0; r < 5000; ++r) {
    h.want(r, {.groups = {group(1)}});
    for (auto& st : h.connect_all()) h.ev(TransferFinished{st.transfer});
    h.take();
  }
  EXPECT_EQ(h.s.intent_count(), 0u);
  EXPECT_LT(h.s.timer_entries(), 200u);  // 5000 deadlines were armed
}

}  // namespace
}  // namespace ferry::downloader
