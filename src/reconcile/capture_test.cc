// Replays frames recorded from a real iroh 0.35 node (spec §11, testdata/)
// through the Ranger and checks the replies are byte-identical.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/encoding.h"
#include "reconcile/memory_store.h"
#include "reconcile/ranger.h"

namespace ferry::reconcile {
namespace {

nlohmann::json load(const std::string& name) {
  std::ifstream f(std::string(FERRY_RECONCILE_TESTDATA) + "/" + name);
  EXPECT_TRUE(f.good()) << name;
  std::stringstream ss;
  ss << f.rdbuf();
  return nlohmann::json::parse(ss.str());
}

Bytes hex(const std::string& s) {
  auto r = hex_decode(s);
  EXPECT_TRUE(r) << s;
  return r ? *r : Bytes{};
}

// The Message inside a SyncMessage payload (no length prefix): Init carries
// a 32-byte namespace first.
Bytes message_of(ByteView sync_payload) {
  if (sync_payload.empty()) return {};
  size_t skip = sync_payload[0] == 0 ? 33 : 1;
  return Bytes(sync_payload.begin() + skip, sync_payload.end());
}

Message<WireEntry> decode(ByteView b) {
  auto m = decode_message<WireEntry>(b);
  EXPECT_TRUE(m) << m.error().to_string();
  return m ? *m : Message<WireEntry>{};
}

// All values carried by RangeItems of a message.
std::vector<WireEntry> values_of(const Message<WireEntry>& m) {
  std::vector<WireEntry> out;
  for (const auto& p : m.parts) {
    if (auto* it = std::get_if<RangeItem<WireEntry>>(&p))
      for (const auto& v : it->values) out.push_back(v.first);
  }
  return out;
}

RangerHooks<WireEntry> complete_hooks() {
  RangerHooks<WireEntry> h;
  h.content_status = [](const WireEntry&) { return ContentStatus::kComplete; };
  return h;
}

// The node of iroh-0.35-captures.json held {hello, skip/x}; Init frames with
// an empty and a bogus fingerprint were sent to it.
TEST(Capture, NodeRepliesToInitFrames) {
  auto j = load("iroh-0.35-captures-sync.json");
  Bytes ns = hex(j["namespace_id"].get<std::string>());
  std::map<std::string, Bytes> reply;  // label -> reply message bytes
  std::map<std::string, Bytes> init;
  for (const auto& s : j["sync"]) {
    Bytes sent = hex(s["sent"].get<std::string>());
    Bytes got = hex(s["frames"][0].get<std::string>());
    init[s["label"]] = message_of(ByteView(sent).subspan(4));
    reply[s["label"]] = message_of(ByteView(got).subspan(4));
  }
  // The node's entries, from its reply to the empty-fingerprint Init.
  auto entries = values_of(decode(reply["init_empty_fp"]));
  ASSERT_EQ(entries.size(), 2u);
  for (const char* label : {"init_empty_fp", "init_bogus_fp"}) {
    MemoryStore<WireEntry> store;
    for (const auto& e : entries) ASSERT_TRUE(store.put(e));
    Ranger<WireEntry> node(store, ns, {}, complete_hooks());
    auto out = node.process(decode(init[label]));
    ASSERT_TRUE(out) << out.error().to_string();
    ASSERT_TRUE(out->has_value()) << label;
    EXPECT_EQ(hex_encode(encode_message(**out)), hex_encode(reply[label])) << label;
  }
  // Entry fingerprints of §11.
  EXPECT_EQ(hex_encode(entries[0].fingerprint().view()),
            "e63c7e4c7435d8f1f8f26a8752766fb5f25d2ecef9a124b9f4ac80df3cb640f3");
  EXPECT_EQ(hex_encode(entries[1].fingerprint().view()),
            "a94f4220c5d0754c79ffcc7690084ca5b43020d6925a7a33a822d75b43c7d3fb");
}

struct FullSync {
  Bytes ns;
  WireEntry e1, e2;
  std::vector<Bytes> frames;  // Message bytes of each recorded frame
  Bytes fp_all;
};

FullSync load_full_sync() {
  auto j = load("iroh-0.35-sync-capture.json");
  FullSync f;
  f.ns = hex(j["ns"].get<std::string>());
  for (auto [name, e] : {std::pair{"e1", &f.e1}, std::pair{"e2", &f.e2}}) {
    Bytes wire = hex(j[name]["wire"].get<std::string>());
    PostcardReader r(wire);
    auto d = WireEntry::decode(r);
    EXPECT_TRUE(d && r.at_end());
    *e = *d;
    EXPECT_EQ(hex_encode(e->signed_bytes()), j[name]["canon"].get<std::string>());
  }
  for (const auto& fr : j["syncLog"]) {
    Bytes payload = hex(fr["hex"].get<std::string>());
    if (!payload.empty()) f.frames.push_back(message_of(payload));
  }
  f.fp_all = hex(j["fp_all"].get<std::string>());
  return f;
}

// Peer C holds {e1 = from/c by author 43, e2 = tombstone "skip" by 42}. C
// was hand-built and answered the Init with all its entries instead of
// splitting: that is what a Ranger with max_set_size >= 2 does, so this also
// shows the real node accepting a Ferry-to-Ferry style reply.
TEST(Capture, FullSyncAsAcceptor) {
  FullSync f = load_full_sync();
  ASSERT_EQ(f.frames.size(), 3u);
  MemoryStore<WireEntry> store;
  ASSERT_TRUE(store.put(f.e1));
  ASSERT_TRUE(store.put(f.e2));
  Ranger<WireEntry> c(store, f.ns, RangerConfig{2, 2}, complete_hooks());
  auto r1 = c.process(decode(f.frames[0]));
  ASSERT_TRUE(r1 && r1->has_value());
  // C listed its values in insertion order; we list them in key order.
  // Same single RangeItem otherwise.
  Message<WireEntry> recorded = decode(f.frames[1]);
  ASSERT_EQ(recorded.parts.size(), 1u);
  ASSERT_EQ((*r1)->parts.size(), 1u);
  auto& ours = std::get<RangeItem<WireEntry>>((*r1)->parts[0]);
  auto& theirs = std::get<RangeItem<WireEntry>>(recorded.parts[0]);
  EXPECT_EQ(ours.range, theirs.range);
  EXPECT_EQ(ours.have_local, theirs.have_local);
  auto by_id = [](const auto& a, const auto& b) { return a.first.id < b.first.id; };
  std::sort(theirs.values.begin(), theirs.values.end(), by_id);
  EXPECT_EQ(ours.values, theirs.values);
  auto r2 = c.process(decode(f.frames[2]));
  ASSERT_TRUE(r2);
  EXPECT_FALSE(r2->has_value());
  EXPECT_EQ(store.size(), 4u);
  EXPECT_EQ(c.stats().num_recv, 2u);
  EXPECT_EQ(c.stats().num_sent, 2u);
}

// Node A holds {hello, skip/x} by author 42 (taken from its last frame).
TEST(Capture, FullSyncAsDialer) {
  FullSync f = load_full_sync();
  ASSERT_EQ(f.frames.size(), 3u);
  auto a_entries = values_of(decode(f.frames[2]));
  ASSERT_EQ(a_entries.size(), 2u);
  MemoryStore<WireEntry> store;
  for (const auto& e : a_entries) ASSERT_TRUE(store.put(e));
  std::vector<std::pair<WireEntry, ContentStatus>> inserted;
  auto hooks = complete_hooks();
  hooks.on_inserted = [&](const WireEntry& e, ContentStatus s) { inserted.emplace_back(e, s); };
  Ranger<WireEntry> a(store, f.ns, {}, hooks);
  auto init = a.initial_message();
  ASSERT_TRUE(init);
  EXPECT_EQ(hex_encode(encode_message(*init)), hex_encode(f.frames[0]));
  auto r = a.process(decode(f.frames[1]));
  ASSERT_TRUE(r && r->has_value());
  EXPECT_EQ(hex_encode(encode_message(**r)), hex_encode(f.frames[2]));
  ASSERT_EQ(inserted.size(), 2u);
  EXPECT_EQ(inserted[0].first, f.e1);
  EXPECT_EQ(inserted[0].second, ContentStatus::kComplete);
  EXPECT_EQ(a.stats().heads_received.size(), 2u);
  // A's final set under iroh's prefix rules is {hello, from/c, skip}: the
  // tombstone removed skip/x. Its recorded fingerprint checks §4.1.
  Fingerprint fp =
      Fingerprint::empty() ^ a_entries[0].fingerprint() ^ f.e1.fingerprint() ^ f.e2.fingerprint();
  EXPECT_EQ(hex_encode(fp.view()), hex_encode(f.fp_all));
}

}  // namespace
}  // namespace ferry::reconcile
