#include "crypto/hash.h"

#include <gtest/gtest.h>

#include "crypto/blake3.h"

namespace ferry::crypto {
namespace {

TEST(Hash, SpecVectors) {
  EXPECT_EQ(Hash::empty().to_hex(),
            "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262");
  Hash world = blake3(as_bytes("world"));
  EXPECT_EQ(world.to_hex(), "d7894ae9716d38d2dfad0ec55424ca321ee12453d51f1b3adeb77d0475ed988c");
  EXPECT_EQ(world.to_string(), "26euv2lrnu4nfx5nb3cvijgkgipocjct2uprwow6w56qi5pntcga");
  EXPECT_EQ(blake3(as_bytes("hi there")).to_hex(),
            "0b84d358e4c8be6c38626b2182ff575818ba6bd3f4b90464994be14cb354a072");
  Bytes big(100000);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>((i * 7) % 251);
  EXPECT_EQ(blake3(big).to_hex(),
            "c3884d02a3f9e4f517050e49232445313d439f05354d505b00e8eae4bcb31cfe");
}

TEST(Hash, ParsesBothForms) {
  Hash world = blake3(as_bytes("world"));
  EXPECT_EQ(*Hash::parse(world.to_string()), world);
  EXPECT_EQ(*Hash::parse(world.to_hex()), world);
  EXPECT_EQ(Hash::parse("nope").error().code(), ErrorCode::kInvalidArgument);
}

TEST(Blake3, IncrementalEqualsOneShot) {
  Bytes data(5000, 0x5a);
  Blake3 h;
  h.update(ByteView(data).first(1234));
  h.update(ByteView(data).subspan(1234));
  EXPECT_EQ(h.finalize(), blake3(data));
}

}  // namespace
}  // namespace ferry::crypto
