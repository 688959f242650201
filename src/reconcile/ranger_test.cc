// Ranger behaviour: convergence of random replicas (property), the typical
// flows of §4.7, and rejection of bad values and ranges.
#include "reconcile/ranger.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "reconcile/local_sync.h"
#include "reconcile/test_util.h"

namespace ferry::reconcile {
namespace {

// Reconciles a random replica pair and checks both sides equal the union.
void check_converges(uint64_t seed, RangerConfig ca, RangerConfig cb, size_t big = 2000) {
  Prng prng(seed);
  size_t universe = 1 + prng.below(prng.chance(0.2) ? big : 200);
  auto pair = random_replicas(prng, universe, prng.unit(), prng.unit(), prng.unit());
  MemoryStore<TestItem> a(prng.next()), b(prng.next());
  fill(a, pair.a);
  fill(b, pair.b);
  Bytes ns = test_namespace();
  auto res = run_local_sync<TestItem>(a, b, ns, ca, cb);
  RC_ASSERT(res.has_value());
  std::vector<TestItem> expected;
  for (const auto& [id, item] : pair.expected) expected.push_back(item);
  RC_ASSERT(a.items() == expected);
  RC_ASSERT(b.items() == expected);
  RC_ASSERT(a.check_invariants());
  RC_ASSERT(b.check_invariants());
  // Termination bound: every round either ends or halves some range.
  if (ca.max_message_bytes == 0 && cb.max_message_bytes == 0) {
    RC_ASSERT(res->messages <= 2 * 64 + 3);
  }
}

RangerConfig gen_config(bool iroh) {
  if (iroh) return RangerConfig{};
  return RangerConfig{*rc::gen::inRange<uint32_t>(2, 33), *rc::gen::inRange<uint64_t>(1, 40)};
}

RC_GTEST_PROP(RangerProperty, ConvergesWithIrohSplit, ()) {
  check_converges(*rc::gen::arbitrary<uint64_t>(), {}, {});
}

RC_GTEST_PROP(RangerProperty, ConvergesWithLargerSplits, ()) {
  check_converges(*rc::gen::arbitrary<uint64_t>(), gen_config(false), gen_config(false));
}

RC_GTEST_PROP(RangerProperty, FerryInteroperatesWithIrohSplit, ()) {
  bool dialer_iroh = *rc::gen::arbitrary<bool>();
  check_converges(*rc::gen::arbitrary<uint64_t>(), gen_config(dialer_iroh),
                  gen_config(!dialer_iroh));
}

RC_GTEST_PROP(RangerProperty, ConvergesWithMessageBudget, ()) {
  RangerConfig ca = gen_config(*rc::gen::arbitrary<bool>());
  RangerConfig cb = gen_config(*rc::gen::arbitrary<bool>());
  ca.max_message_bytes = *rc::gen::inRange<uint64_t>(1, 3000);
  if (*rc::gen::arbitrary<bool>()) cb.max_message_bytes = *rc::gen::inRange<uint64_t>(1, 3000);
  // Tiny caps mean one part per message: keep the sets smaller.
  check_converges(*rc::gen::arbitrary<uint64_t>(), ca, cb, 600);
}

// Plain replay entry point: FERRY_SEED=<n> reruns one case.
TEST(Ranger, ConvergesForSeed) {
  uint64_t seed = test_seed();
  Prng prng(seed);
  for (int i = 0; i < 20; ++i) {
    uint64_t s = prng.next();
    Prng p2(s);
    MemoryStore<TestItem> a, b;
    auto pair = random_replicas(p2, 300, 0.7, 0.7, 0.3);
    fill(a, pair.a);
    fill(b, pair.b);
    RangerConfig ferry{static_cast<uint32_t>(2 + i % 15), 1 + static_cast<uint64_t>(i % 7)};
    auto res =
        run_local_sync<TestItem>(a, b, test_namespace(), i % 2 ? ferry : RangerConfig{}, ferry);
    ASSERT_TRUE(res);
    std::vector<TestItem> expected;
    for (const auto& [id, item] : pair.expected) expected.push_back(item);
    EXPECT_EQ(a.items(), expected) << "case seed " << s;
    EXPECT_EQ(b.items(), expected) << "case seed " << s;
  }
}

std::vector<WireEntry> some_entries(ByteView ns, int n, uint64_t ts = 100) {
  std::vector<WireEntry> out;
  for (int i = 0; i < n; ++i) out.push_back(fake_entry(ns, 1, "k" + std::to_string(i), ts + i));
  return out;
}

TEST(Ranger, IdenticalReplicasNeedOnlyInit) {
  Bytes ns = test_namespace();
  MemoryStore<WireEntry> a, b;
  for (const auto& e : some_entries(ns, 10)) {
    ASSERT_TRUE(a.put(e));
    ASSERT_TRUE(b.put(e));
  }
  auto res = run_local_sync<WireEntry>(a, b, ns);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->messages, 1u);
}

TEST(Ranger, EmptyDialerGetsEverythingInOneReply) {
  Bytes ns = test_namespace();
  MemoryStore<WireEntry> a, b;
  for (const auto& e : some_entries(ns, 10)) ASSERT_TRUE(b.put(e));
  auto res = run_local_sync<WireEntry>(a, b, ns);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->messages, 2u);
  EXPECT_EQ(a.size(), 10u);
  EXPECT_EQ(res->stats_a.num_recv, 10u);
  EXPECT_EQ(res->stats_b.num_sent, 10u);
}

TEST(Ranger, EmptyResponderAsksForEverything) {
  Bytes ns = test_namespace();
  MemoryStore<WireEntry> a, b;
  for (const auto& e : some_entries(ns, 10)) ASSERT_TRUE(a.put(e));
  auto res = run_local_sync<WireEntry>(a, b, ns);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->messages, 3u);
  EXPECT_EQ(b.size(), 10u);
}

// A RangeItem carrying bad values: each is rejected with its reason, counted
// and not stored; valid values in the same message are stored.
TEST(Ranger, RejectsBadValuesWithReasons) {
  Bytes ns = test_namespace();
  Bytes other_ns(32, 0x01);
  MemoryStore<WireEntry> store;
  RangerHooks<WireEntry> hooks;
  hooks.validate = [](const WireEntry& e) -> std::optional<RejectReason> {
    if (e.author_signature[0] == 0) return RejectReason::kBadSignature;
    if (e.timestamp > 1000000) return RejectReason::kFutureTimestamp;
    if (e.key().size() > 8) return RejectReason::kKeyTooLarge;
    return std::nullopt;
  };
  Ranger<WireEntry> r(store, ns, {}, hooks);
  RangeItem<WireEntry> item;
  item.range = Range{Bytes(64, 0), Bytes(64, 0)};
  item.have_local = true;
  auto good = fake_entry(ns, 1, "good", 5);
  auto bad_sig = fake_entry(ns, 1, "sig", 5);
  bad_sig.author_signature[0] = 0;
  for (const auto& e :
       {good, fake_entry(other_ns, 1, "x", 5), bad_sig, fake_entry(ns, 1, "future", 2000000),
        fake_entry(ns, 1, "too-long-key", 5), good}) {
    item.values.emplace_back(e, ContentStatus::kComplete);
  }
  Message<WireEntry> m;
  m.parts.emplace_back(item);
  auto out = r.process(m);
  ASSERT_TRUE(out);
  EXPECT_FALSE(out->has_value());  // have_local: no reply
  EXPECT_EQ(store.size(), 1u);
  const auto& st = r.stats();
  EXPECT_EQ(st.num_recv, 6u);
  EXPECT_EQ(st.num_inserted, 1u);
  EXPECT_EQ(st.rejected[static_cast<size_t>(RejectReason::kWrongNamespace)], 1u);
  EXPECT_EQ(st.rejected[static_cast<size_t>(RejectReason::kBadSignature)], 1u);
  EXPECT_EQ(st.rejected[static_cast<size_t>(RejectReason::kFutureTimestamp)], 1u);
  EXPECT_EQ(st.rejected[static_cast<size_t>(RejectReason::kKeyTooLarge)], 1u);
  EXPECT_EQ(st.rejected[static_cast<size_t>(RejectReason::kNotNewer)], 1u);  // duplicate
  EXPECT_EQ(st.rejected_total(), 5u);
}

TEST(Ranger, ShortRangeEndpointIsProtocolError) {
  Bytes ns = test_namespace();
  MemoryStore<WireEntry> store;
  Ranger<WireEntry> r(store, ns);
  Message<WireEntry> m;
  m.parts.emplace_back(RangeFingerprint{Range{Bytes(10, 0), Bytes(64, 0)}, Fingerprint()});
  auto out = r.process(m);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code(), ErrorCode::kProtocol);
}

// Ranges naming another namespace are evaluated only within the document.
TEST(Ranger, ForeignRangeEndpointsStayInDocument) {
  Bytes ns = test_namespace();
  MemoryStore<WireEntry> store;
  for (const auto& e : some_entries(ns, 3)) ASSERT_TRUE(store.put(e));
  Ranger<WireEntry> r(store, ns);
  // [00.., ff..) covers the whole document and nothing else exists.
  Message<WireEntry> m;
  m.parts.emplace_back(
      RangeFingerprint{Range{Bytes(64, 0x00), Bytes(64, 0xff)}, Fingerprint::empty()});
  auto out = r.process(m);
  ASSERT_TRUE(out && out->has_value());
  auto& item = std::get<RangeItem<WireEntry>>((*out)->parts.at(0));
  EXPECT_EQ(item.values.size(), 3u);
}

TEST(Ranger, CountersTrackHeads) {
  Bytes ns = test_namespace();
  MemoryStore<WireEntry> a, b;
  ASSERT_TRUE(b.put(fake_entry(ns, 1, "x", 10)));
  ASSERT_TRUE(b.put(fake_entry(ns, 1, "y", 30)));
  ASSERT_TRUE(b.put(fake_entry(ns, 2, "x", 20)));
  auto res = run_local_sync<WireEntry>(a, b, ns);
  ASSERT_TRUE(res);
  const auto& heads = res->stats_a.heads_received;
  ASSERT_EQ(heads.size(), 2u);
  EXPECT_EQ(heads.at(Bytes(32, 1)), 30u);
  EXPECT_EQ(heads.at(Bytes(32, 2)), 20u);
}

}  // namespace
}  // namespace ferry::reconcile
