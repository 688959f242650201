#include "bao/range_spec.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "bao/test_util.h"
#include "core/encoding.h"

namespace ferry::bao {
namespace {

using testing::hex;

Result<ChunkRanges> decode_spec(const std::string& h) {
  Bytes b = hex(h);
  PostcardReader r(b);
  FERRY_ASSIGN(ChunkRanges c, decode_range_spec(r));
  FERRY_TRY(r.expect_end());
  return c;
}

Result<RangeSpecSeq> decode_seq(const std::string& h) {
  Bytes b = hex(h);
  PostcardReader r(b);
  FERRY_ASSIGN(RangeSpecSeq s, RangeSpecSeq::decode(r));
  FERRY_TRY(r.expect_end());
  return s;
}

TEST(RangeSpec, SpecExamples) {
  EXPECT_EQ(hex_encode(encode_range_spec(ChunkRanges())), "00");
  EXPECT_EQ(hex_encode(encode_range_spec(ChunkRanges::all())), "0100");
  EXPECT_EQ(hex_encode(encode_range_spec(ChunkRanges::from(64))), "0140");
  EXPECT_EQ(hex_encode(encode_range_spec(ChunkRanges::range(0, 64))), "020040");
  EXPECT_EQ(hex_encode(encode_range_spec(ChunkRanges::of({{1, 3}, {9, 13}}))), "0401020604");
  EXPECT_EQ(decode_spec("0401020604").value(), ChunkRanges::of({{1, 3}, {9, 13}}));
  EXPECT_EQ(decode_spec("0140").value(), ChunkRanges::from(64));
  EXPECT_EQ(decode_spec("01ffffffffffffffffff01").value(), ChunkRanges::from(UINT64_MAX));
}

TEST(RangeSpec, SeqSpecExamples) {
  EXPECT_EQ(hex_encode(RangeSpecSeq::single(ChunkRanges::all()).encode()), "020001000100");
  EXPECT_EQ(hex_encode(RangeSpecSeq::all().encode()), "01000100");
  EXPECT_EQ(hex_encode(RangeSpecSeq().encode()), "00");
  auto two = RangeSpecSeq::from_ranges({ChunkRanges::range(1, 3), ChunkRanges::range(7, 13)});
  EXPECT_EQ(hex_encode(two.encode()), "0300020102010207060100");
  EXPECT_EQ(decode_seq("0300020102010207060100").value(), two);
  EXPECT_EQ(two.ranges_at(0), ChunkRanges::range(1, 3));
  EXPECT_EQ(two.ranges_at(1), ChunkRanges::range(7, 13));
  EXPECT_TRUE(two.ranges_at(2).is_empty());
  EXPECT_TRUE(two.ranges_at(UINT64_MAX).is_empty());
  EXPECT_EQ(two.next_non_empty(0), 0u);
  EXPECT_EQ(two.next_non_empty(1), 1u);
  EXPECT_EQ(two.next_non_empty(2), std::nullopt);

  auto last = RangeSpecSeq::single(ChunkRanges::from(UINT64_MAX));
  EXPECT_EQ(hex_encode(last.encode()), "020001ffffffffffffffffff010100");

  auto all = RangeSpecSeq::all();
  EXPECT_TRUE(all.ranges_at(12345).is_all());
  EXPECT_EQ(all.next_non_empty(7), 7u);
  EXPECT_FALSE(all.as_single().has_value());
  EXPECT_EQ(RangeSpecSeq::single(ChunkRanges::all()).as_single(), ChunkRanges::all());
  EXPECT_TRUE(RangeSpecSeq().is_empty());
  EXPECT_EQ(RangeSpecSeq().next_non_empty(0), std::nullopt);
  // A seq whose first spec is empty starts at a child.
  auto child = RangeSpecSeq::from_ranges({ChunkRanges(), ChunkRanges::all()});
  EXPECT_EQ(child.next_non_empty(0), 1u);
  EXPECT_EQ(child.next_non_empty(2), std::nullopt);
}

TEST(RangeSpec, RequestVectors) {
  const auto& c = testing::captures();
  Bytes req = hex(c["req"]["world_single"]["req"].get<std::string>());
  auto get = GetRequest::decode(req);
  ASSERT_TRUE(get.has_value());
  EXPECT_EQ(get->hash.to_hex(), c["hash_world_hex"].get<std::string>());
  EXPECT_EQ(get->ranges, RangeSpecSeq::single(ChunkRanges::all()));
  EXPECT_EQ(get->encode(), req);
  GetRequest built{crypto::Hash::parse(c["hash_world"].get<std::string>()).value(),
                   RangeSpecSeq::single(ChunkRanges::all())};
  EXPECT_EQ(hex_encode(built.encode()),
            "00" + c["hash_world_hex"].get<std::string>() + "020001000100");
  for (const char* name : {"big_3_5", "big_20_40", "big_last", "unknown", "col_all"}) {
    Bytes r = hex(c["req"][name]["req"].get<std::string>());
    auto g = GetRequest::decode(r);
    ASSERT_TRUE(g.has_value()) << name;
    EXPECT_EQ(g->encode(), r) << name;
  }
  EXPECT_EQ(
      GetRequest::decode(hex(c["req"]["big_3_5"]["req"].get<std::string>()))->ranges.as_single(),
      ChunkRanges::range(3, 5));
}

TEST(RangeSpec, MalformedInputRejected) {
  // Truncations of a valid request are all errors.
  Bytes req = hex(testing::captures()["req"]["big_3_5"]["req"].get<std::string>());
  for (size_t n = 0; n < req.size(); ++n) {
    auto g = GetRequest::decode(ByteView(req).first(n));
    ASSERT_FALSE(g.has_value()) << n;
    EXPECT_EQ(g.error().code(), ErrorCode::kProtocol);
  }
  // Unknown request variant.
  Bytes bad = req;
  bad[0] = 1;
  EXPECT_FALSE(GetRequest::decode(bad).has_value());
  // Widths overflowing u64.
  EXPECT_FALSE(decode_spec("02ffffffffffffffffff0101").has_value());
  // Overlong varint.
  EXPECT_FALSE(decode_spec("01ffffffffffffffffffff01").has_value());
  // Count larger than the input.
  EXPECT_FALSE(decode_spec("0500").has_value());
  EXPECT_FALSE(decode_seq("0a00").has_value());
  // Zero widths are accepted like iroh (they select nothing extra).
  EXPECT_EQ(decode_spec("03050000").value(), ChunkRanges::from(5));
  EXPECT_EQ(decode_spec("0400020000").value(), ChunkRanges::range(0, 2));
}

RC_GTEST_PROP(RangeSpec, RoundTrip, ()) {
  auto v = *rc::gen::container<std::vector<uint64_t>>(
      rc::gen::oneOf(rc::gen::inRange<uint64_t>(0, 1000), rc::gen::arbitrary<uint64_t>()));
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  ChunkRanges r = ChunkRanges::from_boundaries(v);
  Bytes enc = encode_range_spec(r);
  PostcardReader reader(enc);
  auto back = decode_range_spec(reader);
  RC_ASSERT(back.has_value());
  RC_ASSERT(*back == r);
  RC_ASSERT(reader.at_end());
  RangeSpecSeq seq = RangeSpecSeq::from_ranges({r, ChunkRanges::all(), r});
  GetRequest g{crypto::Hash::empty(), seq};
  auto gb = GetRequest::decode(g.encode());
  RC_ASSERT(gb.has_value());
  RC_ASSERT(*gb == g);
  RC_ASSERT(gb->ranges.ranges_at(0) == r);
  RC_ASSERT(gb->ranges.ranges_at(1).is_all());
  RC_ASSERT(gb->ranges.ranges_at(2) == r);
  RC_ASSERT(gb->ranges.ranges_at(3).is_empty());
}

}  // namespace
}  // namespace ferry::bao
