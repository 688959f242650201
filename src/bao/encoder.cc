#include "bao/encoder.h"

namespace ferry::bao {

struct ResponseEncoder::Frame {};

ResponseEncoder::ResponseEncoder(const crypto::Hash& root, uint64_t size, const ChunkRanges& ranges,
                                 const DataReader& data, const DataReader& outboard,
                                 std::optional<ChunkRanges> have)
    : root_(root),
      tree_(size),
      ranges_(ranges),
      data_(data),
      outboard_(outboard),
      have_(std::move(have)) {}

Result<bool> ResponseEncoder::next(Bytes&, size_t) {
  return make_error(ErrorCode::kInternal, "not yet");
}

Status ResponseEncoder::step(Bytes&) {
  return make_error(ErrorCode::kInternal, "not yet");
}

Status ResponseEncoder::emit_group(const Node&, const crypto::Hash&, bool, Bytes&) {
  return make_error(ErrorCode::kInternal, "not yet");
}

ChunkRanges normalize_ranges(const ChunkRanges& ranges, uint64_t) {
  return ranges;
}

Result<Bytes> encode_response(const crypto::Hash&, uint64_t, const ChunkRanges&, const DataReader&,
                              const DataReader&, std::optional<ChunkRanges>) {
  return make_error(ErrorCode::kInternal, "not yet");
}

Result<Bytes> encode_response(const crypto::Hash&, ByteView, ByteView, const ChunkRanges&) {
  return make_error(ErrorCode::kInternal, "not yet");
}

}  // namespace ferry::bao
