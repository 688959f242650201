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
