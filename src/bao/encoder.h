// ResponseEncoder: the bytes an iroh 0.35 provider sends for one blob
// (spec ../shared/spec/iroh-0.35-wire.md §7.2-§7.3): the 8-byte LE size, then
// the pre-order interleaving of parent pairs and data for the requested
// chunk ranges. Sans-IO apart from the DataReader calls: no clocks, threads,
// files or logging.
//
// Query normalization (bao-tree truncate_ranges): a selection touching the
// last chunk or beyond selects the last chunk and is open-ended; so a request
// for u64::MAX.. yields the last chunk plus its proof (a size proof).
// Fully selected nodes of <= 16 chunks are streamed raw; partially selected
// groups go down to single chunks with their sub-group pairs.
//
// Verification while encoding: every stored pair read from the outboard is
// checked against the CV expected from its parent (the root hash at the top),
// and every group of data against the CV expected for it, before any byte of
// it is emitted. At the first mismatch next() returns kCorrupt: a provider
// never serves bytes that fail verification. The output emitted so far is a
// valid prefix; the caller ends the stream.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "bao/chunk_ranges.h"
#include "bao/data_reader.h"
#include "bao/tree.h"
#include "core/bytes.h"
#include "crypto/hash.h"
#include "ferry/result.h"

namespace ferry::bao {

class ResponseEncoder {
 public:
  // Encodes blob `root` of `size` bytes for `ranges`.
  // `data` reads the blob's bytes, `outboard` its pre-order pairs (offset
  // 64 * pair_index). Both must outlive the encoder.
  // `have`: for a partial blob, the chunks the caller has verified. The
  // encoder then serves only data inside `have`, at chunk-group granularity
  // (a partially selected group needs its whole group to compute the
  // sub-group pairs): when it reaches requested data it cannot serve, next()
  // returns kNotFound and the stream stops early, as iroh's provider does.
  // nullopt = complete blob.
  ResponseEncoder(const crypto::Hash& root, uint64_t size, const ChunkRanges& ranges,
                  const DataReader& data, const DataReader& outboard,
                  std::optional<ChunkRanges> have = std::nullopt);

  // Appends the next piece of the response to `out`: roughly up to
  // `max_bytes` (always at least one item: the header, a pair, or the data of
  // one group). Memory stays bounded by one group plus O(depth).
  // Returns true if more output follows, false when the response is complete
  // (then `out` received its last piece, possibly nothing).
  // Errors: kCorrupt (outboard or data failed verification), kNotFound
  // (partial blob lacks requested data), reader errors as returned. After an
  // error, every further call returns the same error.
  [[nodiscard]] Result<bool> next(Bytes& out, size_t max_bytes = 64 * 1024);

  bool done() const { return done_; }
  // Total bytes emitted so far.
  uint64_t bytes_emitted() const { return emitted_; }

 private:
  struct Pending {
    Node node;
    crypto::Hash expected;
    bool is_root;
    uint64_t pair_index;  // pre-order outboard index if node.is_stored()
  };
  // Emits the next item (header, one stored pair, or one group).
  [[nodiscard]] Status step(Bytes& out);
  // Reads, verifies and emits the encoding of group-level node `p`.
  [[nodiscard]] Status emit_group(const Pending& p, Bytes& out);
  [[nodiscard]] Status fail(Error e);

  crypto::Hash root_;
  BaoTree tree_;
  ChunkRanges ranges_;  // normalized
  const DataReader& data_;
  const DataReader& outboard_;
  std::optional<ChunkRanges> have_;
  bool header_sent_ = false;
  bool done_ = false;
  uint64_t emitted_ = 0;
  std::optional<Error> error_;
  std::vector<Pending> stack_;  // pre-order work stack, next item on top
  Bytes group_buf_;
};

// Normalizes a query for a blob of `size` bytes (spec §7.3): if `ranges`
// selects chunk C-1 or any chunk >= C (C = BaoTree(size).chunks()), the
// result selects [C-1, ∞) and is open-ended; other ranges are kept.
ChunkRanges normalize_ranges(const ChunkRanges& ranges, uint64_t size);

// Encodes the whole response for one blob into memory (convenience for
// tests, small blobs and the demo). Errors as ResponseEncoder::next.
[[nodiscard]] Result<Bytes> encode_response(const crypto::Hash& root, uint64_t size,
                                            const ChunkRanges& ranges, const DataReader& data,
                                            const DataReader& outboard,
                                            std::optional<ChunkRanges> have = std::nullopt);
// Same for a blob whose data and outboard are in memory.
[[nodiscard]] Result<Bytes> encode_response(const crypto::Hash& root, ByteView data,
                                            ByteView outboard_pairs, const ChunkRanges& ranges);

}  // namespace ferry::bao
