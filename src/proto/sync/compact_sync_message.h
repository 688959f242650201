// /ferry-sync/1 frames: the /iroh-sync/1 session (spec §5) carrying the
// compact Ferry-to-Ferry reconciliation dialect (reconcile/compact_message.h)
// instead of iroh's ranger messages. Used only between Ferry peers: the
// transport offers ALPN /ferry-sync/1 before /iroh-sync/1 and runs this
// dialect only when the peer selected it, so an iroh peer never sees it.
//
// Framing is that of /iroh-sync/1: a u32 big-endian length, then
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

template <typename Item>
struct CompactInit {
  NamespaceId namespace_id{};
  reconcile::compact::CompactMessage<Item> message;
  bool operator==(const CompactInit&) const = default;
};
template <typename Item>
struct CompactSync {
  reconcile::compact::CompactMessage<Item> message;
  bool operator==(const CompactSync&) const = default;
};
template <typename Item>
using CompactSyncMessage = std::variant<CompactInit<Item>, CompactSync<Item>, Abort>;

template <reconcile::RangerItem Item>
Bytes encode_compact_sync_message(const CompactSyncMessage<Item>& m) {
  PostcardWriter w;
  if (const auto* init = std::get_if<CompactInit<Item>>(&m)) {
    w.variant(0);
    w.raw(init->namespace_id);
    w.raw(reconcile::compact::encode_compact(init->message));
  } else if (const auto* s = std::get_if<CompactSync<Item>>(&m)) {
    w.variant(1);
    w.raw(reconcile::compact::encode_compact(s->message));
  } else {
    w.variant(2);
    w.variant(static_cast<uint32_t>(std::get<Abort>(m).reason));
  }
  return w.take();
}

// Errors: kProtocol for malformed payloads.
template <reconcile::RangerItem Item>
Result<CompactSyncMessage<Item>> decode_compact_sync_message(ByteView payload) {
  PostcardReader r(payload);
  FERRY_ASSIGN(uint32_t tag, r.variant(3));
  switch (tag) {
    case 0: {
      CompactInit<Item> init;
      FERRY_ASSIGN(init.namespace_id, r.array<32>());
      FERRY_ASSIGN(init.message, reconcile::compact::decode_compact<Item>(r.rest()));
      return CompactSyncMessage<Item>(std::move(init));
    }
    case 1: {
      FERRY_ASSIGN(auto msg, reconcile::compact::decode_compact<Item>(r.rest()));
      return CompactSyncMessage<Item>(CompactSync<Item>{std::move(msg)});
    }
    default: {
      FERRY_ASSIGN(uint32_t reason, r.variant(3));
      return CompactSyncMessage<Item>(Abort{static_cast<AbortReason>(reason)});
    }
  }
}

}  // namespace ferry::proto::sync
