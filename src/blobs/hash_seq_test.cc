// HashSeq and collection encoding (spec §7.2, §11 collection vector).
#include <gtest/gtest.h>

#include "blobs/hash_seq.h"
#include "core/encoding.h"
#include "crypto/blake3.h"

namespace ferry::blobs {
namespace {

TEST(HashSeq, RoundTripAndBadLength) {
  std::vector<Hash> hs = {crypto::blake3(as_bytes("a")), crypto::blake3(as_bytes("b"))};
  Bytes seq = build_hash_seq(hs);
  EXPECT_EQ(seq.size(), 64u);
  auto back = parse_hash_seq(seq);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, hs);
  EXPECT_TRUE(parse_hash_seq({})->empty());
  seq.pop_back();
  EXPECT_EQ(parse_hash_seq(seq).error().code(), ErrorCode::kCorrupt);
}

TEST(Collection, SpecVector) {
  // Spec §11: "world" as w.txt, "hi there" as hi.txt.
  auto c = build_collection({{"w.txt", crypto::blake3(as_bytes("world"))},
                             {"hi.txt", crypto::blake3(as_bytes("hi there"))}});
  EXPECT_EQ(hex_encode(c.meta),
            "436f6c6c656374696f6e56302e"
            "02"
            "05772e747874"
            "0668692e747874");
  EXPECT_EQ(hex_encode(c.hash_seq),
            "b17cb651b685cde52baa2eb1a87d4d5d850a54cbb8a3105a0bc57e3f5fe90821"
            "d7894ae9716d38d2dfad0ec55424ca321ee12453d51f1b3adeb77d0475ed988c"
            "0b84d358e4c8be6c38626b2182ff575818ba6bd3f4b90464994be14cb354a072");
  EXPECT_EQ(c.root.to_hex(), "a12b47896a772ff76702b7b58eb95915056ea8f870015df17c068a747dc175ea");
  auto names = decode_collection_meta(c.meta);
  ASSERT_TRUE(names);
  EXPECT_EQ(*names, (std::vector<std::string>{"w.txt", "hi.txt"}));
}

TEST(Collection, MetaDecodingIsBoundsChecked) {
  Bytes meta = encode_collection_meta({"a", "bb"});
  // Every truncation fails; trailing garbage fails; a wrong header fails.
  for (size_t n = 0; n < meta.size(); ++n) {
    EXPECT_FALSE(decode_collection_meta(ByteView(meta).first(n))) << n;
  }
  Bytes extra = meta;
  extra.push_back(0);
  EXPECT_EQ(decode_collection_meta(extra).error().code(), ErrorCode::kCorrupt);
  Bytes bad = meta;
  bad[0] = 'c';
  EXPECT_EQ(decode_collection_meta(bad).error().code(), ErrorCode::kCorrupt);
  // A huge count with no data behind it.
  Bytes huge(as_bytes(kCollectionHeader).begin(), as_bytes(kCollectionHeader).end());
  for (int i = 0; i < 9; ++i) huge.push_back(0xff);
  huge.push_back(0x01);
  EXPECT_FALSE(decode_collection_meta(huge));
}

}  // namespace
}  // namespace ferry::blobs
