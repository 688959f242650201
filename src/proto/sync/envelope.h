// The frame payload both sync dialects share (spec §5), a postcard enum:
//   Envelope    = 0: Init { namespace: [u8;32], message: M }
//               | 1: Sync(M)
//               | 2: Abort { reason: AbortReason }
//   AbortReason = 0: NotFound | 1: AlreadySyncing | 2: InternalServerError
// M is the dialect's reconciliation message, written and read by its codec
// (a MessageCodec): /iroh-sync/1 carries iroh's ranger message
// (sync_message.h), /ferry-sync/1 the compact one (compact_sync_message.h).
// Abort carries no message, so it is the same bytes in both dialects. The
// length-prefix framing around a payload is in sync_message.h.
#pragma once

#include <array>
#include <concepts>
#include <cstdint>
#include <string_view>
#include <utility>
#include <variant>

#include "core/bytes.h"
#include "core/postcard.h"
#include "ferry/result.h"

namespace ferry::proto::sync {

enum class AbortReason : uint8_t { kNotFound = 0, kAlreadySyncing = 1, kInternalServerError = 2 };

constexpr std::string_view abort_reason_name(AbortReason r) {
  switch (r) {
    case AbortReason::kNotFound: return "not_found";
    case AbortReason::kAlreadySyncing: return "already_syncing";
    case AbortReason::kInternalServerError: return "internal_server_error";
  }
  return "unknown";
}

using NamespaceId = std::array<uint8_t, 32>;

// A dialect's message codec. `encode` appends the message to the payload;
// `decode` reads it from the reader positioned after the envelope's header
// (whether bytes may follow it inside the frame is the dialect's rule).
// decode errors: kProtocol for malformed messages.
template <typename C>
concept MessageCodec = requires(const typename C::Message& m, PostcardWriter& w,
                                PostcardReader& r) {
  { C::encode(m, w) } -> std::same_as<void>;
  { C::decode(r) } -> std::same_as<Result<typename C::Message>>;
};

template <typename Message>
struct EnvelopeInit {
  NamespaceId namespace_id{};
  Message message;
  bool operator==(const EnvelopeInit&) const = default;
};
template <typename Message>
struct EnvelopeSync {
  Message message;
  bool operator==(const EnvelopeSync&) const = default;
};
struct Abort {
  AbortReason reason = AbortReason::kNotFound;
  bool operator==(const Abort&) const = default;
};

template <typename Message>
using Envelope = std::variant<EnvelopeInit<Message>, EnvelopeSync<Message>, Abort>;

// The postcard payload of an envelope (no length prefix).
template <MessageCodec Codec>
Bytes encode_envelope(const Envelope<typename Codec::Message>& m) {
  using Message = typename Codec::Message;
  PostcardWriter w;
  if (const auto* init = std::get_if<EnvelopeInit<Message>>(&m)) {
    w.variant(0);
    w.raw(init->namespace_id);
    Codec::encode(init->message, w);
  } else if (const auto* s = std::get_if<EnvelopeSync<Message>>(&m)) {
    w.variant(1);
    Codec::encode(s->message, w);
  } else {
    w.variant(2);
    w.variant(static_cast<uint32_t>(std::get<Abort>(m).reason));
  }
  return w.take();
}

// Errors: kProtocol for a malformed envelope or message (Codec::decode).
template <MessageCodec Codec>
Result<Envelope<typename Codec::Message>> decode_envelope(ByteView payload) {
  using Message = typename Codec::Message;
  PostcardReader r(payload);
  FERRY_ASSIGN(uint32_t tag, r.variant(3));
  switch (tag) {
    case 0: {
      EnvelopeInit<Message> init;
      FERRY_ASSIGN(init.namespace_id, r.array<32>());
      FERRY_ASSIGN(init.message, Codec::decode(r));
      return Envelope<Message>(std::move(init));
    }
    case 1: {
      FERRY_ASSIGN(auto msg, Codec::decode(r));
      return Envelope<Message>(EnvelopeSync<Message>{std::move(msg)});
    }
    default: {
      FERRY_ASSIGN(uint32_t reason, r.variant(3));
      return Envelope<Message>(Abort{static_cast<AbortReason>(reason)});
    }
  }
}

}  // namespace ferry::proto::sync
