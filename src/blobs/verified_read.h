// Verified reads of stored blobs: every chunk group handed out is first
// checked against the outboard, and every outboard pair on the way against
// the hash (the same checks the bao encoder makes). Shared by both stores
// for read(), export and HashSeq reads.
#pragma once

#include <cstdint>

#include "bao/chunk_ranges.h"
#include "bao/data_reader.h"
#include "blobs/store.h"

namespace ferry::blobs {

struct StoredBlob {
  Hash hash;
  uint64_t size = 0;
  const bao::DataReader* data = nullptr;      // the blob's bytes
  const bao::DataReader* outboard = nullptr;  // its pre-order pairs
  // Partial blob: the verified chunks. nullptr = complete.
  const bao::ChunkRanges* have = nullptr;
};

// Streams bytes [start, min(end, size)) of `blob` to `sink`, one piece per
// chunk group, each verified before it is passed on. Memory: one group.
// Errors: kCorrupt (data or outboard does not verify: nothing of the bad
// group is passed on), kNotFound (partial blob: a needed group is not fully
// verified), reader and sink errors.
[[nodiscard]] Status read_verified(const StoredBlob& blob, uint64_t start, uint64_t end,
                                   const DataSink& sink);

// The chunks of a partial blob that can be served and read: the chunk
// groups fully inside `have` (plus the last, possibly short, group).
bao::ChunkRanges readable_chunks(const bao::ChunkRanges& have, uint64_t size);

}  // namespace ferry::blobs
