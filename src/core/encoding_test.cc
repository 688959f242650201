#include "core/encoding.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace ferry {
namespace {

TEST(Hex, RoundTripAndErrors) {
  Bytes b = {0x00, 0xab, 0xff};
  EXPECT_EQ(hex_encode(b), "00abff");
  EXPECT_EQ(*hex_decode("00ABff"), b);
  EXPECT_FALSE(hex_decode("abc"));
  EXPECT_EQ(hex_decode("zz").error().code(), ErrorCode::kInvalidArgument);
}

TEST(Base32, MatchesIrohHashDisplay) {
  // spec §11: hash("world") displays as this base32 string.
  auto raw = *hex_decode("d7894ae9716d38d2dfad0ec55424ca321ee12453d51f1b3adeb77d0475ed988c");
  EXPECT_EQ(base32_encode(raw), "26euv2lrnu4nfx5nb3cvijgkgipocjct2uprwow6w56qi5pntcga");
  EXPECT_EQ(*base32_decode("26EUV2LRNU4NFX5NB3CVIJGKGIPOCJCT2UPRWOW6W56QI5PNTCGA"), raw);
}

TEST(Base32, Rfc4648Vectors) {
  EXPECT_EQ(base32_encode(as_bytes("")), "");
  EXPECT_EQ(base32_encode(as_bytes("f")), "my");
  EXPECT_EQ(base32_encode(as_bytes("fo")), "mzxq");
  EXPECT_EQ(base32_encode(as_bytes("foo")), "mzxw6");
  EXPECT_EQ(base32_encode(as_bytes("foob")), "mzxw6yq");
  EXPECT_EQ(base32_encode(as_bytes("fooba")), "mzxw6ytb");
  EXPECT_EQ(base32_encode(as_bytes("foobar")), "mzxw6ytboi");
}

TEST(Base32, RejectsBadInput) {
  EXPECT_FALSE(base32_decode("my="));
  EXPECT_FALSE(base32_decode("m1"));
  EXPECT_FALSE(base32_decode("m"));   // impossible length
  EXPECT_FALSE(base32_decode("mz"));  // non-zero trailing bits
}

RC_GTEST_PROP(Base32, RoundTrip, (const std::vector<uint8_t>& data)) {
  RC_ASSERT(*base32_decode(base32_encode(data)) == data);
  RC_ASSERT(*hex_decode(hex_encode(data)) == data);
}

TEST(FixedDecode, AcceptsHexOrBase32) {
  auto h = *decode_fixed_hex_or_base32<32>("26euv2lrnu4nfx5nb3cvijgkgipocjct2uprwow6w56qi5pntcga");
  auto h2 = *decode_fixed_hex_or_base32<32>(
      "d7894ae9716d38d2dfad0ec55424ca321ee12453d51f1b3adeb77d0475ed988c");
  EXPECT_EQ(h, h2);
  EXPECT_FALSE((decode_fixed_hex_or_base32<32>("abcd")));
}

}  // namespace
}  // namespace ferry
