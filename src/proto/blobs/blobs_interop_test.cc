// The blobs protocol against a real iroh 0.35 node (npm @number0/iroh@0.35.0
// via tools/interop/iroh_node.js); skipped when it is not installed.
//   - Ferry fetches 0 B, 1 B and 1 MiB blobs from iroh, verified into a store;
//   - iroh downloads 0 B, 1 B, 1 MiB blobs and a collection from Ferry's
//     provider, given Ferry blob tickets, and reports their SHA-256;
//   - Ferry fetches a collection (0 B, 1 B, 1,000 B, 16,385 B, 200,000 B
//     files) from iroh with one request, children included, and checks
//     names and contents;
//   - 100 MiB each way.
#include <gtest/gtest.h>
#include <sodium.h>
#include <stdlib.h>

#include <fstream>

#include "blobs/hash_seq.h"
#include "blobs/mem_store.h"
#include "core/encoding.h"
#include "core/prng.h"
#include "crypto/blake3.h"
#include "net/interop_testing.h"
#include "net/ticket.h"
#include "proto/blobs/blobs_protocol.h"

namespace ferry::proto::blobs {
namespace {

using namespace std::chrono_literals;
using net::testing::interop_available;
using net::testing::IrohNode;
using net::testing::run_until;

Bytes pattern_blob(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>((i * 7) % 251);
  return b;
}

Bytes random_bytes(size_t n, uint64_t seed) {
  Prng p(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(p.next());
  return b;
}

std::string sha256_hex(ByteView data) {
  uint8_t out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(out, data.data(), data.size());
  return hex_encode(ByteView(out, sizeof(out)));
}

TEST(BlobsInterop, FerryFetchesFromIroh) {
  std::string why;
  if (!interop_available(why)) GTEST_SKIP() << why;
  const std::vector<size_t> sizes = {0, 1, 1 << 20};
  IrohNode iroh;
  ASSERT_EQ(iroh.start(sizes), "");
  asio::io_context io;
  auto driver = net::UdpDriver::create(io, net::SecretKey::generate(),
                                       *net::SocketAddr::parse("127.0.0.1:0"), net::AlpnRouter{});
  ASSERT_TRUE(driver);
  auto store = ferry::blobs::make_mem_store();
  auto getter = std::make_shared<BlobsGetter>(*store);
  ASSERT_TRUE((*driver)->connect(iroh.node_addr(), std::string(kAlpn), getter));
  std::vector<crypto::Hash> hashes;
  int finished = 0;
  std::vector<Status> results(sizes.size());
  auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < sizes.size(); ++i) {
    hashes.push_back(*crypto::Hash::parse(iroh.info()["blobs"][i]["hash"].get<std::string>()));
    getter->fetch({hashes[i], bao::RangeSpecSeq::single(bao::ChunkRanges::all())},
                  [&, i](Status s) {
                    results[i] = s;
                    ++finished;
                  });
  }
  ASSERT_TRUE(run_until(
      io, [&] { return finished == static_cast<int>(sizes.size()); }, 60s));
  std::printf(
      "fetched %zu blobs (%llu bytes) from iroh in %.1f ms\n", sizes.size(),
      static_cast<unsigned long long>(getter->bytes_received()),
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  for (size_t i = 0; i < sizes.size(); ++i) {
    ASSERT_TRUE(results[i]) << sizes[i] << ": " << results[i].error().to_string();
    auto st = store->status(hashes[i]);
    ASSERT_TRUE(st && st->is_complete()) << sizes[i];
    auto data = store->read(hashes[i], 0, sizes[i]);
    ASSERT_TRUE(data);
    EXPECT_TRUE(*data == pattern_blob(sizes[i])) << sizes[i];
  }
}

// Byte i of collection file k, as tools/interop/iroh_node.js makes it.
Bytes collection_file(size_t n, size_t k) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>((i * 7 + k) % 251);
  return b;
}

TEST(BlobsInterop, FerryFetchesCollectionFromIroh) {
  std::string why;
  if (!interop_available(why)) GTEST_SKIP() << why;
  const std::vector<std::pair<std::string, size_t>> files = {
      {"empty", 0}, {"one.bin", 1}, {"dir/a.txt", 1000}, {"b.bin", 16385}, {"big.bin", 200000}};
  IrohNode iroh;
  ASSERT_EQ(iroh.start({}), "");
  auto list = nlohmann::json::array();
  for (const auto& [name, size] : files) list.push_back({{"name", name}, {"size", size}});
  auto added = iroh.command({{"cmd", "add_collection"}, {"files", list}}, 60s);
  ASSERT_FALSE(added.is_null());
  ASSERT_TRUE(added["ok"].get<bool>()) << added.dump();
  auto root = crypto::Hash::parse(added["hash"].get<std::string>());
  ASSERT_TRUE(root);

  asio::io_context io;
  auto driver = net::UdpDriver::create(io, net::SecretKey::generate(),
                                       *net::SocketAddr::parse("127.0.0.1:0"), net::AlpnRouter{});
  ASSERT_TRUE(driver);
  auto store = ferry::blobs::make_mem_store();
  auto getter = std::make_shared<BlobsGetter>(*store);
  ASSERT_TRUE((*driver)->connect(iroh.node_addr(), std::string(kAlpn), getter));
  std::optional<Status> result;
  getter->fetch({*root, bao::RangeSpecSeq::all()}, [&](Status s) { result = s; });
  ASSERT_TRUE(run_until(
      io, [&] { return result.has_value(); }, 60s));
  ASSERT_TRUE(*result) << result->error().to_string();

  auto status = ferry::blobs::collection_status(*store, *root);
  ASSERT_TRUE(status) << status.error().to_string();
  EXPECT_TRUE(status->is_complete());
  ASSERT_TRUE(status->names_known);
  ASSERT_EQ(status->children.size(), files.size() + 1);  // meta blob first
  for (size_t k = 0; k < files.size(); ++k) {
    const auto& child = status->children[k + 1];
    EXPECT_EQ(child.name, files[k].first);
    EXPECT_EQ(child.hash.to_string(), added["files"][k]["hash"].get<std::string>());
    auto data = store->read(child.hash, 0, files[k].second);
    ASSERT_TRUE(data) << files[k].first;
    EXPECT_TRUE(*data == collection_file(files[k].second, k)) << files[k].first;
  }
}

TEST(BlobsInterop, IrohDownloadsFromFerry) {
  std::string why;
  if (!interop_available(why)) GTEST_SKIP() << why;
  IrohNode iroh;
  ASSERT_EQ(iroh.start({}), "");

  auto store = ferry::blobs::make_mem_store();
  std::vector<ferry::blobs::TempTag> tags;
  std::vector<Bytes> blobs = {Bytes{}, Bytes{7}, random_bytes(1 << 20, 11)};
  std::vector<crypto::Hash> hashes;
  for (const auto& b : blobs) {
    auto r = store->import_bytes(b);
    ASSERT_TRUE(r);
    hashes.push_back(r->hash);
    tags.push_back(std::move(r->tag));
  }
  auto col = ferry::blobs::import_collection(
      *store, {{"one.bin", random_bytes(50000, 12)}, {"two.txt", to_bytes("from ferry")}});
  ASSERT_TRUE(col);

  asio::io_context io;
  auto provider = std::make_shared<BlobsProvider>(*store);
  net::AlpnRouter router;
  ASSERT_TRUE(router.add(std::string(kAlpn), provider));
  auto driver = net::UdpDriver::create(io, net::SecretKey::generate(),
                                       *net::SocketAddr::parse("127.0.0.1:0"), std::move(router));
  ASSERT_TRUE(driver);
  auto guard = asio::make_work_guard(io);
  std::thread net_thread([&] { io.run(); });

  auto ticket_for = [&](const crypto::Hash& h, net::BlobFormat f) {
    net::BlobTicket t;
    t.node = (*driver)->node_addr();
    t.format = f;
    t.hash = h;
    return t.to_string();
  };
  for (size_t i = 0; i < blobs.size(); ++i) {
    auto start = std::chrono::steady_clock::now();
    auto reply = iroh.command(
        {{"cmd", "download"}, {"ticket", ticket_for(hashes[i], net::BlobFormat::kRaw)}}, 60s);
    ASSERT_FALSE(reply.is_null()) << "no reply for blob of " << blobs[i].size() << " bytes";
    ASSERT_TRUE(reply["ok"].get<bool>()) << reply.dump();
    EXPECT_EQ(reply["size"].get<size_t>(), blobs[i].size());
    EXPECT_EQ(reply["sha256"].get<std::string>(), sha256_hex(blobs[i]));
    std::printf("iroh downloaded %zu bytes from Ferry in %.1f ms\n", blobs[i].size(),
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                    .count());
  }
  auto reply = iroh.command(
      {{"cmd", "download"}, {"ticket", ticket_for(col->hash, net::BlobFormat::kHashSeq)}}, 60s);
  ASSERT_FALSE(reply.is_null());
  ASSERT_TRUE(reply["ok"].get<bool>()) << reply.dump();
  EXPECT_EQ(reply["children"].get<int>(), 3);
  EXPECT_TRUE(reply["childrenComplete"].get<bool>());

  provider->shutdown();
  guard.reset();
  io.stop();
  net_thread.join();
  EXPECT_GE(provider->requests_served(), 4u);
}

TEST(BlobsInterop, HundredMiBEachWay) {
  std::string why;
  if (!interop_available(why)) GTEST_SKIP() << why;
  constexpr size_t kSize = 100u << 20;
  IrohNode iroh;
  ASSERT_EQ(iroh.start({}), "");

  // iroh → Ferry: iroh imports a file, Ferry fetches it by hash, verified.
  std::string dir_tmpl = "/tmp/ferry_interop_XXXXXX";
  ASSERT_NE(mkdtemp(dir_tmpl.data()), nullptr);
  std::string file = dir_tmpl + "/blob.bin";
  Bytes data = pattern_blob(kSize);
  {
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data.data()),
              static_cast<std::streamsize>(data.size()));
  }
  crypto::Hash hash = crypto::blake3(data);
  auto added = iroh.command({{"cmd", "add_file"}, {"path", file}}, 120s);
  std::remove(file.c_str());
  rmdir(dir_tmpl.c_str());
  ASSERT_FALSE(added.is_null());
  ASSERT_TRUE(added["ok"].get<bool>()) << added.dump();
  EXPECT_EQ(added["hash"].get<std::string>(), hash.to_string());

  auto store = ferry::blobs::make_mem_store();
  {
    asio::io_context io;
    auto driver = net::UdpDriver::create(io, net::SecretKey::generate(),
                                         *net::SocketAddr::parse("127.0.0.1:0"), net::AlpnRouter{});
    ASSERT_TRUE(driver);
    auto getter = std::make_shared<BlobsGetter>(*store);
    ASSERT_TRUE((*driver)->connect(iroh.node_addr(), std::string(kAlpn), getter));
    std::optional<Status> result;
    auto start = std::chrono::steady_clock::now();
    getter->fetch({hash, bao::RangeSpecSeq::single(bao::ChunkRanges::all())},
                  [&](Status s) { result = s; });
    ASSERT_TRUE(run_until(
        io, [&] { return result.has_value(); }, 120s));
    ASSERT_TRUE(*result) << result->error().to_string();
    std::printf("Ferry fetched 100 MiB from iroh in %.2f s\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    auto back = store->read(hash, 0, kSize);
    ASSERT_TRUE(back);
    EXPECT_TRUE(*back == data);
  }

  // Ferry → iroh: iroh downloads 100 MiB from Ferry's provider by ticket.
  Bytes random = random_bytes(kSize, 21);
  auto imported = store->import_bytes(random);
  ASSERT_TRUE(imported);
  asio::io_context io;
  auto provider = std::make_shared<BlobsProvider>(*store);
  net::AlpnRouter router;
  ASSERT_TRUE(router.add(std::string(kAlpn), provider));
  auto driver = net::UdpDriver::create(io, net::SecretKey::generate(),
                                       *net::SocketAddr::parse("127.0.0.1:0"), std::move(router));
  ASSERT_TRUE(driver);
  auto guard = asio::make_work_guard(io);
  std::thread net_thread([&] { io.run(); });
  net::BlobTicket t{(*driver)->node_addr(), net::BlobFormat::kRaw, imported->hash};
  auto start = std::chrono::steady_clock::now();
  auto reply = iroh.command({{"cmd", "download"}, {"ticket", t.to_string()}}, 180s);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  provider->shutdown();
  guard.reset();
  io.stop();
  net_thread.join();
  ASSERT_FALSE(reply.is_null());
  ASSERT_TRUE(reply["ok"].get<bool>()) << reply.dump();
  EXPECT_EQ(reply["size"].get<size_t>(), kSize);
  EXPECT_EQ(reply["sha256"].get<std::string>(), sha256_hex(random));
  std::printf("iroh downloaded 100 MiB from Ferry in %.2f s (incl. its export + SHA-256)\n", secs);
}

}  // namespace
}  // namespace ferry::proto::blobs
