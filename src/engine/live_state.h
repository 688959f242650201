// LiveState: the engine's decisions about document syncs, sans-IO (time is
// an argument, no sockets or files). The engine's drivers ask it and do
// what it says:
//   - which documents are "syncing" (shared, joined or synced by us; only
//     those are served to peers, spec §5: Abort{NotFound} otherwise);
//   - whether to accept an incoming run (Abort{AlreadySyncing} rule of §5:
//     a run with that peer and document already runs and either it was
//     accepted from the peer, or we are dialing it and our node id is <=
//     the peer's, so the greater id accepts);
//   - whether to start a dial (one outgoing run per document and peer; a
//     request during a run queues exactly one re-run);
//   - the useful peers of each document (successful runs, ticket nodes),
//     most recent first, at most kMaxPeers;
//   - live mode: a local insert schedules a sync of the document with its
//     peers after `debounce`; more inserts within the window join it.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <vector>

#include "core/instant.h"
#include "docs/keys.h"
#include "net/node_addr.h"
#include "proto/sync/sync_message.h"

namespace ferry::engine {

class LiveState {
 public:
  static constexpr size_t kMaxPeers = 8;

  LiveState(net::NodeId self, Duration debounce) : self_(self), debounce_(debounce) {}

  // --- documents and peers ---
  void set_syncing(const docs::NamespaceId& ns);
  bool is_syncing(const docs::NamespaceId& ns) const;
  // Records `addr` as a peer of `ns` (moves it to the front; merges the
  // addresses of a known node). Our own id is ignored.
  void add_peer(const docs::NamespaceId& ns, const net::NodeAddr& addr);
  std::vector<net::NodeAddr> peers(const docs::NamespaceId& ns) const;
  std::vector<docs::NamespaceId> syncing_docs() const;

  // --- runs ---
  // Decision for an incoming Init for `ns` from `peer`; nullopt = accept,
  // and the accepted run is registered (end it with end_run).
  std::optional<proto::sync::AbortReason> accept(const docs::NamespaceId& ns,
                                                 const net::NodeId& peer);
  // Whether to dial `peer` for `ns` now. false: a dial is already running;
  // the request is remembered and end_run(dialer=true) returns true.
  bool begin_dial(const docs::NamespaceId& ns, const net::NodeId& peer);
  // A run ended. On success the peer becomes a useful peer of `ns` (when
  // `addr` is known). Returns true when a dial was requested during the run
  // and should start now.
  bool end_run(const docs::NamespaceId& ns, const net::NodeId& peer, bool dialer, bool success,
               const std::optional<net::NodeAddr>& addr);
  bool running(const docs::NamespaceId& ns, const net::NodeId& peer) const {
    return runs_.contains({ns, peer});
  }

  // --- live mode ---
  void on_local_insert(const docs::NamespaceId& ns, Instant now);
  // When take_due() has something next (Instant::max() if never).
  Instant next_deadline() const;
  // Documents whose debounce window ended by `now`.
  std::vector<docs::NamespaceId> take_due(Instant now);

  bool check_invariants() const;

 private:
  struct Doc {
    bool syncing = false;
    std::vector<net::NodeAddr> peers;  // most recent first
  };
  struct Run {
    bool dialing = false, accepted = false, redial = false;
  };
  using RunKey = std::pair<docs::NamespaceId, net::NodeId>;

  net::NodeId self_;
  Duration debounce_;
  std::map<docs::NamespaceId, Doc> docs_;
  std::map<RunKey, Run> runs_;
  std::map<docs::NamespaceId, Instant> due_;
};

}  // namespace ferry::engine
