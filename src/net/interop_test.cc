// Interop with a real iroh 0.35 node (npm @number0/iroh@0.35.0, started via
// tools/interop/iroh_node.js). Skipped when tools/interop/node_modules is
// absent (install with tools/interop/install.sh) or node is not on PATH.
//
// Ferry dials iroh over QUIC with ALPN /iroh-bytes/4 (disco Ping first),
// verifies iroh's key against its node id, sends raw GetRequests
// (00 ‖ hash ‖ 020001000100) on concurrent bidi streams and compares each
// response stream byte for byte with the expected bao encoding.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "bao/encoder.h"
#include "bao/outboard.h"
#include "net/interop_testing.h"
#include "net/udp_driver.h"

namespace ferry::net {
namespace {

using namespace std::chrono_literals;
using testing::interop_available;
using testing::IrohNode;
using testing::run_until;
const std::string kBlobsAlpn = "/iroh-bytes/4";

Bytes pattern_blob(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>((i * 7) % 251);
  return b;
}

// Sends one raw request per stream and collects each complete response.
struct RawGetClient : ProtocolHandler {
  std::vector<Bytes> requests;
  std::map<int64_t, size_t> stream_to_request;
  std::vector<Bytes> responses;
  std::vector<bool> finished;
  bool handshake_done = false, closed = false;
  std::string error, peer;
  size_t opened = 0;

  void on_event(UdpDriver& d, uint64_t conn, const ConnectionEvent& e) override {
    using K = ConnectionEvent::Kind;
    if (e.kind == K::kClosed) {
      closed = true;
      if (e.error) error = e.error->to_string();
      return;
    }
    QuicConnection* c = d.connection(conn);
    if (!c) return;
    if (e.kind == K::kHandshakeCompleted) {
      handshake_done = true;
      peer = c->peer_id()->to_string();
      responses.resize(requests.size());
      finished.resize(requests.size());
    }
    if (e.kind == K::kHandshakeCompleted || e.kind == K::kStreamsAvailable) {
      while (opened < requests.size()) {
        auto id = c->open_bidi();
        if (!id) break;
        auto n = c->write(*id, requests[opened], true);
        EXPECT_TRUE(n && *n == requests[opened].size());
        stream_to_request[*id] = opened++;
      }
    }
    if (e.kind == K::kStreamReadable) {
      auto it = stream_to_request.find(e.stream);
      if (it == stream_to_request.end()) return;
      for (;;) {
        auto r = c->read(e.stream);
        if (!r) return;
        append(responses[it->second], r->data);
        if (r->fin) finished[it->second] = true;
        if (r->data.empty()) return;
      }
    }
  }
  bool done() const {
    if (!handshake_done || finished.size() != requests.size()) return false;
    for (bool f : finished) {
      if (!f) return false;
    }
    return true;
  }
};

TEST(IrohInterop, FerryFetchesBlobsFromIrohOverQuic) {
  std::string why;
  if (!interop_available(why)) GTEST_SKIP() << why;
  const std::vector<size_t> sizes = {0, 1, 5, 16384, 100000};
  IrohNode iroh;
  std::string err = iroh.start(sizes);
  ASSERT_EQ(err, "");
  NodeAddr addr = iroh.node_addr();
  ASSERT_FALSE(addr.direct_addresses.empty());
  ASSERT_EQ(iroh.info()["blobs"].size(), sizes.size());

  asio::io_context io;
  auto driver =
      UdpDriver::create(io, SecretKey::generate(), *SocketAddr::parse("127.0.0.1:0"), AlpnRouter{});
  ASSERT_TRUE(driver) << driver.error().to_string();
  auto client = std::make_shared<RawGetClient>();
  std::vector<crypto::Hash> hashes;
  for (const auto& b : iroh.info()["blobs"]) {
    auto h = crypto::Hash::parse(b["hash"].get<std::string>());
    ASSERT_TRUE(h);
    hashes.push_back(*h);
    Bytes req = {0x00};
    append(req, h->view());
    append(req, Bytes{0x02, 0x00, 0x01, 0x00, 0x01, 0x00});
    client->requests.push_back(req);
  }
  // Plus a hash iroh does not have: the response is empty.
  Bytes unknown(1 + 32 + 6, 0);
  unknown[33] = 0x02, unknown[35] = 0x01, unknown[37] = 0x01;
  client->requests.push_back(unknown);

  auto start = std::chrono::steady_clock::now();
  auto h = (*driver)->connect(addr, kBlobsAlpn, client);
  ASSERT_TRUE(h) << h.error().to_string();
  ASSERT_TRUE(run_until(
      io, [&] { return client->done() || client->closed; }, 30s))
      << "timed out; " << client->error;
  ASSERT_TRUE(client->done()) << client->error;
  EXPECT_EQ(client->peer, addr.node_id.to_string());
  std::printf(
      "connected and fetched %zu blobs from iroh in %.1f ms\n", sizes.size(),
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());

  for (size_t i = 0; i < sizes.size(); ++i) {
    Bytes data = pattern_blob(sizes[i]);
    bao::Outboard ob = bao::compute_outboard(data);
    EXPECT_EQ(ob.root, hashes[i]) << "size " << sizes[i];
    bao::MemoryReader dr(data), obr(ob.pairs);
    auto expected = bao::encode_response(ob.root, data.size(), bao::ChunkRanges::all(), dr, obr);
    ASSERT_TRUE(expected);
    if (sizes[i] <= 16384) {
      Bytes simple(8);
      put_u64_le(simple.data(), sizes[i]);
      append(simple, data);
      EXPECT_EQ(*expected, simple);
    }
    EXPECT_EQ(client->responses[i].size(), expected->size()) << "size " << sizes[i];
    EXPECT_TRUE(client->responses[i] == *expected) << "size " << sizes[i];
  }
  EXPECT_TRUE(client->responses.back().empty());

  (*driver)->connection(*h)->close(0, "done", monotonic_now());
  (*driver)->flush();
  run_until(
      io, [&] { return (*driver)->endpoint().connection_count() == 0; }, 5s);
}

TEST(IrohInterop, IrohKeyNotMatchingExpectedNodeIdIsRefused) {
  std::string why;
  if (!interop_available(why)) GTEST_SKIP() << why;
  IrohNode iroh;
  ASSERT_EQ(iroh.start({5}), "");
  NodeAddr addr = iroh.node_addr();
  asio::io_context io;
  auto driver =
      UdpDriver::create(io, SecretKey::generate(), *SocketAddr::parse("127.0.0.1:0"), AlpnRouter{});
  ASSERT_TRUE(driver);
  // A first, correct connection makes iroh know our address (it drops QUIC
  // from addresses that sent no disco Ping it could open, and a Ping sealed
  // for the wrong key cannot be opened).
  auto good = std::make_shared<RawGetClient>();
  ASSERT_TRUE((*driver)->connect(addr, kBlobsAlpn, good));
  ASSERT_TRUE(run_until(
      io, [&] { return good->handshake_done || good->closed; }, 30s));
  ASSERT_TRUE(good->handshake_done) << good->error;
  // Same address, but we expect another node id: our TLS check refuses iroh's key.
  NodeAddr wrong = addr;
  wrong.node_id = SecretKey::generate().public_key();
  auto bad = std::make_shared<RawGetClient>();
  ASSERT_TRUE((*driver)->connect(wrong, kBlobsAlpn, bad));
  ASSERT_TRUE(run_until(
      io, [&] { return bad->closed; }, 30s));
  EXPECT_FALSE(bad->handshake_done);
  EXPECT_NE(bad->error.find("peer key refused"), std::string::npos) << bad->error;
}

}  // namespace
}  // namespace ferry::net
