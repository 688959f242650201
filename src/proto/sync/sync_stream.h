// SyncStream: the thin binding of one SyncSession (session.h, sans-IO) to
// one QUIC bidirectional stream of a UdpDriver connection (spec §5).
//
// It moves bytes and nothing else: received data and FIN go into the
// session, SendFrame/FinishSend go out on the stream (respecting the send
// buffer: the rest waits for kStreamWritable). The ending is the spec's: the
// side that stops finishes its send side and reads the peer's stream to its
// end; drained() turns true once both directions ended and the peer
// acknowledged all we sent, so the owner may close the connection. Decisions (which document,
// whether to accept) belong to the session's AcceptFn, i.e. the engine.
//
// Outcome, reported once through DoneFn (on the driver thread):
//   value  the run completed (ranger stats: entries sent/received/inserted,
//          rejects by reason), or, acceptor only, we refused it (`refused`);
//   error  kNotFound / kAlreadyExists / kInternal: the acceptor aborted with
//          NotFound / AlreadySyncing / InternalServerError (dialer only);
//          kTimeout: the time limit passed (the stream is reset);
//          kProtocol, kResourceExhausted, store errors: the session failed
//          (the stream is reset, nothing else is sent, as in iroh);
//          kCancelled / connection errors: the connection closed first.
// Threading: driver thread only. Lifetime: shared_ptr; the timer holds a
// weak reference.
#pragma once

#include <asio.hpp>
#include <functional>
#include <memory>
#include <optional>

#include "core/instant.h"
#include "net/udp_driver.h"
#include "proto/sync/session.h"

namespace ferry::proto::sync {

// QUIC application code for resetting a failed run's stream.
inline constexpr uint64_t kSyncStreamErrorCode = 1;

struct SyncOutcome {
  bool dialer = false;
  Dialect dialect = Dialect::kIroh;
  std::optional<NamespaceId> namespace_id;
  reconcile::RangerStats ranger;
  SessionStats session;
  std::optional<AbortReason> refused;  // acceptor: we answered Abort{reason}
};

// The error for a remote Abort{reason} (see the header comment).
inline Error remote_abort_error(AbortReason r) {
  std::string msg = "peer aborted the sync: " + std::string(abort_reason_name(r));
  switch (r) {
    case AbortReason::kNotFound: return Error(ErrorCode::kNotFound, msg);
    case AbortReason::kAlreadySyncing: return Error(ErrorCode::kAlreadyExists, msg);
    case AbortReason::kInternalServerError: break;
  }
  return Error(ErrorCode::kInternal, msg);
}

template <reconcile::RangerItem Item>
class SyncStream : public std::enable_shared_from_this<SyncStream<Item>> {
 public:
  using Session = SyncSession<Item>;
  using DoneFn = std::function<void(Result<SyncOutcome>)>;

  static std::shared_ptr<SyncStream> create(Session session, Duration limit, DoneFn done) {
    return std::shared_ptr<SyncStream>(new SyncStream(std::move(session), limit, std::move(done)));
  }

  // Binds the stream and starts the run (the dialer sends Init) and the
  // time limit. Requires: called once, on the driver thread.
  void attach(net::UdpDriver& d, uint64_t conn, int64_t stream) {
    driver_ = &d;
    conn_ = conn;
    stream_ = stream;
    timer_.emplace(d.io());
    timer_->expires_after(limit_);
    timer_->async_wait([weak = this->weak_from_this()](const std::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self) return;
      self->fail(Error(ErrorCode::kTimeout, "sync run took longer than its time limit"));
      self->driver_->flush();
    });
    if (session_.is_dialer()) session_.start();
    pump();
    on_readable();  // data may have arrived with the stream
  }

  // kStreamReadable / kStreamWritable of our stream.
  void on_readable() {
    net::QuicConnection* c = connection();
    if (!c) return;
    while (!peer_fin_) {
      auto r = c->read(stream_, 256 * 1024);
      if (!r) {  // stream gone: reset or closed under us
        if (!done_) fail(Error(ErrorCode::kProtocol, "sync stream closed"));
        peer_fin_ = true;
        stream_closed_ = true;
        break;
      }
      if (!r->data.empty()) session_.on_data(r->data);
      if (r->reset_code) {
        fail(Error(ErrorCode::kProtocol, "peer reset the sync stream"));
        peer_fin_ = true;
        break;
      }
      if (r->fin) {
        peer_fin_ = true;
        session_.on_eof();
      }
      if (r->data.empty()) break;
      pump();
    }
    pump();
    // The connection forgets a stream once both directions ended and our
    // data and FIN were acknowledged: then closing loses nothing.
    if (peer_fin_ && fin_taken_ && !c->read(stream_, 0)) stream_closed_ = true;
  }
  void on_writable() { write_out(); }
  // The connection closed (with `error`, or cleanly).
  void on_closed(const std::optional<Error>& error) {
    peer_fin_ = true;
    fin_taken_ = true;
    stream_closed_ = true;
    if (!done_) fail(error ? *error : Error(ErrorCode::kCancelled, "connection closed"));
  }

  bool done() const { return done_; }
  // Done, and either failed or both directions ended with everything we
  // sent acknowledged: closing the connection now loses nothing.
  bool drained() const { return done_ && (failed_ || stream_closed_); }
  const Session& session() const { return session_; }

 private:
  SyncStream(Session session, Duration limit, DoneFn done)
      : session_(std::move(session)), limit_(limit), done_fn_(std::move(done)) {}

  net::QuicConnection* connection() { return driver_ ? driver_->connection(conn_) : nullptr; }

  void pump() {
    while (auto a = session_.poll_action()) {
      if (auto* f = std::get_if<typename Session::SendFrame>(&*a)) {
        out_.insert(out_.end(), f->bytes.begin(), f->bytes.end());
      } else if (std::holds_alternative<typename Session::FinishSend>(*a)) {
        fin_wanted_ = true;
      } else if (auto* fin = std::get_if<typename Session::SyncFinished>(&*a)) {
        report(outcome(fin->stats));
      } else if (auto* e = std::get_if<typename Session::SyncFailed>(&*a)) {
        fail(e->error);
      } else if (auto* r = std::get_if<typename Session::RemoteAborted>(&*a)) {
        report(tl::unexpected(remote_abort_error(r->reason)));
      } else if (auto* r = std::get_if<typename Session::Rejected>(&*a)) {
        SyncOutcome o = outcome(session_.ranger_stats());
        o.refused = r->reason;
        report(o);
      }
    }
    write_out();
  }

  void write_out() {
    net::QuicConnection* c = connection();
    if (!c || failed_ || fin_taken_) return;
    if (out_pos_ < out_.size()) {
      auto n = c->write(stream_, ByteView(out_).subspan(out_pos_), fin_wanted_);
      if (!n) return fail(n.error());
      out_pos_ += *n;
      if (out_pos_ < out_.size()) return;  // wait for kStreamWritable
      out_.clear();
      out_pos_ = 0;
      fin_taken_ = fin_wanted_;
      return;
    }
    if (fin_wanted_) {
      auto n = c->write(stream_, {}, true);
      if (!n) return fail(n.error());
      fin_taken_ = true;
    }
  }

  SyncOutcome outcome(const reconcile::RangerStats& stats) const {
    SyncOutcome o;
    o.dialer = session_.is_dialer();
    o.dialect = session_.dialect();
    o.namespace_id = session_.namespace_id();
    o.ranger = stats;
    o.session = session_.stats();
    return o;
  }

  void fail(Error e) {
    if (failed_) return;
    failed_ = true;
    if (net::QuicConnection* c = connection()) {
      c->reset(stream_, kSyncStreamErrorCode);
      c->stop(stream_, kSyncStreamErrorCode);
    }
    report(tl::unexpected(std::move(e)));
  }

  void report(Result<SyncOutcome> r) {
    if (done_) return;
    done_ = true;
    if (timer_) timer_->cancel();
    if (done_fn_) std::exchange(done_fn_, nullptr)(std::move(r));
  }

  Session session_;
  Duration limit_;
  DoneFn done_fn_;
  net::UdpDriver* driver_ = nullptr;
  uint64_t conn_ = 0;
  int64_t stream_ = -1;
  std::optional<asio::steady_timer> timer_;
  Bytes out_;
  size_t out_pos_ = 0;
  bool fin_wanted_ = false, fin_taken_ = false, peer_fin_ = false, stream_closed_ = false;
  bool done_ = false, failed_ = false;
};

}  // namespace ferry::proto::sync
