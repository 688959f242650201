#include "core/postcard.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "core/encoding.h"

namespace ferry {
namespace {

Bytes varint_bytes(uint64_t v) {
  PostcardWriter w;
  w.varint(v);
  return w.take();
}

TEST(Postcard, VarintVectorsFromSpec) {
  EXPECT_EQ(hex_encode(varint_bytes(0)), "00");
  EXPECT_EQ(hex_encode(varint_bytes(64)), "40");
  EXPECT_EQ(hex_encode(varint_bytes(127)), "7f");
  EXPECT_EQ(hex_encode(varint_bytes(128)), "8001");
  EXPECT_EQ(hex_encode(varint_bytes(10000)), "904e");
  EXPECT_EQ(hex_encode(varint_bytes(33766)), "e68702");
  EXPECT_EQ(hex_encode(varint_bytes(UINT64_MAX)), "ffffffffffffffffff01");
}

TEST(Postcard, RejectsOverlongAndOverflowingVarints) {
  auto eleven = *hex_decode("ffffffffffffffffffff01");
  EXPECT_EQ(PostcardReader(eleven).varint_u64().error().code(), ErrorCode::kProtocol);
  auto overflow = *hex_decode("ffffffffffffffffff02");
  EXPECT_FALSE(PostcardReader(overflow).varint_u64());
  auto u32_over = *hex_decode("ffffffff10");
  EXPECT_FALSE(PostcardReader(u32_over).varint_u32());
  auto u32_max = *hex_decode("ffffffff0f");
  EXPECT_EQ(*PostcardReader(u32_max).varint_u32(), UINT32_MAX);
  auto u16_max = *hex_decode("ffff03");
  EXPECT_EQ(*PostcardReader(u16_max).varint_u16(), UINT16_MAX);
  auto u16_over = *hex_decode("ffff04");
  EXPECT_FALSE(PostcardReader(u16_over).varint_u16());
}

TEST(Postcard, TruncationIsAnError) {
  Bytes b = {0x80};
  EXPECT_FALSE(PostcardReader(b).varint_u64());
  Bytes s = {0x05, 'a', 'b'};
  EXPECT_FALSE(PostcardReader(s).bytes());
  Bytes empty;
  EXPECT_FALSE(PostcardReader(empty).u8());
}

TEST(Postcard, BoolOptionVariantAndLimits) {
  Bytes b = {0x02};
  EXPECT_FALSE(PostcardReader(b).boolean());
  EXPECT_FALSE(PostcardReader(b).option());
  EXPECT_FALSE(PostcardReader(b).variant(2));
  EXPECT_EQ(*PostcardReader(b).variant(3), 2u);
  Bytes s = {0x03, 'a', 'b', 'c'};
  EXPECT_EQ(PostcardReader(s).bytes(2).error().code(), ErrorCode::kResourceExhausted);
  Bytes bad_utf8 = {0x01, 0xff};
  EXPECT_FALSE(PostcardReader(bad_utf8).string());
  Bytes huge_seq = {0xff, 0xff, 0x03};
  EXPECT_FALSE(PostcardReader(huge_seq).seq_len(32));
}

TEST(Postcard, TrailingBytesDetectedOnRequest) {
  Bytes b = {0x01, 0x02};
  PostcardReader r(b);
  EXPECT_EQ(*r.u8(), 1);
  EXPECT_FALSE(r.expect_end());
  EXPECT_EQ(*r.u8(), 2);
  EXPECT_TRUE(r.expect_end());
}

RC_GTEST_PROP(Postcard, VarintRoundTrip, (uint64_t v)) {
  auto b = varint_bytes(v);
  PostcardReader r(b);
  RC_ASSERT(*r.varint_u64() == v);
  RC_ASSERT(r.at_end());
}

RC_GTEST_PROP(Postcard, MixedRoundTrip,
              (std::vector<uint8_t> blob, std::string text, bool flag, uint32_t n)) {
  for (auto& c : text) c = static_cast<char>(c & 0x7f);
  PostcardWriter w;
  w.bytes(blob);
  w.string(text);
  w.boolean(flag);
  w.option_some();
  w.varint(n);
  auto out = w.take();
  PostcardReader r(out);
  auto b = *r.bytes();
  RC_ASSERT(Bytes(b.begin(), b.end()) == blob);
  RC_ASSERT(*r.string() == text);
  RC_ASSERT(*r.boolean() == flag);
  RC_ASSERT(*r.option());
  RC_ASSERT(*r.varint_u32() == n);
  RC_ASSERT(r.at_end());
}

RC_GTEST_PROP(Postcard, ReaderNeverCrashesOnGarbage, (std::vector<uint8_t> junk)) {
  PostcardReader r(junk);
  for (int i = 0; i < 8; ++i) {
    (void)r.varint_u64();
    (void)r.bytes(1 << 20);
    (void)r.string();
    (void)r.seq_len(32);
  }
  RC_SUCCEED();
}

}  // namespace
}  // namespace ferry
