// SyncSession: two replicas over an in-memory pipe, replay of frames
// recorded from a real iroh 0.35 node, and bad input.
#include "proto/sync/session.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/encoding.h"
#include "reconcile/memory_store.h"
#include "reconcile/test_util.h"

namespace ferry::proto::sync {
namespace {

using reconcile::ContentStatus;
using reconcile::MemoryStore;
using reconcile::WireEntry;
using Session = SyncSession<WireEntry>;

NamespaceId ns_of(ByteView b) {
  NamespaceId ns{};
  std::copy(b.begin(), b.begin() + 32, ns.begin());
  return ns;
}

reconcile::RangerHooks<WireEntry> complete_hooks() {
  reconcile::RangerHooks<WireEntry> h;
  h.content_status = [](const WireEntry&) { return ContentStatus::kComplete; };
  return h;
}

// What one side observed.
struct Observed {
  std::vector<Bytes> frames;
  bool finished_send = false;
  bool finished = false;
  std::optional<Error> failed;
  std::optional<AbortReason> remote_aborted, rejected;
};

// Drains `s`, delivering frames and FIN to `peer` (if any) in chunks of
// `chunk` bytes. Returns whether anything happened.
bool drain(Session& s, Session* peer, Observed& obs, size_t chunk) {
  bool any = false;
  while (auto a = s.poll_action()) {
    any = true;
    EXPECT_TRUE(s.check_invariants());
    if (auto* f = std::get_if<Session::SendFrame>(&*a)) {
      obs.frames.push_back(f->bytes);
      if (peer) {
        for (size_t i = 0; i < f->bytes.size(); i += chunk) {
          peer->on_data(ByteView(f->bytes).subspan(i, std::min(chunk, f->bytes.size() - i)));
        }
      }
    } else if (std::holds_alternative<Session::FinishSend>(*a)) {
      obs.finished_send = true;
      if (peer) peer->on_eof();
    } else if (std::holds_alternative<Session::SyncFinished>(*a)) {
      obs.finished = true;
    } else if (auto* e = std::get_if<Session::SyncFailed>(&*a)) {
      obs.failed = e->error;
    } else if (auto* r = std::get_if<Session::RemoteAborted>(&*a)) {
      obs.remote_aborted = r->reason;
    } else if (auto* r = std::get_if<Session::Rejected>(&*a)) {
      obs.rejected = r->reason;
    }
  }
  return any;
}

void pump(Session& a, Session& b, Observed& oa, Observed& ob, size_t chunk = 1 << 20) {
  for (int i = 0; i < 10000; ++i) {
    bool x = drain(a, &b, oa, chunk);
    bool y = drain(b, &a, ob, chunk);
    if (!x && !y) return;
  }
  FAIL() << "pump did not settle";
}

TEST(SyncSession, TwoReplicasConvergeOverPipe) {
  Prng prng(reconcile::test_seed());
  for (int round = 0; round < 20; ++round) {
    // Odd tens: the compact Ferry-to-Ferry dialect.
    const bool compact = round >= 10;
    Bytes ns = reconcile::test_namespace();
    MemoryStore<WireEntry> sa, sb;
    for (int i = 0; i < 200; ++i) {
      auto e = reconcile::fake_entry(ns, static_cast<uint8_t>(prng.below(3)),
                                     "key" + std::to_string(prng.below(150)), prng.below(1000));
      auto& target = prng.chance(0.5) ? sa : sb;
      (void)target.put(e);
      if (prng.chance(0.3)) (void)(&target == &sa ? sb : sa).put(e);
    }
    SessionConfig cfg;
    if (round % 2) cfg.ranger = reconcile::RangerConfig{16, 8};
    if (round % 3 == 2) cfg.max_frame = 8000;  // forces deferral (entries ~230 B)
    if (compact) cfg.dialect = Dialect::kCompact;
    if (compact && round % 2) cfg.compact.split_factor = 4;
    Session a = Session::dialer(ns_of(ns), sa, complete_hooks(), cfg);
    Session b = Session::acceptor(
        [&](const NamespaceId& id) -> std::variant<Session::Accepted, AbortReason> {
          if (id != ns_of(ns)) return AbortReason::kNotFound;
          return Session::Accepted{&sb, complete_hooks()};
        },
        cfg);
    a.start();
    Observed oa, ob;
    pump(a, b, oa, ob, 1 + prng.below(300));
    ASSERT_FALSE(oa.failed) << oa.failed->to_string() << " round " << round;
    ASSERT_FALSE(ob.failed) << ob.failed->to_string() << " round " << round << " after "
                            << ob.frames.size() << " frames, received " << oa.frames.size();
    EXPECT_TRUE(oa.finished && ob.finished);
    EXPECT_TRUE(oa.finished_send && ob.finished_send);
    EXPECT_EQ(a.state(), Session::State::kDone);
    EXPECT_EQ(b.state(), Session::State::kDone);
    EXPECT_EQ(sa.items(), sb.items());
    EXPECT_EQ(a.stats().bytes_sent, b.stats().bytes_received);
    for (const auto& f : oa.frames) EXPECT_LE(f.size(), cfg.max_frame + 4);
    for (const auto& f : ob.frames) EXPECT_LE(f.size(), cfg.max_frame + 4);
  }
}

TEST(SyncSession, AcceptorRejectsWithReason) {
  for (auto reason : {AbortReason::kNotFound, AbortReason::kAlreadySyncing})
    for (auto dialect : {Dialect::kIroh, Dialect::kCompact}) {
      Bytes ns = reconcile::test_namespace();
      MemoryStore<WireEntry> sa;
      SessionConfig cfg;
      cfg.dialect = dialect;
      Session a = Session::dialer(ns_of(ns), sa, {}, cfg);
      Session b = Session::acceptor([&](const NamespaceId&) { return reason; }, cfg);
      a.start();
      Observed oa, ob;
      pump(a, b, oa, ob);
      ASSERT_EQ(ob.frames.size(), 1u);
      EXPECT_EQ(hex_encode(ob.frames[0]),
                std::string("0000000202") + (reason == AbortReason::kNotFound ? "00" : "01"));
      EXPECT_EQ(ob.rejected, reason);
      EXPECT_EQ(oa.remote_aborted, reason);
      EXPECT_FALSE(oa.failed);
    }
}

// --- Replays of recorded frames -------------------------------------------

nlohmann::json load(const std::string& name) {
  std::ifstream f(std::string(FERRY_RECONCILE_TESTDATA) + "/" + name);
  std::stringstream ss;
  ss << f.rdbuf();
  return nlohmann::json::parse(ss.str());
}
Bytes hex(const std::string& s) {
  return *hex_decode(s);
}

std::vector<WireEntry> values_in(ByteView sync_payload) {
  auto m = decode_sync_message<WireEntry>(sync_payload);
  EXPECT_TRUE(m);
  std::vector<WireEntry> out;
  const auto& msg = std::get<Sync<WireEntry>>(*m).message;
  for (const auto& p : msg.parts)
    if (auto* it = std::get_if<reconcile::RangeItem<WireEntry>>(&p))
      for (const auto& v : it->values) out.push_back(v.first);
  return out;
}

// Ferry as the acceptor, fed the exact bytes sent to the real node; our
// replies must be the node's recorded replies byte for byte.
TEST(SyncSessionCapture, AcceptorRepliesLikeIroh) {
  auto j = load("iroh-0.35-captures-sync.json");
  Bytes ns = hex(j["namespace_id"].get<std::string>());
  std::vector<WireEntry> entries;
  for (const auto& s : j["sync"])
    if (s["label"] == "init_empty_fp")
      entries = values_in(ByteView(hex(s["frames"][0].get<std::string>())).subspan(4));
  ASSERT_EQ(entries.size(), 2u);
  for (const auto& s : j["sync"]) {
    MemoryStore<WireEntry> store;
    for (const auto& e : entries) ASSERT_TRUE(store.put(e));
    Session b = Session::acceptor(
        [&](const NamespaceId& id) -> std::variant<Session::Accepted, AbortReason> {
          if (id != ns_of(ns)) return AbortReason::kNotFound;
          return Session::Accepted{&store, complete_hooks()};
        });
    b.on_data(hex(s["sent"].get<std::string>()));
    Observed ob;
    drain(b, nullptr, ob, 0);
    ASSERT_FALSE(ob.failed) << ob.failed->to_string();
    ASSERT_EQ(ob.frames.size(), s["frames"].size());
    for (size_t i = 0; i < ob.frames.size(); ++i) {
      EXPECT_EQ(hex_encode(ob.frames[i]), s["frames"][i].get<std::string>()) << s["label"];
    }
  }
}

// Ferry as the dialer "A" of the recorded full sync (A was the real node).
TEST(SyncSessionCapture, DialerReproducesRecordedRun) {
  auto j = load("iroh-0.35-sync-capture.json");
  Bytes ns = hex(j["ns"].get<std::string>());
  std::vector<Bytes> log;
  for (const auto& f : j["syncLog"]) {
    if (!f["hex"].get<std::string>().empty()) log.push_back(hex(f["hex"].get<std::string>()));
  }
  ASSERT_EQ(log.size(), 3u);
  MemoryStore<WireEntry> store;
  for (const auto& e : values_in(log[2])) ASSERT_TRUE(store.put(e));
  std::vector<ContentStatus> inserted;
  auto hooks = complete_hooks();
  hooks.on_inserted = [&](const WireEntry&, ContentStatus s) { inserted.push_back(s); };
  Session a = Session::dialer(ns_of(ns), store, hooks);
  a.start();
  Observed oa;
  drain(a, nullptr, oa, 0);
  ASSERT_EQ(oa.frames.size(), 1u);
  EXPECT_EQ(oa.frames[0], *frame(log[0]));
  a.on_data(*frame(log[1]));
  drain(a, nullptr, oa, 0);
  ASSERT_EQ(oa.frames.size(), 2u);
  EXPECT_EQ(hex_encode(oa.frames[1]), hex_encode(*frame(log[2])));
  EXPECT_FALSE(oa.finished_send);
  a.on_eof();  // C found nothing to reply and finished
  drain(a, nullptr, oa, 0);
  EXPECT_TRUE(oa.finished_send);
  EXPECT_TRUE(oa.finished);
  EXPECT_EQ(inserted.size(), 2u);
  EXPECT_EQ(a.ranger_stats().num_recv, 2u);
}

// Ferry as "C" (the hand-built peer, which answered with all its entries:
// max_set_size 2 does the same); C then gets A's have_local reply and stops.
TEST(SyncSessionCapture, AcceptorCompletesRecordedRun) {
  auto j = load("iroh-0.35-sync-capture.json");
  Bytes ns = hex(j["ns"].get<std::string>());
  std::vector<Bytes> log;
  for (const auto& f : j["syncLog"]) {
    if (!f["hex"].get<std::string>().empty()) log.push_back(hex(f["hex"].get<std::string>()));
  }
  MemoryStore<WireEntry> store;
  for (const char* name : {"e1", "e2"}) {
    Bytes wire = hex(j[name]["wire"].get<std::string>());
    PostcardReader r(wire);
    ASSERT_TRUE(store.put(*WireEntry::decode(r)));
  }
  SessionConfig cfg;
  cfg.ranger.max_set_size = 2;
  Session c = Session::acceptor(
      [&](const NamespaceId&) -> std::variant<Session::Accepted, AbortReason> {
        return Session::Accepted{&store, complete_hooks()};
      },
      cfg);
  c.on_data(*frame(log[0]));
  Observed oc;
  drain(c, nullptr, oc, 0);
  ASSERT_EQ(oc.frames.size(), 1u);
  EXPECT_EQ(oc.frames[0].size(), log[1].size() + 4);
  c.on_data(*frame(log[2]));
  drain(c, nullptr, oc, 0);
  EXPECT_TRUE(oc.finished_send);
  EXPECT_EQ(c.state(), Session::State::kClosing);
  c.on_eof();
  drain(c, nullptr, oc, 0);
  EXPECT_TRUE(oc.finished);
  EXPECT_EQ(store.size(), 4u);
}

// --- Bad input --------------------------------------------------------------

Session accepting_session(MemoryStore<WireEntry>& store, SessionConfig cfg = {}) {
  return Session::acceptor(
      [&](const NamespaceId&) -> std::variant<Session::Accepted, AbortReason> {
        return Session::Accepted{&store, {}};
      },
      cfg);
}

Bytes init_frame(ByteView ns, Dialect dialect = Dialect::kIroh) {
  if (dialect == Dialect::kCompact) {
    // An IdList over everything holding one (unknown) id.
    reconcile::compact::CompactMessage<WireEntry> m;
    reconcile::compact::CompactRange<WireEntry> r;
    r.infinite = true;
    r.mode = reconcile::compact::Mode::kIdList;
    r.ids.resize(1);
    m.ranges.push_back(r);
    return *frame(encode_compact_sync_message<WireEntry>(CompactInit<WireEntry>{ns_of(ns), m}));
  }
  reconcile::Message<WireEntry> m;
  m.parts.emplace_back(reconcile::RangeFingerprint{reconcile::Range{Bytes(64, 0), Bytes(64, 0)},
                                                   reconcile::Fingerprint::zero()});
  return *frame(encode_sync_message<WireEntry>(Init<WireEntry>{ns_of(ns), m}));
}

ErrorCode failure_of(Session& s) {
  Observed o;
  drain(s, nullptr, o, 0);
  EXPECT_TRUE(o.failed.has_value());
  EXPECT_EQ(s.state(), Session::State::kFailed);
  return o.failed ? o.failed->code() : ErrorCode::kInternal;
}

TEST(SyncSessionBadInput, EachViolationFails) {
  Bytes ns = reconcile::test_namespace();
  MemoryStore<WireEntry> store;
  Bytes sync_empty = *frame(encode_sync_message<WireEntry>(Sync<WireEntry>{}));
  Bytes abort = *frame(encode_sync_message<WireEntry>(Abort{AbortReason::kNotFound}));
  {  // Oversized frame (limit lowered to 1000 bytes).
    SessionConfig cfg;
    cfg.max_frame = 1000;
    Session s = accepting_session(store, cfg);
    s.on_data(Bytes{0, 0, 0x10, 0});
    EXPECT_EQ(failure_of(s), ErrorCode::kResourceExhausted);
  }
  {  // Malformed payload.
    Session s = accepting_session(store);
    s.on_data(Bytes{0, 0, 0, 2, 7, 7});
    EXPECT_EQ(failure_of(s), ErrorCode::kProtocol);
  }
  {  // Sync before Init.
    Session s = accepting_session(store);
    s.on_data(sync_empty);
    EXPECT_EQ(failure_of(s), ErrorCode::kProtocol);
  }
  {  // Second Init; then Abort to the acceptor.
    for (const Bytes& second : {init_frame(ns), abort}) {
      MemoryStore<WireEntry> st;
      (void)st.put(reconcile::fake_entry(ns, 1, "a", 1));
      (void)st.put(reconcile::fake_entry(ns, 1, "b", 1));
      Session s = accepting_session(st);
      s.on_data(init_frame(ns));
      Observed o;
      drain(s, nullptr, o, 0);
      ASSERT_EQ(s.state(), Session::State::kRunning);
      s.on_data(second);
      EXPECT_EQ(failure_of(s), ErrorCode::kProtocol);
    }
  }
  {  // Init to the dialer.
    Session s = Session::dialer(ns_of(ns), store, {});
    s.start();
    Observed o;
    drain(s, nullptr, o, 0);
    s.on_data(init_frame(ns));
    EXPECT_EQ(failure_of(s), ErrorCode::kProtocol);
  }
  {  // EOF inside a frame.
    Session s = Session::dialer(ns_of(ns), store, {});
    s.start();
    Observed o;
    drain(s, nullptr, o, 0);
    s.on_data(Bytes{0, 0, 0, 9, 1});
    s.on_eof();
    EXPECT_EQ(failure_of(s), ErrorCode::kProtocol);
  }
  {  // EOF before Init.
    Session s = accepting_session(store);
    s.on_eof();
    EXPECT_EQ(failure_of(s), ErrorCode::kProtocol);
  }
  {  // Data after we finished (identical sets: acceptor stops at once).
    Session s = accepting_session(store);
    MemoryStore<WireEntry> empty;
    Session d = Session::dialer(ns_of(ns), empty, {});
    d.start();
    Observed od;
    drain(d, nullptr, od, 0);
    s.on_data(od.frames[0]);
    Observed os;
    drain(s, nullptr, os, 0);
    ASSERT_EQ(s.state(), Session::State::kClosing);
    s.on_data(sync_empty);
    EXPECT_EQ(failure_of(s), ErrorCode::kProtocol);
  }
  {  // A range endpoint under 64 bytes ends the sync.
    PostcardWriter w;
    w.variant(0);
    w.raw(ns_of(ns));
    w.seq_len(1);
    w.variant(0);
    w.bytes(Bytes(10, 0));
    w.bytes(Bytes(10, 0));
    w.raw(reconcile::Fingerprint::empty().view());
    Session s = accepting_session(store);
    s.on_data(*frame(w.data()));
    EXPECT_EQ(failure_of(s), ErrorCode::kProtocol);
  }
}

// Arbitrary bytes into either role never crash; the session ends up in a
// defined state and its invariants hold.
RC_GTEST_PROP(SyncSessionProperty, GarbageNeverCrashes, ()) {
  Bytes ns = reconcile::test_namespace();
  MemoryStore<WireEntry> store;
  (void)store.put(reconcile::fake_entry(ns, 1, "a", 1));
  (void)store.put(reconcile::fake_entry(ns, 1, "b", 2));
  bool dialer = *rc::gen::arbitrary<bool>();
  SessionConfig cfg;
  if (*rc::gen::arbitrary<bool>()) cfg.dialect = Dialect::kCompact;
  Session s = dialer ? Session::dialer(ns_of(ns), store, {}, cfg) : accepting_session(store, cfg);
  if (dialer) s.start();
  auto chunks = *rc::gen::container<std::vector<std::vector<uint8_t>>>(
      rc::gen::container<std::vector<uint8_t>>(rc::gen::arbitrary<uint8_t>()));
  // Frequently give the garbage a plausible frame header.
  for (auto& c : chunks) {
    if (*rc::gen::arbitrary<bool>()) {
      Bytes framed = *frame(c);
      if (!dialer && *rc::gen::arbitrary<bool>()) framed = init_frame(ns, cfg.dialect);
      c = framed;
    }
    s.on_data(c);
    RC_ASSERT(s.check_invariants());
    while (s.poll_action()) {
    }
  }
  if (*rc::gen::arbitrary<bool>()) s.on_eof();
  while (s.poll_action()) {
  }
  RC_ASSERT(s.check_invariants());
}

}  // namespace
}  // namespace ferry::proto::sync
