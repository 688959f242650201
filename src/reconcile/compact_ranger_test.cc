// CompactRanger: convergence of random replica pairs under any split,
// threshold and message cap (property), typical flows, and rejection of
// messages that do not match our state.
#include "reconcile/compact_ranger.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "reconcile/compact_local_sync.h"
#include "reconcile/test_util.h"

namespace ferry::reconcile::compact {
namespace {

std::vector<TestItem> expected_union(const ReplicaPair& pair) {
  std::vector<TestItem> out;
  for (const auto& [id, item] : pair.expected) out.push_back(item);
  return out;
}

Result<LocalSyncResult> sync_pair(const ReplicaPair& pair, CompactConfig ca, CompactConfig cb,
                                  uint64_t seed, MemoryStore<TestItem>& a,
                                  MemoryStore<TestItem>& b) {
  (void)seed;
  fill(a, pair.a);
  fill(b, pair.b);
  return run_compact_local_sync<TestItem>(a, b, test_namespace(), ca, cb);
}

void check_converges(uint64_t seed, CompactConfig ca, CompactConfig cb, size_t big = 2000) {
  Prng prng(seed);
  size_t universe = prng.below(prng.chance(0.2) ? big : 200);
  // Shapes: random overlap, identical, disjoint, one side empty.
  double pa = prng.unit(), pb = prng.unit();
  switch (prng.below(5)) {
    case 0: pa = 1, pb = 1; break;
    case 1: pa = 0; break;
    default: break;
  }
  auto pair = random_replicas(prng, universe, pa, pb, prng.unit());
  if (prng.chance(0.1)) pair.b.clear(), pair.expected.clear();
  if (pair.b.empty()) {
    pair.expected.clear();
    for (const auto& it : pair.a) pair.expected[it.id] = it;
  }
  MemoryStore<TestItem> a(prng.next()), b(prng.next());
  auto res = sync_pair(pair, ca, cb, seed, a, b);
  if (!res) RC_FAIL(res.error().to_string());
  auto expected = expected_union(pair);
  RC_ASSERT(a.items() == expected);
  RC_ASSERT(b.items() == expected);
  RC_ASSERT(a.check_invariants());
  RC_ASSERT(b.check_invariants());
  if (ca.max_message_bytes == 0 && cb.max_message_bytes == 0) {
    // Each round goes at least one split level deeper (factor >= 2).
    RC_ASSERT(res->messages <= 2 * 40 + 4);
  }
}

CompactConfig gen_config() {
  CompactConfig c;
  c.split_factor = *rc::gen::inRange<uint32_t>(2, 33);
  c.idlist_threshold = *rc::gen::inRange<uint64_t>(0, 40);
  c.sub_idlist_max = *rc::gen::inRange<uint64_t>(0, 4);
  return c;
}

RC_GTEST_PROP(CompactProperty, ConvergesWithDefaults, ()) {
  check_converges(*rc::gen::arbitrary<uint64_t>(), {}, {});
}

RC_GTEST_PROP(CompactProperty, ConvergesWithAnyConfig, ()) {
  check_converges(*rc::gen::arbitrary<uint64_t>(), gen_config(), gen_config());
}

RC_GTEST_PROP(CompactProperty, ConvergesWithAnyCap, ()) {
  CompactConfig ca = gen_config(), cb = gen_config();
  ca.max_message_bytes = *rc::gen::inRange<uint64_t>(1, 3000);
  if (*rc::gen::arbitrary<bool>()) cb.max_message_bytes = *rc::gen::inRange<uint64_t>(1, 3000);
  check_converges(*rc::gen::arbitrary<uint64_t>(), ca, cb, 600);
}

RC_GTEST_PROP(CompactProperty, CappedMessagesStayUnderCapAfterTheFirstItem, ()) {
  // Large entries would exceed a tiny cap on their own; with a cap well
  // above one work item, every message fits.
  CompactConfig c;
  c.max_message_bytes = *rc::gen::inRange<uint64_t>(2000, 6000);
  Prng prng(*rc::gen::arbitrary<uint64_t>());
  auto pair = random_replicas(prng, 1500, prng.unit(), prng.unit(), 0.5);
  MemoryStore<TestItem> a(1), b(2);
  auto res = sync_pair(pair, c, c, 0, a, b);
  RC_ASSERT(res.has_value());
  RC_LOG() << "largest " << res->largest_message << " messages " << res->messages;
  RC_ASSERT(res->largest_message <= c.max_message_bytes);
  RC_ASSERT(a.items() == expected_union(pair));
}

// Plain replay entry point: FERRY_SEED=<n> reruns a batch.
TEST(CompactRanger, ConvergesForSeed) {
  uint64_t seed = test_seed();
  Prng prng(seed);
  for (int i = 0; i < 30; ++i) {
    Prng p2(prng.next());
    auto pair = random_replicas(p2, 400, 0.7, 0.7, 0.3);
    MemoryStore<TestItem> a, b;
    CompactConfig c;
    c.split_factor = 2 + i % 17;
    c.max_message_bytes = i % 3 == 0 ? 0 : 200 + 100 * static_cast<uint64_t>(i);
    auto res = sync_pair(pair, c, c, 0, a, b);
    ASSERT_TRUE(res) << res.error().to_string();
    EXPECT_EQ(a.items(), expected_union(pair));
    EXPECT_EQ(b.items(), expected_union(pair));
  }
}

TEST(CompactRanger, EmptyStoresExchangeOneMessage) {
  MemoryStore<TestItem> a, b;
  auto res = run_compact_local_sync<TestItem>(a, b, test_namespace());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->messages, 1u);  // an empty IdList, nothing to answer
}

TEST(CompactRanger, SameKeyDifferentTimestampKeepsTheNewer) {
  MemoryStore<TestItem> a, b;
  Bytes id = test_id(kTestNs, 1, as_bytes(std::string_view("k")));
  ASSERT_TRUE(a.put(TestItem{id, 5, 0}));
  ASSERT_TRUE(b.put(TestItem{id, 9, 0}));
  auto res = run_compact_local_sync<TestItem>(a, b, test_namespace());
  ASSERT_TRUE(res);
  EXPECT_EQ(a.items(), (std::vector<TestItem>{{id, 9, 0}}));
  EXPECT_EQ(b.items(), (std::vector<TestItem>{{id, 9, 0}}));
  // b asked for a's id; by the time a answers, b's newer value replaced it,
  // so the older value never crosses.
  EXPECT_EQ(res->stats_a.num_inserted, 1u);
  EXPECT_EQ(res->stats_b.num_recv, 0u);
}

TEST(CompactRanger, WrongNamespaceAndValidationAreCounted) {
  MemoryStore<TestItem> a, b;
  for (int i = 0; i < 50; ++i) {
    Bytes key{static_cast<uint8_t>('a' + i % 26), static_cast<uint8_t>(i)};
    ASSERT_TRUE(a.put(TestItem{test_id(kTestNs, 1, key), 1, 0}));
  }
  RangerHooks<TestItem> hooks;
  hooks.validate = [](const TestItem& it) -> std::optional<RejectReason> {
    if (it.id.back() % 2) return RejectReason::kBadSignature;
    return std::nullopt;
  };
  auto res = run_compact_local_sync<TestItem>(a, b, test_namespace(), {}, {}, {}, hooks);
  ASSERT_TRUE(res);
  EXPECT_EQ(b.size(), 25u);
  EXPECT_EQ(res->stats_b.rejected[static_cast<size_t>(RejectReason::kBadSignature)], 25u);
  EXPECT_EQ(res->stats_b.num_inserted, 25u);
}

TEST(CompactRanger, ReplyWithoutIdListIsProtocolError) {
  MemoryStore<TestItem> a;
  CompactRanger<TestItem> r(a, test_namespace());
  CompactMessage<TestItem> m;
  CompactRange<TestItem> reply;
  reply.infinite = true;
  reply.mode = Mode::kIdListReply;
  m.ranges.push_back(reply);
  auto out = r.process(m);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code(), ErrorCode::kProtocol);
}

TEST(CompactRanger, MalformedNeedsBitfieldIsProtocolError) {
  MemoryStore<TestItem> a, b;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(a.put(TestItem{test_id(kTestNs, 1, Bytes{static_cast<uint8_t>(i)}), 1, 0}));
  }
  CompactRanger<TestItem> ra(a, test_namespace());
  auto init = ra.initial_message();  // an IdList of 3 ids over everything
  ASSERT_TRUE(init);
  ASSERT_EQ(init->ranges.size(), 1u);
  ASSERT_EQ(init->ranges[0].mode, Mode::kIdList);
  CompactMessage<TestItem> m;
  CompactRange<TestItem> reply;
  reply.infinite = true;
  reply.mode = Mode::kIdListReply;
  reply.needs = {0x08};  // bit 3 of a 3-id list
  m.ranges.push_back(reply);
  auto out = ra.process(m);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code(), ErrorCode::kProtocol);
}

TEST(CompactRanger, OverlappingWorkIsProtocolError) {
  MemoryStore<TestItem> a;
  ASSERT_TRUE(a.put(TestItem{test_id(kTestNs, 1, Bytes{1}), 1, 0}));
  ASSERT_TRUE(a.put(TestItem{test_id(kTestNs, 1, Bytes{9}), 1, 0}));
  // With a 1-byte cap only the first of two IdLists is answered; the second
  // stays queued, and a later range over it is not a thing an honest peer
  // sends.
  CompactRanger<TestItem> r(a, test_namespace(), CompactConfig{16, 16, 1, 1});
  CompactMessage<TestItem> m;
  CompactRange<TestItem> left, right;
  left.upper = Bytes(kAuthorSize, 1);
  left.upper.push_back(5);
  left.mode = Mode::kIdList;
  right.infinite = true;
  right.mode = Mode::kIdList;
  m.ranges = {left, right};
  auto first = r.process(m);
  ASSERT_TRUE(first && *first);
  EXPECT_TRUE((*first)->more);
  EXPECT_EQ(r.queued_work(), 1u);
  CompactMessage<TestItem> again;
  CompactRange<TestItem> all;
  all.infinite = true;
  all.mode = Mode::kIdList;
  again.ranges = {all};
  auto second = r.process(again);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code(), ErrorCode::kProtocol);
}

}  // namespace
}  // namespace ferry::reconcile::compact
