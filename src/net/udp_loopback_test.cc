// Two Ferry endpoints on real loopback UDP sockets (127.0.0.1, port 0):
// handshake, echo over concurrent streams, refusal of a wrong node id, and
// completion under 5% loss with 50 ms added delay from the fault injector.
// Every test has an internal deadline.
#include <gtest/gtest.h>

#include <cstdlib>

#include "net/echo_app_testing.h"
#include "net/udp_driver.h"
#include "testing/seed.h"

namespace ferry::net {
namespace {

using namespace std::chrono_literals;
const std::string kEchoAlpn = "/ferry-echo/0";

uint64_t test_seed() {
  return ferry::testing::test_seed();
}

struct EchoServerHandler : ProtocolHandler {
  testing::EchoServer echo;
  void on_event(UdpDriver& d, uint64_t conn, const ConnectionEvent& e) override {
    echo.on_event(d.endpoint(), EndpointEvent{conn, e}, monotonic_now());
  }
};

struct EchoClientHandler : ProtocolHandler {
  testing::EchoClient client;
  EchoClientHandler(int streams, uint64_t bytes) : client(streams, bytes) {}
  void on_event(UdpDriver& d, uint64_t conn, const ConnectionEvent& e) override {
    client.conn_ = conn;
    client.on_event(d.endpoint(), EndpointEvent{conn, e}, monotonic_now());
  }
};

SecretKey fresh_key() {
  return SecretKey::generate();
}

std::unique_ptr<UdpDriver> make_node(asio::io_context& io, AlpnRouter router,
                                     EndpointOptions options = {}) {
  auto d = UdpDriver::create(io, fresh_key(), *SocketAddr::parse("127.0.0.1:0"), std::move(router),
                             options);
  EXPECT_TRUE(d) << d.error().to_string();
  return d ? std::move(*d) : nullptr;
}

bool run_until(asio::io_context& io, const std::function<bool()>& done, Duration limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < end) {
    io.run_for(20ms);
    if (io.stopped()) io.restart();
  }
  return done();
}

TEST(UdpLoopback, HandshakeAndEchoOverConcurrentStreams) {
  asio::io_context io;
  auto server_handler = std::make_shared<EchoServerHandler>();
  AlpnRouter router;
  ASSERT_TRUE(router.add(kEchoAlpn, server_handler));
  auto server = make_node(io, std::move(router));
  auto client = make_node(io, AlpnRouter{});
  ASSERT_TRUE(server && client);
  EXPECT_NE(server->local_addr().port, 0);

  auto handler = std::make_shared<EchoClientHandler>(6, 512 * 1024);
  auto h = client->connect(server->node_addr(), kEchoAlpn, handler);
  ASSERT_TRUE(h) << h.error().to_string();
  ASSERT_TRUE(run_until(
      io, [&] { return handler->client.done() || handler->client.closed_; }, 30s))
      << "timed out";
  EXPECT_TRUE(handler->client.all_correct()) << handler->client.error_;
  EXPECT_EQ(handler->client.peer_, server->endpoint().node_id().to_string());
  ASSERT_EQ(server_handler->echo.peers_.size(), 1u);
  EXPECT_EQ(server_handler->echo.peers_.begin()->second, client->endpoint().node_id().to_string());

  client->connection(*h)->close(0, "done", monotonic_now());
  client->flush();
  EXPECT_TRUE(run_until(
      io,
      [&] {
        return client->endpoint().connection_count() == 0 &&
               server->endpoint().connection_count() == 0;
      },
      10s));
}

// GSO batches (UDP_SEGMENT) from one side, one datagram per send from the
// other (GSO off, as on a kernel or device without it): both directions
// carry every byte, and the GSO side's batches reach the peer's GRO socket
// as coalesced receives.
TEST(UdpLoopback, GsoAndPlainSendersInteroperate) {
  for (bool server_gso : {true, false}) {
    asio::io_context io;
    auto server_handler = std::make_shared<EchoServerHandler>();
    AlpnRouter router;
    ASSERT_TRUE(router.add(kEchoAlpn, server_handler));
    EndpointOptions gso, plain;
    plain.max_segments = 1;
    auto server = make_node(io, std::move(router), server_gso ? gso : plain);
    auto client = make_node(io, AlpnRouter{}, server_gso ? plain : gso);
    ASSERT_TRUE(server && client);
    EXPECT_EQ((server_gso ? client : server)->endpoint().max_segments(), 1u);
    auto handler = std::make_shared<EchoClientHandler>(4, 1 << 20);
    ASSERT_TRUE(client->connect(server->node_addr(), kEchoAlpn, handler));
    ASSERT_TRUE(run_until(
        io, [&] { return handler->client.done() || handler->client.closed_; }, 30s))
        << "timed out";
    EXPECT_TRUE(handler->client.all_correct()) << handler->client.error_;
    UdpDriver& batcher = server_gso ? *server : *client;
    UdpDriver& peer = server_gso ? *client : *server;
    if (batcher.endpoint().max_segments() > 1) {
      EXPECT_GT(peer.datagrams_received_coalesced(), 0u);
    }
    EXPECT_EQ(batcher.datagrams_received_coalesced(), 0u);  // the plain side never batches
  }
}

TEST(UdpLoopback, KeyNotMatchingExpectedNodeIdIsRefused) {
  asio::io_context io;
  AlpnRouter router;
  ASSERT_TRUE(router.add(kEchoAlpn, std::make_shared<EchoServerHandler>()));
  auto server = make_node(io, std::move(router));
  auto client = make_node(io, AlpnRouter{});
  ASSERT_TRUE(server && client);
  NodeAddr addr = server->node_addr();
  addr.node_id = fresh_key().public_key();
  auto handler = std::make_shared<EchoClientHandler>(1, 10);
  ASSERT_TRUE(client->connect(addr, kEchoAlpn, handler));
  ASSERT_TRUE(run_until(
      io, [&] { return handler->client.closed_; }, 20s));
  EXPECT_FALSE(handler->client.handshake_done_);
  EXPECT_NE(handler->client.error_.find("peer key refused"), std::string::npos)
      << handler->client.error_;
}

TEST(UdpLoopback, CompletesUnderFivePercentLossAnd50msDelay) {
  asio::io_context io;
  auto server_handler = std::make_shared<EchoServerHandler>();
  AlpnRouter router;
  ASSERT_TRUE(router.add(kEchoAlpn, server_handler));
  auto server = make_node(io, std::move(router));
  auto client = make_node(io, AlpnRouter{});
  ASSERT_TRUE(server && client);
  uint64_t seed = test_seed();
  FaultConfig f;
  f.drop = 0.05;
  f.delay = 50ms;
  f.reorder = 0.02;
  f.duplicate = 0.01;
  server->set_faults(f, seed);
  client->set_faults(f, seed + 1);

  auto handler = std::make_shared<EchoClientHandler>(3, 128 * 1024);
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(client->connect(server->node_addr(), kEchoAlpn, handler));
  ASSERT_TRUE(run_until(
      io, [&] { return handler->client.done() || handler->client.closed_; }, 45s))
      << "timed out";
  EXPECT_TRUE(handler->client.handshake_done_);
  EXPECT_TRUE(handler->client.all_correct()) << handler->client.error_;
  std::printf("lossy echo of 3 x 128 KiB took %.2f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

}  // namespace
}  // namespace ferry::net
