#include "bao/sequence_decoder.h"

#include <gtest/gtest.h>

#include <map>

#include "bao/encoder.h"
#include "bao/outboard.h"
#include "bao/test_util.h"
#include "core/prng.h"

namespace ferry::bao {
namespace {

using testing::hex;
using testing::kTestSeed;

struct Blob {
  Bytes data;
  Outboard ob;
};

Blob make_blob(Bytes data) {
  Outboard ob = compute_outboard(data);
  return Blob{std::move(data), std::move(ob)};
}

// What a provider sends for `seq` over `root` (a HashSeq of `kids`).
Bytes provider_response(const Blob& root, const std::vector<Blob>& kids, const RangeSpecSeq& seq) {
  Bytes out;
  for (auto off = seq.next_non_empty(0); off; off = seq.next_non_empty(*off + 1)) {
    if (*off > kids.size()) break;
    const Blob& b = *off == 0 ? root : kids[*off - 1];
    append(out, encode_response(b.ob.root, b.data, b.ob.pairs, seq.ranges_at(*off)).value());
  }
  return out;
}

// Decodes in random slices; returns the data per offset.
Result<std::map<uint64_t, Bytes>> decode_all(SequenceDecoder& dec, ByteView resp, Prng& rng) {
  std::map<uint64_t, Bytes> data;
  size_t pos = 0;
  while (pos < resp.size() && !dec.done()) {
    size_t n = std::min<size_t>(resp.size() - pos, 1 + rng.below(rng.chance(0.3) ? 5 : 30000));
    FERRY_ASSIGN(size_t used,
                 dec.feed(resp.subspan(pos, n), [&](uint64_t off, const DecodeEvent& ev) {
                   if (auto* leaf = std::get_if<LeafVerified>(&ev)) append(data[off], leaf->data);
                   return ok();
                 }));
    pos += used;
  }
  FERRY_TRY(dec.finish());
  if (pos != resp.size()) return make_error(ErrorCode::kProtocol, "trailing bytes");
  return data;
}

TEST(SequenceDecoder, CollectionCapture) {
  Prng rng(kTestSeed);
  const auto& c = testing::captures();
  auto get = GetRequest::decode(hex(c["req"]["col_all"]["req"].get<std::string>())).value();
  Bytes resp = hex(c["req"]["col_all"]["resp"].get<std::string>());
  SequenceDecoder dec(get.hash, get.ranges);
  auto data = decode_all(dec, resp, rng);
  ASSERT_TRUE(data.has_value()) << data.error().to_string();
  ASSERT_TRUE(dec.children().has_value());
  EXPECT_EQ(dec.children()->size(), 3u);
  EXPECT_EQ(as_string_view((*data)[2]), "world");
  EXPECT_EQ(as_string_view((*data)[3]), "hi there");
  EXPECT_EQ((*data)[0].size(), 96u);
}

TEST(SequenceDecoder, PartialChildRangesAndKnownChildren) {
  Prng rng(kTestSeed + 1);
  std::vector<Blob> kids;
  kids.push_back(make_blob(testing::spec_blob()));
  kids.push_back(make_blob(to_bytes("hello")));
  kids.push_back(make_blob({}));
  kids.push_back(make_blob(testing::spec_blob(40000)));
  Bytes seq_bytes;
  for (auto& k : kids) append(seq_bytes, k.ob.root.view());
  Blob root = make_blob(seq_bytes);
  std::vector<crypto::Hash> hashes;
  for (auto& k : kids) hashes.push_back(k.ob.root);

  struct Case {
    RangeSpecSeq seq;
    bool needs_children;
  };
  std::vector<Case> cases = {
      {RangeSpecSeq::all(), false},
      {RangeSpecSeq::from_ranges({ChunkRanges::all(), ChunkRanges::range(3, 5), ChunkRanges(),
                                  ChunkRanges::all(), ChunkRanges::from(UINT64_MAX)}),
       false},
      {RangeSpecSeq::from_ranges({ChunkRanges(), ChunkRanges(), ChunkRanges::all()}), true},
      {RangeSpecSeq::from_ranges_infinite({ChunkRanges(), ChunkRanges::chunk(0)}), true},
  };
  for (const Case& c : cases) {
    Bytes resp = provider_response(root, kids, c.seq);
    SequenceDecoder dec(root.ob.root, c.seq);
    if (c.needs_children) dec.set_children(hashes);
    auto data = decode_all(dec, resp, rng);
    ASSERT_TRUE(data.has_value()) << data.error().to_string();
    for (uint64_t off = 0; off <= kids.size(); ++off) {
      ChunkRanges r = c.seq.ranges_at(off);
      if (r.is_empty()) {
        EXPECT_EQ(data->count(off), 0u);
        continue;
      }
      const Blob& b = off == 0 ? root : kids[off - 1];
      // Whole-blob requests give the blob back.
      if (r.is_all()) {
        EXPECT_EQ((*data)[off], b.data) << off;
      }
    }
    EXPECT_EQ((*data)[4].size(), c.seq.ranges_at(4).is_all() ? 40000u : (*data)[4].size());
  }
  // Without the children's hashes and without the root, decoding cannot go on.
  RangeSpecSeq only_kids = RangeSpecSeq::from_ranges({ChunkRanges(), ChunkRanges::all()});
  SequenceDecoder dec(root.ob.root, only_kids);
  Bytes resp = provider_response(root, kids, only_kids);
  auto r = decode_all(dec, resp, rng);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
}

TEST(SequenceDecoder, CorruptChildAndTruncation) {
  Prng rng(kTestSeed + 2);
  std::vector<Blob> kids = {make_blob(testing::spec_blob(30000)), make_blob(to_bytes("abc"))};
  Bytes seq_bytes;
  for (auto& k : kids) append(seq_bytes, k.ob.root.view());
  Blob root = make_blob(seq_bytes);
  Bytes resp = provider_response(root, kids, RangeSpecSeq::all());
  {
    Bytes bad = resp;
    bad[8 + 64 + 8 + 100] ^= 4;  // inside child 0's data
    SequenceDecoder dec(root.ob.root, RangeSpecSeq::all());
    auto r = decode_all(dec, bad, rng);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt);
  }
  for (size_t len : {size_t{0}, size_t{7}, size_t{70}, resp.size() - 1}) {
    SequenceDecoder dec(root.ob.root, RangeSpecSeq::all());
    auto r = decode_all(dec, ByteView(resp).first(len), rng);
    ASSERT_FALSE(r.has_value()) << len;
    EXPECT_EQ(r.error().code(), len == 0 ? ErrorCode::kNotFound : ErrorCode::kProtocol) << len;
  }
  // A provider that stops after the root (missing child): not found.
  {
    SequenceDecoder dec(root.ob.root, RangeSpecSeq::all());
    size_t root_len = 8 + 64;
    auto r = decode_all(dec, ByteView(resp).first(root_len), rng);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  }
  // A root that is not a HashSeq (size not a multiple of 32).
  Blob not_seq = make_blob(to_bytes("not a hash seq"));
  Bytes resp2 =
      encode_response(not_seq.ob.root, not_seq.data, not_seq.ob.pairs, ChunkRanges::all()).value();
  SequenceDecoder dec(not_seq.ob.root, RangeSpecSeq::all());
  auto r = decode_all(dec, resp2, rng);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt);
}

}  // namespace
}  // namespace ferry::bao
