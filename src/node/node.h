// Node: one Ferry node on a data directory. It owns the blob store
// (<data-dir>/blobs.db, blobs/), the document store (<data-dir>/docs.db,
// the one the CLI uses without a node), the node key (<data-dir>/node.key),
// the UdpDriver with its ALPN router (BlobsProvider on /iroh-bytes/4, the
// docs engine on /iroh-sync/1; engine state in <data-dir>/sync-state.json)
// and the local control API (<data-dir>/node.sock, see control.h).
//
// The document store belongs to the io thread: control requests run their
// document work there (doc_control.cc), so what they write is visible to
// syncs at once.
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
//   doc_create, doc_set {doc, key, value|file, author?}, doc_get {doc, key,
//   author?, out?}, doc_ls {doc, prefix?, author?}, doc_del {doc, prefix,
//   author?}, doc_policy {doc, policy_hex?}, author_new {default?},
//   author_list, author_default {author?} → the fields of doc_ops.h;
//   doc_share {doc, mode: "read"|"write"} → ticket, doc, mode;
//   doc_join {ticket, policy_hex?}, doc_sync {doc} → sync_results_json
//   (doc_ops.h);
//   doc_missing {doc} → missing_json (missing_ops.h)
#pragma once

#include <asio.hpp>
#include <atomic>
#include <filesystem>
#include <memory>

#include "blobs/store.h"
#include "docs/store.h"
#include "engine/content_sink.h"
#include "engine/engine.h"
#include "net/ticket.h"
#include "net/udp_driver.h"
#include "node/content.h"
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
  // The downloader and missing-content tracker (node/content.h).
  ContentOptions content;
};

class Node {
 public:
  // Opens the store and key, binds the UDP socket and the control socket.
  // Errors: kAlreadyExists (a node already runs on the data directory),
  // kIo, store/key errors.
  static Result<std::unique_ptr<Node>> start(asio::io_context& io, NodeOptions options);
  ~Node();  // shutdown()
  // Stops the control API, the provider and the endpoint. Requires: the
  // io_context stopped running (its handlers use what this frees).
  void shutdown();

  const net::NodeId& node_id() const { return addr_.node_id; }
  // Node id and the direct addresses peers can dial.
  const net::NodeAddr& addr() const { return addr_; }
  blobs::Store& store() { return *store_; }
  // The document store and the engine: io thread only.
  docs::Store& docs() { return *docs_; }
  engine::Engine& engine() { return *engine_; }
  // Content fetching for synced entries: io thread only.
  NodeContent& content() { return *content_; }
  net::UdpDriver& driver() { return *driver_; }
  const std::filesystem::path& data_dir() const { return options_.data_dir; }
  // True once a "stop" request arrived or shutdown() began.
  bool stop_requested() const { return stop_requested_; }

  // Fetches `ticket` into the store; callable from any thread. Callbacks run
  // on the io thread.
  // `options` default to NodeOptions::fetch.
  void fetch(const net::BlobTicket& ticket, BlobFetch::ProgressFn on_progress,
             BlobFetch::DoneFn done, std::optional<FetchOptions> options = std::nullopt);

  // Joins a DocTicket / re-syncs a document with its known peers; callable
  // from any thread, `done` runs on the io thread with sync_results_json.
  // A join's `policy_hex` (docs::DownloadPolicy, postcard hex) is set before
  // the first sync, so no content the policy rejects is ever fetched.
  using JsonDone = std::function<void(Result<nlohmann::json>)>;
  void doc_join(const std::string& ticket, std::optional<std::string> policy_hex, JsonDone done);
  void doc_sync(const std::string& doc, JsonDone done);

 private:
  Node(asio::io_context& io, NodeOptions options);
  Result<nlohmann::json> handle(const nlohmann::json& request, const ControlServer::Reply& reply);
  Result<nlohmann::json> handle_get(const nlohmann::json& request,
                                    const ControlServer::Reply& reply);
  // Document and author commands (doc_control.cc); nullopt: not one of them.
  std::optional<Result<nlohmann::json>> handle_doc(const std::string& cmd,
                                                   const nlohmann::json& request);
  // Runs `start` on the io thread and waits (on a control thread) for the
  // `done` it must call once. kCancelled if the node stops first.
  Result<nlohmann::json> await_io(std::function<void(JsonDone)> start);

  asio::io_context& io_;
  NodeOptions options_;
  std::unique_ptr<blobs::Store> store_;
  std::unique_ptr<docs::Store> docs_;
  // The engine's content sink: synced entries' blobs fetched by policy.
  std::unique_ptr<NodeContent> content_;
  std::unique_ptr<engine::Engine> engine_;
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
