#include "node/node.h"

#include <ifaddrs.h>

#include <condition_variable>
#include <deque>
#include <mutex>

#include "blobs/file_store.h"
#include "node/blob_ops.h"
#include "node/key_file.h"
#include "proto/sync/compact_sync_message.h"

namespace ferry::node {
namespace {

// The addresses to advertise for a socket bound to `bound`.
std::vector<net::SocketAddr> advertised_addrs(const net::SocketAddr& bound) {
  if (!bound.is_unspecified()) return {bound};
  std::vector<net::SocketAddr> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) == 0) {
    for (ifaddrs* i = list; i; i = i->ifa_next) {
      if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
      auto a = net::SocketAddr::from_sockaddr(i->ifa_addr, sizeof(sockaddr_in));
      if (!a) continue;
      a->port = bound.port;
      out.push_back(*a);
    }
    ::freeifaddrs(list);
  }
  if (out.empty()) out.push_back(net::SocketAddr::v4({127, 0, 0, 1}, bound.port));
  return out;
}

std::string require_string(const nlohmann::json& request, const char* field) {
  auto it = request.find(field);
  return it != request.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

nlohmann::json progress_json(const FetchProgress& p) {
  return {{"event", "progress"},
          {"received", p.received},
          {"expected", p.expected},
          {"size", p.blob_size}};
}

nlohmann::json fetch_result_json(const FetchResult& r) {
  return {{"hash", r.hash.to_string()},
          {"format", r.format == net::BlobFormat::kRaw ? "raw" : "hashseq"},
          {"size", r.size},
          {"received", r.received},
          {"had_before", r.had_before},
          {"already_complete", r.already_complete}};
}

Node::Node(asio::io_context& io, NodeOptions options) : io_(io), options_(std::move(options)) {}

Result<std::unique_ptr<Node>> Node::start(asio::io_context& io, NodeOptions options) {
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    return make_error(ErrorCode::kIo, "cannot create data directory " + options.data_dir.string() +
                                          ": " + ec.message());
  }
  std::unique_ptr<Node> node(new Node(io, options));
  // Claim the control socket first: it tells us whether a node already runs
  // here, before we open the store it would be holding.
  if (options.control) {
    Node* raw = node.get();
    FERRY_ASSIGN(node->control_,
                 ControlServer::start(
                     options.data_dir,
                     [raw](const nlohmann::json& req, const ControlServer::Reply& reply) {
                       return raw->handle(req, reply);
                     },
                     [raw](const nlohmann::json& req) {
                       // Stop only once "stop" has been confirmed to the client.
                       if (req["cmd"] == "stop") raw->io_.stop();
                     }));
  }
  net::SecretKey key = net::SecretKey::generate();
  if (!options.ephemeral_key) {
    FERRY_ASSIGN(key, load_or_create_secret_key(options.data_dir / "node.key"));
  }
  blobs::FileStoreOptions store_options;
  store_options.dir = options.data_dir.string();
  auto store = blobs::open_file_store(store_options);
  if (!store) {
    return tl::unexpected(
        store.error().with_context("opening blob store in " + options.data_dir.string()));
  }
  node->store_ = std::move(*store);
  auto docs = docs::Store::open((options.data_dir / "docs.db").string());
  if (!docs) {
    return tl::unexpected(
        docs.error().with_context("opening document store in " + options.data_dir.string()));
  }
  node->docs_ = std::move(*docs);
  node->content_ = std::make_unique<NodeContent>(*node->docs_, *node->store_, options.content);
  engine::EngineOptions engine_options;
  engine_options.state_file = options.data_dir / "sync-state.json";
  node->engine_ = std::make_unique<engine::Engine>(*node->docs_, node->store_.get(),
                                                   *node->content_, engine_options);
  node->provider_ = std::make_shared<proto::blobs::BlobsProvider>(*node->store_);
  net::AlpnRouter router;
  FERRY_TRY(router.add(std::string(proto::blobs::kAlpn), node->provider_));
  FERRY_TRY(router.add(std::string(proto::sync::kAlpn), node->engine_->handler()));
  FERRY_TRY(router.add(std::string(proto::sync::kCompactAlpn), node->engine_->handler()));
  auto driver = net::UdpDriver::create(io, key, options.bind, std::move(router));
  if (!driver) {
    node->provider_->shutdown();
    return tl::unexpected(driver.error().with_context("binding " + options.bind.to_string()));
  }
  node->driver_ = std::move(*driver);
  node->addr_ =
      net::NodeAddr{key.public_key(), std::nullopt, advertised_addrs(node->driver_->local_addr())};
  std::sort(node->addr_.direct_addresses.begin(), node->addr_.direct_addresses.end());
  FERRY_TRY(node->engine_->start(*node->driver_));
  node->content_->bind(*node->driver_, *node->engine_);
  // Missing content survives a restart: queue it again (on the io thread,
  // which owns the document store from now on).
  node->driver_->post([raw = node.get()] { (void)raw->content_->start(); });
  return node;
}

Node::~Node() {
  shutdown();
}

void Node::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  stop_requested_ = true;
  if (control_) control_->stop();  // joins control threads (they poll stop_requested_)
  if (provider_) provider_->shutdown();
  // Unfinished downloads let go of their getters (which write to the store)
  // before the driver and the store go away.
  for (auto& w : fetches_) {
    if (auto f = w.lock()) f->abandon();
  }
  fetches_.clear();
  if (content_) content_->shutdown();
  if (engine_) engine_->shutdown();
  driver_.reset();
  engine_.reset();
  content_.reset();
  docs_.reset();
  store_.reset();
}

void Node::fetch(const net::BlobTicket& ticket, BlobFetch::ProgressFn on_progress,
                 BlobFetch::DoneFn done, std::optional<FetchOptions> options) {
  // Runs on the io thread; the fetch keeps itself alive through its timer
  // and getter callbacks until done.
  FetchOptions o = options.value_or(options_.fetch);
  driver_->post(
      [this, ticket, o, on_progress = std::move(on_progress), done = std::move(done)]() mutable {
        std::erase_if(fetches_, [](const auto& w) { return w.expired(); });
        // A fetched blob may be content a document is missing.
        auto report = [this, done = std::move(done)](Result<FetchResult> r) {
          if (r && r->format == net::BlobFormat::kRaw) content_->on_blob_complete(r->hash);
          if (done) done(std::move(r));
        };
        fetches_.push_back(BlobFetch::start(*driver_, *store_, ticket, o, std::move(on_progress),
                                            std::move(report)));
      });
}

Result<nlohmann::json> Node::handle(const nlohmann::json& request,
                                    const ControlServer::Reply& reply) {
  std::string cmd = request["cmd"].get<std::string>();
  if (stop_requested_) return make_error(ErrorCode::kCancelled, "the node is stopping");
  if (cmd == "node_addr") {
    auto addrs = nlohmann::json::array();
    for (const auto& a : addr_.direct_addresses) addrs.push_back(a.to_string());
    return nlohmann::json{{"node_id", addr_.node_id.to_string()},
                          {"addrs", addrs},
                          {"ticket", net::NodeTicket{addr_}.to_string()}};
  }
  if (cmd == "blob_add") {
    auto added = blob_add(*store_, require_string(request, "path"), addr_);
    if (added) {
      if (auto hash = crypto::Hash::parse((*added)["hash"].get<std::string>())) {
        driver_->post([this, h = *hash] { content_->on_blob_complete(h); });
      }
    }
    return added;
  }
  if (cmd == "blob_ls") return blob_ls(*store_);
  if (cmd == "blob_export") {
    return blob_export(*store_, require_string(request, "hash"), require_string(request, "path"));
  }
  if (cmd == "blob_get") return handle_get(request, reply);
  if (auto r = handle_doc(cmd, request)) return std::move(*r);
  if (cmd == "stop") {
    stop_requested_ = true;  // io_ stops after the reply (see start())
    return nlohmann::json::object();
  }
  return make_error(ErrorCode::kInvalidArgument, "unknown control command: " + cmd);
}

Result<nlohmann::json> Node::handle_get(const nlohmann::json& request,
                                        const ControlServer::Reply& reply) {
  FERRY_ASSIGN(auto ticket, net::BlobTicket::parse(require_string(request, "ticket")));
  std::string out = require_string(request, "out");
  if (!out.empty() && ticket.format != net::BlobFormat::kRaw) {
    return make_error(ErrorCode::kUnsupported, "--out needs a raw blob ticket");
  }
  // Events from the io thread, consumed here.
  struct Shared {
    std::mutex m;
    std::condition_variable cv;
    std::deque<FetchProgress> progress;
    std::optional<Result<FetchResult>> result;
  };
  auto shared = std::make_shared<Shared>();
  FetchOptions options = options_.fetch;
  if (auto it = request.find("timeout_ms"); it != request.end() && it->is_number_unsigned()) {
    uint64_t ms = it->get<uint64_t>();
    if (ms == 0 || ms > 86'400'000) {
      return make_error(ErrorCode::kInvalidArgument, "timeout_ms out of range");
    }
    options.idle_timeout = std::chrono::milliseconds(ms);
  }
  fetch(
      ticket,
      [shared](const FetchProgress& p) {
        std::lock_guard lock(shared->m);
        shared->progress.push_back(p);
        shared->cv.notify_all();
      },
      [shared](Result<FetchResult> r) {
        std::lock_guard lock(shared->m);
        shared->result = std::move(r);
        shared->cv.notify_all();
      },
      options);
  std::unique_lock lock(shared->m);
  for (;;) {
    shared->cv.wait_for(lock, std::chrono::milliseconds(100));
    while (!shared->progress.empty()) {
      auto p = shared->progress.front();
      shared->progress.pop_front();
      lock.unlock();
      bool alive = reply(progress_json(p));
      lock.lock();
      (void)alive;  // a vanished client does not stop the download
    }
    if (shared->result) break;
    if (stop_requested_) return make_error(ErrorCode::kCancelled, "the node is stopping");
  }
  auto result = std::move(*shared->result);
  lock.unlock();
  if (!result) return tl::unexpected(result.error());
  auto doc = fetch_result_json(*result);
  if (!out.empty()) {
    FERRY_ASSIGN(auto exported, blob_export(*store_, result->hash.to_string(), out));
    doc["path"] = exported["path"];
  }
  return doc;
}

}  // namespace ferry::node
