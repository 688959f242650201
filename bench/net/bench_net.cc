// bench_net: Ferry's QUIC endpoint and blobs protocol on loopback, server and
// client each on their own thread. Prints one figure per line:
//   handshake latency to a fresh peer (Ferry→Ferry, and Ferry→iroh when the
//   interop node is installed), raw stream throughput, verified blob
//   transfer throughput (memory stores), small-blob rate, peak RSS, and,
//   with the interop node, a same-run 100 MiB comparison against iroh 0.35.
// Usage: bench_net [blob_MiB=128] [small_blobs=2000]
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

#include "blobs/mem_store.h"
#include "core/prng.h"
#include "crypto/blake3.h"
#include "net/interop_testing.h"
#include "net/ticket.h"
#include "proto/blobs/blobs_protocol.h"

using namespace ferry;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

struct Node {
  asio::io_context io;
  std::unique_ptr<net::UdpDriver> driver;
  std::thread thread;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;

  explicit Node(net::AlpnRouter router) {
    driver = std::move(*net::UdpDriver::create(
        io, net::SecretKey::generate(), *net::SocketAddr::parse("127.0.0.1:0"), std::move(router)));
    guard.emplace(asio::make_work_guard(io));
    thread = std::thread([this] { io.run(); });
  }
  ~Node() {
    std::atomic<bool> gone{false};
    asio::post(io, [&] {
      driver.reset();
      gone = true;
    });
    while (!gone) std::this_thread::sleep_for(1ms);
    guard.reset();
    io.stop();
    thread.join();
  }
};

bool wait_for(const std::function<bool()>& done, Duration limit) {
  auto end = Clock::now() + limit;
  while (!done() && Clock::now() < end) std::this_thread::sleep_for(200us);
  return done();
}

struct HandshakeProbe : net::ProtocolHandler {
  std::atomic<bool> done{false}, failed{false};
  void on_event(net::UdpDriver&, uint64_t, const net::ConnectionEvent& e) override {
    if (e.kind == net::ConnectionEvent::Kind::kHandshakeCompleted) done = true;
    if (e.kind == net::ConnectionEvent::Kind::kClosed && !done) failed = true;
  }
};

// Median handshake time of `n` fresh client endpoints dialing `addr`.
double handshake_ms(const net::NodeAddr& addr, const std::string& alpn, int n) {
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    Node client{net::AlpnRouter{}};
    auto probe = std::make_shared<HandshakeProbe>();
    auto start = Clock::now();
    asio::post(client.io, [&] { (void)client.driver->connect(addr, alpn, probe); });
    if (!wait_for([&] { return probe->done || probe->failed; }, 10s) || !probe->done) return -1;
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

// Raw stream throughput: the client sends `total` bytes on one stream, the
// server reads and discards them.
struct Sink : net::ProtocolHandler {
  std::atomic<uint64_t> received{0};
  std::atomic<bool> fin{false};
  void on_event(net::UdpDriver& d, uint64_t conn, const net::ConnectionEvent& e) override {
    if (e.kind != net::ConnectionEvent::Kind::kStreamReadable) return;
    auto* c = d.connection(conn);
    if (!c) return;
    for (;;) {
      auto r = c->read(e.stream, 1 << 20);
      if (!r) return;
      received += r->data.size();
      if (r->fin) {
        fin = true;
        (void)c->write(e.stream, {}, true);
      }
      if (r->data.empty()) return;
    }
  }
};

struct Source : net::ProtocolHandler {
  uint64_t total, sent = 0;
  int64_t stream = -1;
  Bytes chunk = Bytes(256 * 1024, 0xab);
  explicit Source(uint64_t t) : total(t) {}
  void on_event(net::UdpDriver& d, uint64_t conn, const net::ConnectionEvent& e) override {
    auto* c = d.connection(conn);
    if (!c) return;
    if (e.kind == net::ConnectionEvent::Kind::kHandshakeCompleted) stream = *c->open_bidi();
    if (stream < 0) return;
    while (sent < total) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(chunk.size(), total - sent));
      auto w = c->write(stream, ByteView(chunk).first(n), sent + n == total);
      if (!w || *w == 0) return;
      sent += *w;
      if (*w < n) return;
    }
  }
};

long peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t blob_mib = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 128;
  int small = argc > 2 ? std::atoi(argv[2]) : 2000;
  const std::string alpn(proto::blobs::kAlpn);

  auto store = blobs::make_mem_store();
  Prng prng(1);
  Bytes big(blob_mib << 20);
  for (auto& b : big) b = static_cast<uint8_t>(prng.next());
  auto big_import = store->import_bytes(big);
  std::vector<crypto::Hash> small_hashes;
  std::vector<blobs::TempTag> tags;
  for (int i = 0; i < small; ++i) {
    Bytes b(4096);
    for (auto& x : b) x = static_cast<uint8_t>(prng.next());
    auto r = store->import_bytes(b);
    small_hashes.push_back(r->hash);
    tags.push_back(std::move(r->tag));
  }
  big = Bytes();

  auto provider = std::make_shared<proto::blobs::BlobsProvider>(*store, 2);
  auto sink = std::make_shared<Sink>();
  net::AlpnRouter router;
  (void)router.add(alpn, provider);
  (void)router.add("/ferry-bench-sink/0", sink);
  auto server = std::make_unique<Node>(std::move(router));
  net::NodeAddr addr = server->driver->node_addr();

  std::printf("handshake_ferry_to_ferry_median: %.2f ms\n", handshake_ms(addr, alpn, 20));

  {  // raw stream throughput
    const uint64_t total = 512ull << 20;
    Node client{net::AlpnRouter{}};
    auto source = std::make_shared<Source>(total);
    auto start = Clock::now();
    asio::post(client.io,
               [&] { (void)client.driver->connect(addr, "/ferry-bench-sink/0", source); });
    wait_for([&] { return sink->fin.load(); }, 120s);
    double s = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("quic_stream_throughput: %.1f MB/s\n", sink->received / s / 1e6);
    std::printf("quic_stream_datagrams_sent_client: %llu\n",
                static_cast<unsigned long long>(client.driver->datagrams_sent()));
    std::printf("quic_stream_datagrams_received_server: %llu\n",
                static_cast<unsigned long long>(server->driver->datagrams_received()));
  }

  {  // verified blob transfer into a memory store
    auto dst = blobs::make_mem_store();
    Node client{net::AlpnRouter{}};
    auto getter = std::make_shared<proto::blobs::BlobsGetter>(*dst);
    std::atomic<bool> done{false};
    Status result = ok();
    auto start = Clock::now();
    asio::post(client.io, [&] {
      (void)client.driver->connect(addr, alpn, getter);
      getter->fetch({big_import->hash, bao::RangeSpecSeq::single(bao::ChunkRanges::all())},
                    [&](Status s) {
                      result = s;
                      done = true;
                    });
    });
    wait_for([&] { return done.load(); }, 300s);
    double s = std::chrono::duration<double>(Clock::now() - start).count();
    if (!result) std::printf("blob_transfer_error: %s\n", result.error().to_string().c_str());
    std::printf("blob_transfer_%llumib_throughput: %.1f MB/s\n",
                static_cast<unsigned long long>(blob_mib), (blob_mib << 20) / s / 1e6);
  }

  {  // many small blobs over one connection
    auto dst = blobs::make_mem_store();
    Node client{net::AlpnRouter{}};
    auto getter = std::make_shared<proto::blobs::BlobsGetter>(*dst);
    std::atomic<int> done{0}, failed{0};
    auto start = Clock::now();
    asio::post(client.io, [&] {
      (void)client.driver->connect(addr, alpn, getter);
      for (const auto& h : small_hashes) {
        getter->fetch({h, bao::RangeSpecSeq::single(bao::ChunkRanges::all())}, [&](Status s) {
          if (!s) ++failed;
          ++done;
        });
      }
    });
    wait_for([&] { return done.load() == small; }, 300s);
    double s = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("small_blobs_4kib_rate: %.0f blobs/s\n", done / s);
    if (failed) std::printf("small_blobs_failed: %d\n", failed.load());
  }

  std::string why;
  if (net::testing::interop_available(why)) {
    net::testing::IrohNode iroh, iroh_b;
    if (iroh.start({}).empty() && iroh_b.start({}).empty()) {
      std::printf("handshake_ferry_to_iroh_median: %.2f ms\n",
                  handshake_ms(iroh.node_addr(), alpn, 20));
      // Same-run comparison, 100 MiB: iroh B downloads from iroh A and from
      // Ferry (download + export + SHA-256 on B's side, identical for both),
      // and Ferry fetches from iroh A (verified into a memory store).
      constexpr size_t kSize = 100u << 20;
      Bytes data(kSize);
      for (auto& b : data) b = static_cast<uint8_t>(prng.next());
      std::string file = "/tmp/ferry_bench_net_" + std::to_string(getpid()) + ".bin";
      {
        std::FILE* f = std::fopen(file.c_str(), "wb");
        std::fwrite(data.data(), 1, data.size(), f);
        std::fclose(f);
      }
      auto added = iroh.command({{"cmd", "add_file"}, {"path", file}}, 120s);
      std::remove(file.c_str());
      crypto::Hash hash = crypto::blake3(data);
      if (!added.is_null() && added["ok"].get<bool>()) {
        net::BlobTicket from_iroh{iroh.node_addr(), net::BlobFormat::kRaw, hash};
        auto start = Clock::now();
        auto r = iroh_b.command({{"cmd", "download"}, {"ticket", from_iroh.to_string()}}, 300s);
        double s = std::chrono::duration<double>(Clock::now() - start).count();
        if (!r.is_null() && r["ok"].get<bool>()) {
          std::printf("iroh_downloads_100mib_from_iroh: %.2f s\n", s);
        }
        // Ferry fetches the same blob from iroh A.
        auto dst = blobs::make_mem_store();
        Node client{net::AlpnRouter{}};
        auto getter = std::make_shared<proto::blobs::BlobsGetter>(*dst);
        std::atomic<bool> done{false};
        Status result = ok();
        start = Clock::now();
        asio::post(client.io, [&] {
          (void)client.driver->connect(iroh.node_addr(), alpn, getter);
          getter->fetch({hash, bao::RangeSpecSeq::single(bao::ChunkRanges::all())}, [&](Status st) {
            result = st;
            done = true;
          });
        });
        wait_for([&] { return done.load(); }, 300s);
        s = std::chrono::duration<double>(Clock::now() - start).count();
        if (result) std::printf("ferry_fetches_100mib_from_iroh: %.1f MB/s\n", kSize / s / 1e6);
      }
      // iroh B downloads different 100 MiB from Ferry.
      for (auto& b : data) b = static_cast<uint8_t>(prng.next());
      auto imported = store->import_bytes(data);
      data = Bytes();
      if (imported) {
        net::BlobTicket from_ferry{addr, net::BlobFormat::kRaw, imported->hash};
        auto start = Clock::now();
        auto r = iroh_b.command({{"cmd", "download"}, {"ticket", from_ferry.to_string()}}, 300s);
        double s = std::chrono::duration<double>(Clock::now() - start).count();
        if (!r.is_null() && r["ok"].get<bool>()) {
          std::printf("iroh_downloads_100mib_from_ferry: %.2f s\n", s);
        }
      }
    }
  } else {
    std::printf("handshake_ferry_to_iroh_median: skipped (%s)\n", why.c_str());
  }
  provider->shutdown();
  server.reset();
  std::printf("peak_rss_process: %ld MiB\n", peak_rss_mib());
  return 0;
}
