// Inputs (events, past tense) and outputs (actions, imperative) of the
// download scheduler. See scheduler.h for the driver contract.
#pragma once

#include <cstdint>
#include <variant>

#include "downloader/types.h"
#include "ferry/result.h"

namespace ferry::downloader {

// ---- Events: what happened, reported by the driver -----------------------

// A Connect finished: the node is reachable.
struct Connected {
  NodeId node;
};
// A Connect failed (unreachable, handshake error, refused).
struct DialFailed {
  NodeId node;
};
// An open connection broke or was closed by the peer. Every transfer on it
// ends with it; the driver need not report them one by one.
struct ConnectionLost {
  NodeId node;
};
// Bytes of a transfer arrived. `total` is 0 while unknown.
struct TransferProgressed {
  TransferId transfer;
  uint64_t bytes = 0;
  uint64_t total = 0;
};
// The resource is complete and verified in the local store.
struct TransferFinished {
  TransferId transfer;
};
// Why a transfer ended without the resource.
enum class FailureKind : uint8_t {
  kNotFound,   // the node does not have it: never ask it for this resource again
  kAborted,    // the node stopped or sent bad data: skip it for this resource
  kNodeError,  // the connection is unusable: drop it, retry the node later
};
struct TransferFailed {
  TransferId transfer;
  FailureKind kind = FailureKind::kAborted;
};
// next_deadline() has passed. Carrying it early is harmless.
struct DeadlineReached {};

using Event = std::variant<Connected, DialFailed, ConnectionLost, TransferProgressed,
                           TransferFinished, TransferFailed, DeadlineReached>;

// ---- Actions: what the driver must do -----------------------------------

// Open a connection; answer with Connected or DialFailed.
struct Connect {
  NodeId node;
};
// Close the connection (idle, failed, or no longer needed). No event follows.
struct DropConnection {
  NodeId node;
};
// Fetch `resource` from `node` over its open connection; answer with
// TransferProgressed* then TransferFinished or TransferFailed (or a
// ConnectionLost for the node).
struct StartTransfer {
  TransferId transfer;
  NodeId node;
  Resource resource;
};
// Stop the transfer. The scheduler already counts it as ended; a late
// completion for it is ignored.
struct CancelTransfer {
  TransferId transfer;
  NodeId node;
};
// Progress of an intent's resource, also sent once when an intent attaches to
// a running download.
struct IntentProgressed {
  IntentId intent;
  uint64_t bytes = 0;
  uint64_t total = 0;
  NodeId node;
};
// The intent's resource is complete. The intent id is now stale.
struct IntentCompleted {
  IntentId intent;
};
// The intent gave up: kNotFound (no provider left, fail-fast), kResourceExhausted
// (retry budget used up) or kTimeout (deadline passed). The intent id is now
// stale.
struct IntentFailed {
  IntentId intent;
  ErrorCode code = ErrorCode::kNotFound;
};

using Action = std::variant<Connect, DropConnection, StartTransfer, CancelTransfer,
                            IntentProgressed, IntentCompleted, IntentFailed>;

}  // namespace ferry::downloader
