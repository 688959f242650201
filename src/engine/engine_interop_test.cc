// The engine against a real iroh 0.35 node (tools/interop/iroh_docs.js) over
// loopback: iroh creates a document and shares a write ticket, Ferry joins
// and gets its entries; Ferry shares a document, iroh joins and gets
// Ferry's entries. Entries are compared field by field (key, author, hash,
// len, timestamp). Skipped when the npm package or Node.js is missing.
#include <gtest/gtest.h>

#include "core/encoding.h"
#include "crypto/blake3.h"
#include "engine/engine.h"
#include "net/interop_testing.h"

namespace ferry::engine {
namespace {

using namespace std::chrono_literals;
using net::testing::IrohNode;
using net::testing::run_until;

uint64_t now_us() {
  using namespace std::chrono;
  return static_cast<uint64_t>(
      duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
}

// Entries as iroh_docs.js prints them, sorted by author then key.
nlohmann::json ferry_entries(docs::Store& store, const docs::NamespaceId& ns) {
  docs::Query q;
  q.sort_by = docs::Query::SortBy::kAuthorKey;
  auto rows = store.query(ns, q);
  EXPECT_TRUE(rows);
  auto out = nlohmann::json::array();
  for (const auto& e : *rows) {
    out.push_back({{"key", hex_encode(e.key())},
                   {"author", e.author().to_string()},
                   {"hash", e.record().hash.to_string()},
                   {"len", e.record().len},
                   {"timestamp", e.record().timestamp}});
  }
  return out;
}

class EngineInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!net::testing::interop_available(why)) GTEST_SKIP() << why;
    std::string err = iroh_.start({}, "iroh_docs.js");
    ASSERT_EQ(err, "");
    store_ = std::move(*docs::Store::open(":memory:"));
    ASSERT_TRUE(store_->import_author(author_));
    EngineOptions o;
    o.live_debounce = std::chrono::hours(1);  // explicit runs only
    engine_ = std::make_unique<Engine>(*store_, nullptr, sink_, o);
    net::AlpnRouter router;
    ASSERT_TRUE(router.add(std::string(proto::sync::kAlpn), engine_->handler()));
    auto d = net::UdpDriver::create(io_, net::SecretKey::generate(),
                                    *net::SocketAddr::parse("127.0.0.1:0"), std::move(router));
    ASSERT_TRUE(d);
    driver_ = std::move(*d);
    ASSERT_TRUE(engine_->start(*driver_));
  }
  void TearDown() override {
    if (engine_) engine_->shutdown();
    engine_.reset();
    driver_.reset();
    iroh_.stop();
  }
  // Sends a command while the io_context keeps running (iroh may dial us).
  nlohmann::json command(const nlohmann::json& cmd) {
    nlohmann::json reply;
    std::atomic<bool> done{false};
    std::thread t([&] {
      reply = iroh_.command(cmd, std::chrono::seconds(60));
      done = true;
    });
    run_until(
        io_, [&] { return done.load(); }, 90s);
    t.join();
    return reply;
  }

  asio::io_context io_;
  IrohNode iroh_;
  NoopContentSink sink_;
  std::unique_ptr<docs::Store> store_;
  docs::Author author_ = docs::Author::generate();
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<net::UdpDriver> driver_;
};

TEST_F(EngineInterop, FerryJoinsIrohWriteTicket) {
  nlohmann::json entries = nlohmann::json::array();
  for (int i = 0; i < 20; ++i) {
    entries.push_back({{"key", "iroh/" + std::to_string(i)}, {"value", std::string(i + 1, 'v')}});
  }
  auto created = command({{"cmd", "create"}, {"entries", entries}});
  ASSERT_TRUE(created.value("ok", false)) << created.dump();
  auto ticket = DocTicket::parse(created["ticket"].get<std::string>());
  ASSERT_TRUE(ticket) << ticket.error().to_string();
  ASSERT_EQ(ticket->capability.kind(), docs::CapabilityKind::kWrite);

  std::optional<std::vector<PeerSyncResult>> joined;
  ASSERT_TRUE(engine_->join(*ticket, [&](std::vector<PeerSyncResult> r) { joined = r; }));
  ASSERT_TRUE(run_until(
      io_, [&] { return joined.has_value(); }, 30s));
  ASSERT_EQ(joined->size(), 1u);
  ASSERT_TRUE((*joined)[0].result) << (*joined)[0].result.error().to_string();
  EXPECT_EQ((*joined)[0].result->inserted, 20u);
  auto ns = ticket->capability.id();
  EXPECT_EQ(ferry_entries(*store_, ns), created["entries"]);

  // With the write secret Ferry writes too; iroh gets it when Ferry syncs.
  auto e = store_->insert_local(ns, author_.id(), as_bytes("ferry/x"),
                                crypto::blake3(as_bytes("from ferry")), 10, now_us());
  ASSERT_TRUE(e) << e.error().to_string();
  std::optional<std::vector<PeerSyncResult>> synced;
  ASSERT_TRUE(engine_->sync_doc(ns, [&](std::vector<PeerSyncResult> r) { synced = r; }));
  ASSERT_TRUE(run_until(
      io_, [&] { return synced.has_value(); }, 30s));
  ASSERT_TRUE((*synced)[0].result) << (*synced)[0].result.error().to_string();
  auto listed = command({{"cmd", "entries"}, {"doc", ns.to_string()}});
  ASSERT_TRUE(listed.value("ok", false)) << listed.dump();
  EXPECT_EQ(listed["entries"], ferry_entries(*store_, ns));
}

TEST_F(EngineInterop, IrohJoinsFerryTicket) {
  auto secret = docs::NamespaceSecret::generate();
  auto ns = secret.id();
  ASSERT_TRUE(store_->import_namespace(docs::Capability(secret)));
  for (int i = 0; i < 30; ++i) {
    std::string value = "ferry value " + std::to_string(i);
    auto e = store_->insert_local(ns, author_.id(), as_bytes("ferry/" + std::to_string(i)),
                                  crypto::blake3(as_bytes(value)), value.size(), now_us());
    ASSERT_TRUE(e);
  }
  auto ticket = engine_->share(ns, docs::CapabilityKind::kWrite, driver_->node_addr());
  ASSERT_TRUE(ticket);
  auto joined = command({{"cmd", "join"}, {"ticket", ticket->to_string()}, {"expect", 30}});
  ASSERT_TRUE(joined.value("ok", false)) << joined.dump();
  EXPECT_EQ(joined["doc"], ns.to_string());
  EXPECT_EQ(joined["entries"], ferry_entries(*store_, ns));
  // The run was accepted and recorded: iroh is now a useful peer here.
  ASSERT_TRUE(run_until(
      io_, [&] { return !engine_->live().peers(ns).empty(); }, 10s));
  EXPECT_EQ(engine_->live().peers(ns)[0].node_id, iroh_.node_addr().node_id);
}

}  // namespace
}  // namespace ferry::engine
