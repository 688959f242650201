#include "bao/outboard.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "bao/test_util.h"
#include "crypto/blake3.h"

namespace ferry::bao {
namespace {

using testing::hex;
using testing::spec_blob;

TEST(Outboard, SpecVector100000) {
  Bytes data = spec_blob();
  Outboard ob = compute_outboard(data);
  EXPECT_EQ(ob.root.to_hex(), "c3884d02a3f9e4f517050e49232445313d439f05354d505b00e8eae4bcb31cfe");
  const char* pairs[6][2] = {
      {"55eaf54400e678a13d82cdeff0cbae7b6df714a446404bfac3096f0d846ab8dd",
       "3c9f0099fa4a54dadc7fc1a703f15f3935f11b881acd4207c03631b08a6d153b"},
      {"8271edfde083da51eb45d9612445e09bd04801610cdd1573904031b3997c9838",
       "1d8f93f80c399674da94601027325cd669dc0e924daaaeb79d947bbdae6f49b5"},
      {"7c0619a273fd7dc6f680ae865c55eb5cc25462ad6f9b91115e0a5a16efedb1a0",
       "4ef55d662d2def76a6ee07e8ad764c301d4669e16b72977c121665aa11fd1a0f"},
      {"aa5bb0a99940f8984c3fb4840835d093f14fabe5fe0338b17127757ae590741b",
       "7d61434ddf715a5d254ed99e90d153ea744a1eb5e45faf3e56cc9012d74cfc71"},
      {"f504b4154dcee6f839356c6489b7e2b9a5774f79e04e7d68b559a594227c3f28",
       "e6b9271132076a08e185989b71a9048d3212413a6cd5272d50230ecc90d30b7e"},
      {"1ba9dbe0b18999b997017013d3f7767e0ae94b2d13227f01e772fbd9a008389f",
       "67c843010dc4aefb1c98fc43b2e55c593e32b4475d500bb63dce43aca3200609"},
  };
  Bytes expected;
  for (auto& p : pairs) {
    append(expected, hex(p[0]));
    append(expected, hex(p[1]));
  }
  EXPECT_EQ(ob.pairs, expected);
  EXPECT_EQ(ob.size, 100000u);
}

TEST(Outboard, SmallBlobsHaveEmptyOutboardAndBlake3Root) {
  for (size_t n : {0, 1, 1024, 1025, 16383, 16384}) {
    Bytes d = spec_blob(n);
    Outboard ob = compute_outboard(d);
    EXPECT_TRUE(ob.pairs.empty()) << n;
    EXPECT_EQ(ob.root, crypto::blake3(d)) << n;
  }
}

TEST(Outboard, StreamingPiecesGiveSameResult) {
  rc::check("any piece sizes give the same outboard", [] {
    size_t n = *rc::gen::inRange<size_t>(0, 600000);
    Bytes d = spec_blob(n);
    Outboard whole = compute_outboard(d);
    RC_ASSERT(whole.root == crypto::blake3(d));
    RC_ASSERT(whole.pairs.size() == BaoTree(n).outboard_size());
    OutboardBuilder b(n);
    size_t pos = 0;
    while (pos < n) {
      size_t piece =
          *rc::gen::oneOf(rc::gen::inRange<size_t>(1, 100), rc::gen::inRange<size_t>(1, 70000));
      piece = std::min(piece, n - pos);
      RC_ASSERT(b.update(ByteView(d).subspan(pos, piece)).has_value());
      pos += piece;
    }
    auto ob = b.finish();
    RC_ASSERT(ob.has_value());
    RC_ASSERT(ob->root == whole.root);
    RC_ASSERT(ob->pairs == whole.pairs);
  });
}

TEST(Outboard, RejectsWrongAmountOfData) {
  Bytes d = spec_blob(20000);
  OutboardBuilder b(10000);
  EXPECT_EQ(b.update(d).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(b.update(ByteView(d).first(9999)).has_value());
  EXPECT_EQ(b.finish().error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace ferry::bao
