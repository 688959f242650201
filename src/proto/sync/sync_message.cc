#include "proto/sync/sync_message.h"

namespace ferry::proto::sync {

Result<Bytes> frame(ByteView payload, uint64_t max_frame) {
  if (payload.size() > max_frame || payload.size() > UINT32_MAX) {
    return make_error(ErrorCode::kResourceExhausted,
                      "sync frame of " + std::to_string(payload.size()) + " bytes exceeds limit");
  }
  Bytes out(kFrameHeaderSize + payload.size());
  put_u32_be(out.data(), static_cast<uint32_t>(payload.size()));
  std::copy(payload.begin(), payload.end(), out.begin() + kFrameHeaderSize);
  return out;
}

Result<std::optional<Bytes>> FrameDecoder::next() {
  if (buffered() < kFrameHeaderSize) return std::optional<Bytes>();
  uint64_t len = get_u32_be(buf_.data() + pos_);
  if (len > max_frame_) {
    return make_error(ErrorCode::kResourceExhausted, "sync frame length " + std::to_string(len) +
                                                         " exceeds limit " +
                                                         std::to_string(max_frame_));
  }
  if (buffered() < kFrameHeaderSize + len) return std::optional<Bytes>();
  auto start = buf_.begin() + static_cast<ptrdiff_t>(pos_ + kFrameHeaderSize);
  Bytes payload(start, start + static_cast<ptrdiff_t>(len));
  pos_ += kFrameHeaderSize + len;
  // Compact once the consumed prefix dominates, keeping push/next amortized O(1).
  if (pos_ > 4096 && pos_ * 2 > buf_.size()) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<ptrdiff_t>(pos_));
    pos_ = 0;
  }
  return std::optional<Bytes>(std::move(payload));
}

}  // namespace ferry::proto::sync
