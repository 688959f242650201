// /iroh-gossip/0 stream framing (spec iroh-0.35-gossip.md §1.2): one bidi
// stream per connection carries frames in both directions,
//   frame = u32 big-endian body length ‖ body (a postcard Message).
// Limits are iroh's, asymmetric on purpose: a writer refuses a body of
// kMaxMessageSize bytes or more (the largest it sends is 4095), a reader
// accepts up to kMaxMessageSize. A reader that sees a longer length or a body
// that does not decode stops reading that connection (iroh ends its receive
// loop); the driver should close it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/bytes.h"
#include "ferry/result.h"
#include "proto/gossip/message.h"

namespace ferry::proto::gossip {

inline constexpr std::string_view kAlpn = "/iroh-gossip/0";
inline constexpr size_t kMaxMessageSize = 4096;
inline constexpr size_t kFrameHeaderSize = 4;

// The whole frame for `m`. Errors: kResourceExhausted if the body would be
// >= max_message_size (never send it: a real node would stop reading us).
Result<Bytes> encode_frame(const Message& m, size_t max_message_size = kMaxMessageSize);

// Splits a received byte stream into messages. After an error the decoder is
// poisoned: every later next() returns the same error (the connection's
// receive side is dead, as in iroh).
class FrameDecoder {
 public:
  explicit FrameDecoder(size_t max_message_size = kMaxMessageSize, PeerIdCheck check = nullptr)
      : max_(max_message_size), check_(check) {}

  void push(ByteView data);
  // The next message, nullopt if more bytes are needed. Errors:
  // kResourceExhausted for a length over the limit, kProtocol for a body that
  // does not decode.
  Result<std::optional<Message>> next();
  // Bytes of an incomplete frame held back.
  size_t buffered() const { return buf_.size() - pos_; }
  bool failed() const { return error_.has_value(); }

 private:
  size_t max_;
  PeerIdCheck check_;
  Bytes buf_;
  size_t pos_ = 0;
  std::optional<Error> error_;
};

}  // namespace ferry::proto::gossip
