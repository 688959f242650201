// In-process stand-ins for the blobs protocol's two sides, used by the demo
// until the network provider and getter (src/proto/blobs) take over.
#pragma once

#include "bao/range_spec.h"
#include "blobs/store.h"

namespace ferry::cli {

// What a provider sends for `request`: the bao response of the root blob
// (HashSeq children are not served here). Errors: as Store::encode_bao.
Result<Bytes> serve_request(blobs::Store& store, const bao::GetRequest& request);

// Verifies `stream` (a response to `request`) and writes what it proves into
// `store`. Nothing unverified is written. Returns the blob's status after.
// Errors: kCorrupt (the stream failed verification), kProtocol, store errors.
Result<blobs::BlobStatus> receive_stream(blobs::Store& store, const bao::GetRequest& request,
                                         ByteView stream);

}  // namespace ferry::cli
