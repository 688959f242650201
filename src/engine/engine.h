// Engine: live sync of documents over /iroh-sync/1 (spec §5). It owns the
// sync runs of a node: the incoming side (handler(), registered on the
// node's AlpnRouter) and outgoing runs (sync_with / sync_doc / join), the
// LiveState that decides (live_state.h), the persisted per-document state
// (state_file.h), and the hooks towards content fetching (ContentSink).
//
// Each run is one QUIC connection with one bidi stream driven by
// proto::sync::SyncStream over the document's ReplicaSet; received entries
// are validated on the sync path and inserted by the replica rules, which
// raise InsertRemote on the store; the engine forwards it to the sink.
// After a successful run the peer is remembered for the document and the
// sink hears on_sync_finished. Live mode: a local insert into a syncing
// document starts, after a short debounce, a run with each known peer.
//
// Threading: everything runs on the driver's io thread, including the
// callbacks. Requires: the stores and the sink outlive the engine.
#pragma once

#include <array>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "blobs/store.h"
#include "docs/ranger_item.h"
#include "docs/store.h"
#include "engine/content_sink.h"
#include "engine/doc_ticket.h"
#include "engine/live_state.h"
#include "net/udp_driver.h"
#include "proto/sync/session.h"
#include "proto/sync/sync_stream.h"

namespace ferry::engine {

struct EngineOptions {
  Duration sync_timeout = std::chrono::seconds(60);  // one run, from stream open
  Duration live_debounce = std::chrono::milliseconds(300);
  std::filesystem::path state_file;    // empty: nothing persisted
  proto::sync::SessionConfig session;  // its dialect is set per run from the ALPN
  // Offer /ferry-sync/1 (the compact dialect) before /iroh-sync/1 when
  // dialing: a Ferry peer picks it, an iroh peer picks /iroh-sync/1.
  bool offer_compact = true;
};

// What one run did.
struct SyncReport {
  docs::NamespaceId ns;
  net::NodeId peer;
  bool dialer = false;
  proto::sync::Dialect dialect = proto::sync::Dialect::kIroh;  // chosen by the ALPN
  uint64_t sent = 0, received = 0, inserted = 0;
  uint64_t bytes_sent = 0, bytes_received = 0;                     // sync frames
  std::array<uint64_t, reconcile::kRejectReasonCount> rejected{};  // by RejectReason
};

// One result per peer of a multi-peer sync (join, sync_doc).
struct PeerSyncResult {
  net::NodeId peer;
  Result<SyncReport> result;
};

class Engine {
 public:
  using SyncDone = std::function<void(Result<SyncReport>)>;
  using MultiDone = std::function<void(std::vector<PeerSyncResult>)>;

  // `blobs` (may be null) answers the content status sent with entries.
  Engine(docs::Store& store, blobs::Store* blobs, ContentSink& sink, EngineOptions options);
  ~Engine();

  // The /iroh-sync/1 protocol handler; register it before creating the
  // driver, then call start().
  std::shared_ptr<net::ProtocolHandler> handler();
  // Binds the driver, loads the state file and subscribes to the store.
  // Errors: reading the state file (kIo, kCorrupt).
  Status start(net::UdpDriver& driver);
  // Closes every run's connection and cancels timers; pending callbacks get
  // kCancelled. Idempotent.
  void shutdown();

  // A ticket for `ns` (kWrite needs the write secret here: else
  // kInvalidArgument) naming `self`; marks the document syncing.
  // Errors: kNotFound (unknown document).
  Result<DocTicket> share(const docs::NamespaceId& ns, docs::CapabilityKind kind,
                          const net::NodeAddr& self);
  // Imports the capability, marks the document syncing, records the
  // ticket's nodes as its peers and syncs with each of them; `done` gets one
  // result per node. Errors (then `done` is not called): importing.
  Status join(const DocTicket& ticket, MultiDone done);
  // Syncs `ns` with every known peer; `done` gets one result per peer.
  // Errors (then `done` is not called): kNotFound (unknown document),
  // kInvalidArgument (no known peer).
  Status sync_doc(const docs::NamespaceId& ns, MultiDone done);
  // One run with `addr` (dialing it). kAlreadyExists if one runs already (a
  // re-run is queued).
  void sync_with(const docs::NamespaceId& ns, const net::NodeAddr& addr, SyncDone done);

  const LiveState& live() const { return *live_; }
  uint64_t runs_finished() const { return runs_finished_; }

 private:
  class Acceptor;
  class Dial;
  friend class Acceptor;
  friend class Dial;

  // Whether to serve an incoming run (nullopt = accept, registered).
  std::optional<proto::sync::AbortReason> accept_decision(const docs::NamespaceId& ns,
                                                          const net::NodeId& peer);
  reconcile::RangerHooks<docs::SignedEntry> hooks(const docs::NamespaceId& ns,
                                                  const net::NodeId& peer);
  reconcile::ContentStatus blob_status(const crypto::Hash& hash);
  void on_store_event(const docs::StoreEvent& ev);
  // One run per peer; `done` gets all results once the last one ended.
  void sync_many(const docs::NamespaceId& ns, const std::vector<net::NodeAddr>& peers,
                 MultiDone done);
  void run_finished(const docs::NamespaceId& ns, const net::NodeId& peer, bool dialer,
                    const std::optional<net::NodeAddr>& addr,
                    const Result<proto::sync::SyncOutcome>& outcome, SyncDone done);
  void arm_live_timer();
  void save_state();

  docs::Store& store_;
  blobs::Store* blobs_;
  ContentSink& sink_;
  EngineOptions options_;
  net::UdpDriver* driver_ = nullptr;
  std::shared_ptr<Acceptor> acceptor_;
  std::set<std::shared_ptr<Dial>> dials_;
  std::unique_ptr<LiveState> live_;
  std::optional<asio::steady_timer> live_timer_;
  Instant live_timer_at_ = Instant::max();
  docs::SubscriptionId subscription_ = 0;
  uint64_t runs_finished_ = 0;
  bool shut_down_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ferry::engine
