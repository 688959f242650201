#include "engine/engine.h"

#include <chrono>

#include "docs/replica_set.h"
#include "docs/sync_hooks.h"
#include "engine/state_file.h"
#include "proto/sync/compact_sync_message.h"
#include "proto/sync/sync_stream.h"

namespace ferry::engine {

using Session = proto::sync::SyncSession<docs::SignedEntry>;
using Stream = proto::sync::SyncStream<docs::SignedEntry>;
using K = net::ConnectionEvent::Kind;

namespace {

constexpr auto kCloseGrace = std::chrono::seconds(3);

uint64_t wall_clock_micros() {
  using namespace std::chrono;
  return static_cast<uint64_t>(
      duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
}

docs::NamespaceId to_ns(const proto::sync::NamespaceId& id) {
  return docs::NamespaceId(id);
}

crypto::PublicKey to_key(const net::NodeId& id) {
  return crypto::PublicKey::from_array_unchecked(id.bytes());
}

// The session configuration for a connection whose negotiated ALPN is `alpn`.
proto::sync::SessionConfig session_for(proto::sync::SessionConfig config, std::string_view alpn) {
  config.dialect = alpn == proto::sync::kCompactAlpn ? proto::sync::Dialect::kCompact
                                                     : proto::sync::Dialect::kIroh;
  return config;
}

SyncReport to_report(const docs::NamespaceId& ns, const net::NodeId& peer, bool dialer,
                     const proto::sync::SyncOutcome& o) {
  SyncReport r;
  r.ns = ns;
  r.peer = peer;
  r.dialer = dialer;
  r.dialect = o.dialect;
  r.bytes_sent = o.session.bytes_sent;
  r.bytes_received = o.session.bytes_received;
  r.sent = o.ranger.num_sent;
  r.received = o.ranger.num_recv;
  r.inserted = o.ranger.num_inserted;
  r.rejected = o.ranger.rejected;
  return r;
}

}  // namespace

// --- Incoming runs: one stream per connection --------------------------------

class Engine::Acceptor : public net::ProtocolHandler {
 public:
  explicit Acceptor(Engine* engine) : engine_(engine) {}
  void detach() { engine_ = nullptr; }

  void on_event(net::UdpDriver& d, uint64_t conn, const net::ConnectionEvent& e) override {
    if (!engine_) return;
    switch (e.kind) {
      case K::kStreamOpened: return on_stream(d, conn, e.stream);
      case K::kStreamReadable:
      case K::kStreamWritable: {
        auto it = conns_.find(conn);
        if (it == conns_.end() || it->second.stream_id != e.stream) return;
        auto stream = it->second.stream;  // may be erased by its own callback
        if (e.kind == K::kStreamReadable) {
          stream->on_readable();
        } else {
          stream->on_writable();
        }
        if (stream->drained()) close(d, conn);
        return;
      }
      case K::kClosed: {
        auto it = conns_.find(conn);
        if (it == conns_.end()) return;
        auto stream = it->second.stream;
        stream->on_closed(e.error);
        conns_.erase(conn);
        return;
      }
      default: return;
    }
  }

  void close_all(net::UdpDriver& d) {
    for (auto& [conn, c] : conns_) {
      if (auto* q = d.connection(conn)) q->close(0, "shutting down", net::monotonic_now());
    }
    conns_.clear();
  }

 private:
  struct Conn {
    net::NodeId peer;
    net::SocketAddr remote;
    int64_t stream_id = -1;
    std::unique_ptr<docs::ReplicaSet> replica;
    std::shared_ptr<Stream> stream;
    bool accepted = false;
  };

  void on_stream(net::UdpDriver& d, uint64_t conn, int64_t stream_id) {
    net::QuicConnection* c = d.connection(conn);
    if (!c || !c->peer_id()) return;
    if (conns_.contains(conn)) {  // iroh accepts one stream per connection
      c->reset(stream_id, proto::sync::kSyncStreamErrorCode);
      c->stop(stream_id, proto::sync::kSyncStreamErrorCode);
      return;
    }
    Conn& state = conns_[conn];
    state.peer = *c->peer_id();
    state.remote = c->remote();
    state.stream_id = stream_id;
    Engine* engine = engine_;
    auto accept = [this, engine, conn](const proto::sync::NamespaceId& id)
        -> std::variant<Session::Accepted, proto::sync::AbortReason> {
      Conn& st = conns_.at(conn);
      auto ns = to_ns(id);
      if (auto refuse = engine->accept_decision(ns, st.peer)) return *refuse;
      st.accepted = true;
      st.replica = std::make_unique<docs::ReplicaSet>(engine->store_, ns);
      return Session::Accepted{st.replica.get(), engine->hooks(ns, st.peer)};
    };
    std::weak_ptr<bool> alive = engine->alive_;
    state.stream =
        Stream::create(Session::acceptor(accept, session_for(engine->options_.session, c->alpn())),
                       engine->options_.sync_timeout,
                       [this, alive, engine, conn](Result<proto::sync::SyncOutcome> r) {
                         if (alive.expired()) return;
                         auto it = conns_.find(conn);
                         if (it == conns_.end() || !it->second.accepted)
                           return;  // refused: nothing ran
                         const Conn& st = it->second;
                         auto ns = to_ns(*it->second.stream->session().namespace_id());
                         net::NodeAddr addr{st.peer, std::nullopt, {st.remote}};
                         engine->run_finished(ns, st.peer, false, addr, r, nullptr);
                       });
    auto stream = state.stream;
    stream->attach(d, conn, stream_id);
  }

  void close(net::UdpDriver& d, uint64_t conn) {
    if (auto* q = d.connection(conn)) q->close(0, "done", net::monotonic_now());
  }

  Engine* engine_;
  std::map<uint64_t, Conn> conns_;
};

// --- Outgoing runs: one connection each ---------------------------------------

class Engine::Dial : public net::ProtocolHandler {
 public:
  Dial(Engine* engine, docs::NamespaceId ns, net::NodeAddr addr, SyncDone done)
      : engine_(engine), ns_(ns), addr_(std::move(addr)), done_(std::move(done)) {}

  void detach() { engine_ = nullptr; }
  const net::NodeAddr& addr() const { return addr_; }

  // Reports a failure before any stream existed (connect error).
  void fail_early(Error e) { finish(tl::unexpected(std::move(e))); }

  void on_event(net::UdpDriver& d, uint64_t conn, const net::ConnectionEvent& e) override {
    conn_ = conn;
    switch (e.kind) {
      case K::kHandshakeCompleted:
      case K::kStreamsAvailable: open(d, conn); break;
      case K::kStreamReadable:
        if (stream_ && e.stream == stream_id_) stream_->on_readable();
        break;
      case K::kStreamWritable:
        if (stream_ && e.stream == stream_id_) stream_->on_writable();
        break;
      case K::kClosed:
        closed_ = true;
        if (stream_) {
          stream_->on_closed(e.error);
        } else {
          finish(tl::unexpected(e.error ? *e.error
                                        : Error(ErrorCode::kProtocol, "connection closed")));
        }
        if (engine_) engine_->dials_.erase(shared_from_this_dial());
        return;
      default: break;
    }
    if (!stream_ || !stream_->done() || closed_) return;
    if (stream_->drained()) {
      if (auto* q = d.connection(conn)) q->close(0, "done", net::monotonic_now());
    } else if (!grace_) {
      // Done but the peer has not acknowledged everything yet: close anyway
      // after a grace period rather than wait for the idle timeout.
      grace_.emplace(d.io());
      grace_->expires_after(kCloseGrace);
      grace_->async_wait([weak = self_, &d](const std::error_code& ec) {
        auto self = weak.lock();
        if (ec || !self) return;
        self->close(d);
        d.flush();
      });
    }
  }

  void close(net::UdpDriver& d) {
    if (closed_) return;
    if (auto* q = d.connection(conn_)) q->close(0, "shutting down", net::monotonic_now());
  }

  void set_self(std::weak_ptr<Dial> self) { self_ = std::move(self); }

 private:
  std::shared_ptr<Dial> shared_from_this_dial() { return self_.lock(); }

  void open(net::UdpDriver& d, uint64_t conn) {
    if (stream_ || !engine_) return;
    net::QuicConnection* c = d.connection(conn);
    if (!c) return;
    auto id = c->open_bidi();
    if (!id) return;  // wait for kStreamsAvailable
    stream_id_ = *id;
    replica_ = std::make_unique<docs::ReplicaSet>(engine_->store_, ns_);
    auto session = Session::dialer(ns_.bytes(), *replica_, engine_->hooks(ns_, addr_.node_id),
                                   session_for(engine_->options_.session, c->alpn()));
    std::weak_ptr<bool> alive = engine_->alive_;
    stream_ = Stream::create(std::move(session), engine_->options_.sync_timeout,
                             [this, alive](Result<proto::sync::SyncOutcome> r) {
                               if (!alive.expired()) finish(std::move(r));
                             });
    auto keep = stream_;
    keep->attach(d, conn, stream_id_);
  }

  void finish(Result<proto::sync::SyncOutcome> r) {
    if (finished_) return;
    finished_ = true;
    if (!engine_) return;
    engine_->run_finished(ns_, addr_.node_id, true, addr_, r, std::move(done_));
  }

  Engine* engine_;
  docs::NamespaceId ns_;
  net::NodeAddr addr_;
  SyncDone done_;
  std::weak_ptr<Dial> self_;
  uint64_t conn_ = 0;
  int64_t stream_id_ = -1;
  std::unique_ptr<docs::ReplicaSet> replica_;
  std::shared_ptr<Stream> stream_;
  std::optional<asio::steady_timer> grace_;
  bool finished_ = false, closed_ = false;
};

// --- Engine --------------------------------------------------------------------

Engine::Engine(docs::Store& store, blobs::Store* blobs, ContentSink& sink, EngineOptions options)
    : store_(store), blobs_(blobs), sink_(sink), options_(std::move(options)) {
  acceptor_ = std::make_shared<Acceptor>(this);
}

Engine::~Engine() {
  shutdown();
}

std::shared_ptr<net::ProtocolHandler> Engine::handler() {
  return acceptor_;
}

Status Engine::start(net::UdpDriver& driver) {
  driver_ = &driver;
  live_ = std::make_unique<LiveState>(driver.endpoint().node_id(), options_.live_debounce);
  if (!options_.state_file.empty()) FERRY_TRY(load_live_state(options_.state_file, *live_));
  live_timer_.emplace(driver.io());
  subscription_ = store_.subscribe([this](const docs::StoreEvent& ev) { on_store_event(ev); });
  return ok();
}

void Engine::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (subscription_) store_.unsubscribe(subscription_);
  if (live_timer_) live_timer_->cancel();
  auto dials = std::move(dials_);
  dials_.clear();
  for (const auto& d : dials) {
    d->fail_early(Error(ErrorCode::kCancelled, "the node is stopping"));
    d->detach();
    if (driver_) d->close(*driver_);
  }
  if (driver_) acceptor_->close_all(*driver_);
  acceptor_->detach();
  alive_.reset();
  if (driver_) driver_->flush();
}

std::optional<proto::sync::AbortReason> Engine::accept_decision(const docs::NamespaceId& ns,
                                                                const net::NodeId& peer) {
  // A document in the state file but no longer in the store is not served.
  if (!store_.capability(ns)) return proto::sync::AbortReason::kNotFound;
  return live_->accept(ns, peer);
}

reconcile::RangerHooks<docs::SignedEntry> Engine::hooks(const docs::NamespaceId& ns,
                                                        const net::NodeId& peer) {
  return docs::make_ranger_hooks(store_, ns, to_key(peer), wall_clock_micros,
                                 [this](const crypto::Hash& h) { return blob_status(h); });
}

reconcile::ContentStatus Engine::blob_status(const crypto::Hash& hash) {
  if (!blobs_) return reconcile::ContentStatus::kMissing;
  auto s = blobs_->status(hash);
  if (!s) return reconcile::ContentStatus::kMissing;
  switch (s->state) {
    case blobs::BlobState::kComplete: return reconcile::ContentStatus::kComplete;
    case blobs::BlobState::kPartial: return reconcile::ContentStatus::kIncomplete;
    case blobs::BlobState::kAbsent: break;
  }
  return reconcile::ContentStatus::kMissing;
}

void Engine::on_store_event(const docs::StoreEvent& ev) {
  if (const auto* local = std::get_if<docs::InsertLocal>(&ev)) {
    live_->on_local_insert(local->entry.namespace_id(), net::monotonic_now());
    arm_live_timer();
    return;
  }
  const auto& remote = std::get<docs::InsertRemote>(ev);
  sink_.on_remote_insert(remote.entry.namespace_id(), remote.entry, remote.from,
                         remote.content_status);
}

void Engine::arm_live_timer() {
  Instant next = live_->next_deadline();
  if (next == Instant::max() || next >= live_timer_at_) return;
  live_timer_at_ = next;
  live_timer_->expires_after(std::max(Duration::zero(), next - net::monotonic_now()));
  live_timer_->async_wait([this, alive = std::weak_ptr<bool>(alive_)](const std::error_code& ec) {
    if (ec || alive.expired()) return;
    live_timer_at_ = Instant::max();
    for (const auto& ns : live_->take_due(net::monotonic_now())) {
      for (const auto& peer : live_->peers(ns)) sync_with(ns, peer, nullptr);
    }
    arm_live_timer();
  });
}

Result<DocTicket> Engine::share(const docs::NamespaceId& ns, docs::CapabilityKind kind,
                                const net::NodeAddr& self) {
  FERRY_ASSIGN(auto cap, store_.capability(ns));
  if (kind == docs::CapabilityKind::kWrite && cap.kind() != docs::CapabilityKind::kWrite) {
    return make_error(ErrorCode::kInvalidArgument,
                      "cannot share write access: this node only has read access");
  }
  if (kind == docs::CapabilityKind::kRead) cap = docs::Capability(ns);
  live_->set_syncing(ns);
  save_state();
  return DocTicket{std::move(cap), {self}};
}

Status Engine::join(const DocTicket& ticket, MultiDone done) {
  FERRY_TRY(store_.import_namespace(ticket.capability));
  auto ns = ticket.capability.id();
  live_->set_syncing(ns);
  for (auto it = ticket.nodes.rbegin(); it != ticket.nodes.rend(); ++it) live_->add_peer(ns, *it);
  save_state();
  std::vector<net::NodeAddr> targets;
  for (const auto& n : ticket.nodes) {
    if (n.node_id != driver_->endpoint().node_id()) targets.push_back(n);
  }
  sync_many(ns, targets, std::move(done));
  return ok();
}

void Engine::sync_many(const docs::NamespaceId& ns, const std::vector<net::NodeAddr>& peers,
                       MultiDone done) {
  struct Gather {
    std::vector<PeerSyncResult> results;
    size_t left;
    MultiDone done;
  };
  auto g = std::make_shared<Gather>(Gather{{}, peers.size(), std::move(done)});
  if (peers.empty()) {
    if (g->done) g->done({});
    return;
  }
  for (const auto& n : peers) {
    sync_with(ns, n, [g, peer = n.node_id](Result<SyncReport> r) {
      g->results.push_back({peer, std::move(r)});
      if (--g->left == 0 && g->done) g->done(std::move(g->results));
    });
  }
}

Status Engine::sync_doc(const docs::NamespaceId& ns, MultiDone done) {
  FERRY_TRY(store_.capability(ns));
  auto peers = live_->peers(ns);
  if (peers.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "no known peers for document " + ns.fmt_short() + " (join a ticket first)");
  }
  live_->set_syncing(ns);
  sync_many(ns, peers, std::move(done));
  return ok();
}

void Engine::sync_with(const docs::NamespaceId& ns, const net::NodeAddr& addr, SyncDone done) {
  if (shut_down_) {
    if (done) done(make_error(ErrorCode::kCancelled, "the node is stopping"));
    return;
  }
  if (!live_->begin_dial(ns, addr.node_id)) {
    if (done) {
      done(make_error(ErrorCode::kAlreadyExists,
                      "a sync with " + addr.node_id.short_hex() + " is running; queued another"));
    }
    return;
  }
  auto dial = std::make_shared<Dial>(this, ns, addr, std::move(done));
  dial->set_self(dial);
  dials_.insert(dial);
  std::vector<std::string> alpns;
  if (options_.offer_compact) alpns.emplace_back(proto::sync::kCompactAlpn);
  alpns.emplace_back(proto::sync::kAlpn);
  auto conn = driver_->connect(addr, std::move(alpns), dial);
  if (!conn) {
    dials_.erase(dial);
    dial->fail_early(conn.error().with_context("dialing " + addr.node_id.short_hex()));
  }
  driver_->flush();
}

void Engine::run_finished(const docs::NamespaceId& ns, const net::NodeId& peer, bool dialer,
                          const std::optional<net::NodeAddr>& addr,
                          const Result<proto::sync::SyncOutcome>& outcome, SyncDone done) {
  bool success = outcome.has_value();
  bool redial = live_->end_run(ns, peer, dialer, success, addr);
  ++runs_finished_;
  if (success) {
    save_state();
    sink_.on_sync_finished(ns, to_key(peer));
  }
  if (done) {
    if (success) {
      done(to_report(ns, peer, dialer, *outcome));
    } else {
      done(tl::unexpected(outcome.error()));
    }
  }
  if (redial && addr) {
    // Posted: this runs inside the finished run's callbacks.
    driver_->post([this, alive = std::weak_ptr<bool>(alive_), ns, a = *addr] {
      if (!alive.expired()) sync_with(ns, a, nullptr);
    });
  }
}

void Engine::save_state() {
  if (options_.state_file.empty()) return;
  // A failed save loses peers learned since the last one; the sync itself
  // stands, so it is not an error of the run.
  (void)save_live_state(options_.state_file, *live_);
}

}  // namespace ferry::engine
