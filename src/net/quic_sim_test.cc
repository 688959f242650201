// Two (or more) Endpoints on a simulated network with simulated time: the
// sans-IO connection logic end to end, deterministic in its network faults.
#include <gtest/gtest.h>

#include <cstdlib>
#include <queue>

#include "net/echo_app_testing.h"
#include "net/endpoint.h"
#include "net/fault_injector.h"
#include "testing/seed.h"

namespace ferry::net {
namespace {

using namespace std::chrono_literals;
const std::string kEchoAlpn = "/ferry-echo/0";

uint64_t test_seed() {
  return ferry::testing::test_seed();
}

class Sim {
 public:
  struct Node {
    std::unique_ptr<Endpoint> ep;
    SocketAddr addr;
    std::function<void(Endpoint&, const EndpointEvent&, Instant)> app;
  };

  explicit Sim(FaultConfig faults = {}, uint64_t seed = 1) : faults_(faults, seed) {}

  size_t add(uint8_t key_fill, std::vector<std::string> server_alpns, QuicConfig quic = {},
             size_t max_segments = 1) {
    EndpointOptions opt;
    opt.quic = quic;
    opt.max_segments = max_segments;
    opt.server_alpns = std::move(server_alpns);
    auto ep = Endpoint::create(*SecretKey::from_bytes(Bytes(32, key_fill)), opt);
    EXPECT_TRUE(ep);
    Node n;
    n.ep = std::move(*ep);
    n.addr = SocketAddr::v4({10, 0, 0, static_cast<uint8_t>(nodes_.size() + 1)}, 4000);
    nodes_.push_back(std::move(n));
    return nodes_.size() - 1;
  }
  Node& node(size_t i) { return nodes_[i]; }
  // Replaces node i's endpoint with a fresh one with the same key and
  // address: a restart that lost all connection state.
  void restart(size_t i, uint8_t key_fill, std::vector<std::string> server_alpns) {
    EndpointOptions opt;
    opt.server_alpns = std::move(server_alpns);
    nodes_[i].ep = std::move(*Endpoint::create(*SecretKey::from_bytes(Bytes(32, key_fill)), opt));
  }
  NodeAddr addr_of(size_t i) {
    return NodeAddr{nodes_[i].ep->node_id(), std::nullopt, {nodes_[i].addr}};
  }
  Instant now() const { return now_; }

  // Runs until `done()` or `limit` of simulated time passes.
  bool run_until(const std::function<bool()>& done, Duration limit) {
    Instant end = now_ + limit;
    while (now_ < end) {
      settle();
      if (done()) return true;
      Instant next = Instant::max();
      for (auto& n : nodes_) next = std::min(next, n.ep->next_deadline());
      if (!flights_.empty()) next = std::min(next, flights_.top().at);
      if (next == Instant::max()) return done();
      now_ = std::max(now_, next);
      while (!flights_.empty() && flights_.top().at <= now_) {
        Flight f = flights_.top();
        flights_.pop();
        nodes_[f.to].ep->on_datagram(f.from, f.data, now_);
      }
      for (auto& n : nodes_) {
        if (n.ep->next_deadline() <= now_) n.ep->on_deadline(now_);
      }
    }
    settle();
    return done();
  }

  uint64_t delivered() const { return delivered_; }
  uint64_t gso_batches() const { return gso_batches_; }
  uint64_t gso_segments() const { return gso_segments_; }

 private:
  struct Flight {
    Instant at;
    uint64_t seq;
    size_t to;
    SocketAddr from;
    Bytes data;
    bool operator>(const Flight& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };

  // Flush transmits and dispatch events until quiet.
  void settle() {
    for (int round = 0; round < 100; ++round) {
      bool any = false;
      for (auto& n : nodes_) {
        for (auto& e : n.ep->take_events()) {
          any = true;
          if (n.app) n.app(*n.ep, e, now_);
        }
        std::vector<Transmit> out;
        n.ep->poll_transmit(now_, out);
        for (auto& t : out) {
          any = true;
          check_batch(t);
          for (size_t j = 0; j < nodes_.size(); ++j) {
            if (nodes_[j].addr != t.to) continue;
            // A GSO batch is independent datagrams on the wire.
            for (size_t k = 0; k < t.segments(); ++k) {
              ByteView seg = t.segment(k);
              std::vector<Instant> rel;
              faults_.apply(now_, rel);
              for (Instant at : rel) {
                flights_.push({at + 1ms, seq_++, j, n.addr, Bytes(seg.begin(), seg.end())});
              }
              ++delivered_;
            }
          }
        }
      }
      if (!any) return;
    }
  }

  // A GSO batch has the layout UDP_SEGMENT needs: every segment but the last
  // exactly segment_size bytes, at most 64 of them, within one IP packet.
  void check_batch(const Transmit& t) {
    if (t.segment_size == 0) return;
    ASSERT_GT(t.data.size(), t.segment_size);
    ASSERT_LE(t.segments(), 64u);
    ASSERT_LE(t.data.size(), 65000u);
    ASSERT_LE(t.segment(t.segments() - 1).size(), t.segment_size);
    ++gso_batches_;
    gso_segments_ += t.segments();
  }

  Instant now_ = Instant::from_nanos(1'000'000'000);
  std::vector<Node> nodes_;
  std::priority_queue<Flight, std::vector<Flight>, std::greater<>> flights_;
  FaultInjector faults_;
  uint64_t seq_ = 0;
  uint64_t delivered_ = 0;
  uint64_t gso_batches_ = 0, gso_segments_ = 0;
};

TEST(QuicSim, HandshakeAndEchoOverConcurrentStreams) {
  QuicConfig small;
  small.stream_window = 64 * 1024;  // force flow-control round trips
  small.connection_window = 256 * 1024;
  small.max_send_buffer = 48 * 1024;  // force partial writes (backpressure)
  Sim sim;
  size_t server = sim.add(1, {kEchoAlpn}, small);
  size_t client = sim.add(2, {}, small);
  testing::EchoServer echo;
  testing::EchoClient cl(8, 300 * 1024);
  sim.node(server).app = [&](Endpoint& ep, const EndpointEvent& e, Instant now) {
    echo.on_event(ep, e, now);
  };
  sim.node(client).app = [&](Endpoint& ep, const EndpointEvent& e, Instant now) {
    cl.on_event(ep, e, now);
  };
  auto h = sim.node(client).ep->connect(sim.addr_of(server), kEchoAlpn, sim.now());
  ASSERT_TRUE(h);
  cl.conn_ = *h;
  ASSERT_TRUE(sim.run_until([&] { return cl.done() || cl.closed_; }, 60s)) << cl.error_;
  EXPECT_TRUE(cl.all_correct());
  EXPECT_EQ(cl.peer_, sim.node(server).ep->node_id().to_string());
  ASSERT_EQ(echo.peers_.size(), 1u);
  EXPECT_EQ(echo.peers_.begin()->second, sim.node(client).ep->node_id().to_string());
  EXPECT_GE(sim.node(server).ep->stats().disco_pings_received, 1u);
  EXPECT_GE(sim.node(client).ep->stats().disco_pongs_received, 1u);

  // Clean close: both sides see kClosed without an error and drop the state.
  sim.node(client).ep->connection(*h)->close(0, "bye", sim.now());
  ASSERT_TRUE(sim.run_until(
      [&] {
        return sim.node(client).ep->connection_count() == 0 &&
               sim.node(server).ep->connection_count() == 0;
      },
      30s));
  EXPECT_TRUE(cl.closed_);
  EXPECT_EQ(cl.error_, "");
}

TEST(QuicSim, HostileDatagramsAreIgnored) {
  // Found by fuzz_endpoint_datagram: an empty datagram aborted in ngtcp2.
  Sim sim;
  size_t server = sim.add(1, {kEchoAlpn});
  Endpoint& ep = *sim.node(server).ep;
  SocketAddr from = *SocketAddr::parse("10.9.9.9:9");
  ep.on_datagram(from, ByteView(), sim.now());
  for (size_t n : {1, 5, 38, 1200}) {
    Bytes junk(n, 0xc3);  // long header, version garbage
    ep.on_datagram(from, junk, sim.now());
  }
  std::vector<Transmit> out;
  ep.poll_transmit(sim.now(), out);
  EXPECT_EQ(ep.connection_count(), 0u);
}

TEST(QuicSim, DialMovesToTheAddressThatAnswersPings) {
  Sim sim;
  size_t server = sim.add(1, {kEchoAlpn});
  size_t client = sim.add(2, {});
  testing::EchoServer echo;
  testing::EchoClient cl(1, 1000);
  sim.node(server).app = [&](Endpoint& ep, const EndpointEvent& e, Instant now) {
    echo.on_event(ep, e, now);
  };
  sim.node(client).app = [&](Endpoint& ep, const EndpointEvent& e, Instant now) {
    cl.on_event(ep, e, now);
  };
  NodeAddr addr = sim.addr_of(server);
  // A dead address that sorts first: the Initial goes there and is lost.
  addr.direct_addresses.insert(addr.direct_addresses.begin(), *SocketAddr::parse("10.0.0.0:1"));
  auto h = sim.node(client).ep->connect(addr, kEchoAlpn, sim.now());
  ASSERT_TRUE(h);
  cl.conn_ = *h;
  ASSERT_TRUE(sim.run_until([&] { return cl.done() || cl.closed_; }, 20s)) << cl.error_;
  EXPECT_TRUE(cl.all_correct());
  EXPECT_EQ(sim.node(client).ep->connection(*h)->remote(), sim.addr_of(server).direct_addresses[0]);
}

TEST(QuicSim, RestartedPeerResetsStaleConnectionsStatelessly) {
  Sim sim;
  size_t server = sim.add(1, {kEchoAlpn});
  size_t client = sim.add(2, {});
  testing::EchoServer echo;
  testing::EchoClient cl(1, 1000);
  sim.node(server).app = [&](Endpoint& ep, const EndpointEvent& e, Instant now) {
    echo.on_event(ep, e, now);
  };
  sim.node(client).app = [&](Endpoint& ep, const EndpointEvent& e, Instant now) {
    cl.on_event(ep, e, now);
  };
  auto h = sim.node(client).ep->connect(sim.addr_of(server), kEchoAlpn, sim.now());
  ASSERT_TRUE(h);
  cl.conn_ = *h;
  ASSERT_TRUE(sim.run_until([&] { return cl.done(); }, 20s));
  sim.restart(server, 1, {kEchoAlpn});
  Instant restarted = sim.now();
  // The client's next packet (keep-alive at the latest) meets the new
  // endpoint, which answers with a stateless reset the client recognises:
  // closed long before the 30 s idle timeout.
  ASSERT_TRUE(sim.run_until([&] { return cl.closed_; }, 20s));
  EXPECT_LT(sim.now() - restarted, 10s);
  EXPECT_GE(sim.node(server).ep->stats().stateless_resets_sent, 1u);
}

TEST(QuicSim, WrongNodeIdIsRefused) {
  Sim sim;
  size_t server = sim.add(1, {kEchoAlpn});
  size_t client = sim.add(2, {});
  size_t other = sim.add(3, {});
  testing::EchoClient cl(1, 10);
  sim.node(client).app = [&](Endpoint& ep, const EndpointEvent& e, Instant now) {
    cl.on_event(ep, e, now);
  };
  NodeAddr wrong = sim.addr_of(server);
  wrong.node_id = sim.node(other).ep->node_id();  // expect someone else's key
  auto h = sim.node(client).ep->connect(wrong, kEchoAlpn, sim.now());
  ASSERT_TRUE(h);
  cl.conn_ = *h;
  ASSERT_TRUE(sim.run_until([&] { return cl.closed_; }, 30s));
  EXPECT_FALSE(cl.handshake_done_);
  EXPECT_NE(cl.error_.find("peer key refused"), std::string::npos) << cl.error_;
}

TEST(QuicSim, UnknownAlpnIsRefused) {
  Sim sim;
  size_t server = sim.add(1, {kEchoAlpn});
  size_t client = sim.add(2, {});
  testing::EchoClient cl(1, 10);
  sim.node(client).app = [&](Endpoint& ep, const EndpointEvent& e, Instant now) {
    cl.on_event(ep, e, now);
  };
  auto h = sim.node(client).ep->connect(sim.addr_of(server), "/not-served/1", sim.now());
  ASSERT_TRUE(h);
  cl.conn_ = *h;
  ASSERT_TRUE(sim.run_until([&] { return cl.closed_; }, 30s));
  EXPECT_FALSE(cl.handshake_done_);
  EXPECT_FALSE(cl.error_.empty());
}

TEST(QuicSim, CompletesUnderLossDelayReorderAndDuplication) {
  FaultConfig f;
  f.drop = 0.05;
  f.delay = 50ms;
  f.jitter = 5ms;
  f.reorder = 0.05;
  f.duplicate = 0.02;
  Sim sim(f, test_seed());
  size_t server = sim.add(1, {kEchoAlpn});
  size_t client = sim.add(2, {});
  testing::EchoServer echo;
  testing::EchoClient cl(4, 200 * 1024);
  sim.node(server).app = [&](Endpoint& ep, const EndpointEvent& e, Instant now) {
    echo.on_event(ep, e, now);
  };
  sim.node(client).app = [&](Endpoint& ep, const EndpointEvent& e, Instant now) {
    cl.on_event(ep, e, now);
  };
  auto h = sim.node(client).ep->connect(sim.addr_of(server), kEchoAlpn, sim.now());
  ASSERT_TRUE(h);
  cl.conn_ = *h;
  ASSERT_TRUE(sim.run_until([&] { return cl.done() || cl.closed_; }, 120s)) << cl.error_;
  EXPECT_TRUE(cl.all_correct()) << cl.error_;
  std::printf("simulated %.3f s, %llu datagrams\n",
              (sim.now() - Instant::from_nanos(1'000'000'000)).count() / 1e9,
              static_cast<unsigned long long>(sim.delivered()));
}

TEST(QuicSim, GsoBatchesDeliverEveryStreamUnderLossAndReordering) {
  FaultConfig f;
  f.drop = 0.03;
  f.delay = 20ms;
  f.jitter = 3ms;
  f.reorder = 0.05;
  Sim sim(f, test_seed());
  size_t server = sim.add(1, {kEchoAlpn}, {}, 16);
  size_t client = sim.add(2, {}, {}, 16);
  testing::EchoServer echo;
  testing::EchoClient cl(4, 400 * 1024);
  sim.node(server).app = [&](Endpoint& ep, const EndpointEvent& e, Instant now) {
    echo.on_event(ep, e, now);
  };
  sim.node(client).app = [&](Endpoint& ep, const EndpointEvent& e, Instant now) {
    cl.on_event(ep, e, now);
  };
  auto h = sim.node(client).ep->connect(sim.addr_of(server), kEchoAlpn, sim.now());
  ASSERT_TRUE(h);
  cl.conn_ = *h;
  ASSERT_TRUE(sim.run_until([&] { return cl.done() || cl.closed_; }, 120s)) << cl.error_;
  EXPECT_TRUE(cl.all_correct()) << cl.error_;
  // Bulk data went out in batches of several packets.
  EXPECT_GT(sim.gso_batches(), 0u);
  EXPECT_GT(sim.gso_segments(), 2 * sim.gso_batches());
}

}  // namespace
}  // namespace ferry::net
