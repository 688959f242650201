// The main data flow end to end (ARCHITECTURE.md): three nodes on 127.0.0.1,
// one process, file stores in temp dirs, real QUIC. A writes entries whose
// blobs it holds; B (policy everything) and C (nothing-except "img/") join
// A's document by ticket; after the sync B holds every blob and C only the
// img/ ones, with nothing left missing; a blob A adds later reaches both
// through live sync; C restarted with a missing blob fetches it after the
// restart. Every wait has a deadline.
#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <thread>

#include "core/prng.h"
#include "crypto/blake3.h"
#include "engine/doc_ticket.h"
#include "node/node.h"
#include "node/test_util.h"

namespace ferry::node {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using testing::IoThread;

// Temporary directories named for this test binary.
struct TempDir : testing::TempDir {
  TempDir() : testing::TempDir("ferry-content-test") {}
};

Bytes random_bytes(size_t n, uint64_t seed) {
  Prng prng(seed);
  Bytes data(n);
  for (auto& b : data) b = static_cast<uint8_t>(prng.next());
  return data;
}

void write_file(const fs::path& path, const Bytes& data) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

// Runs `fn` on the node's io thread and waits for it.
template <typename F>
auto on_io(Node& node, F fn) -> decltype(fn()) {
  std::promise<decltype(fn())> p;
  auto f = p.get_future();
  node.driver().post([&] { p.set_value(fn()); });
  EXPECT_EQ(f.wait_for(30s), std::future_status::ready);
  return f.get();
}

Result<nlohmann::json> call(const fs::path& dir, const nlohmann::json& request) {
  FERRY_ASSIGN(auto client, ControlClient::connect(dir));
  if (!client) return make_error(ErrorCode::kNotFound, "no node");
  return client->call(request);
}

bool complete(Node& node, const crypto::Hash& hash) {
  auto st = node.store().status(hash);
  return st && st->is_complete();
}

// Polls `cond` until true or 30 s passed.
template <typename F>
bool eventually(F cond) {
  auto until = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < until) {
    if (cond()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return cond();
}

size_t missing_count(const fs::path& dir, const std::string& doc) {
  auto m = call(dir, {{"cmd", "doc_missing"}, {"doc", doc}});
  EXPECT_TRUE(m) << m.error().to_string();
  return m ? (*m)["missing"].size() : 999;
}

NodeOptions options_for(const fs::path& dir) {
  NodeOptions o;
  o.data_dir = dir;
  return o;
}

TEST(NodeContent, SyncedEntriesFetchedByPolicyLiveAndAfterRestart) {
  TempDir a_dir, b_dir, c_dir, files;
  IoThread net;
  auto a = Node::start(net.io, options_for(a_dir.path));
  ASSERT_TRUE(a) << a.error().to_string();
  auto b = Node::start(net.io, options_for(b_dir.path));
  ASSERT_TRUE(b) << b.error().to_string();
  // C runs on its own io thread, so it can be stopped (the io thread first,
  // as Node::shutdown requires) while A and B keep running.
  IoThread c_net;
  auto c = Node::start(c_net.io, options_for(c_dir.path));
  ASSERT_TRUE(c) << c.error().to_string();

  // A: a document with four entries whose blobs it holds.
  auto created = call(a_dir.path, {{"cmd", "doc_create"}});
  ASSERT_TRUE(created) << created.error().to_string();
  std::string doc = (*created)["doc"];
  struct Item {
    std::string key;
    size_t size;
    crypto::Hash hash;
  };
  std::vector<Item> items = {
      {"notes/readme.txt", 3000, {}},
      {"img/cat.bin", 300000, {}},
      {"img/dog.bin", 70000, {}},
      {"data/big.bin", 1 << 20, {}},
  };
  for (size_t i = 0; i < items.size(); ++i) {
    auto data = random_bytes(items[i].size, 100 + i);
    items[i].hash = crypto::blake3(data);
    auto path = files.path / ("in" + std::to_string(i));
    write_file(path, data);
    auto set =
        call(a_dir.path, {{"cmd", "doc_set"}, {"doc", doc}, {"key", items[i].key}, {"file", path}});
    ASSERT_TRUE(set) << set.error().to_string();
  }
  auto shared = call(a_dir.path, {{"cmd", "doc_share"}, {"doc", doc}, {"mode", "write"}});
  ASSERT_TRUE(shared) << shared.error().to_string();
  std::string ticket_text = (*shared)["ticket"];
  auto ticket = engine::DocTicket::parse(ticket_text);
  ASSERT_TRUE(ticket);
  auto ns = ticket->capability.id();

  // C: the document and its policy before the first sync.
  docs::DownloadPolicy img_only{docs::DownloadPolicy::Kind::kNothingExcept,
                                {docs::FilterKind::prefix(to_bytes("img/"))}};
  Status prepared = on_io(**c, [&]() -> Status {
    FERRY_TRY((*c)->docs().import_namespace(ticket->capability));
    FERRY_TRY((*c)->docs().set_download_policy(ns, img_only));
    return (*c)->content().on_policy_changed(ns);
  });
  ASSERT_TRUE(prepared) << prepared.error().to_string();

  for (auto* dir : {&b_dir, &c_dir}) {
    auto joined = call(dir->path, {{"cmd", "doc_join"}, {"ticket", ticket_text}});
    ASSERT_TRUE(joined) << joined.error().to_string();
  }
  EXPECT_TRUE(eventually([&] {
    for (auto& it : items) {
      if (!complete(**b, it.hash)) return false;
    }
    return true;
  }));
  EXPECT_TRUE(
      eventually([&] { return complete(**c, items[1].hash) && complete(**c, items[2].hash); }));
  EXPECT_TRUE(eventually([&] { return missing_count(b_dir.path, doc) == 0; }));
  EXPECT_EQ(missing_count(c_dir.path, doc), 0u);
  EXPECT_FALSE(complete(**c, items[0].hash));
  EXPECT_FALSE(complete(**c, items[3].hash));
  auto c_entries = call(c_dir.path, {{"cmd", "doc_ls"}, {"doc", doc}});
  ASSERT_TRUE(c_entries);
  EXPECT_EQ((*c_entries)["entries"].size(), items.size());  // every entry, only some blobs

  // Live: A writes a new img/ entry; B and C receive entry and blob.
  auto fresh = random_bytes(200000, 7);
  write_file(files.path / "fresh", fresh);
  ASSERT_TRUE(call(a_dir.path, {{"cmd", "doc_set"},
                                {"doc", doc},
                                {"key", "img/fresh.bin"},
                                {"file", files.path / "fresh"}}));
  auto fresh_hash = crypto::blake3(fresh);
  EXPECT_TRUE(eventually([&] { return complete(**b, fresh_hash); }));
  EXPECT_TRUE(eventually([&] { return complete(**c, fresh_hash); }));

  // Restart: A writes an img/ entry whose blob nobody holds yet. C gets the
  // entry and lists the hash as missing.
  auto late = random_bytes(50000, 9);
  auto late_hash = crypto::blake3(late);
  auto inserted = on_io(**a, [&]() -> Status {
    FERRY_ASSIGN(auto author, (*a)->docs().default_author());
    if (!author) return make_error(ErrorCode::kInternal, "no author");
    FERRY_TRY((*a)->docs().insert_local(ns, *author, to_bytes("img/late.bin"), late_hash,
                                        late.size(), 1));
    return ok();
  });
  ASSERT_TRUE(inserted) << inserted.error().to_string();
  EXPECT_TRUE(eventually([&] { return missing_count(c_dir.path, doc) == 1; }));
  auto listed = call(c_dir.path, {{"cmd", "doc_missing"}, {"doc", doc}});
  ASSERT_TRUE(listed);
  ASSERT_EQ((*listed)["missing"].size(), 1u);
  EXPECT_EQ((*listed)["missing"][0]["hash"], late_hash.to_string());
  EXPECT_EQ((*listed)["missing"][0]["size"], late.size());
  EXPECT_EQ((*listed)["missing"][0]["refs"][0]["key"], "img/late.bin");

  // C stops; A gets the blob; C starts again and fetches it without a sync.
  auto c_dir_path = c_dir.path;
  on_io(**c, [&] {
    (*c)->content().shutdown();
    (*c)->engine().shutdown();
    return 0;
  });
  c_net.stop();
  c->reset();
  write_file(files.path / "late", late);
  ASSERT_TRUE(call(a_dir.path, {{"cmd", "blob_add"}, {"path", files.path / "late"}}));
  IoThread c2_net;
  auto c2 = Node::start(c2_net.io, options_for(c_dir_path));
  ASSERT_TRUE(c2) << c2.error().to_string();
  EXPECT_TRUE(eventually([&] { return complete(**c2, late_hash); }));
  EXPECT_TRUE(eventually([&] { return missing_count(c_dir_path, doc) == 0; }));
  EXPECT_FALSE(complete(**c2, items[3].hash));
  c2_net.stop();
  net.stop();
}

}  // namespace
}  // namespace ferry::node
