// ResponseDecoder properties: round trips with the encoder for many sizes and
// range sets, any input slicing, every single-bit flip rejected, truncation.
#include "bao/decoder.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

#include "bao/encoder.h"
#include "bao/outboard.h"
#include "bao/test_util.h"
#include "core/prng.h"

namespace ferry::bao {
namespace {

using testing::kTestSeed;
using testing::spec_blob;

struct Blob {
  Bytes data;
  Outboard ob;
};

Blob make_blob(size_t n, uint32_t salt = 0) {
  Bytes d(n);
  for (size_t i = 0; i < n; ++i) d[i] = static_cast<uint8_t>((i * 7 + salt + (i >> 13)) % 251);
  Outboard ob = compute_outboard(d);
  return Blob{std::move(d), std::move(ob)};
}

// The bytes `ranges` selects of `data`, after normalization, concatenated.
Bytes selected_bytes(ByteView data, const ChunkRanges& ranges) {
  Bytes out;
  ChunkRanges norm = normalize_ranges(ranges, data.size());
  for (auto r : norm.ranges()) {
    uint64_t b0 = std::min<uint64_t>(r.start, data.size() / kChunkSize + 1) * kChunkSize;
    b0 = std::min<uint64_t>(b0, data.size());
    uint64_t b1 = r.is_open() ? data.size() : std::min<uint64_t>(r.end * kChunkSize, data.size());
    if (b1 > b0) append(out, data.subspan(b0, b1 - b0));
  }
  return out;
}

struct Decoded {
  Status status;               // of feed + finish
  std::string log;             // every event, serialized
  Bytes data;                  // leaf data concatenated
  bool leaves_correct = true;  // every leaf matched the original blob
  size_t consumed = 0;
};

// Decodes `stream` fed in slices from `next_slice` (returns slice sizes).
template <typename Slicer>
Decoded decode(const crypto::Hash& root, const ChunkRanges& ranges, ByteView stream,
               ByteView original, Slicer next_slice) {
  Decoded d;
  ResponseDecoder dec(root, ranges);
  auto handler = [&](const DecodeEvent& ev) -> Status {
    if (auto* s = std::get_if<SizeReceived>(&ev)) {
      d.log += "S" + std::to_string(s->size) + ";";
    } else if (auto* p = std::get_if<ParentVerified>(&ev)) {
      d.log += "P" + p->node.to_string() + (p->pair_index ? std::to_string(*p->pair_index) : "-") +
               p->left.to_hex() + p->right.to_hex() + ";";
    } else if (auto* l = std::get_if<LeafVerified>(&ev)) {
      d.log += "L" + std::to_string(l->offset) + "+" + std::to_string(l->data.size()) + ";";
      if (l->offset > original.size() || l->data.size() > original.size() - l->offset ||
          !std::equal(l->data.begin(), l->data.end(), original.begin() + l->offset)) {
        d.leaves_correct = false;
      }
      append(d.data, l->data);
    } else {
      d.log += "D;";
    }
    return ok();
  };
  size_t pos = 0;
  while (pos < stream.size() && !dec.done()) {
    size_t n = std::min(next_slice(), stream.size() - pos);
    auto used = dec.feed(stream.subspan(pos, n), handler);
    auto inv = dec.check_invariants();
    if (!inv) {
      d.status = tl::unexpected(inv.error());
      d.leaves_correct = false;
      return d;
    }
    if (!used) {
      d.status = tl::unexpected(used.error());
      d.consumed = pos;
      return d;
    }
    pos += *used;
  }
  d.consumed = pos;
  d.status = dec.finish();
  return d;
}

Decoded decode_whole(const crypto::Hash& root, const ChunkRanges& ranges, ByteView stream,
                     ByteView original) {
  return decode(root, ranges, stream, original, [] { return SIZE_MAX; });
}

Bytes encode(const Blob& b, const ChunkRanges& ranges) {
  return encode_response(b.ob.root, b.data, b.ob.pairs, ranges).value();
}

// Random range sets over a domain a little larger than the blob's chunks.
rc::Gen<ChunkRanges> gen_ranges(uint64_t chunks) {
  return rc::gen::map(
      rc::gen::container<std::vector<uint64_t>>(*rc::gen::inRange<size_t>(0, 7),
                                                rc::gen::inRange<uint64_t>(0, chunks + 3)),
      [](std::vector<uint64_t> v) {
        std::sort(v.begin(), v.end());
        v.erase(std::unique(v.begin(), v.end()), v.end());
        return ChunkRanges::from_boundaries(v);
      });
}

void check_round_trip(const Blob& b, const ChunkRanges& ranges, Prng& rng) {
  Bytes stream = encode(b, ranges);
  Decoded whole = decode_whole(b.ob.root, ranges, stream, b.data);
  RC_ASSERT(whole.status.has_value());
  RC_ASSERT(whole.leaves_correct);
  RC_ASSERT(whole.data == selected_bytes(b.data, ranges));
  RC_ASSERT(whole.consumed == stream.size());
  // Any slicing gives the same events.
  Decoded sliced = decode(b.ob.root, ranges, stream, b.data, [&] {
    return rng.chance(0.5) ? 1 + rng.below(3) : 1 + rng.below(40000);
  });
  RC_ASSERT(sliced.status.has_value());
  RC_ASSERT(sliced.log == whole.log);
}

TEST(Decoder, RoundTripSpecialSizes) {
  Prng rng(kTestSeed);
  for (size_t n : {0, 1, 1023, 1024, 1025, 16383, 16384, 16385, 32768, 32769, 100000}) {
    Blob b = make_blob(n);
    for (const ChunkRanges& r :
         {ChunkRanges::all(), ChunkRanges::chunk(0), ChunkRanges::range(1, 3),
          ChunkRanges::range(3, 5), ChunkRanges::from(UINT64_MAX), ChunkRanges::range(15, 17),
          ChunkRanges::of({{0, 1}, {16, 17}, {40, 90}})}) {
      check_round_trip(b, r, rng);
    }
  }
}

TEST(Decoder, RoundTripSeveralMiB) {
  Prng rng(kTestSeed);
  Blob b = make_blob(5 * 1024 * 1024 + 12345, 1);
  for (const ChunkRanges& r : {ChunkRanges::all(), ChunkRanges::of({{7, 9}, {2000, 2100}}),
                               ChunkRanges::from(5000), ChunkRanges::chunk(4096)}) {
    check_round_trip(b, r, rng);
  }
  // The full stream's length is 8 + size + outboard.
  EXPECT_EQ(encode(b, ChunkRanges::all()).size(), BaoTree(b.data.size()).full_response_size());
}

RC_GTEST_PROP(Decoder, RoundTripRandomSizesAndRanges, ()) {
  size_t n =
      *rc::gen::oneOf(rc::gen::inRange<size_t>(0, 5000), rc::gen::inRange<size_t>(0, 400000));
  Blob b = make_blob(n, *rc::gen::inRange<uint32_t>(0, 250));
  ChunkRanges r = *gen_ranges(BaoTree(n).chunks());
  Prng rng(*rc::gen::arbitrary<uint64_t>());
  check_round_trip(b, r, rng);
}

// Flips bit `bit` of the stream and checks the decoder's verdict.
void check_flip(const Blob& b, const ChunkRanges& ranges, const Bytes& stream, size_t bit) {
  Bytes bad = stream;
  bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  Decoded d = decode_whole(b.ob.root, ranges, bad, b.data);
  // Nothing incorrect is ever emitted.
  ASSERT_TRUE(d.leaves_correct) << "bit " << bit;
  bool in_header = bit < 64;
  ChunkRanges norm = normalize_ranges(ranges, b.data.size());
  bool proves_size = norm.contains(BaoTree(b.data.size()).chunks() - 1);
  if (!in_header || proves_size) {
    // Rejected: an error, never a clean end.
    ASSERT_FALSE(d.status.has_value()) << "bit " << bit << " " << ranges.to_string();
    if (!in_header) {
      EXPECT_EQ(d.status.error().code(), ErrorCode::kCorrupt) << "bit " << bit;
    }
  }
}

TEST(Decoder, EveryBitFlipRejectedSmallStreams) {
  struct Case {
    size_t size;
    ChunkRanges ranges;
  };
  std::vector<Case> cases = {{5, ChunkRanges::all()},
                             {1025, ChunkRanges::all()},
                             {3000, ChunkRanges::chunk(1)},
                             {17000, ChunkRanges::chunk(16)},
                             {40000, ChunkRanges::range(3, 5)},
                             {100000, ChunkRanges::from(UINT64_MAX)},
                             {100000, ChunkRanges::range(20, 22)}};
  for (const Case& c : cases) {
    Blob b = make_blob(c.size);
    Bytes stream = encode(b, c.ranges);
    for (size_t bit = 0; bit < stream.size() * 8; ++bit) check_flip(b, c.ranges, stream, bit);
  }
}

TEST(Decoder, RandomBitFlipsRejectedLargerStreams) {
  Prng rng(kTestSeed ^ 0xf11b);
  for (size_t n : {16385, 100000, 300001}) {
    Blob b = make_blob(n, 3);
    for (const ChunkRanges& r :
         {ChunkRanges::all(), ChunkRanges::of({{2, 40}, {100, 101}}), ChunkRanges::range(0, 1)}) {
      Bytes stream = encode(b, r);
      for (int i = 0; i < 300; ++i) check_flip(b, r, stream, rng.below(stream.size() * 8));
      for (size_t bit = 0; bit < 64; ++bit) check_flip(b, r, stream, bit);  // whole header
    }
  }
}

TEST(Decoder, TruncatedStreamsFailAtFinish) {
  Blob b = make_blob(40000);
  for (const ChunkRanges& r : {ChunkRanges::all(), ChunkRanges::range(3, 5)}) {
    Bytes stream = encode(b, r);
    for (size_t len = 0; len < stream.size(); len += (len < 200 ? 1 : 97)) {
      Decoded d = decode_whole(b.ob.root, r, ByteView(stream).first(len), b.data);
      ASSERT_FALSE(d.status.has_value()) << len;
      EXPECT_EQ(d.status.error().code(), len == 0 ? ErrorCode::kNotFound : ErrorCode::kProtocol)
          << len;
      EXPECT_TRUE(d.leaves_correct);
    }
  }
}

TEST(Decoder, StopsAtBlobEndAndReportsEvents) {
  Blob b = make_blob(100000);
  Bytes stream = encode(b, ChunkRanges::all());
  Bytes with_trailer = stream;
  append(with_trailer, as_bytes("next blob"));
  ResponseDecoder dec(b.ob.root, ChunkRanges::all());
  std::vector<uint64_t> pair_indices;
  int sizes = 0, dones = 0;
  auto used = dec.feed(with_trailer, [&](const DecodeEvent& ev) -> Status {
    if (std::holds_alternative<SizeReceived>(ev)) ++sizes;
    if (auto* p = std::get_if<ParentVerified>(&ev)) pair_indices.push_back(p->pair_index.value());
    if (std::holds_alternative<Done>(ev)) ++dones;
    return ok();
  });
  ASSERT_TRUE(used.has_value());
  EXPECT_EQ(*used, stream.size());
  EXPECT_TRUE(dec.done());
  EXPECT_TRUE(dec.last_chunk_verified());
  EXPECT_EQ(sizes, 1);
  EXPECT_EQ(dones, 1);
  EXPECT_EQ(pair_indices, (std::vector<uint64_t>{0, 1, 2, 3, 4, 5}));
  // Pairs verified by the decoder rebuild the outboard.
  Bytes rebuilt(b.ob.pairs.size());
  ResponseDecoder dec2(b.ob.root, ChunkRanges::all());
  ASSERT_TRUE(dec2.feed(stream, [&](const DecodeEvent& ev) -> Status {
    if (auto* p = std::get_if<ParentVerified>(&ev)) {
      std::copy(p->left.bytes().begin(), p->left.bytes().end(),
                rebuilt.begin() + 64 * *p->pair_index);
      std::copy(p->right.bytes().begin(), p->right.bytes().end(),
                rebuilt.begin() + 64 * *p->pair_index + 32);
    }
    return ok();
  }));
  EXPECT_EQ(rebuilt, b.ob.pairs);
}

TEST(Decoder, HandlerErrorAborts) {
  Blob b = make_blob(50000);
  Bytes stream = encode(b, ChunkRanges::all());
  ResponseDecoder dec(b.ob.root, ChunkRanges::all());
  auto r = dec.feed(stream, [](const DecodeEvent& ev) -> Status {
    if (std::holds_alternative<LeafVerified>(ev)) return make_error(ErrorCode::kIo, "disk full");
    return ok();
  });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kIo);
  EXPECT_FALSE(dec.feed(stream, [](const DecodeEvent&) { return ok(); }).has_value());
}

RC_GTEST_PROP(Decoder, GarbageNeverVerifies, ()) {
  // Any size header (including huge ones) followed by random bytes: no crash,
  // no leaf, an error at the first item.
  uint64_t size =
      *rc::gen::oneOf(rc::gen::inRange<uint64_t>(0, 1 << 22), rc::gen::arbitrary<uint64_t>());
  auto body = *rc::gen::container<std::vector<uint8_t>>(rc::gen::arbitrary<uint8_t>());
  Bytes stream(8);
  put_u64_le(stream.data(), size);
  append(stream, body);
  Blob b = make_blob(100);
  ChunkRanges r = *gen_ranges(64);
  Decoded d = decode_whole(b.ob.root, r, stream, b.data);
  RC_ASSERT(d.data.empty());
  RC_ASSERT(d.leaves_correct);
  RC_ASSERT(!d.status.has_value() || r.is_empty());
}

TEST(Decoder, WrongRootRejected) {
  Blob b = make_blob(5000);
  Bytes stream = encode(b, ChunkRanges::all());
  auto r = decode_response(crypto::Hash::empty(), ChunkRanges::all(), stream);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt);
}

}  // namespace
}  // namespace ferry::bao
