// Glue between bao::ResponseDecoder and a store's BlobWriter: what a getter
// does with one blob's verified response.
#pragma once

#include "bao/chunk_ranges.h"
#include "bao/decoder.h"
#include "blobs/store.h"

namespace ferry::blobs {

// Applies one decoder event to `writer`: parents and leaves are written,
// SizeReceived and Done are ignored (the writer was opened with the size).
[[nodiscard]] Status write_decoded(BlobWriter& writer, const bao::DecodeEvent& event);

// Decodes a complete single-blob response held in memory (8-byte size, bao
// encoding of `ranges`) for `hash`, writing every verified piece into
// `store`, then finish()es the writer. Returns the blob's status afterwards.
// If the stream is corrupt or truncated, what was verified before the bad
// byte is kept (as a partial blob) and the decoder's error is returned
// (kCorrupt / kProtocol). Errors also: store errors.
[[nodiscard]] Result<BlobStatus> download_from_response(Store& store, const Hash& hash,
                                                        const bao::ChunkRanges& ranges,
                                                        ByteView response);

}  // namespace ferry::blobs
