#include "proto/gossip/frame.h"

#include <string>

namespace ferry::proto::gossip {

Result<Bytes> encode_frame(const Message& m, size_t max_message_size) {
  Bytes body = encode_message(m);
  if (body.size() >= max_message_size) {
    return make_error(ErrorCode::kResourceExhausted,
                      "gossip: message of " + std::to_string(body.size()) +
                          " bytes reaches the limit " + std::to_string(max_message_size));
  }
  Bytes out(kFrameHeaderSize, 0);
  put_u32_be(out.data(), static_cast<uint32_t>(body.size()));
  append(out, body);
  return out;
}

void FrameDecoder::push(ByteView data) {
  if (error_) return;
  // Compact once the consumed prefix dominates, keeping push/next amortized O(1).
  if (pos_ > 0 && pos_ * 2 >= buf_.size()) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<ptrdiff_t>(pos_));
    pos_ = 0;
  }
  append(buf_, data);
}

Result<std::optional<Message>> FrameDecoder::next() {
  if (error_) return tl::unexpected(*error_);
  if (buffered() < kFrameHeaderSize) return std::optional<Message>();
  size_t len = get_u32_be(buf_.data() + pos_);
  if (len > max_) {
    error_ = Error(ErrorCode::kResourceExhausted, "gossip: frame length " + std::to_string(len) +
                                                      " exceeds " + std::to_string(max_));
    return tl::unexpected(*error_);
  }
  if (buffered() < kFrameHeaderSize + len) return std::optional<Message>();
  ByteView body(buf_.data() + pos_ + kFrameHeaderSize, len);
  pos_ += kFrameHeaderSize + len;
  auto m = decode_message(body, check_);
  if (!m) {
    error_ = m.error();
    return tl::unexpected(*error_);
  }
  return std::optional<Message>(std::move(*m));
}

}  // namespace ferry::proto::gossip
