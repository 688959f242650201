// /iroh-sync/1 frames (spec §5): a u32 big-endian length, then a postcard
// SyncMessage: the envelope of envelope.h (Init | Sync | Abort) carrying
// the ranger message of reconcile/message.h. Like iroh, the decoder ignores
// trailing bytes inside a frame. The framing here (frame, FrameDecoder) is
// shared by both dialects.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/bytes.h"
#include "core/postcard.h"
#include "ferry/result.h"
#include "proto/sync/envelope.h"
#include "reconcile/message.h"

namespace ferry::proto::sync {

inline constexpr std::string_view kAlpn = "/iroh-sync/1";
inline constexpr uint64_t kMaxFrameSize = uint64_t{1} << 30;  // iroh's 1 GiB
inline constexpr size_t kFrameHeaderSize = 4;

// iroh's ranger message as an envelope codec. decode leaves any bytes after
// the message unread (iroh ignores them).
template <reconcile::RangerItem Item>
struct RangerCodec {
  using Message = reconcile::Message<Item>;
  static void encode(const Message& m, PostcardWriter& w) { reconcile::encode_message(m, w); }
  // Errors: kProtocol (including RecordIdentifiers under 64 bytes).
  static Result<Message> decode(PostcardReader& r) { return reconcile::decode_message<Item>(r); }
};

template <typename Item>
using Init = EnvelopeInit<reconcile::Message<Item>>;
template <typename Item>
using Sync = EnvelopeSync<reconcile::Message<Item>>;
template <typename Item>
using SyncMessage = Envelope<reconcile::Message<Item>>;

// The postcard payload of a SyncMessage (no length prefix).
template <reconcile::RangerItem Item>
Bytes encode_sync_message(const SyncMessage<Item>& m) {
  return encode_envelope<RangerCodec<Item>>(m);
}

// Errors: kProtocol for malformed payloads (including RecordIdentifiers
// under 64 bytes).
template <reconcile::RangerItem Item>
Result<SyncMessage<Item>> decode_sync_message(ByteView payload) {
  return decode_envelope<RangerCodec<Item>>(payload);
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
