// The sync session instantiated for docs::SignedEntry (through
// docs/ranger_item.h), replaying the recorded iroh frames with real Ed25519
// verification of every received entry as the validate hook.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/encoding.h"
#include "docs/ranger_item.h"
#include "proto/sync/session.h"
#include "reconcile/memory_store.h"

namespace ferry::proto::sync {
namespace {

using docs::SignedEntry;
using reconcile::ContentStatus;
using reconcile::RejectReason;
using Session = SyncSession<SignedEntry>;

nlohmann::json load(const std::string& name) {
  std::ifstream f(std::string(FERRY_RECONCILE_TESTDATA) + "/" + name);
  std::stringstream ss;
  ss << f.rdbuf();
  return nlohmann::json::parse(ss.str());
}
Bytes hex(const std::string& s) {
  return *hex_decode(s);
}

reconcile::RangerHooks<SignedEntry> verifying_hooks(uint64_t* rejected) {
  reconcile::RangerHooks<SignedEntry> h;
  h.validate = [rejected](const SignedEntry& e) -> std::optional<RejectReason> {
    if (e.verify()) return std::nullopt;
    ++*rejected;
    return RejectReason::kBadSignature;
  };
  h.content_status = [](const SignedEntry&) { return ContentStatus::kComplete; };
  return h;
}

std::vector<Bytes> sync_log(const nlohmann::json& j) {
  std::vector<Bytes> log;
  for (const auto& f : j["syncLog"]) {
    if (!f["hex"].get<std::string>().empty()) log.push_back(hex(f["hex"].get<std::string>()));
  }
  return log;
}

std::vector<SignedEntry> values_in(ByteView sync_payload) {
  auto m = decode_sync_message<SignedEntry>(sync_payload);
  EXPECT_TRUE(m);
  std::vector<SignedEntry> out;
  for (const auto& p : std::get<Sync<SignedEntry>>(*m).message.parts)
    if (auto* it = std::get_if<reconcile::RangeItem<SignedEntry>>(&p))
      for (const auto& v : it->values) out.push_back(v.first);
  return out;
}

Bytes drain_frames(Session& s, bool* finished = nullptr) {
  Bytes all;
  while (auto a = s.poll_action()) {
    if (auto* f = std::get_if<Session::SendFrame>(&*a)) append(all, f->bytes);
    if (finished && std::holds_alternative<Session::SyncFinished>(*a)) *finished = true;
    EXPECT_FALSE(std::holds_alternative<Session::SyncFailed>(*a));
  }
  return all;
}

// Ferry as the real node A of the recorded run, on docs::SignedEntry with
// signature checks: identical frames, both received entries verified.
TEST(DocsSyncCapture, DialerWithVerification) {
  auto j = load("iroh-0.35-sync-capture.json");
  Bytes ns = hex(j["ns"].get<std::string>());
  auto log = sync_log(j);
  ASSERT_EQ(log.size(), 3u);
  reconcile::MemoryStore<SignedEntry> store;
  for (const auto& e : values_in(log[2])) ASSERT_TRUE(store.put(e));
  uint64_t rejected = 0;
  NamespaceId nsid{};
  std::copy(ns.begin(), ns.end(), nsid.begin());
  Session a = Session::dialer(nsid, store, verifying_hooks(&rejected));
  a.start();
  EXPECT_EQ(drain_frames(a), *frame(log[0]));
  a.on_data(*frame(log[1]));
  EXPECT_EQ(hex_encode(drain_frames(a)), hex_encode(*frame(log[2])));
  a.on_eof();
  bool finished = false;
  drain_frames(a, &finished);
  EXPECT_TRUE(finished);
  EXPECT_EQ(rejected, 0u);
  EXPECT_EQ(store.size(), 4u);
  EXPECT_EQ(a.ranger_stats().num_inserted, 2u);
}

// The same run with one received signature corrupted: that entry is
// rejected as kBadSignature and not stored; the run still completes.
TEST(DocsSyncCapture, CorruptSignatureIsRejectedAndCounted) {
  auto j = load("iroh-0.35-sync-capture.json");
  Bytes ns = hex(j["ns"].get<std::string>());
  auto log = sync_log(j);
  reconcile::MemoryStore<SignedEntry> store;
  for (const auto& e : values_in(log[2])) ASSERT_TRUE(store.put(e));
  // Frame 2 = Sync(1 part: RangeItem(range, [e1, e2], false)); e1's author
  // signature starts right after tag, count, part tag, two 70-byte ids and
  // the value count.
  Bytes bad = log[1];
  size_t sig = 1 + 1 + 1 + 2 * 70 + 1;
  bad[sig + 5] ^= 0x01;
  uint64_t rejected = 0;
  NamespaceId nsid{};
  std::copy(ns.begin(), ns.end(), nsid.begin());
  Session a = Session::dialer(nsid, store, verifying_hooks(&rejected));
  a.start();
  drain_frames(a);
  a.on_data(*frame(bad));
  drain_frames(a);
  a.on_eof();
  bool finished = false;
  drain_frames(a, &finished);
  EXPECT_TRUE(finished);
  EXPECT_EQ(rejected, 1u);
  EXPECT_EQ(store.size(), 3u);
  EXPECT_EQ(a.ranger_stats().rejected[static_cast<size_t>(RejectReason::kBadSignature)], 1u);
}

}  // namespace
}  // namespace ferry::proto::sync
