// The /iroh-bytes/4 provider side (spec ../shared/spec/iroh-0.35-wire.md
// §7.1-§7.2): decode a request and write the response exactly as iroh-blobs
// 0.35 does, from any blobs::Store. No sockets, clocks or threads: the
// caller moves the bytes (see blobs_protocol.h for the QUIC glue).
#pragma once

#include <cstdint>
#include <string_view>

#include "bao/range_spec.h"
#include "blobs/store.h"
#include "core/bytes.h"
#include "ferry/result.h"

namespace ferry::proto::blobs {

inline constexpr std::string_view kAlpn = "/iroh-bytes/4";

// Longest request we accept. iroh reads up to 100 MiB, but a GetRequest is
// a hash plus a few varints; anything near this size is hostile.
inline constexpr size_t kMaxRequestSize = 64 * 1024;
// Largest HashSeq whose children we serve (1M children).
inline constexpr uint64_t kMaxHashSeqSize = 32ull << 20;

// Decodes request bytes (the whole stream up to FIN). Errors: kResourceExhausted
// if larger than kMaxRequestSize, kProtocol if malformed or not a Get.
[[nodiscard]] Result<bao::GetRequest> decode_request(ByteView request);

// Writes the complete response to `sink`: for each blob whose RangeSpec is
// non-empty (offset 0 = the requested hash; offset i >= 1 = HashSeq child
// i-1, read from the root when the request is not "offset 0 only"), its
// 8-byte LE size and bao encoding. An absent root, an absent child or the
// end of the HashSeq ends the response early (OK: the caller finishes the
// stream), as iroh does. Errors: kCorrupt (stored data failed verification:
// the caller must reset the stream, a prefix was already written), kIo,
// sink errors (e.g. kCancelled).
[[nodiscard]] Status serve_request(ferry::blobs::Store& store, const bao::GetRequest& request,
                                   const ferry::blobs::DataSink& sink);

}  // namespace ferry::proto::blobs
