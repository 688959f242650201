// Encoder and decoder against the real iroh 0.35 captures (spec §11 and
// vectors/iroh-0.35-captures.json), byte for byte.
#include "bao/encoder.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>

#include "bao/decoder.h"
#include "bao/outboard.h"
#include "bao/range_spec.h"
#include "bao/test_util.h"
#include "crypto/blake3.h"

namespace ferry::bao {
namespace {

using testing::captures;
using testing::hex;
using testing::spec_blob;

struct Blob {
  Bytes data;
  Outboard ob;
};

Blob make_blob(Bytes data) {
  Outboard ob = compute_outboard(data);
  return Blob{std::move(data), std::move(ob)};
}

// Encodes the request's root ranges for `blob` and checks the capture.
void check_capture(const std::string& name, const Blob& blob) {
  const auto& c = captures()["req"][name];
  Bytes req = hex(c["req"].get<std::string>());
  Bytes resp = hex(c["resp"].get<std::string>());
  auto get = GetRequest::decode(req);
  ASSERT_TRUE(get.has_value()) << name;
  EXPECT_EQ(get->encode(), req) << name;
  EXPECT_EQ(get->hash, blob.ob.root) << name;
  auto single = get->ranges.as_single();
  ASSERT_TRUE(single.has_value()) << name;
  auto enc = encode_response(blob.ob.root, blob.data, blob.ob.pairs, *single);
  ASSERT_TRUE(enc.has_value()) << name << ": " << enc.error().to_string();
  EXPECT_EQ(enc->size(), resp.size()) << name;
  EXPECT_TRUE(*enc == resp) << name;
  // The decoder accepts the recorded response and yields exactly the
  // selected data.
  auto dec = decode_response(blob.ob.root, *single, resp);
  ASSERT_TRUE(dec.has_value()) << name << ": " << dec.error().to_string();
  Bytes expected;
  ChunkRanges norm = normalize_ranges(*single, blob.data.size());
  for (auto r : norm.ranges()) {
    uint64_t b0 = std::min<uint64_t>(r.start * kChunkSize, blob.data.size());
    uint64_t b1 =
        r.is_open() ? blob.data.size() : std::min<uint64_t>(r.end * kChunkSize, blob.data.size());
    append(expected, ByteView(blob.data).subspan(b0, b1 - b0));
  }
  EXPECT_TRUE(*dec == expected) << name;
}

TEST(Captures, BigBlob) {
  Blob big = make_blob(spec_blob());
  EXPECT_EQ(big.ob.root.to_hex(), captures()["big_hash_hex"].get<std::string>());
  check_capture("big_single", big);
  check_capture("big_3_5", big);
  check_capture("big_20_40", big);
  check_capture("big_last", big);
}

TEST(Captures, ResponseLengthsFromSpec) {
  Blob big = make_blob(spec_blob());
  auto len = [&](const ChunkRanges& r) {
    return encode_response(big.ob.root, big.data, big.ob.pairs, r).value().size();
  };
  EXPECT_EQ(len(ChunkRanges::all()), 100392u);
  EXPECT_EQ(len(ChunkRanges::range(3, 5)), 2632u);
  EXPECT_EQ(len(ChunkRanges::range(20, 40)), 20936u);
  EXPECT_EQ(len(ChunkRanges::from(UINT64_MAX)), 872u);
  // "0..C" counts as all; anything touching the last chunk is open-ended.
  EXPECT_EQ(len(ChunkRanges::range(0, 98)), 100392u);
  EXPECT_EQ(len(ChunkRanges::range(97, 98)), 872u);
}

TEST(Captures, WorldSingle) {
  Blob world = make_blob(to_bytes("world"));
  EXPECT_EQ(world.ob.root.to_hex(), captures()["hash_world_hex"].get<std::string>());
  check_capture("world_single", world);
}

TEST(Captures, CollectionAll) {
  // The collection response is three blobs in sequence: the HashSeq root,
  // then its children (meta, "world", "hi there"), each with ranges "all".
  const auto& c = captures()["req"]["col_all"];
  Bytes req = hex(c["req"].get<std::string>());
  Bytes resp = hex(c["resp"].get<std::string>());
  auto get = GetRequest::decode(req);
  ASSERT_TRUE(get.has_value());
  EXPECT_EQ(get->ranges, RangeSpecSeq::all());
  EXPECT_FALSE(get->ranges.as_single().has_value());

  // Decode blob by blob, learning child hashes from the root.
  ByteView rest(resp);
  std::vector<crypto::Hash> hashes = {get->hash};
  std::vector<Bytes> blobs;
  for (uint64_t offset = 0; offset < hashes.size() || offset == 0; ++offset) {
    ResponseDecoder dec(hashes[offset], get->ranges.ranges_at(offset));
    Bytes data;
    auto used = dec.feed(rest, [&](const DecodeEvent& ev) -> Status {
      if (auto* leaf = std::get_if<LeafVerified>(&ev)) append(data, leaf->data);
      return ok();
    });
    ASSERT_TRUE(used.has_value()) << used.error().to_string();
    ASSERT_TRUE(dec.finish().has_value());
    rest = rest.subspan(*used);
    if (offset == 0) {
      ASSERT_EQ(data.size() % 32, 0u);
      for (size_t i = 0; i < data.size(); i += 32) {
        hashes.push_back(crypto::Hash::from_bytes(ByteView(data).subspan(i, 32)));
      }
    }
    blobs.push_back(std::move(data));
  }
  EXPECT_TRUE(rest.empty());
  ASSERT_EQ(blobs.size(), 4u);
  EXPECT_EQ(as_string_view(blobs[2]), "world");
  EXPECT_EQ(as_string_view(blobs[3]), "hi there");
  EXPECT_EQ(hashes[3].to_hex(), captures()["small_hash_hex"].get<std::string>());

  // And the encoder reproduces the whole response.
  Bytes encoded;
  for (size_t i = 0; i < blobs.size(); ++i) {
    Blob b = make_blob(blobs[i]);
    EXPECT_EQ(b.ob.root, hashes[i]);
    auto e = encode_response(b.ob.root, b.data, b.ob.pairs, get->ranges.ranges_at(i));
    ASSERT_TRUE(e.has_value());
    append(encoded, *e);
  }
  EXPECT_TRUE(encoded == resp);
}

TEST(Captures, SpecChunks3To5PairOrder) {
  // Spec §11: pairs 0,1,2 then the pair of [0,16) = d1a9…/dd91….
  Blob big = make_blob(spec_blob());
  Bytes r = encode_response(big.ob.root, big.data, big.ob.pairs, ChunkRanges::range(3, 5)).value();
  EXPECT_EQ(hex_encode(ByteView(r).subspan(8 + 3 * 64, 64)),
            "d1a9191787a654f2b58329a33b8f1bb0874820b2f048e0b69e041268fde1547d"
            "dd91b733d0e2febded3a8afd08ebddc33d24542f785ec5a8d44d0b3606ccb5cd");
  EXPECT_TRUE(ByteView(r).first(8 + 3 * 64).subspan(8).size() == 192);
  EXPECT_TRUE(std::equal(big.ob.pairs.begin(), big.ob.pairs.begin() + 192, r.begin() + 8));
}

TEST(Encoder, DetectsCorruptDataAndOutboard) {
  Blob big = make_blob(spec_blob());
  Bytes bad = big.data;
  bad[40000] ^= 1;  // group 2
  MemoryReader d(bad);
  MemoryReader o(big.ob.pairs);
  ResponseEncoder enc(big.ob.root, bad.size(), ChunkRanges::all(), d, o);
  Bytes out;
  Result<bool> r = true;
  while (r && *r) r = enc.next(out, 1);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kCorrupt);
  // Everything before group 2 was emitted; group 2 was not:
  // pair0, pair1, pair2, group 0, group 1, pair3.
  EXPECT_EQ(out.size(), 8u + 4 * 64 + 2 * 16384);
  // Requests not touching group 2 still work.
  EXPECT_TRUE(encode_response(big.ob.root, bad.size(), ChunkRanges::range(0, 32), d, o));

  Bytes bad_ob = big.ob.pairs;
  bad_ob[5 * 64 + 3] ^= 0x80;
  MemoryReader o2(bad_ob);
  auto r2 =
      encode_response(big.ob.root, big.data.size(), ChunkRanges::all(), MemoryReader(big.data), o2);
  ASSERT_FALSE(r2.has_value());
  EXPECT_EQ(r2.error().code(), ErrorCode::kCorrupt);
}

TEST(Encoder, PartialBlobServesOnlyWhatItHas) {
  Blob big = make_blob(spec_blob());
  MemoryReader d(big.data);
  MemoryReader o(big.ob.pairs);
  ChunkRanges have = ChunkRanges::range(0, 32);
  auto ok_r = encode_response(big.ob.root, big.data.size(), ChunkRanges::range(3, 20), d, o, have);
  ASSERT_TRUE(ok_r.has_value());
  EXPECT_EQ(
      *ok_r,
      encode_response(big.ob.root, big.data, big.ob.pairs, ChunkRanges::range(3, 20)).value());
  auto missing =
      encode_response(big.ob.root, big.data.size(), ChunkRanges::range(3, 40), d, o, have);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  // A group only partly present cannot be served.
  auto part = encode_response(big.ob.root, big.data.size(), ChunkRanges::range(3, 4), d, o,
                              ChunkRanges::range(0, 8));
  EXPECT_FALSE(part.has_value());
}

RC_GTEST_PROP(Encoder, PartialBlobServesIffRequestedGroupsAreVerified, ()) {
  size_t n = *rc::gen::inRange<size_t>(0, 200000);
  static std::map<size_t, Blob> cache;
  auto it = cache.find(n);
  if (it == cache.end()) it = cache.emplace(n, make_blob(spec_blob(n))).first;
  const Blob& b = it->second;
  uint64_t chunks = BaoTree(n).chunks();
  auto pick = [&] {
    auto v = *rc::gen::container<std::vector<uint64_t>>(*rc::gen::inRange<size_t>(0, 5),
                                                        rc::gen::inRange<uint64_t>(0, chunks + 2));
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return ChunkRanges::from_boundaries(v);
  };
  ChunkRanges ranges = pick();
  ChunkRanges have = pick();
  bool servable = true;
  ChunkRanges norm = normalize_ranges(ranges, n);
  for (uint64_t g = 0; g * kGroupChunks < chunks; ++g) {
    uint64_t s = g * kGroupChunks, e = std::min<uint64_t>(s + kGroupChunks, chunks);
    if (norm.intersects(s, e) && !have.covers(s, e)) servable = false;
  }
  Bytes full = encode_response(b.ob.root, b.data, b.ob.pairs, ranges).value();
  MemoryReader d(b.data);
  MemoryReader o(b.ob.pairs);
  ResponseEncoder enc(b.ob.root, n, ranges, d, o, have);
  Bytes out;
  Result<bool> r = true;
  while (r && *r) r = enc.next(out, 4096);
  RC_ASSERT(r.has_value() == servable);
  if (servable) {
    RC_ASSERT(out == full);
  } else {
    RC_ASSERT(r.error().code() == ErrorCode::kNotFound);
    RC_ASSERT(out.size() < full.size());
    RC_ASSERT(std::equal(out.begin(), out.end(), full.begin()));
  }
}

TEST(Encoder, IncrementalPiecesAreBounded) {
  Blob b = make_blob(spec_blob(3 * 1024 * 1024 + 5));
  Bytes whole = encode_response(b.ob.root, b.data, b.ob.pairs, ChunkRanges::all()).value();
  for (size_t max_bytes : {size_t{1}, size_t{1000}, size_t{100000}}) {
    MemoryReader d(b.data);
    MemoryReader o(b.ob.pairs);
    ResponseEncoder enc(b.ob.root, b.data.size(), ChunkRanges::all(), d, o);
    Bytes all;
    size_t calls = 0;
    while (true) {
      Bytes piece;
      auto more = enc.next(piece, max_bytes);
      ASSERT_TRUE(more.has_value());
      // At most max_bytes plus one item (a group is the largest).
      EXPECT_LE(piece.size(), max_bytes + kGroupSize);
      append(all, piece);
      ++calls;
      if (!*more) break;
    }
    EXPECT_EQ(enc.bytes_emitted(), whole.size());
    EXPECT_TRUE(all == whole) << max_bytes;
    EXPECT_GT(calls, whole.size() / (max_bytes + kGroupSize));
  }
}

TEST(Encoder, EmptyBlob) {
  Blob e = make_blob({});
  EXPECT_EQ(e.ob.root, crypto::Hash::empty());
  auto r = encode_response(e.ob.root, e.data, e.ob.pairs, ChunkRanges::all());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(hex_encode(*r), "0000000000000000");
  auto d = decode_response(e.ob.root, ChunkRanges::all(), *r);
  ASSERT_TRUE(d.has_value());
  EXPECT_TRUE(d->empty());
}

}  // namespace
}  // namespace ferry::bao
