// Compact dialect codec: round trips, exact layout, hostile input.
#include "reconcile/compact_message.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "reconcile/test_util.h"

namespace ferry::reconcile::compact {
namespace {

CompactMessage<TestItem> gen_message() {
  CompactMessage<TestItem> m;
  m.more = *rc::gen::arbitrary<bool>();
  size_t n = *rc::gen::inRange<size_t>(0, 12);
  Bytes prev;
  for (size_t i = 0; i < n; ++i) {
    CompactRange<TestItem> r;
    r.infinite = i + 1 == n && *rc::gen::arbitrary<bool>();
    if (!r.infinite) {
      // Strictly greater than prev: keep a prefix, then a larger byte or a
      // longer string.
      size_t keep = *rc::gen::inRange<size_t>(0, prev.size() + 1);
      r.upper.assign(prev.begin(), prev.begin() + static_cast<ptrdiff_t>(keep));
      if (keep < prev.size() && prev[keep] < 0xff) {
        r.upper.push_back(static_cast<uint8_t>(prev[keep] + 1));
      } else if (keep < prev.size()) {
        r.upper = prev;
        r.upper.push_back(0);
      } else {
        r.upper.push_back(*rc::gen::arbitrary<uint8_t>());
      }
      auto tail = *rc::gen::container<std::vector<uint8_t>>(*rc::gen::inRange<size_t>(0, 4),
                                                            rc::gen::arbitrary<uint8_t>());
      append(r.upper, tail);
      prev = r.upper;
    }
    r.mode = static_cast<Mode>(*rc::gen::inRange<uint32_t>(0, kModeCount));
    auto gen_entries = [&] {
      size_t m2 = *rc::gen::inRange<size_t>(0, 4);
      for (size_t j = 0; j < m2; ++j) {
        TestItem it{test_id(kTestNs, *rc::gen::arbitrary<uint8_t>(), Bytes{1, 2}),
                    *rc::gen::arbitrary<uint64_t>(), *rc::gen::arbitrary<uint8_t>()};
        auto st = static_cast<ContentStatus>(*rc::gen::inRange<uint32_t>(0, kContentStatusCount));
        r.entries.emplace_back(it, st);
      }
    };
    switch (r.mode) {
      case Mode::kSkip: break;
      case Mode::kFingerprint: r.fingerprint.fill(*rc::gen::arbitrary<uint8_t>()); break;
      case Mode::kIdList: r.ids.resize(*rc::gen::inRange<size_t>(0, 5)); break;
      case Mode::kIdListReply:
        r.needs = *rc::gen::container<std::vector<uint8_t>>(rc::gen::arbitrary<uint8_t>());
        gen_entries();
        break;
      case Mode::kEntries: gen_entries(); break;
    }
    m.ranges.push_back(std::move(r));
  }
  return m;
}

RC_GTEST_PROP(CompactMessageProperty, RoundTrips, ()) {
  auto m = gen_message();
  Bytes wire = encode_compact(m);
  auto back = decode_compact<TestItem>(wire);
  RC_ASSERT(back.has_value());
  RC_ASSERT(*back == m);
  // The size accounting used for the message cap is exact.
  size_t size = 1 + varint_size(m.ranges.size());
  Bytes prev;
  for (const auto& r : m.ranges) {
    size += bound_size(prev, r.upper, r.infinite) + payload_size(r);
    prev = r.upper;
  }
  RC_ASSERT(size == wire.size());
}

RC_GTEST_PROP(CompactMessageProperty, TruncationIsRejected, ()) {
  auto m = gen_message();
  Bytes wire = encode_compact(m);
  size_t cut = *rc::gen::inRange<size_t>(0, wire.size());
  auto back = decode_compact<TestItem>(ByteView(wire).subspan(0, cut));
  RC_ASSERT(!back.has_value());
  RC_ASSERT(back.error().code() == ErrorCode::kProtocol);
}

TEST(CompactMessage, ExactLayout) {
  CompactMessage<TestItem> m;
  m.more = true;
  CompactRange<TestItem> a, b;
  a.upper = {0x10, 0x20};
  a.mode = Mode::kFingerprint;
  a.fingerprint.fill(0xaa);
  b.upper = {0x10, 0x21, 0x05};
  b.mode = Mode::kIdList;
  b.ids.resize(1);
  m.ranges = {a, b};
  Bytes expected = {0x01, 0x02,                     // flags, 2 ranges
                    0x01, 0x02, 0x10, 0x20, 0x01};  // shared 0, "10 20", Fingerprint
  expected.insert(expected.end(), 16, 0xaa);
  Bytes tail = {0x02, 0x02, 0x21, 0x05, 0x02, 0x01};  // shared 1, "21 05", IdList, 1 id
  append(expected, tail);
  expected.insert(expected.end(), 16, 0x00);
  EXPECT_EQ(encode_compact(m), expected);
}

TEST(CompactMessage, HostileInputIsRejected) {
  auto bad = [](Bytes b) {
    auto r = decode_compact<TestItem>(b);
    return !r && r.error().code() == ErrorCode::kProtocol;
  };
  EXPECT_TRUE(bad({0x02, 0x00}));                          // unknown flag
  EXPECT_TRUE(bad({0x00, 0x02, 0x00, 0x00, 0x00, 0x00}));  // range after infinity
  EXPECT_TRUE(bad({0x00, 0x01, 0x01, 0x00, 0x00}));        // empty bound: not > ""
  EXPECT_TRUE(bad({0x00, 0x02, 0x01, 0x01, 0x05, 0x00, 0x01, 0x01, 0x04, 0x00}));  // 05 then 04
  EXPECT_TRUE(bad({0x00, 0x01, 0x05, 0x01, 0x05, 0x00}));  // shared longer than previous
  EXPECT_TRUE(bad({0x00, 0x01, 0x00, 0x05}));              // unknown mode
  EXPECT_TRUE(bad({0x00, 0x01, 0x00, 0x02, 0xff, 0xff, 0xff, 0x0f}));  // huge id count
  EXPECT_TRUE(bad({0x00, 0x00, 0x00}));                                // trailing byte
  EXPECT_TRUE(bad({0x00, 0xff, 0xff, 0xff, 0xff, 0x0f}));              // huge range count
  EXPECT_TRUE(bad({}));
}

TEST(CompactMessage, OversizedBoundIsRejected) {
  Bytes b = {0x00, 0x01, 0x01};
  PostcardWriter w(b);
  w.varint(kMaxBoundSize + 1);
  b.resize(b.size() + kMaxBoundSize + 1, 0x01);
  b.push_back(0x00);
  auto r = decode_compact<TestItem>(b);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kProtocol);
}

}  // namespace
}  // namespace ferry::reconcile::compact
