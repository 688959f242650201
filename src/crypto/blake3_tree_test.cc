#include "crypto/blake3_tree.h"

#include <gtest/gtest.h>

#include <vector>

#include "crypto/blake3.h"

namespace ferry::crypto {
namespace {

Bytes pattern(size_t n, uint32_t seed = 0) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>((i * 7 + seed) % 251);
  return b;
}

TEST(Blake3Tree, ChunkCvRootEqualsBlake3ForSingleChunks) {
  for (size_t n : {0, 1, 63, 64, 65, 127, 128, 500, 1023, 1024}) {
    Bytes d = pattern(n);
    EXPECT_EQ(chunk_cv(d, 0, true), blake3(d)) << n;
    // The non-root CV differs from the root hash.
    EXPECT_NE(chunk_cv(d, 0, false), blake3(d)) << n;
  }
  EXPECT_EQ(chunk_cv({}, 0, true), Hash::empty());
}

TEST(Blake3Tree, SpecHashVectors) {
  // spec §11 "Hashes": small inputs are single root chunks.
  struct V {
    const char* input;
    const char* hex;
  };
  for (const V& v :
       {V{"", "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"},
        V{"world", "d7894ae9716d38d2dfad0ec55424ca321ee12453d51f1b3adeb77d0475ed988c"},
        V{"hi there", "0b84d358e4c8be6c38626b2182ff575818ba6bd3f4b90464994be14cb354a072"},
        V{"not wanted", "deb7c099c19b1b8d146ded14e8fe2e6e3a8a453c7a1c4222477118973a8aa7ea"},
        V{"from C!", "45e24cc738f09ca2c98af340faa1335ff15ae42ece5e99e448577ad8e4b11f82"}}) {
    EXPECT_EQ(chunk_cv(as_bytes(v.input), 0, true).to_hex(), v.hex) << v.input;
    EXPECT_EQ(subtree_cv(as_bytes(v.input), 0, true).to_hex(), v.hex) << v.input;
  }
  Bytes big(100000);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>((i * 7) % 251);
  EXPECT_EQ(subtree_cv(big, 0, true).to_hex(),
            "c3884d02a3f9e4f517050e49232445313d439f05354d505b00e8eae4bcb31cfe");
}

TEST(Blake3Tree, SubtreeCvRootEqualsBlake3ForManySizes) {
  std::vector<size_t> sizes = {0,     1,     1023,   1024,   1025,   2047,   2048,  2049,
                               3072,  4095,  8192,   16383,  16384,  16385,  32768, 49153,
                               65536, 99999, 100000, 262144, 262145, 1000000};
  for (size_t n : sizes) {
    Bytes d = pattern(n, 3);
    EXPECT_EQ(subtree_cv(d, 0, true), blake3(d)) << n;
  }
}

TEST(Blake3Tree, ParentOfChunkCvsMatchesTwoChunkBlake3) {
  Bytes d = pattern(2000);
  Hash l = chunk_cv(ByteView(d).first(1024), 0, false);
  Hash r = chunk_cv(ByteView(d).subspan(1024), 1, false);
  EXPECT_EQ(parent_cv(l, r, true), blake3(d));
  EXPECT_NE(parent_cv(l, r, false), blake3(d));
}

TEST(Blake3Tree, SubtreeCvComposesFromHalves) {
  // A 64-chunk blob: root = parent(cv[0,32), cv[32,64)), each computed at its
  // own chunk offset.
  Bytes d = pattern(64 * 1024, 5);
  ByteView v(d);
  Hash l = subtree_cv(v.first(32 * 1024), 0, false);
  Hash r = subtree_cv(v.subspan(32 * 1024), 32, false);
  EXPECT_EQ(parent_cv(l, r, true), blake3(d));
  // The counter matters: the same bytes at another offset give another CV.
  EXPECT_NE(subtree_cv(v.first(32 * 1024), 32, false), l);
}

TEST(Blake3Tree, SubtreeCvsMatchesSubtreeCv) {
  Bytes d = pattern(40 * 16384, 9);
  for (unsigned log2 : {0u, 1u, 4u, 5u}) {
    size_t per = size_t{1024} << log2;
    size_t n = d.size() / per;
    std::vector<Hash> out(n);
    uint64_t start = uint64_t{3} << log2;
    subtree_cvs(d, start, log2, out);
    for (size_t i = 0; i < n; ++i) {
      EXPECT_EQ(out[i], subtree_cv(ByteView(d).subspan(i * per, per), start + (i << log2), false))
          << log2 << " " << i;
    }
  }
}

}  // namespace
}  // namespace ferry::crypto
