// Stores serving and receiving bao streams (spec §7.2-§7.3) through the bao
// encoder and decoder: vectors, round trips between stores, partial blobs,
// corrupt streams. Typed over both stores.
#include <gtest/gtest.h>

#include "bao/decoder.h"
#include "bao/encoder.h"
#include "blobs/download.h"
#include "blobs/test_util.h"
#include "core/encoding.h"
#include "crypto/blake3.h"

namespace ferry::blobs {
namespace {

using bao::ChunkRanges;
using testing::pattern;
using testing::TempDir;

template <typename F>
class BaoStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = F::make(dir_a_);
    b_ = F::make(dir_b_);
    ASSERT_TRUE(a_ && b_);
  }
  Bytes encode(Store& s, const Hash& h, const ChunkRanges& ranges, Status* status = nullptr) {
    Bytes out;
    Status st = s.encode_bao(h, ranges, [&](ByteView p) -> Status {
      append(out, p);
      return ok();
    });
    if (status) {
      *status = st;
    } else {
      EXPECT_TRUE(st) << st.error().to_string();
    }
    return out;
  }
  Bytes export_all(Store& s, const Hash& h) {
    Bytes out;
    auto st = s.export_to(h, [&](ByteView p) -> Status {
      append(out, p);
      return ok();
    });
    EXPECT_TRUE(st) << st.error().to_string();
    return out;
  }
  TempDir dir_a_, dir_b_;
  std::unique_ptr<Store> a_, b_;
};

TYPED_TEST_SUITE(BaoStoreTest, testing::StoreFactories);

TYPED_TEST(BaoStoreTest, EncodesSpecVectors) {
  Bytes data = pattern(100000);
  auto r = this->a_->import_bytes(data);
  ASSERT_TRUE(r);
  Bytes all = this->encode(*this->a_, r->hash, ChunkRanges::all());
  EXPECT_EQ(all.size(), 100392u);
  EXPECT_EQ(hex_encode(ByteView(all).first(8)), "a086010000000000");
  auto ob = bao::compute_outboard(data);
  auto ref = bao::encode_response(r->hash, data, ob.pairs, ChunkRanges::all());
  ASSERT_TRUE(ref);
  EXPECT_EQ(all, *ref);
  EXPECT_EQ(this->encode(*this->a_, r->hash, ChunkRanges::range(3, 5)).size(), 2632u);
  EXPECT_EQ(this->encode(*this->a_, r->hash, ChunkRanges::range(20, 40)).size(), 20936u);
  EXPECT_EQ(this->encode(*this->a_, r->hash, ChunkRanges::from(UINT64_MAX - 1)).size(), 872u);
  auto w = this->a_->import_bytes(to_bytes("world"));
  ASSERT_TRUE(w);
  EXPECT_EQ(hex_encode(this->encode(*this->a_, w->hash, ChunkRanges::all())),
            "0500000000000000776f726c64");
}

TYPED_TEST(BaoStoreTest, DownloadBetweenStoresInTwoSteps) {
  Bytes data = pattern(300000);
  auto r = this->a_->import_bytes(data);
  ASSERT_TRUE(r);
  // Chunks 20..70: groups 2 and 3 (chunks 32..64) complete, 1 and 4 partly.
  ChunkRanges first = ChunkRanges::range(20, 70);
  Bytes stream = this->encode(*this->a_, r->hash, first);
  auto st = download_from_response(*this->b_, r->hash, first, stream);
  ASSERT_TRUE(st) << st.error().to_string();
  EXPECT_EQ(st->state, BlobState::kPartial);
  EXPECT_TRUE(st->verified.contains_all(first));
  // B reads what it has in whole groups; a partly present group needs its
  // missing chunks to be verified, so it is not readable yet.
  auto part = this->b_->read(r->hash, 32 * 1024, 30 * 1024);
  ASSERT_TRUE(part) << part.error().to_string();
  EXPECT_EQ(*part, Bytes(data.begin() + 32 * 1024, data.begin() + 62 * 1024));
  EXPECT_EQ(this->b_->read(r->hash, 20 * 1024, 1024).error().code(), ErrorCode::kNotFound);
  // Resume: ask for what is missing.
  ChunkRanges missing = ChunkRanges::all() - st->verified;
  stream = this->encode(*this->a_, r->hash, missing);
  st = download_from_response(*this->b_, r->hash, missing, stream);
  ASSERT_TRUE(st) << st.error().to_string();
  EXPECT_TRUE(st->is_complete());
  EXPECT_EQ(this->export_all(*this->b_, r->hash), data);
  // And B now serves the same bytes as A.
  EXPECT_EQ(this->encode(*this->b_, r->hash, ChunkRanges::all()),
            this->encode(*this->a_, r->hash, ChunkRanges::all()));
}

TYPED_TEST(BaoStoreTest, PartialBlobServesOnlyWhatItHas) {
  Bytes data = pattern(100000);
  auto r = this->a_->import_bytes(data);
  ASSERT_TRUE(r);
  ChunkRanges have = ChunkRanges::range(0, 32);  // groups 0 and 1
  ASSERT_TRUE(
      download_from_response(*this->b_, r->hash, have, this->encode(*this->a_, r->hash, have)));
  // Within its ranges: identical to the complete store's response.
  EXPECT_EQ(this->encode(*this->b_, r->hash, have), this->encode(*this->a_, r->hash, have));
  // Beyond: the stream stops early with kNotFound, and what was sent is a
  // valid prefix of the full response.
  Status st;
  Bytes prefix = this->encode(*this->b_, r->hash, ChunkRanges::all(), &st);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), ErrorCode::kNotFound);
  Bytes full = this->encode(*this->a_, r->hash, ChunkRanges::all());
  ASSERT_LE(prefix.size(), full.size());
  EXPECT_TRUE(std::equal(prefix.begin(), prefix.end(), full.begin()));
}

TYPED_TEST(BaoStoreTest, PartialBlobWithDataOnlyLaterStopsWithNotFound) {
  // B has only group 5: the left half of the tree (whose pairs B never
  // received) is requested first. The stream must stop with kNotFound after
  // the root pair, not claim corruption.
  Bytes data = pattern(100000);
  auto r = this->a_->import_bytes(data);
  ASSERT_TRUE(r);
  ChunkRanges have = ChunkRanges::range(80, 96);
  ASSERT_TRUE(
      download_from_response(*this->b_, r->hash, have, this->encode(*this->a_, r->hash, have)));
  for (const auto& ranges :
       {ChunkRanges::all(), ChunkRanges::range(0, 16), ChunkRanges::range(70, 90)}) {
    SCOPED_TRACE(ranges.to_string());
    Status st;
    Bytes prefix = this->encode(*this->b_, r->hash, ranges, &st);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code(), ErrorCode::kNotFound) << st.error().to_string();
    Bytes full = this->encode(*this->a_, r->hash, ranges);
    ASSERT_LE(prefix.size(), full.size());
    EXPECT_TRUE(std::equal(prefix.begin(), prefix.end(), full.begin()));
  }
  EXPECT_EQ(this->encode(*this->b_, r->hash, have), this->encode(*this->a_, r->hash, have));
  // Reads likewise: missing, not corrupt.
  EXPECT_EQ(this->b_->read(r->hash, 0, 100).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(this->b_->read(r->hash, 70 * 1024, 30 * 1024).error().code(), ErrorCode::kNotFound);
  auto got = this->b_->read(r->hash, 80 * 1024, 16 * 1024);
  ASSERT_TRUE(got) << got.error().to_string();
  EXPECT_EQ(*got, Bytes(data.begin() + 80 * 1024, data.begin() + 96 * 1024));
}

TYPED_TEST(BaoStoreTest, CorruptStreamKeepsOnlyVerifiedData) {
  Bytes data = pattern(200000);
  auto r = this->a_->import_bytes(data);
  ASSERT_TRUE(r);
  Bytes stream = this->encode(*this->a_, r->hash, ChunkRanges::all());
  stream[stream.size() / 2] ^= 0x40;
  auto st = download_from_response(*this->b_, r->hash, ChunkRanges::all(), stream);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), ErrorCode::kCorrupt);
  auto status = this->b_->status(r->hash);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, BlobState::kPartial);
  EXPECT_FALSE(status->verified.covers(0, bao::BaoTree(data.size()).chunks()));
  for (const auto& range : status->verified.ranges()) {
    uint64_t b0 = range.start * 1024, b1 = std::min<uint64_t>(range.end * 1024, data.size());
    auto got = this->b_->read(r->hash, b0, b1 - b0);
    ASSERT_TRUE(got) << got.error().to_string();
    EXPECT_EQ(*got, Bytes(data.begin() + static_cast<ptrdiff_t>(b0),
                          data.begin() + static_cast<ptrdiff_t>(b1)));
  }
}

TYPED_TEST(BaoStoreTest, RandomSizesAndRanges) {
  Prng rng(testing::test_seed());
  for (int iter = 0; iter < 12; ++iter) {
    uint64_t size = rng.below(4) == 0 ? rng.below(3000) : rng.below(600000);
    Bytes data = testing::random_bytes(rng, size);
    auto r = this->a_->import_bytes(data);
    ASSERT_TRUE(r);
    uint64_t chunks = bao::BaoTree(size).chunks();
    std::vector<ChunkRanges::Range> rs;
    for (uint64_t k = 0, n = 1 + rng.below(3); k < n; ++k) {
      uint64_t s = rng.below(chunks + 2);
      rs.push_back({s, s + 1 + rng.below(40)});
    }
    ChunkRanges ranges = ChunkRanges::of(rs);
    SCOPED_TRACE("size " + std::to_string(size) + " ranges " + ranges.to_string());
    auto st = download_from_response(*this->b_, r->hash, ranges,
                                     this->encode(*this->a_, r->hash, ranges));
    ASSERT_TRUE(st) << st.error().to_string();
    EXPECT_TRUE(st->verified.contains_all(bao::normalize_ranges(ranges, size) &
                                          ChunkRanges::range(0, chunks)));
    ChunkRanges rest = ChunkRanges::all() - st->verified;
    if (!st->is_complete()) {
      st = download_from_response(*this->b_, r->hash, rest, this->encode(*this->a_, r->hash, rest));
      ASSERT_TRUE(st) << st.error().to_string();
    }
    EXPECT_TRUE(st->is_complete());
    EXPECT_EQ(this->export_all(*this->b_, r->hash), data);
  }
}

}  // namespace
}  // namespace ferry::blobs
