// The blobs protocol between two Ferry nodes on loopback UDP: blobs of 0,
// 1 byte and 1 MiB and a collection fetched verified into another store;
// a provider that sends one corrupt byte is cut off and nothing unverified
// is stored; an oversized request is refused; many small blobs by hash and
// a collection of many small children into a file store, whose commits are
// grouped. Internal deadlines throughout.
#include <gtest/gtest.h>

#include "blobs/file_store.h"
#include "blobs/hash_seq.h"
#include "blobs/mem_store.h"
#include "blobs/test_util.h"
#include "core/prng.h"
#include "proto/blobs/blobs_protocol.h"

namespace ferry::proto::blobs {
namespace {

using namespace std::chrono_literals;
using ferry::blobs::Store;

bool run_until(asio::io_context& io, const std::function<bool()>& done, Duration limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < end) {
    io.run_for(20ms);
    if (io.stopped()) io.restart();
  }
  return done();
}

Bytes random_bytes(size_t n, uint64_t seed) {
  Prng p(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(p.next());
  return b;
}

std::unique_ptr<net::UdpDriver> node(asio::io_context& io, net::AlpnRouter router) {
  auto d = net::UdpDriver::create(io, net::SecretKey::generate(),
                                  *net::SocketAddr::parse("127.0.0.1:0"), std::move(router));
  EXPECT_TRUE(d);
  return std::move(*d);
}

TEST(BlobsProtocol, FerryToFerryBlobsAndCollection) {
  auto provider_store = ferry::blobs::make_mem_store();
  std::vector<ferry::blobs::TempTag> tags;
  std::vector<Bytes> blobs = {Bytes{}, Bytes{42}, random_bytes(1 << 20, 7)};
  std::vector<crypto::Hash> hashes;
  for (const auto& b : blobs) {
    auto r = provider_store->import_bytes(b);
    ASSERT_TRUE(r);
    hashes.push_back(r->hash);
    tags.push_back(std::move(r->tag));
  }
  auto col = ferry::blobs::import_collection(
      *provider_store, {{"a.bin", random_bytes(40000, 8)}, {"b.txt", to_bytes("hello")}});
  ASSERT_TRUE(col);

  asio::io_context io;
  auto provider = std::make_shared<BlobsProvider>(*provider_store);
  net::AlpnRouter router;
  ASSERT_TRUE(router.add(std::string(kAlpn), provider));
  auto server = node(io, std::move(router));
  auto client = node(io, net::AlpnRouter{});

  auto store = ferry::blobs::make_mem_store();
  auto getter = std::make_shared<BlobsGetter>(*store);
  ASSERT_TRUE(client->connect(server->node_addr(), std::string(kAlpn), getter));
  int finished = 0;
  std::vector<Status> results(hashes.size() + 1);
  for (size_t i = 0; i < hashes.size(); ++i) {
    getter->fetch({hashes[i], bao::RangeSpecSeq::single(bao::ChunkRanges::all())},
                  [&, i](Status s) {
                    results[i] = s;
                    ++finished;
                  });
  }
  getter->fetch({col->hash, bao::RangeSpecSeq::all()}, [&](Status s) {
    results.back() = s;
    ++finished;
  });
  ASSERT_TRUE(run_until(
      io, [&] { return finished == static_cast<int>(results.size()); }, 30s));
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_TRUE(results[i]) << i << ": " << results[i].error().to_string();
  }
  for (size_t i = 0; i < blobs.size(); ++i) {
    auto data = store->read(hashes[i], 0, blobs[i].size());
    ASSERT_TRUE(data) << i;
    EXPECT_EQ(*data, blobs[i]);
  }
  auto cs = ferry::blobs::collection_status(*store, col->hash);
  ASSERT_TRUE(cs);
  EXPECT_TRUE(cs->root.is_complete());
  ASSERT_EQ(cs->children.size(), 3u);
  for (const auto& e : cs->children) EXPECT_TRUE(e.status.is_complete()) << e.name;
  EXPECT_EQ(provider->requests_served(), 4u);
  provider->shutdown();
}

// A provider that answers honestly except for one flipped byte.
struct CorruptProvider : net::ProtocolHandler {
  Store& store;
  size_t flip_at;
  explicit CorruptProvider(Store& s, size_t at) : store(s), flip_at(at) {}
  std::map<int64_t, Bytes> req;
  void on_event(net::UdpDriver& d, uint64_t conn, const net::ConnectionEvent& e) override {
    if (e.kind != net::ConnectionEvent::Kind::kStreamReadable) return;
    auto* c = d.connection(conn);
    if (!c) return;
    auto r = c->read(e.stream);
    if (!r) return;
    append(req[e.stream], r->data);
    if (!r->fin) return;
    auto get = decode_request(req[e.stream]);
    ASSERT_TRUE(get);
    Bytes resp;
    ASSERT_TRUE(serve_request(store, *get, [&](ByteView b) -> Status {
      append(resp, b);
      return ok();
    }));
    resp[flip_at] ^= 0x01;
    auto n = c->write(e.stream, resp, true);
    ASSERT_TRUE(n && *n == resp.size());
  }
};

TEST(BlobsProtocol, CorruptProviderIsCutOffAndNothingUnverifiedStored) {
  auto provider_store = ferry::blobs::make_mem_store();
  Bytes blob = random_bytes(200000, 9);
  auto imported = provider_store->import_bytes(blob);
  ASSERT_TRUE(imported);
  asio::io_context io;
  net::AlpnRouter router;
  ASSERT_TRUE(
      router.add(std::string(kAlpn), std::make_shared<CorruptProvider>(*provider_store, 150000)));
  auto server = node(io, std::move(router));
  auto client = node(io, net::AlpnRouter{});
  auto store = ferry::blobs::make_mem_store();
  auto getter = std::make_shared<BlobsGetter>(*store);
  ASSERT_TRUE(client->connect(server->node_addr(), std::string(kAlpn), getter));
  std::optional<Status> result;
  getter->fetch({imported->hash, bao::RangeSpecSeq::single(bao::ChunkRanges::all())},
                [&](Status s) { result = s; });
  ASSERT_TRUE(run_until(
      io, [&] { return result.has_value() && getter->closed(); }, 30s));
  ASSERT_FALSE(*result);
  EXPECT_EQ(result->error().code(), ErrorCode::kCorrupt);
  auto st = store->status(imported->hash);
  ASSERT_TRUE(st);
  EXPECT_FALSE(st->is_complete());
  for (const auto& r : st->verified.ranges()) {
    uint64_t start = r.start * 1024, end = std::min<uint64_t>(r.end * 1024, blob.size());
    auto data = store->read(imported->hash, start, end - start);
    ASSERT_TRUE(data);
    EXPECT_TRUE(std::equal(data->begin(), data->end(), blob.begin() + static_cast<long>(start)));
    EXPECT_LE(end, 150000u);  // nothing at or after the bad byte's group
  }
}

TEST(BlobsProtocol, OversizedRequestIsRefused) {
  auto provider_store = ferry::blobs::make_mem_store();
  asio::io_context io;
  auto provider = std::make_shared<BlobsProvider>(*provider_store);
  net::AlpnRouter router;
  ASSERT_TRUE(router.add(std::string(kAlpn), provider));
  auto server = node(io, std::move(router));
  auto client = node(io, net::AlpnRouter{});
  struct Sender : net::ProtocolHandler {
    bool reset = false;
    int64_t id = -1;
    void on_event(net::UdpDriver& d, uint64_t conn, const net::ConnectionEvent& e) override {
      auto* c = d.connection(conn);
      if (!c) return;
      if (e.kind == net::ConnectionEvent::Kind::kHandshakeCompleted) {
        id = *c->open_bidi();
        Bytes huge(kMaxRequestSize + 100, 0);
        (void)c->write(id, huge, true);
      }
      if (e.kind == net::ConnectionEvent::Kind::kStreamReadable && e.stream == id) {
        auto r = c->read(id);
        if (r && r->reset_code) reset = true;
      }
    }
  };
  auto sender = std::make_shared<Sender>();
  ASSERT_TRUE(client->connect(server->node_addr(), std::string(kAlpn), sender));
  ASSERT_TRUE(run_until(
      io, [&] { return sender->reset; }, 20s));
  EXPECT_EQ(provider->requests_refused(), 1u);
  provider->shutdown();
}

// Small blobs into a file store: 200 GETs by hash in flight on one
// connection and a collection of 300 small children in one GET. Every fetch
// succeeds only once its blobs are durable; the store's committer needs
// far fewer transactions than blobs; everything reads back after a reopen.
TEST(BlobsProtocol, ManySmallBlobsIntoAFileStoreShareCommits) {
  auto provider_store = ferry::blobs::make_mem_store();
  std::vector<ferry::blobs::TempTag> tags;
  std::map<crypto::Hash, Bytes> by_hash;
  for (uint64_t i = 0; i < 200; ++i) {
    Bytes b = random_bytes(1 + (i * 977) % 16384, 100 + i);
    auto r = provider_store->import_bytes(b);
    ASSERT_TRUE(r);
    tags.push_back(std::move(r->tag));
    by_hash.emplace(r->hash, std::move(b));
  }
  std::vector<std::pair<std::string, Bytes>> files;
  for (uint64_t i = 0; i < 300; ++i) {
    files.emplace_back("f" + std::to_string(i), random_bytes(4096, 1000 + i));
  }
  auto col = ferry::blobs::import_collection(*provider_store, files);
  ASSERT_TRUE(col);

  ferry::blobs::testing::TempDir dir;
  ferry::blobs::FileStoreOptions opt;
  opt.dir = dir.file("store");
  {
    auto store = ferry::blobs::open_file_store(opt);
    ASSERT_TRUE(store) << store.error().to_string();
    asio::io_context io;
    auto provider = std::make_shared<BlobsProvider>(*provider_store);
    net::AlpnRouter router;
    ASSERT_TRUE(router.add(std::string(kAlpn), provider));
    auto server = node(io, std::move(router));
    auto client = node(io, net::AlpnRouter{});
    auto getter = std::make_shared<BlobsGetter>(**store);
    ASSERT_TRUE(client->connect(server->node_addr(), std::string(kAlpn), getter));
    size_t finished = 0, failed = 0;
    auto on_done = [&](const crypto::Hash& h, bool raw) {
      return [&, h, raw, s = store->get()](Status st) {
        ++finished;
        if (!st) {
          ++failed;
          ADD_FAILURE() << st.error().to_string();
          return;
        }
        // Acknowledged means complete (durable) in the store.
        if (raw) {
          EXPECT_TRUE(s->status(h)->is_complete());
        } else {
          auto cs = ferry::blobs::collection_status(*s, h);
          ASSERT_TRUE(cs);
          EXPECT_TRUE(cs->is_complete());
        }
      };
    };
    for (const auto& [h, b] : by_hash) {
      getter->fetch({h, bao::RangeSpecSeq::single(bao::ChunkRanges::all())}, on_done(h, true));
    }
    getter->fetch({col->hash, bao::RangeSpecSeq::all()}, on_done(col->hash, false));
    ASSERT_TRUE(run_until(
        io, [&] { return finished == by_hash.size() + 1; }, 60s));
    EXPECT_EQ(failed, 0u);
    auto counters = ferry::blobs::file_store_counters(**store);
    // 200 + 300 children + the collection's metadata blob; the HashSeq
    // (300 hashes) is under the inline limit too but is committed at once
    // (its children are read from it).
    EXPECT_EQ(counters.grouped_blobs, by_hash.size() + files.size() + 1);
    // How many share a transaction depends on timing (file_committer_test
    // checks the grouping deterministically); never more than one each.
    EXPECT_LE(counters.group_commits, counters.grouped_blobs);
    std::printf("group commits: %llu transactions for %llu blobs\n",
                static_cast<unsigned long long>(counters.group_commits),
                static_cast<unsigned long long>(counters.grouped_blobs));
    provider->shutdown();
  }
  auto store = ferry::blobs::open_file_store(opt);
  ASSERT_TRUE(store);
  for (const auto& [h, b] : by_hash) {
    auto data = (*store)->read(h, 0, b.size());
    ASSERT_TRUE(data) << data.error().to_string();
    EXPECT_EQ(*data, b);
  }
  auto cs = ferry::blobs::collection_status(**store, col->hash);
  ASSERT_TRUE(cs);
  EXPECT_TRUE(cs->is_complete());
  ASSERT_EQ(cs->children.size(), files.size() + 1);  // meta, then the files
  for (size_t i = 0; i < files.size(); ++i) {
    EXPECT_EQ(cs->children[i + 1].name, files[i].first);
    auto data = (*store)->read(cs->children[i + 1].hash, 0, 4096);
    ASSERT_TRUE(data);
    EXPECT_EQ(*data, files[i].second) << files[i].first;
  }
}

}  // namespace
}  // namespace ferry::proto::blobs
