// /ferry-sync/1 frames: the /iroh-sync/1 session (spec §5) carrying the
// compact Ferry-to-Ferry reconciliation dialect (reconcile/compact_message.h)
// instead of iroh's ranger messages. Used only between Ferry peers: the
// transport offers ALPN /ferry-sync/1 before /iroh-sync/1 and runs this
// dialect only when the peer selected it, so an iroh peer never sees it.
//
// Framing is that of /iroh-sync/1 (a u32 big-endian length), and the payload
// is the same envelope (envelope.h):
//   CompactSyncMessage = 0: Init { namespace: [u8;32], CompactMessage }
//                      | 1: Sync(CompactMessage)
//                      | 2: Abort { reason: AbortReason }
// where the CompactMessage fills the rest of the frame (no trailing bytes).
// Abort is byte-identical to /iroh-sync/1's. Who speaks first, how a run
// ends (a side with nothing to send finishes its send side) and every error
// are as in session.h.
#pragma once

#include "proto/sync/sync_message.h"
#include "reconcile/compact_message.h"

namespace ferry::proto::sync {

inline constexpr std::string_view kCompactAlpn = "/ferry-sync/1";

// The compact message as an envelope codec. decode takes the rest of the
// payload as the message (trailing bytes are a kProtocol error).
template <reconcile::RangerItem Item>
struct CompactCodec {
  using Message = reconcile::compact::CompactMessage<Item>;
  static void encode(const Message& m, PostcardWriter& w) {
    w.raw(reconcile::compact::encode_compact(m));
  }
  static Result<Message> decode(PostcardReader& r) {
    return reconcile::compact::decode_compact<Item>(r.rest());
  }
};

template <typename Item>
using CompactInit = EnvelopeInit<reconcile::compact::CompactMessage<Item>>;
template <typename Item>
using CompactSync = EnvelopeSync<reconcile::compact::CompactMessage<Item>>;
template <typename Item>
using CompactSyncMessage = Envelope<reconcile::compact::CompactMessage<Item>>;

template <reconcile::RangerItem Item>
Bytes encode_compact_sync_message(const CompactSyncMessage<Item>& m) {
  return encode_envelope<CompactCodec<Item>>(m);
}

// Errors: kProtocol for malformed payloads.
template <reconcile::RangerItem Item>
Result<CompactSyncMessage<Item>> decode_compact_sync_message(ByteView payload) {
  return decode_envelope<CompactCodec<Item>>(payload);
}

}  // namespace ferry::proto::sync
