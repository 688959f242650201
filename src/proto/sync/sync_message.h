// /iroh-sync/1 frames (spec §5): a u32 big-endian length, then a postcard
// SyncMessage:
//   SyncMessage = 0: Init { namespace: [u8;32], message: Message }
//               | 1: Sync(Message)
//               | 2: Abort { reason: AbortReason }
//   AbortReason = 0: NotFound | 1: AlreadySyncing | 2: InternalServerError
// Message is the ranger message of reconcile/message.h. Like iroh, the
// decoder ignores trailing bytes inside a frame.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>

#include "core/bytes.h"
#include "core/postcard.h"
#include "ferry/result.h"
#include "reconcile/message.h"

namespace ferry::proto::sync {

inline constexpr std::string_view kAlpn = "/iroh-sync/1";
inline constexpr uint64_t kMaxFrameSize = uint64_t{1} << 30;  // iroh's 1 GiB
inline constexpr size_t kFrameHeaderSize = 4;

enum class AbortReason : uint8_t { kNotFound = 0, kAlreadySyncing = 1, kInternalServerError = 2 };
std::string_view abort_reason_name(AbortReason r);

using NamespaceId = std::array<uint8_t, 32>;

template <typename Item>
struct Init {
  NamespaceId namespace_id{};
  reconcile::Message<Item> message;
  bool operator==(const Init&) const = default;
};
template <typename Item>
struct Sync {
  reconcile::Message<Item> message;
  bool operator==(const Sync&) const = default;
};
struct Abort {
  AbortReason reason = AbortReason::kNotFound;
  bool operator==(const Abort&) const = default;
};

template <typename Item>
using SyncMessage = std::variant<Init<Item>, Sync<Item>, Abort>;

// The postcard payload of a SyncMessage (no length prefix).
template <reconcile::RangerItem Item>
Bytes encode_sync_message(const SyncMessage<Item>& m) {
  PostcardWriter w;
  if (const auto* init = std::get_if<Init<Item>>(&m)) {
    w.variant(0);
    w.raw(init->namespace_id);
    reconcile::encode_message(init->message, w);
  } else if (const auto* s = std::get_if<Sync<Item>>(&m)) {
    w.variant(1);
    reconcile::encode_message(s->message, w);
  } else {
    w.variant(2);
    w.variant(static_cast<uint32_t>(std::get<Abort>(m).reason));
  }
  return w.take();
}

// Errors: kProtocol for malformed payloads (including RecordIdentifiers
// under 64 bytes).
template <reconcile::RangerItem Item>
Result<SyncMessage<Item>> decode_sync_message(ByteView payload) {
  PostcardReader r(payload);
  FERRY_ASSIGN(uint32_t tag, r.variant(3));
  switch (tag) {
    case 0: {
      Init<Item> init;
      FERRY_ASSIGN(init.namespace_id, r.array<32>());
      FERRY_ASSIGN(init.message, reconcile::decode_message<Item>(r));
      return SyncMessage<Item>(std::move(init));
    }
    case 1: {
      FERRY_ASSIGN(auto msg, reconcile::decode_message<Item>(r));
      return SyncMessage<Item>(Sync<Item>{std::move(msg)});
    }
    default: {
      FERRY_ASSIGN(uint32_t reason, r.variant(3));
      return SyncMessage<Item>(Abort{static_cast<AbortReason>(reason)});
    }
  }
}

// Prepends the u32 BE length. Errors: kResourceExhausted if the payload is
// larger than `max_frame`.
Result<Bytes> frame(ByteView payload, uint64_t max_frame = kMaxFrameSize);

// Splits a byte stream into frame payloads. Requires: max_frame <= 2^32-1.
class FrameDecoder {
 public:
  explicit FrameDecoder(uint64_t max_frame = kMaxFrameSize) : max_frame_(max_frame) {}

  void push(ByteView data) { append(buf_, data); }
  // The next complete frame payload, nullopt if more bytes are needed.
  // Errors: kResourceExhausted for a length prefix over max_frame (the
  // stream is unusable afterwards).
  Result<std::optional<Bytes>> next();
  // Bytes of an incomplete frame held back.
  size_t buffered() const { return buf_.size() - pos_; }

 private:
  uint64_t max_frame_;
  Bytes buf_;
  size_t pos_ = 0;
};

}  // namespace ferry::proto::sync
