// Node: one Ferry node on a data directory. It owns the blob store
// (<data-dir>/blobs.db, blobs/), the node key (<data-dir>/node.key), the
// UdpDriver with its ALPN router (BlobsProvider on /iroh-bytes/4) and the
// local control API (<data-dir>/node.sock, see control.h). Later: the docs
// engine.
//
// Threads: the caller runs the io_context (one network thread); the
// provider's workers read the store; control connections are served on
// their own threads, which do blocking store work (import, export) there
// and hand network work to the io thread with UdpDriver::post.
//
// Control commands (request "cmd" → final line fields):
//   node_addr                → node_id, addrs[], ticket (node ticket)
//   blob_add {path}          → hash, hex, size, ticket (blob ticket)
//   blob_ls                  → blobs[{hash, size, state}]
//   blob_export {hash, path} → hash, path, size
//   blob_get {ticket, out?, timeout_ms?} → events {"event":"progress", received, expected,
//                              size}; final hash, size, received, had_before,
//                              already_complete, path (if out)
//   stop                     → {} and the node shuts down
#pragma once

#include <asio.hpp>
#include <atomic>
#include <filesystem>
#include <memory>

#include "blobs/store.h"
#include "net/ticket.h"
#include "net/udp_driver.h"
#include "node/control.h"
#include "node/fetch.h"
#include "proto/blobs/blobs_protocol.h"

namespace ferry::node {

struct NodeOptions {
  std::filesystem::path data_dir;
  // UDP address to bind. An unspecified IP (0.0.0.0) is advertised as every
  // local IPv4 interface address with the bound port.
  net::SocketAddr bind = net::SocketAddr::v4({127, 0, 0, 1}, 0);
  // Serve the control API. Off for a transient node (`ferry blob get`
  // without a running node).
  bool control = true;
  // Use a fresh random key instead of <data-dir>/node.key.
  bool ephemeral_key = false;
  FetchOptions fetch;
};

class Node {
 public:
  // Opens the store and key, binds the UDP socket and the control socket.
  // Errors: kAlreadyExists (a node already runs on the data directory),
  // kIo, store/key errors.
  static Result<std::unique_ptr<Node>> start(asio::io_context& io, NodeOptions options);
  ~Node();  // shutdown()
  // Stops the control API, the provider and the endpoint. Call it after the
  // io_context stopped running (or from a thread other than the io thread).
  void shutdown();

  const net::NodeId& node_id() const { return addr_.node_id; }
  // Node id and the direct addresses peers can dial.
  const net::NodeAddr& addr() const { return addr_; }
  blobs::Store& store() { return *store_; }
  net::UdpDriver& driver() { return *driver_; }
  const std::filesystem::path& data_dir() const { return options_.data_dir; }
  // True once a "stop" request arrived or shutdown() began.
  bool stop_requested() const { return stop_requested_; }

  // Fetches `ticket` into the store; callable from any thread. Callbacks run
  // on the io thread.
  // `options` default to NodeOptions::fetch.
  void fetch(const net::BlobTicket& ticket, BlobFetch::ProgressFn on_progress,
             BlobFetch::DoneFn done, std::optional<FetchOptions> options = std::nullopt);

 private:
  Node(asio::io_context& io, NodeOptions options);
  Result<nlohmann::json> handle(const nlohmann::json& request, const ControlServer::Reply& reply);
  Result<nlohmann::json> handle_get(const nlohmann::json& request,
                                    const ControlServer::Reply& reply);

  asio::io_context& io_;
  NodeOptions options_;
  std::unique_ptr<blobs::Store> store_;
  std::shared_ptr<proto::blobs::BlobsProvider> provider_;
  std::unique_ptr<net::UdpDriver> driver_;
  std::unique_ptr<ControlServer> control_;
  net::NodeAddr addr_;
  std::atomic<bool> stop_requested_{false};
  std::vector<std::weak_ptr<BlobFetch>> fetches_;  // io thread; abandoned at shutdown
  bool shut_down_ = false;
};

// JSON for a fetch progress event / final result (shared by the control API
// and the CLI's transient path).
nlohmann::json progress_json(const FetchProgress& p);
nlohmann::json fetch_result_json(const FetchResult& r);

}  // namespace ferry::node
