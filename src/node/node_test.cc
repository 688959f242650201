// Node on temporary data directories over loopback: the control API adds a
// blob that a second node fetches by ticket; node ids persist; a stale
// socket is replaced; a second node on the same directory is refused; bad
// and unknown tickets fail cleanly; many small blobs (a collection and
// by-hash tickets at once) are fetched with grouped commits. Every wait has
// a deadline.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <condition_variable>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include "blobs/file_store.h"
#include "blobs/hash_seq.h"
#include "core/prng.h"
#include "crypto/blake3.h"
#include "node/blob_ops.h"
#include "node/node.h"
#include "node/test_util.h"

namespace ferry::node {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using testing::IoThread;

// Temporary directories named for this test binary.
struct TempDir : testing::TempDir {
  TempDir() : testing::TempDir("ferry-node-test") {}
};

Bytes write_random_file(const fs::path& path, size_t n, uint64_t seed) {
  Prng prng(seed);
  Bytes data(n);
  for (auto& b : data) b = static_cast<uint8_t>(prng.next());
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(n));
  return data;
}

Bytes read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

NodeOptions options_for(const fs::path& dir) {
  NodeOptions o;
  o.data_dir = dir;
  o.fetch.idle_timeout = 3s;
  return o;
}

// Fetches through node.fetch() and waits (deadline 30 s).
Result<FetchResult> fetch_and_wait(Node& node, const net::BlobTicket& ticket) {
  auto promise = std::make_shared<std::promise<Result<FetchResult>>>();
  auto future = promise->get_future();
  node.fetch(ticket, {}, [promise](Result<FetchResult> r) { promise->set_value(std::move(r)); });
  if (future.wait_for(30s) != std::future_status::ready) {
    return make_error(ErrorCode::kTimeout, "test deadline");
  }
  return future.get();
}

TEST(Node, ControlAddThenSecondNodeFetchesByTicket) {
  TempDir a_dir, b_dir, files;
  IoThread net;
  auto a = Node::start(net.io, options_for(a_dir.path));
  ASSERT_TRUE(a) << a.error().to_string();
  auto b = Node::start(net.io, options_for(b_dir.path));
  ASSERT_TRUE(b) << b.error().to_string();

  // The control socket exists, is a socket and only its owner may use it.
  struct stat st {};
  ASSERT_EQ(::stat(control_socket_path(a_dir.path).c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto content = write_random_file(files.path / "in.bin", 300000, 11);
  auto client = ControlClient::connect(a_dir.path);
  ASSERT_TRUE(client && *client);
  auto added = (*client)->call({{"cmd", "blob_add"}, {"path", (files.path / "in.bin").string()}});
  ASSERT_TRUE(added) << added.error().to_string();
  EXPECT_EQ((*added)["size"], 300000);
  auto ticket = net::BlobTicket::parse((*added)["ticket"].get<std::string>());
  ASSERT_TRUE(ticket);
  EXPECT_EQ(ticket->node, (*a)->addr());

  // B fetches through its own control API, with progress events and --out.
  auto b_client = ControlClient::connect(b_dir.path);
  ASSERT_TRUE(b_client && *b_client);
  int events = 0;
  auto got = (*b_client)->call({{"cmd", "blob_get"},
                                {"ticket", ticket->to_string()},
                                {"out", (files.path / "out.bin").string()}},
                               [&](const nlohmann::json& e) {
                                 EXPECT_EQ(e["event"], "progress");
                                 ++events;
                               });
  ASSERT_TRUE(got) << got.error().to_string();
  EXPECT_GE(events, 1);
  EXPECT_EQ((*got)["size"], 300000);
  EXPECT_EQ(read_file(files.path / "out.bin"), content);
  auto data = (*b)->store().read(ticket->hash, 0, content.size());
  ASSERT_TRUE(data);
  EXPECT_EQ(*data, content);

  // Fetching again finds it complete without a transfer.
  auto again = fetch_and_wait(**b, *ticket);
  ASSERT_TRUE(again) << again.error().to_string();
  EXPECT_TRUE(again->already_complete);

  // Unknown control commands and malformed requests are errors, not crashes.
  auto bad = (*client)->call({{"cmd", "no_such_command"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  net.stop();
}

TEST(Node, UnknownBlobAndUnreachableNodeFailCleanly) {
  TempDir a_dir, b_dir;
  IoThread net;
  auto a = Node::start(net.io, options_for(a_dir.path));
  ASSERT_TRUE(a);
  auto b = Node::start(net.io, options_for(b_dir.path));
  ASSERT_TRUE(b);
  // A hash the provider does not have.
  net::BlobTicket unknown{(*a)->addr(), net::BlobFormat::kRaw, crypto::blake3(to_bytes("nope"))};
  auto r = fetch_and_wait(**b, unknown);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound) << r.error().to_string();
  auto st = (*b)->store().status(unknown.hash);
  ASSERT_TRUE(st);
  EXPECT_FALSE(st->is_complete());

  // A node that does not exist at an address where nothing listens.
  net::BlobTicket nowhere{net::NodeAddr{net::SecretKey::generate().public_key(),
                                        std::nullopt,
                                        {net::SocketAddr::v4({127, 0, 0, 1}, 9)}},
                          net::BlobFormat::kRaw, unknown.hash};
  auto start = std::chrono::steady_clock::now();
  auto r2 = fetch_and_wait(**b, nowhere);
  ASSERT_FALSE(r2);
  EXPECT_NE(r2.error().code(), ErrorCode::kInternal) << r2.error().to_string();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 25s);
  net.stop();
}

// Small blobs: a collection of 400 small children and 100 raw tickets
// fetched at once by B. Each fetch is reported only once its blobs are
// durable (complete in the store when `done` runs); B's file store records
// them through its group committer; all verify after B restarts.
TEST(Node, ManySmallBlobsCollectionAndByHash) {
  TempDir a_dir, b_dir;
  IoThread net;
  auto a = Node::start(net.io, options_for(a_dir.path));
  ASSERT_TRUE(a);
  auto b = Node::start(net.io, options_for(b_dir.path));
  ASSERT_TRUE(b);
  Prng prng(77);
  auto random_blob = [&](size_t n) {
    Bytes d(n);
    for (auto& x : d) x = static_cast<uint8_t>(prng.next());
    return d;
  };
  std::vector<std::pair<std::string, Bytes>> files;
  for (int i = 0; i < 400; ++i) files.emplace_back("f" + std::to_string(i), random_blob(4096));
  auto col = blobs::import_collection((*a)->store(), files);
  ASSERT_TRUE(col);
  ASSERT_TRUE((*a)->store().set_tag("col", blobs::HashAndFormat::hash_seq(col->hash)));
  std::vector<std::pair<net::BlobTicket, Bytes>> raw;
  for (int i = 0; i < 100; ++i) {
    Bytes d = random_blob(1 + prng.below(16384));
    auto r = (*a)->store().import_bytes(d);
    ASSERT_TRUE(r);
    ASSERT_TRUE(
        (*a)->store().set_tag("raw" + std::to_string(i), blobs::HashAndFormat::raw(r->hash)));
    raw.emplace_back(net::BlobTicket{(*a)->addr(), net::BlobFormat::kRaw, r->hash}, std::move(d));
  }

  std::mutex mu;
  std::condition_variable cv;
  size_t answered = 0;
  std::vector<std::string> errors;
  auto on_done = [&](net::BlobTicket t) {
    return [&, t](Result<FetchResult> r) {
      std::string problem;
      if (!r) {
        problem = r.error().to_string();
      } else if (t.format == net::BlobFormat::kRaw) {
        auto st = (*b)->store().status(t.hash);
        if (!st || !st->is_complete()) problem = "raw blob not complete when reported";
      } else {
        auto cs = blobs::collection_status((*b)->store(), t.hash);
        if (!cs || !cs->is_complete()) problem = "collection not complete when reported";
      }
      std::lock_guard lock(mu);
      if (!problem.empty()) errors.push_back(problem);
      ++answered;
      cv.notify_all();
    };
  };
  net::BlobTicket col_ticket{(*a)->addr(), net::BlobFormat::kHashSeq, col->hash};
  (*b)->fetch(col_ticket, {}, on_done(col_ticket));
  for (const auto& [t, d] : raw) (*b)->fetch(t, {}, on_done(t));
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 60s, [&] { return answered == raw.size() + 1; }));
    EXPECT_TRUE(errors.empty()) << errors.front();
  }
  auto counters = blobs::file_store_counters((*b)->store());
  EXPECT_EQ(counters.grouped_blobs, files.size() + 1 + raw.size());  // + the meta blob
  EXPECT_LE(counters.group_commits, counters.grouped_blobs);
  net.stop();
  (*b)->shutdown();
  (*a)->shutdown();
  b->reset();

  IoThread net2;
  auto b2 = Node::start(net2.io, options_for(b_dir.path));
  ASSERT_TRUE(b2);
  for (const auto& [t, d] : raw) {
    auto got = (*b2)->store().read(t.hash, 0, d.size());
    ASSERT_TRUE(got) << got.error().to_string();
    EXPECT_EQ(*got, d);
  }
  auto cs = blobs::collection_status((*b2)->store(), col->hash);
  ASSERT_TRUE(cs);
  ASSERT_TRUE(cs->is_complete());
  ASSERT_EQ(cs->children.size(), files.size() + 1);
  for (size_t i = 0; i < files.size(); ++i) {
    auto got = (*b2)->store().read(cs->children[i + 1].hash, 0, 4096);
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, files[i].second);
  }
  net2.stop();
}

// A node shut down in the middle of a download lets go of it cleanly (the
// getter must not outlive the store), and what was verified is kept.
TEST(Node, ShutdownDuringDownload) {
  TempDir a_dir, b_dir, files;
  auto content = write_random_file(files.path / "big.bin", 24 << 20, 12);
  IoThread net;
  auto a = Node::start(net.io, options_for(a_dir.path));
  ASSERT_TRUE(a);
  auto b = Node::start(net.io, options_for(b_dir.path));
  ASSERT_TRUE(b);
  auto added = blob_add((*a)->store(), (files.path / "big.bin").string(), (*a)->addr());
  ASSERT_TRUE(added);
  auto ticket = net::BlobTicket::parse((*added)["ticket"].get<std::string>());
  ASSERT_TRUE(ticket);
  (*a)->driver().post([&] { (*a)->driver().set_faults(net::FaultConfig{.delay = 20ms}); });
  std::atomic<uint64_t> received{0};
  std::atomic<bool> done{false};
  (*b)->fetch(
      *ticket, [&](const FetchProgress& p) { received = p.received; },
      [&](Result<FetchResult>) { done = true; });
  auto end = std::chrono::steady_clock::now() + 20s;
  while (received < (1u << 20) && !done && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(2ms);
  }
  net.stop();
  (*b)->shutdown();
  (*a)->shutdown();
  EXPECT_GE(received.load(), 1u << 20);
  EXPECT_FALSE(done.load());  // the window-bound transfer was cut short
  // Reopened, B still holds the verified part.
  IoThread net2;
  auto b2 = Node::start(net2.io, options_for(b_dir.path));
  ASSERT_TRUE(b2);
  auto st = (*b2)->store().status(ticket->hash);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->state, blobs::BlobState::kPartial);
  EXPECT_FALSE(st->verified.ranges().empty());
  net2.stop();
}

// Garbage on the control socket gets an error line; the node keeps serving.
TEST(Node, MalformedControlRequestsAreAnsweredWithErrors) {
  TempDir dir;
  IoThread net;
  auto n = Node::start(net.io, options_for(dir.path));
  ASSERT_TRUE(n);
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  auto p = control_socket_path(dir.path).string();
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  std::string garbage = "not json\n[1,2]\n{\"cmd\": 5}\n{\"cmd\":\"blob_get\",\"ticket\":\"x\"}\n";
  ASSERT_EQ(::write(fd, garbage.data(), garbage.size()), static_cast<ssize_t>(garbage.size()));
  std::string got;
  char buf[4096];
  auto end = std::chrono::steady_clock::now() + 10s;
  while (std::count(got.begin(), got.end(), '\n') < 4 && std::chrono::steady_clock::now() < end) {
    ssize_t k = ::read(fd, buf, sizeof(buf));
    if (k <= 0) break;
    got.append(buf, static_cast<size_t>(k));
  }
  ::close(fd);
  size_t lines = 0, pos = 0;
  for (size_t nl; (nl = got.find('\n', pos)) != std::string::npos; pos = nl + 1, ++lines) {
    auto doc = nlohmann::json::parse(got.substr(pos, nl - pos));
    EXPECT_EQ(doc["ok"], false) << doc.dump();
    EXPECT_TRUE(doc.contains("error"));
  }
  EXPECT_EQ(lines, 4u);
  auto client = ControlClient::connect(dir.path);
  ASSERT_TRUE(client && *client);
  EXPECT_TRUE((*client)->call({{"cmd", "node_addr"}}));
  net.stop();
}

TEST(Node, NodeIdSurvivesRestartAndKeyIsPrivate) {
  TempDir dir;
  net::NodeId first;
  {
    IoThread net;
    auto n = Node::start(net.io, options_for(dir.path));
    ASSERT_TRUE(n);
    first = (*n)->node_id();
    net.stop();
  }
  struct stat st {};
  ASSERT_EQ(::stat((dir.path / "node.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(fs::exists(control_socket_path(dir.path)));  // removed on shutdown
  IoThread net;
  auto n = Node::start(net.io, options_for(dir.path));
  ASSERT_TRUE(n);
  EXPECT_EQ((*n)->node_id(), first);
  net.stop();
}

TEST(Node, StaleSocketIsReplacedAndLiveNodeIsExclusive) {
  TempDir dir;
  // A socket file nobody listens on, as a killed node leaves behind.
  {
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    auto p = control_socket_path(dir.path).string();
    std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    ::close(fd);
  }
  auto none = ControlClient::connect(dir.path);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());

  IoThread net;
  auto n = Node::start(net.io, options_for(dir.path));
  ASSERT_TRUE(n) << n.error().to_string();
  auto second = Node::start(net.io, options_for(dir.path));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code(), ErrorCode::kAlreadyExists);
  auto client = ControlClient::connect(dir.path);
  ASSERT_TRUE(client && *client);
  auto addr = (*client)->call({{"cmd", "node_addr"}});
  ASSERT_TRUE(addr);
  EXPECT_EQ((*addr)["node_id"], (*n)->node_id().to_string());
  auto ticket = net::NodeTicket::parse((*addr)["ticket"].get<std::string>());
  ASSERT_TRUE(ticket);
  EXPECT_EQ(ticket->node, (*n)->addr());
  // "stop" is confirmed first, then the node's io_context stops.
  auto stopped = (*client)->call({{"cmd", "stop"}});
  ASSERT_TRUE(stopped) << stopped.error().to_string();
  auto end = std::chrono::steady_clock::now() + 10s;
  while (!net.io.stopped() && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(net.io.stopped());
  EXPECT_TRUE((*n)->stop_requested());
  net.stop();
}

}  // namespace
}  // namespace ferry::node
