// RangeSpec, RangeSpecSeq and GetRequest: the /iroh-bytes/4 request
// (spec ../shared/spec/iroh-0.35-wire.md §7.1), postcard-encoded.
//
// RangeSpec  = SmallVec<u64>: alternating span widths starting at chunk 0,
//              the first span not selected; an odd count = open last range.
// RangeSpecSeq = SmallVec<(u64 count, RangeSpec)>: run-length encoded specs
//              per blob offset (0 = root, i >= 1 = HashSeq child i-1);
//              `count` repeats the previous spec; the last spec repeats
//              forever.
// Request    = enum { 0: Get(GetRequest{hash, ranges}) }.
//
// Decoding is bounds-checked and returns kProtocol on malformed input
// (truncated, overlong varints, widths overflowing u64). Like iroh, zero
// widths are accepted (they select nothing) and trailing bytes after a
// Request are ignored by decode_request (iroh uses postcard::from_bytes).
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "bao/chunk_ranges.h"
#include "core/bytes.h"
#include "core/postcard.h"
#include "crypto/hash.h"
#include "ferry/result.h"

namespace ferry::bao {

// Writes ranges as a RangeSpec (canonical: as iroh's RangeSpec::new).
void encode_range_spec(const ChunkRanges& ranges, PostcardWriter& w);
Bytes encode_range_spec(const ChunkRanges& ranges);
// Reads one RangeSpec. Errors: kProtocol.
[[nodiscard]] Result<ChunkRanges> decode_range_spec(PostcardReader& r);

class RangeSpecSeq {
 public:
  // Selects nothing (encodes as `00`).
  RangeSpecSeq() = default;

  // Root gets `root`, every child nothing: [(0, root), (1, [])].
  // single(ChunkRanges::all()) encodes as 02 00 01 00 01 00.
  static RangeSpecSeq single(const ChunkRanges& root);
  // Root and every child get everything: [(0, [0])] = 01 00 01 00.
  static RangeSpecSeq all();
  // Blob i gets ranges[i]; every later blob gets nothing (iroh from_ranges).
  static RangeSpecSeq from_ranges(const std::vector<ChunkRanges>& ranges);
  // Blob i gets ranges[i]; the last one repeats forever
  // (iroh from_ranges_infinite). Requires: !ranges.empty().
  static RangeSpecSeq from_ranges_infinite(const std::vector<ChunkRanges>& ranges);

  // The ranges requested for the blob at `offset` (0 = root).
  ChunkRanges ranges_at(uint64_t offset) const;
  // True if every blob gets nothing.
  bool is_empty() const;
  // If only offset 0 can be non-empty: its ranges (iroh as_single); else
  // nullopt. The provider then does not read the root as a HashSeq.
  std::optional<ChunkRanges> as_single() const;
  // The first offset >= `from` whose ranges are non-empty, or nullopt if no
  // later offset selects anything. Since the last spec repeats forever, a
  // non-empty last spec makes every later offset non-empty.
  std::optional<uint64_t> next_non_empty(uint64_t from) const;

  // Raw (count, spec) pairs as encoded.
  const std::vector<std::pair<uint64_t, ChunkRanges>>& items() const { return items_; }

  void encode(PostcardWriter& w) const;
  Bytes encode() const;
  // Errors: kProtocol.
  [[nodiscard]] static Result<RangeSpecSeq> decode(PostcardReader& r);

  bool operator==(const RangeSpecSeq&) const = default;

 private:
  std::vector<std::pair<uint64_t, ChunkRanges>> items_;
};

struct GetRequest {
  crypto::Hash hash;
  RangeSpecSeq ranges;

  // Request bytes as sent on the stream: 00 ‖ hash ‖ ranges.
  Bytes encode() const;
  // Decodes a Request (must be variant 0 = Get). Trailing bytes are ignored
  // as iroh does. Errors: kProtocol.
  [[nodiscard]] static Result<GetRequest> decode(ByteView request);

  bool operator==(const GetRequest&) const = default;
};

}  // namespace ferry::bao
