// Provider and getter sessions against the byte-exact captures of a real
// iroh 0.35 node (src/bao/testdata/iroh-0.35-captures.json): Ferry must
// produce exactly iroh's responses and accept them, verify every byte,
// store nothing unverified, and resume a partial blob.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "blobs/hash_seq.h"
#include "blobs/mem_store.h"
#include "core/encoding.h"
#include "core/prng.h"
#include "proto/blobs/get_session.h"
#include "proto/blobs/provider.h"
#include "testing/seed.h"

namespace ferry::proto::blobs {
namespace {

using ferry::blobs::Store;

const nlohmann::json& captures() {
  static const nlohmann::json j = [] {
    std::ifstream f(std::string(FERRY_BAO_TESTDATA) + "/iroh-0.35-captures.json");
    return nlohmann::json::parse(f);
  }();
  return j;
}

Bytes hex(const std::string& s) {
  return hex_decode(s).value();
}

Bytes big_blob() {
  Bytes b(100000);
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>((i * 7) % 251);
  return b;
}

uint64_t seed() {
  return ferry::testing::test_seed();
}

// A store holding every blob the captures were taken from.
std::unique_ptr<Store> provider_store(std::vector<ferry::blobs::TempTag>& tags) {
  auto store = ferry::blobs::make_mem_store();
  for (const auto& data : {to_bytes("world"), to_bytes("hi there"), big_blob()}) {
    auto r = store->import_bytes(data);
    EXPECT_TRUE(r);
    tags.push_back(std::move(r->tag));
  }
  auto col = ferry::blobs::import_collection(
      *store, {{"w.txt", to_bytes("world")}, {"hi.txt", to_bytes("hi there")}});
  EXPECT_TRUE(col);
  EXPECT_EQ(col->hash.to_hex(), captures()["collection_hash_hex"].get<std::string>());
  tags.push_back(std::move(col->tag));
  return store;
}

Result<Bytes> serve(Store& store, ByteView req_bytes) {
  FERRY_ASSIGN(auto req, decode_request(req_bytes));
  Bytes out;
  FERRY_TRY(serve_request(store, req, [&](ByteView b) -> Status {
    append(out, b);
    return ok();
  }));
  return out;
}

TEST(BlobsProvider, ResponsesAreByteIdenticalToIroh) {
  std::vector<ferry::blobs::TempTag> tags;
  auto store = provider_store(tags);
  for (const auto& [name, c] : captures()["req"].items()) {
    auto resp = serve(*store, hex(c["req"].get<std::string>()));
    ASSERT_TRUE(resp) << name << ": " << resp.error().to_string();
    EXPECT_EQ(hex_encode(*resp), c["resp"].get<std::string>()) << name;
  }
}

TEST(BlobsProvider, RefusesMalformedAndOversizedRequests) {
  EXPECT_EQ(decode_request(Bytes(kMaxRequestSize + 1, 0)).error().code(),
            ErrorCode::kResourceExhausted);
  EXPECT_FALSE(decode_request(Bytes{0x01}));              // not a Get
  EXPECT_FALSE(decode_request(Bytes{0x00, 0x01, 0x02}));  // truncated hash
  Bytes req = hex(captures()["req"]["world_single"]["req"].get<std::string>());
  req.resize(req.size() - 2);  // truncated RangeSpecSeq
  EXPECT_FALSE(decode_request(req));
}

TEST(BlobsGetter, AcceptsIrohResponsesAndStoresVerifiedData) {
  Prng prng(seed());
  for (const auto& [name, c] : captures()["req"].items()) {
    auto store = ferry::blobs::make_mem_store();
    auto req = decode_request(hex(c["req"].get<std::string>()));
    ASSERT_TRUE(req);
    GetSession session(*store, *req);
    Bytes resp = hex(c["resp"].get<std::string>());
    size_t pos = 0;
    while (pos < resp.size()) {  // random piece sizes, down to single bytes
      size_t n = std::min<size_t>(resp.size() - pos, 1 + prng.below(3000));
      ASSERT_TRUE(session.on_data(ByteView(resp).subspan(pos, n))) << name;
      pos += n;
    }
    auto fin = session.on_finish();
    if (name == "unknown") {
      ASSERT_FALSE(fin);
      EXPECT_EQ(fin.error().code(), ErrorCode::kNotFound);
      continue;
    }
    ASSERT_TRUE(fin) << name << ": " << fin.error().to_string();
    EXPECT_TRUE(session.done());
    if (name == "big_single") {
      auto data = store->read(req->hash, 0, 100000);
      ASSERT_TRUE(data);
      EXPECT_EQ(*data, big_blob());
    }
    if (name == "col_all") {
      EXPECT_EQ(session.blobs_written().size(), 4u);  // HashSeq, meta, two files
      auto st =
          store->status(*crypto::Hash::parse(captures()["hash_world_hex"].get<std::string>()));
      ASSERT_TRUE(st);
      EXPECT_TRUE(st->is_complete());
    }
  }
}

TEST(BlobsGetter, CorruptByteIsCaughtAndNothingUnverifiedIsStored) {
  const auto& c = captures()["req"]["big_single"];
  Bytes resp = hex(c["resp"].get<std::string>());
  Prng prng(seed());
  for (int round = 0; round < 5; ++round) {
    Bytes bad = resp;
    size_t at = 8 + prng.below(bad.size() - 8);
    bad[at] ^= static_cast<uint8_t>(1 + prng.below(255));
    auto store = ferry::blobs::make_mem_store();
    auto req = decode_request(hex(c["req"].get<std::string>()));
    GetSession session(*store, *req);
    auto st = session.on_data(bad);
    ASSERT_FALSE(st) << "flip at " << at;
    EXPECT_EQ(st.error().code(), ErrorCode::kCorrupt);
    EXPECT_FALSE(session.on_data(Bytes{1}));  // the session stays dead
    auto status = store->status(req->hash);
    ASSERT_TRUE(status);
    EXPECT_FALSE(status->is_complete());
    // Every chunk recorded as verified reads back as the original data.
    Bytes blob = big_blob();
    for (const auto& r : status->verified.ranges()) {
      uint64_t start = r.start * 1024, end = std::min<uint64_t>(r.end * 1024, blob.size());
      auto data = store->read(req->hash, start, end - start);
      ASSERT_TRUE(data);
      EXPECT_TRUE(std::equal(data->begin(), data->end(), blob.begin() + static_cast<long>(start)));
    }
  }
}

TEST(BlobsGetter, ResumesAPartialBlobAskingOnlyForWhatIsMissing) {
  std::vector<ferry::blobs::TempTag> tags;
  auto provider = provider_store(tags);
  const auto& c = captures()["req"]["big_single"];
  Bytes resp = hex(c["resp"].get<std::string>());
  auto req = decode_request(hex(c["req"].get<std::string>()));
  auto store = ferry::blobs::make_mem_store();
  {
    GetSession first(*store, *req);
    ASSERT_TRUE(first.on_data(ByteView(resp).first(resp.size() / 2)));  // interrupted
    auto fin = first.on_finish();
    ASSERT_FALSE(fin);
    EXPECT_EQ(fin.error().code(), ErrorCode::kProtocol);
  }
  auto status = store->status(req->hash);
  ASSERT_TRUE(status);
  ASSERT_EQ(status->state, ferry::blobs::BlobState::kPartial);
  ASSERT_FALSE(status->verified.is_empty());
  auto missing = missing_request(req->hash, *status);
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->ranges.ranges_at(0).intersects(status->verified));
  auto rest = serve(*provider, missing->encode());
  ASSERT_TRUE(rest);
  EXPECT_LT(rest->size(), resp.size());  // only the missing part travels
  GetSession second(*store, *missing);
  ASSERT_TRUE(second.on_data(*rest));
  ASSERT_TRUE(second.on_finish());
  auto data = store->read(req->hash, 0, 100000);
  ASSERT_TRUE(data);
  EXPECT_EQ(*data, big_blob());
  auto done = store->status(req->hash);
  EXPECT_TRUE(done && done->is_complete());
  EXPECT_FALSE(missing_request(req->hash, *done));
}

// Regression (bench_net 512 hung): a memory store reserved exactly the bytes
// each write needed once a blob outgrew its reservation cap, so every leaf
// past the cap copied the whole buffer (quadratic). Same condition, small:
// a blob 384x the cap streams from provider to getter in one response.
TEST(BlobsGetter, BlobFarLargerThanTheStoreReservationCapStreamsThrough) {
  Prng prng(seed());
  Bytes blob(24u << 20);
  for (auto& b : blob) b = static_cast<uint8_t>(prng.next());
  auto provider = ferry::blobs::make_mem_store();
  auto imported = provider->import_bytes(blob);
  ASSERT_TRUE(imported);
  auto store = ferry::blobs::make_mem_store(nullptr, {.reserve_cap = 64 << 10});
  bao::GetRequest req{imported->hash, bao::RangeSpecSeq::single(bao::ChunkRanges::all())};
  GetSession session(*store, req);
  ASSERT_TRUE(
      serve_request(*provider, req, [&](ByteView piece) { return session.on_data(piece); }));
  ASSERT_TRUE(session.on_finish());
  auto data = store->read(imported->hash, 0, blob.size());
  ASSERT_TRUE(data);
  EXPECT_TRUE(*data == blob);
}

}  // namespace
}  // namespace ferry::proto::blobs
