#include "proto/blobs/provider.h"

#include "blobs/hash_seq.h"

namespace ferry::proto::blobs {

using ferry::blobs::Store;

Result<bao::GetRequest> decode_request(ByteView request) {
  if (request.size() > kMaxRequestSize) {
    return make_error(ErrorCode::kResourceExhausted, "request too large");
  }
  return bao::GetRequest::decode(request);
}

namespace {

// Encodes one blob; an absent blob ends the response (returns false).
Result<bool> serve_blob(Store& store, const crypto::Hash& hash, const bao::ChunkRanges& ranges,
                        const ferry::blobs::DataSink& sink) {
  Status st = store.encode_bao(hash, ranges, sink);
  if (!st) {
    if (st.error().code() == ErrorCode::kNotFound) return false;
    return tl::unexpected(st.error());
  }
  return true;
}

}  // namespace

Status serve_request(Store& store, const bao::GetRequest& request,
                     const ferry::blobs::DataSink& sink) {
  if (auto single = request.ranges.as_single()) {
    if (!single->is_empty()) FERRY_TRY(serve_blob(store, request.hash, *single, sink));
    return ok();
  }
  // Not "offset 0 only": the root is read as a HashSeq.
  FERRY_ASSIGN(auto status, store.status(request.hash));
  if (!status.is_complete()) return ok();  // iroh writes nothing
  if (status.size > kMaxHashSeqSize) {
    return make_error(ErrorCode::kResourceExhausted, "HashSeq too large to serve");
  }
  FERRY_ASSIGN(Bytes seq, store.read(request.hash, 0, status.size));
  auto children = ferry::blobs::parse_hash_seq(seq);
  if (!children) return ok();  // not a HashSeq: nothing to serve
  std::optional<uint64_t> offset = request.ranges.next_non_empty(0);
  while (offset) {
    const crypto::Hash* hash = nullptr;
    if (*offset == 0) {
      hash = &request.hash;
    } else if (*offset - 1 < children->size()) {
      hash = &(*children)[*offset - 1];
    } else {
      break;  // the sequence ran out before the spec
    }
    FERRY_ASSIGN(bool served, serve_blob(store, *hash, request.ranges.ranges_at(*offset), sink));
    if (!served) break;
    offset = request.ranges.next_non_empty(*offset + 1);
  }
  return ok();
}

}  // namespace ferry::proto::blobs
