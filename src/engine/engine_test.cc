// Two engines in one process over loopback QUIC: share/join, both
// directions with a prefix delete, an unknown document refused with
// NotFound, live mode after a local insert, persisted peers, and the
// ContentSink calls. Every wait is bounded.
#include "engine/engine.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/encoding.h"
#include "crypto/blake3.h"
#include "engine/state_file.h"
#include "proto/sync/compact_sync_message.h"

namespace ferry::engine {
namespace {

using namespace std::chrono_literals;

bool run_until(asio::io_context& io, const std::function<bool()>& done, Duration limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < end) {
    io.run_for(20ms);
    if (io.stopped()) io.restart();
  }
  return done();
}

uint64_t now_us() {
  using namespace std::chrono;
  return static_cast<uint64_t>(
      duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
}

struct RecordingSink : ContentSink {
  struct Insert {
    docs::NamespaceId ns;
    std::string key;
    crypto::PublicKey from;
    reconcile::ContentStatus status;
  };
  std::vector<Insert> inserts;
  std::vector<std::pair<docs::NamespaceId, crypto::PublicKey>> finished;
  void on_remote_insert(const docs::NamespaceId& ns, const docs::SignedEntry& e,
                        const crypto::PublicKey& from, reconcile::ContentStatus s) override {
    inserts.push_back({ns, std::string(as_string_view(e.key())), from, s});
  }
  void on_sync_finished(const docs::NamespaceId& ns, const crypto::PublicKey& peer) override {
    finished.emplace_back(ns, peer);
  }
};

struct TestNode {
  std::unique_ptr<docs::Store> store;
  RecordingSink sink;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<net::UdpDriver> driver;
  docs::Author author = docs::Author::generate();

  // serve_compact: also answer /ferry-sync/1, as a Ferry node does (false:
  // only /iroh-sync/1, as an iroh node).
  void start(asio::io_context& io, EngineOptions options = {}, bool serve_compact = true) {
    store = std::move(*docs::Store::open(":memory:"));
    ASSERT_TRUE(store->import_author(author));
    engine = std::make_unique<Engine>(*store, nullptr, sink, options);
    net::AlpnRouter router;
    ASSERT_TRUE(router.add(std::string(proto::sync::kAlpn), engine->handler()));
    if (serve_compact) {
      ASSERT_TRUE(router.add(std::string(proto::sync::kCompactAlpn), engine->handler()));
    }
    auto d = net::UdpDriver::create(io, net::SecretKey::generate(),
                                    *net::SocketAddr::parse("127.0.0.1:0"), std::move(router));
    ASSERT_TRUE(d);
    driver = std::move(*d);
    ASSERT_TRUE(engine->start(*driver));
  }
  ~TestNode() {
    if (engine) engine->shutdown();
    engine.reset();
    driver.reset();
  }
  net::NodeAddr addr() const { return driver->node_addr(); }
  void set(const docs::NamespaceId& ns, const std::string& key, const std::string& value) {
    auto e = store->insert_local(ns, author.id(), as_bytes(key), crypto::blake3(as_bytes(value)),
                                 value.size(), now_us());
    ASSERT_TRUE(e) << e.error().to_string();
  }
  // Every stored entry (tombstones included) as postcard hex, in id order.
  std::vector<std::string> all(const docs::NamespaceId& ns) {
    docs::Query q;
    q.include_empty = true;
    q.sort_by = docs::Query::SortBy::kAuthorKey;
    std::vector<std::string> out;
    auto rows = store->query(ns, q);
    EXPECT_TRUE(rows);
    for (const auto& e : *rows) out.push_back(hex_encode(e.to_bytes()));
    return out;
  }
};

// Explicit runs only: live mode would start runs of its own.
EngineOptions no_live() {
  EngineOptions o;
  o.live_debounce = std::chrono::hours(1);
  return o;
}

// Runs a.sync_doc(ns) and returns its single result.
Result<SyncReport> sync_once(asio::io_context& io, TestNode& a, const docs::NamespaceId& ns) {
  std::optional<std::vector<PeerSyncResult>> out;
  auto st = a.engine->sync_doc(ns, [&](std::vector<PeerSyncResult> r) { out = std::move(r); });
  if (!st) return tl::unexpected(st.error());
  if (!run_until(
          io, [&] { return out.has_value(); }, 20s)) {
    return make_error(ErrorCode::kTimeout, "no result");
  }
  EXPECT_EQ(out->size(), 1u);
  return std::move(out->at(0).result);
}

// A Ferry peer is offered /ferry-sync/1 first and picks it; a peer that
// serves only /iroh-sync/1 (as an iroh node) gets iroh's dialect. Both runs
// bring the joiner the same entries.
TEST(Engine, FerryPeersPickTheCompactDialectIrohOnlyPeersGetIroh) {
  asio::io_context io;
  for (bool serve_compact : {true, false}) {
    TestNode a, b;
    a.start(io, no_live(), serve_compact);
    b.start(io, no_live());
    auto secret = docs::NamespaceSecret::generate();
    auto ns = secret.id();
    ASSERT_TRUE(a.store->import_namespace(docs::Capability(secret)));
    for (int i = 0; i < 40; ++i) a.set(ns, "k/" + std::to_string(i), std::to_string(i));
    auto ticket = a.engine->share(ns, docs::CapabilityKind::kWrite, a.addr());
    ASSERT_TRUE(ticket) << ticket.error().to_string();
    std::optional<std::vector<PeerSyncResult>> joined;
    ASSERT_TRUE(b.engine->join(*ticket, [&](std::vector<PeerSyncResult> r) { joined = r; }));
    ASSERT_TRUE(run_until(
        io, [&] { return joined.has_value(); }, 20s));
    ASSERT_EQ(joined->size(), 1u);
    const auto& report = (*joined)[0].result;
    ASSERT_TRUE(report) << report.error().to_string();
    EXPECT_EQ(report->dialect,
              serve_compact ? proto::sync::Dialect::kCompact : proto::sync::Dialect::kIroh);
    EXPECT_EQ(report->inserted, 40u);
    EXPECT_GT(report->bytes_received, 0u);
    EXPECT_EQ(b.all(ns), a.all(ns));
  }
}

TEST(Engine, ShareJoinAndSyncBothWays) {
  asio::io_context io;
  TestNode a, b;
  a.start(io, no_live());
  b.start(io, no_live());
  auto secret = docs::NamespaceSecret::generate();
  auto ns = secret.id();
  ASSERT_TRUE(a.store->import_namespace(docs::Capability(secret)));
  for (int i = 0; i < 50; ++i) a.set(ns, "k/" + std::to_string(i), "value " + std::to_string(i));
  a.set(ns, "other", "x");

  auto ticket = a.engine->share(ns, docs::CapabilityKind::kWrite, a.addr());
  ASSERT_TRUE(ticket) << ticket.error().to_string();
  auto parsed = DocTicket::parse(ticket->to_string());
  ASSERT_TRUE(parsed);

  std::optional<std::vector<PeerSyncResult>> joined;
  ASSERT_TRUE(b.engine->join(*parsed, [&](std::vector<PeerSyncResult> r) { joined = r; }));
  ASSERT_TRUE(run_until(
      io, [&] { return joined.has_value(); }, 20s));
  ASSERT_EQ(joined->size(), 1u);
  ASSERT_TRUE((*joined)[0].result) << (*joined)[0].result.error().to_string();
  EXPECT_EQ((*joined)[0].result->received, 51u);
  EXPECT_EQ((*joined)[0].result->inserted, 51u);
  EXPECT_EQ((*joined)[0].result->sent, 0u);
  EXPECT_EQ(b.all(ns), a.all(ns));
  // B can write: the write secret came with the ticket.
  EXPECT_EQ(b.store->capability(ns)->kind(), docs::CapabilityKind::kWrite);
  // The sink heard every remote insert (from A) and the finished run.
  EXPECT_EQ(b.sink.inserts.size(), 51u);
  EXPECT_EQ(b.sink.inserts[0].from.bytes(), a.driver->endpoint().node_id().bytes());
  ASSERT_TRUE(run_until(
      io, [&] { return !a.sink.finished.empty(); }, 5s));
  EXPECT_FALSE(b.sink.finished.empty());
  // Both remember each other.
  EXPECT_EQ(b.engine->live().peers(ns).at(0).node_id, a.addr().node_id);
  EXPECT_EQ(a.engine->live().peers(ns).at(0).node_id, b.addr().node_id);

  // Both ways: B writes, A pulls from its learned peer B; A writes, B pulls.
  b.set(ns, "from-b", "hello");
  auto r = sync_once(io, a, ns);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->inserted, 1u);
  EXPECT_EQ(a.all(ns), b.all(ns));
  a.set(ns, "from-a", "hi");
  r = sync_once(io, b, ns);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->inserted, 1u);
  EXPECT_EQ(a.all(ns), b.all(ns));
  EXPECT_EQ(a.all(ns).size(), 53u);
}

// A prefix delete made on B reaches A when A pulls. (iroh 0.35 rules, spec
// §3.5 and the note of §4.6: a tombstone never blocks an older entry, so
// entries strictly under a deleted prefix, or a tombstone met by an older
// entry of its own key in the peer's first reply, come back; the deleter's
// tombstone must reach the other side in the first reply, as here.)
TEST(Engine, PrefixDeleteReachesPeer) {
  asio::io_context io;
  TestNode a, b;
  a.start(io, no_live());
  b.start(io, no_live());
  auto secret = docs::NamespaceSecret::generate();
  auto ns = secret.id();
  ASSERT_TRUE(a.store->import_namespace(docs::Capability(secret)));
  a.set(ns, "dir/x", "1");
  std::optional<std::vector<PeerSyncResult>> joined;
  auto ticket = a.engine->share(ns, docs::CapabilityKind::kWrite, a.addr());
  ASSERT_TRUE(ticket);
  ASSERT_TRUE(b.engine->join(*ticket, [&](std::vector<PeerSyncResult> r) { joined = r; }));
  ASSERT_TRUE(run_until(
      io, [&] { return joined.has_value(); }, 20s));
  ASSERT_EQ(b.all(ns).size(), 1u);
  // B deletes A's entry (as A's author, imported on B: deletes are per author).
  ASSERT_TRUE(b.store->import_author(a.author));
  auto del = b.store->delete_prefix(ns, a.author.id(), as_bytes("dir/x"), now_us());
  ASSERT_TRUE(del);
  EXPECT_EQ(*del, 1u);
  auto r = sync_once(io, a, ns);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->inserted, 1u);
  EXPECT_EQ(a.all(ns), b.all(ns));
  EXPECT_FALSE(a.store->get_exact(ns, a.author.id(), as_bytes("dir/x"))->has_value());
  docs::Query q;
  EXPECT_TRUE(a.store->query(ns, q)->empty());
  EXPECT_TRUE(b.store->query(ns, q)->empty());
}

TEST(Engine, UnknownDocumentIsNotFound) {
  asio::io_context io;
  TestNode a, b;
  a.start(io);
  b.start(io);
  auto secret = docs::NamespaceSecret::generate();
  ASSERT_TRUE(b.store->import_namespace(docs::Capability(secret)));
  b.set(secret.id(), "k", "v");
  std::optional<Result<SyncReport>> r;
  b.engine->sync_with(secret.id(), a.addr(), [&](Result<SyncReport> x) { r = std::move(x); });
  ASSERT_TRUE(run_until(
      io, [&] { return r.has_value(); }, 20s));
  ASSERT_FALSE(*r);
  EXPECT_EQ(r->error().code(), ErrorCode::kNotFound) << r->error().to_string();

  // Known to A but not shared (not syncing): NotFound as well.
  ASSERT_TRUE(a.store->import_namespace(docs::Capability(secret.id())));
  r.reset();
  b.engine->sync_with(secret.id(), a.addr(), [&](Result<SyncReport> x) { r = std::move(x); });
  ASSERT_TRUE(run_until(
      io, [&] { return r.has_value(); }, 20s));
  ASSERT_FALSE(*r);
  EXPECT_EQ(r->error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(b.engine->live().peers(secret.id()).empty());
  EXPECT_EQ(*a.store->entry_count(secret.id()), 0u);
}

// A peer that accepts the connection and the stream but never answers: the
// run ends with kTimeout after the engine's time limit.
TEST(Engine, SilentPeerTimesOut) {
  struct Silent : net::ProtocolHandler {
    void on_event(net::UdpDriver&, uint64_t, const net::ConnectionEvent&) override {}
  };
  asio::io_context io;
  net::AlpnRouter router;
  ASSERT_TRUE(router.add(std::string(proto::sync::kAlpn), std::make_shared<Silent>()));
  auto silent = net::UdpDriver::create(io, net::SecretKey::generate(),
                                       *net::SocketAddr::parse("127.0.0.1:0"), std::move(router));
  ASSERT_TRUE(silent);
  EngineOptions o = no_live();
  o.sync_timeout = 300ms;
  TestNode b;
  b.start(io, o);
  auto secret = docs::NamespaceSecret::generate();
  ASSERT_TRUE(b.store->import_namespace(docs::Capability(secret)));
  std::optional<Result<SyncReport>> r;
  b.engine->sync_with(secret.id(), (*silent)->node_addr(),
                      [&](Result<SyncReport> x) { r = std::move(x); });
  ASSERT_TRUE(run_until(
      io, [&] { return r.has_value(); }, 20s));
  ASSERT_FALSE(*r);
  EXPECT_EQ(r->error().code(), ErrorCode::kTimeout) << r->error().to_string();
  EXPECT_FALSE(b.engine->live().running(secret.id(), (*silent)->node_addr().node_id));
}

// Both nodes dial each other for the same document at once: the node with
// the greater id accepts, the other refuses with AlreadySyncing (or both
// runs complete when one ends before the other's Init arrives); either way
// at least one run succeeds and the replicas end equal.
TEST(Engine, SimultaneousDialsResolve) {
  asio::io_context io;
  TestNode a, b;
  a.start(io, no_live());
  b.start(io, no_live());
  auto secret = docs::NamespaceSecret::generate();
  auto ns = secret.id();
  ASSERT_TRUE(a.store->import_namespace(docs::Capability(secret)));
  ASSERT_TRUE(b.store->import_namespace(docs::Capability(secret)));
  for (int i = 0; i < 20; ++i) {
    a.set(ns, "a/" + std::to_string(i), "x");
    b.set(ns, "b/" + std::to_string(i), "y");
  }
  ASSERT_TRUE(a.engine->share(ns, docs::CapabilityKind::kWrite, a.addr()));
  ASSERT_TRUE(b.engine->share(ns, docs::CapabilityKind::kWrite, b.addr()));
  std::optional<Result<SyncReport>> ra, rb;
  a.engine->sync_with(ns, b.addr(), [&](Result<SyncReport> r) { ra = std::move(r); });
  b.engine->sync_with(ns, a.addr(), [&](Result<SyncReport> r) { rb = std::move(r); });
  ASSERT_TRUE(run_until(
      io, [&] { return ra && rb; }, 20s));
  EXPECT_TRUE(ra->has_value() || rb->has_value());
  for (auto* r : {&*ra, &*rb}) {
    if (!*r) {
      EXPECT_EQ(r->error().code(), ErrorCode::kAlreadyExists) << r->error().to_string();
    }
  }
  EXPECT_EQ(a.all(ns), b.all(ns));
  EXPECT_EQ(a.all(ns).size(), 40u);
}

TEST(Engine, LiveModeSyncsAfterLocalInsert) {
  asio::io_context io;
  EngineOptions o;
  o.live_debounce = 50ms;
  TestNode a, b;
  a.start(io, o);
  b.start(io, o);
  auto secret = docs::NamespaceSecret::generate();
  auto ns = secret.id();
  ASSERT_TRUE(a.store->import_namespace(docs::Capability(secret)));
  a.set(ns, "first", "1");
  auto ticket = a.engine->share(ns, docs::CapabilityKind::kRead, a.addr());
  ASSERT_TRUE(ticket);
  EXPECT_EQ(ticket->capability.kind(), docs::CapabilityKind::kRead);
  bool joined = false;
  ASSERT_TRUE(b.engine->join(*ticket, [&](std::vector<PeerSyncResult>) { joined = true; }));
  ASSERT_TRUE(run_until(
      io, [&] { return joined; }, 20s));
  ASSERT_EQ(b.all(ns).size(), 1u);
  // B holds read access only.
  EXPECT_EQ(b.store->capability(ns)->kind(), docs::CapabilityKind::kRead);
  // A writes; A knows B from the run, so live mode pushes it.
  a.set(ns, "second", "2");
  ASSERT_TRUE(run_until(
      io, [&] { return b.all(ns).size() == 2; }, 20s));
  EXPECT_EQ(b.all(ns), a.all(ns));
}

TEST(Engine, StateFilePersistsSyncingDocsAndPeers) {
  auto dir =
      std::filesystem::temp_directory_path() / ("ferry-engine-state-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = dir / "sync-state.json";
  auto secret = docs::NamespaceSecret::generate();
  net::NodeAddr peer{net::SecretKey::generate().public_key(),
                     std::nullopt,
                     {net::SocketAddr::v4({127, 0, 0, 1}, 7)}};
  LiveState s(net::SecretKey::generate().public_key(), 10ms);
  s.set_syncing(secret.id());
  s.add_peer(secret.id(), peer);
  ASSERT_TRUE(save_live_state(path, s));
  LiveState t(net::SecretKey::generate().public_key(), 10ms);
  ASSERT_TRUE(load_live_state(path, t));
  EXPECT_TRUE(t.is_syncing(secret.id()));
  ASSERT_EQ(t.peers(secret.id()).size(), 1u);
  EXPECT_EQ(t.peers(secret.id())[0], peer);
  // Garbage is kCorrupt, a missing file is empty.
  std::ofstream(path) << "{nope";
  EXPECT_EQ(load_live_state(path, t).error().code(), ErrorCode::kCorrupt);
  std::filesystem::remove_all(dir);
  EXPECT_TRUE(load_live_state(path, t));
}

}  // namespace
}  // namespace ferry::engine
