// SyncSession: one /iroh-sync/1 run on one bidirectional stream, sans-IO
// (spec §5). The driver feeds received bytes and the peer's FIN in, and
// polls actions out until empty:
//   SendFrame{bytes}   write bytes to the stream
//   FinishSend         finish our send side (FIN); then keep reading
//   SyncFinished       the run completed (both sides finished)
//   SyncFailed{error}  the run failed: reset/close the stream; nothing more
//                      is sent (iroh sends nothing for errors either)
//   RemoteAborted      dialer only: the acceptor refused with a reason
//   Rejected           acceptor only: we refused with Abort{reason}
//
// Flow: the dialer speaks first with Init{namespace, initial message}. The
// acceptor decides through the injected AcceptFn (NotFound when the
// document is not being synced, AlreadySyncing for duplicate runs: the
// driver knows which), then both sides alternate Sync messages. A side whose
// processing yields no reply finishes its send side and waits for the
// peer's FIN (more data is a protocol error); the other side sees EOF
// between frames, which is normal completion, and finishes too.
// Errors (all SyncFailed): kProtocol for malformed frames, ids under 64
// bytes, Init from the acceptor, a second Init, Sync before Init, Abort to
// the acceptor, data after our FIN, EOF inside a frame or before Init;
// kResourceExhausted for frames over the limit; store errors as returned.
//
// Dialects: SessionConfig::dialect picks iroh's ranger messages (the
// default, /iroh-sync/1, byte-identical to iroh 0.35) or the compact
// Ferry-to-Ferry dialect (/ferry-sync/1 frames, proto/sync/
// compact_sync_message.h, reconcile/compact_ranger.h). The driver chooses it
// from the negotiated ALPN; both sides of a run must use the same one.
#pragma once

#include <algorithm>
#include <deque>
#include <functional>
#include <optional>
#include <variant>

#include "proto/sync/compact_sync_message.h"
#include "proto/sync/sync_message.h"
#include "reconcile/compact_ranger.h"
#include "reconcile/ranger.h"

namespace ferry::proto::sync {

enum class Dialect : uint8_t {
  kIroh,     // /iroh-sync/1: iroh 0.35's ranger messages
  kCompact,  // /ferry-sync/1: the compact Ferry-to-Ferry dialect
};

struct SessionConfig {
  // Largest frame accepted or sent (iroh: 1 GiB). Lower it to bound memory.
  // When lowered and the dialect's max_message_bytes is 0, the session sets
  // that soft message cap to max_frame / 2 (headroom for the last part).
  uint64_t max_frame = kMaxFrameSize;
  Dialect dialect = Dialect::kIroh;
  reconcile::RangerConfig ranger;             // iroh dialect; defaults: iroh-identical
  reconcile::compact::CompactConfig compact;  // compact dialect
};

struct SessionStats {
  uint64_t frames_sent = 0, frames_received = 0;
  uint64_t bytes_sent = 0, bytes_received = 0;
};

template <reconcile::RangerItem Item>
class SyncSession {
 public:
  using Store = reconcile::SortedSetStore<Item>;
  using Hooks = reconcile::RangerHooks<Item>;
  struct Accepted {
    Store* store;  // the document's store; must outlive the session
    Hooks hooks;
  };
  using AcceptFn = std::function<std::variant<Accepted, AbortReason>(const NamespaceId&)>;

  struct SendFrame {
    Bytes bytes;
  };
  struct FinishSend {};
  struct SyncFinished {
    reconcile::RangerStats stats;
  };
  struct SyncFailed {
    Error error;
  };
  struct RemoteAborted {
    AbortReason reason;
  };
  struct Rejected {
    AbortReason reason;
  };
  using Action =
      std::variant<SendFrame, FinishSend, SyncFinished, SyncFailed, RemoteAborted, Rejected>;

  enum class State {
    kIdle,          // dialer before start()
    kAwaitingInit,  // acceptor before Init
    kRunning,       // exchanging Sync messages
    kClosing,       // we finished our send side; awaiting the peer's FIN
    kDone,          // completed, rejected, or remote-aborted
    kFailed,
  };

  // Dialer ("Alice"). Requires: `store` holds document `ns` and outlives us.
  static SyncSession dialer(const NamespaceId& ns, Store& store, Hooks hooks,
                            SessionConfig config = {}) {
    SyncSession s(true, config);
    s.namespace_ = ns;
    s.create_ranger(store, ns, std::move(hooks));
    s.state_ = State::kIdle;
    return s;
  }
  // Acceptor ("Bob").
  static SyncSession acceptor(AcceptFn accept, SessionConfig config = {}) {
    SyncSession s(false, config);
    s.accept_ = std::move(accept);
    s.state_ = State::kAwaitingInit;
    return s;
  }

  // Dialer: queues the Init frame. Requires: state() == kIdle.
  void start();
  void on_data(ByteView data);
  // The peer finished its send side.
  void on_eof();
  std::optional<Action> poll_action() {
    if (actions_.empty()) return std::nullopt;
    Action a = std::move(actions_.front());
    actions_.pop_front();
    return a;
  }

  State state() const { return state_; }
  bool is_dialer() const { return dialer_; }
  Dialect dialect() const { return config_.dialect; }
  const SessionStats& stats() const { return stats_; }
  // Ranger counters (empty before the document is known).
  reconcile::RangerStats ranger_stats() const {
    if (compact_) return compact_->stats();
    return ranger_ ? ranger_->stats() : reconcile::RangerStats{};
  }
  const std::optional<NamespaceId>& namespace_id() const { return namespace_; }
  bool check_invariants() const;

 private:
  SyncSession(bool dialer, SessionConfig config)
      : dialer_(dialer), config_(config), decoder_(config.max_frame) {
    if (config_.max_frame < kMaxFrameSize && config_.ranger.max_message_bytes == 0) {
      config_.ranger.max_message_bytes = std::max<uint64_t>(1, config_.max_frame / 2);
    }
    if (config_.max_frame < kMaxFrameSize && config_.compact.max_message_bytes == 0) {
      config_.compact.max_message_bytes = std::max<uint64_t>(1, config_.max_frame / 2);
    }
  }

  bool compact() const { return config_.dialect == Dialect::kCompact; }
  void create_ranger(Store& store, const NamespaceId& ns, Hooks hooks);
  bool has_ranger() const { return ranger_.has_value() || compact_.has_value(); }
  void handle_frame(ByteView payload);
  // The dialect-independent frame logic, over either dialect's message
  // variant (Init, Sync, Abort).
  template <typename InitT, typename SyncT>
  void dispatch(std::variant<InitT, SyncT, Abort>& m);
  void handle_message(const reconcile::Message<Item>& m);
  void handle_message(const reconcile::compact::CompactMessage<Item>& m);
  void send(const SyncMessage<Item>& m);
  void send(const CompactSyncMessage<Item>& m);
  void send_payload(const Bytes& payload);
  void stop();
  void fail(Error e);

  bool dialer_;
  SessionConfig config_;
  State state_ = State::kIdle;
  FrameDecoder decoder_;
  AcceptFn accept_;
  std::optional<NamespaceId> namespace_;
  std::optional<reconcile::Ranger<Item>> ranger_;
  std::optional<reconcile::compact::CompactRanger<Item>> compact_;
  std::deque<Action> actions_;
  SessionStats stats_;
};

}  // namespace ferry::proto::sync

#include "proto/sync/session_inl.h"
