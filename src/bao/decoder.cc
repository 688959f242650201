#include "bao/decoder.h"

namespace ferry::bao {

ResponseDecoder::ResponseDecoder(const crypto::Hash& root, const ChunkRanges& ranges)
    : root_(root), requested_(ranges) {}

Result<size_t> ResponseDecoder::feed(ByteView, const DecodeHandler&) {
  return make_error(ErrorCode::kInternal, "not yet");
}

Status ResponseDecoder::finish() const {
  return make_error(ErrorCode::kInternal, "not yet");
}

Result<Bytes> decode_response(const crypto::Hash&, const ChunkRanges&, ByteView) {
  return make_error(ErrorCode::kInternal, "not yet");
}

}  // namespace ferry::bao
