// bench_peer: one side of tools/bench-transport.sh's small-blob and
// handshake figures, each side its own process. It uses only what a Ferry
// node uses (node::Node on a data directory with its file store, the blobs
// getter on the node's endpoint), so it measures whatever main has.
//
// DIR is a data directory for a node::Node (its file store, as `ferry start`
// uses), or "mem": a memory store on a bare endpoint with the blobs provider
// (the transport and protocol without the disk).
//
//   bench_peer serve DIR COUNT SIZE HASHES_OUT
//       Starts a node on DIR, imports COUNT random blobs of SIZE bytes as one
//       collection, writes the blob hashes (base32, one a line) to
//       HASHES_OUT, prints {"ticket": collection blob ticket, "import_ms"}
//       and serves until stdin closes.
//   bench_peer fetch DIR TICKET HASHES_FILE CONCURRENCY
//       Starts a node on DIR, dials the ticket's node once and requests
//       every hash of HASHES_FILE (whole blob each, one request stream per
//       blob) over that one connection, CONCURRENCY requests in flight.
//       Prints {"count", "ms", "commits"} (dial included) after checking
//       every blob is complete in the store; "commits": transactions of the
//       file store's group committer (0 on "mem").
//   bench_peer get DIR TICKET
//       Starts a node on DIR and fetches the ticket (a collection ticket:
//       one request for the HashSeq and all children) over one connection.
//       Prints {"children", "ms", "commits"} after checking the collection
//       is complete.
//   bench_peer handshake TICKET N
//       N times: a fresh endpoint with a fresh key dials the ticket's node
//       (/iroh-bytes/4) until the QUIC handshake completes. Prints
//       {"median_ms", "min_ms", "max_ms"}.
// Exit code 1 with a message on stderr when anything fails.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "blobs/file_store.h"
#include "blobs/hash_seq.h"
#include "blobs/mem_store.h"
#include "core/prng.h"
#include "crypto/blake3.h"
#include "node/node.h"

using namespace ferry;
using Clock = std::chrono::steady_clock;

namespace {

int fail(const std::string& what) {
  std::fprintf(stderr, "bench_peer: %s\n", what.c_str());
  return 1;
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// One peer: a node on a data directory, or a memory store on a bare
// endpoint (DIR "mem"). The io_context runs on the caller's choice of thread.
class Side {
 public:
  static Result<std::unique_ptr<Side>> start(asio::io_context& io, const std::string& dir) {
    auto side = std::unique_ptr<Side>(new Side());
    if (dir == "mem") {
      side->mem_store_ = blobs::make_mem_store();
      side->provider_ = std::make_shared<proto::blobs::BlobsProvider>(*side->mem_store_);
      net::AlpnRouter router;
      FERRY_TRY(router.add(std::string(proto::blobs::kAlpn), side->provider_));
      FERRY_ASSIGN(side->driver_, net::UdpDriver::create(io, net::SecretKey::generate(),
                                                         net::SocketAddr::v4({127, 0, 0, 1}, 0),
                                                         std::move(router)));
      side->addr_ = side->driver_->node_addr();
      return side;
    }
    node::NodeOptions options;
    options.data_dir = dir;
    options.control = false;
    options.ephemeral_key = true;
    FERRY_ASSIGN(side->node_, node::Node::start(io, options));
    side->addr_ = side->node_->addr();
    return side;
  }
  blobs::Store& store() { return node_ ? node_->store() : *mem_store_; }
  net::UdpDriver& driver() { return node_ ? node_->driver() : *driver_; }
  const net::NodeAddr& addr() const { return addr_; }
  ~Side() { shutdown(); }
  // Requires: the io_context is not running. Idempotent.
  void shutdown() {
    if (node_) node_->shutdown();
    if (provider_) provider_->shutdown();
    driver_.reset();
  }

 private:
  Side() = default;
  std::unique_ptr<node::Node> node_;
  std::unique_ptr<blobs::Store> mem_store_;
  std::shared_ptr<proto::blobs::BlobsProvider> provider_;
  std::unique_ptr<net::UdpDriver> driver_;
  net::NodeAddr addr_;
};

int serve(const std::string& dir, uint64_t count, size_t size, const std::string& hashes_out) {
  asio::io_context io;
  auto node = Side::start(io, dir);
  if (!node) return fail("starting the node: " + node.error().to_string());
  Prng prng(0x5eed);
  std::vector<std::pair<std::string, Bytes>> files;
  files.reserve(count);
  std::ofstream out(hashes_out);
  for (uint64_t i = 0; i < count; ++i) {
    Bytes b(size);
    for (auto& x : b) x = static_cast<uint8_t>(prng.next());
    out << crypto::blake3(b).to_string() << "\n";
    files.emplace_back("blob-" + std::to_string(i), std::move(b));
  }
  out.close();
  if (!out) return fail("writing " + hashes_out);
  auto start = Clock::now();
  auto col = blobs::import_collection((*node)->store(), files);
  if (!col) return fail("importing: " + col.error().to_string());
  double import_ms = ms_since(start);
  files.clear();
  auto guard = asio::make_work_guard(io);
  std::thread net([&] { io.run(); });
  net::BlobTicket ticket{(*node)->addr(), net::BlobFormat::kHashSeq, col->hash};
  std::printf("{\"ticket\": \"%s\", \"import_ms\": %.1f}\n", ticket.to_string().c_str(), import_ms);
  std::fflush(stdout);
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  guard.reset();
  io.stop();
  net.join();
  (*node)->shutdown();
  return 0;
}

int fetch(const std::string& dir, const std::string& ticket_text, const std::string& hashes_file,
          size_t concurrency) {
  auto ticket = net::BlobTicket::parse(ticket_text);
  if (!ticket) return fail("bad ticket: " + ticket.error().to_string());
  std::vector<crypto::Hash> hashes;
  std::ifstream in(hashes_file);
  if (!in) return fail("cannot read " + hashes_file);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto h = crypto::Hash::parse(line);
    if (!h) return fail("bad hash in " + hashes_file + ": " + line);
    hashes.push_back(*h);
  }
  asio::io_context io;
  auto node = Side::start(io, dir);
  if (!node) return fail("starting the node: " + node.error().to_string());
  auto getter = std::make_shared<proto::blobs::BlobsGetter>((*node)->store());
  size_t next = 0, finished = 0;
  std::optional<Error> error;
  std::function<void()> issue = [&] {
    while (next < hashes.size() && next - finished < concurrency) {
      getter->fetch({hashes[next++], bao::RangeSpecSeq::single(bao::ChunkRanges::all())},
                    [&](Status s) {
                      ++finished;
                      if (!s && !error) error = s.error();
                      if (error || finished == hashes.size()) {
                        io.stop();
                        return;
                      }
                      issue();
                    });
    }
  };
  auto start = Clock::now();
  auto conn = (*node)->driver().connect(ticket->node, std::string(proto::blobs::kAlpn), getter);
  if (!conn) return fail("dialing: " + conn.error().to_string());
  issue();
  if (!hashes.empty()) io.run();
  double ms = ms_since(start);
  if (error) return fail("fetching: " + error->to_string());
  for (const auto& h : hashes) {
    auto st = (*node)->store().status(h);
    if (!st || !st->is_complete()) return fail("not complete after fetch: " + h.to_string());
  }
  auto commits = blobs::file_store_counters((*node)->store()).group_commits;
  (*node)->shutdown();
  std::printf("{\"count\": %zu, \"ms\": %.1f, \"commits\": %llu}\n", hashes.size(), ms,
              static_cast<unsigned long long>(commits));
  return 0;
}

int get(const std::string& dir, const std::string& ticket_text) {
  auto ticket = net::BlobTicket::parse(ticket_text);
  if (!ticket) return fail("bad ticket: " + ticket.error().to_string());
  asio::io_context io;
  auto node = Side::start(io, dir);
  if (!node) return fail("starting the node: " + node.error().to_string());
  auto getter = std::make_shared<proto::blobs::BlobsGetter>((*node)->store());
  std::optional<Status> result;
  auto start = Clock::now();
  auto conn = (*node)->driver().connect(ticket->node, std::string(proto::blobs::kAlpn), getter);
  if (!conn) return fail("dialing: " + conn.error().to_string());
  getter->fetch({ticket->hash, bao::RangeSpecSeq::all()}, [&](Status s) {
    result = s;
    io.stop();
  });
  io.run();
  double ms = ms_since(start);
  if (!result) return fail("fetch ended without a result");
  if (!*result) return fail("fetching: " + result->error().to_string());
  auto st = blobs::collection_status((*node)->store(), ticket->hash);
  if (!st || !st->is_complete()) return fail("collection not complete after fetch");
  auto commits = blobs::file_store_counters((*node)->store()).group_commits;
  (*node)->shutdown();
  std::printf("{\"children\": %zu, \"ms\": %.1f, \"commits\": %llu}\n", st->children.size(), ms,
              static_cast<unsigned long long>(commits));
  return 0;
}

struct HandshakeProbe : net::ProtocolHandler {
  bool done = false, failed = false;
  asio::io_context* io = nullptr;
  void on_event(net::UdpDriver&, uint64_t, const net::ConnectionEvent& e) override {
    if (e.kind == net::ConnectionEvent::Kind::kHandshakeCompleted) done = true;
    if (e.kind == net::ConnectionEvent::Kind::kClosed && !done) failed = true;
    if (done || failed) io->stop();
  }
};

int handshake(const std::string& ticket_text, int n) {
  auto ticket = net::BlobTicket::parse(ticket_text);
  if (!ticket) return fail("bad ticket: " + ticket.error().to_string());
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    asio::io_context io;
    auto driver = net::UdpDriver::create(io, net::SecretKey::generate(),
                                         *net::SocketAddr::parse("127.0.0.1:0"), net::AlpnRouter{});
    if (!driver) return fail("endpoint: " + driver.error().to_string());
    auto probe = std::make_shared<HandshakeProbe>();
    probe->io = &io;
    auto start = Clock::now();
    auto conn = (*driver)->connect(ticket->node, std::string(proto::blobs::kAlpn), probe);
    if (!conn) return fail("dialing: " + conn.error().to_string());
    io.run_for(std::chrono::seconds(10));
    if (!probe->done) return fail("handshake " + std::to_string(i) + " did not complete");
    ms.push_back(ms_since(start));
    driver->reset();
  }
  std::sort(ms.begin(), ms.end());
  std::printf("{\"median_ms\": %.3f, \"min_ms\": %.3f, \"max_ms\": %.3f}\n", ms[ms.size() / 2],
              ms.front(), ms.back());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> a(argv + 1, argv + argc);
  if (a.size() == 5 && a[0] == "serve") {
    return serve(a[1], std::stoull(a[2]), std::stoull(a[3]), a[4]);
  }
  if (a.size() == 5 && a[0] == "fetch") return fetch(a[1], a[2], a[3], std::stoull(a[4]));
  if (a.size() == 3 && a[0] == "get") return get(a[1], a[2]);
  if (a.size() == 3 && a[0] == "handshake" && std::stoi(a[2]) > 0) {
    return handshake(a[1], std::stoi(a[2]));
  }
  std::fprintf(stderr,
               "usage: bench_peer serve DIR COUNT SIZE HASHES_OUT\n"
               "       bench_peer fetch DIR TICKET HASHES_FILE CONCURRENCY\n"
               "       bench_peer get DIR TICKET\n"
               "       bench_peer handshake TICKET N\n");
  return 2;
}
