// ChunkRanges: a set of chunk numbers (1 KiB BLAKE3 chunks) as sorted,
// disjoint, non-adjacent half-open ranges; the last range may be open-ended.
//
// Used for request ranges (RangeSpec, spec §7.1), verified ranges of partial
// blobs, and resumption ("missing" = wanted.difference(have)).
//
// Representation (as bao-tree's RangeSet): strictly increasing boundaries
// b0 < b1 < ...; chunk c is in the set iff an odd number of boundaries are
// <= c. An odd number of boundaries means the last range is open (b_last..∞).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/result.h"

namespace ferry::bao {

class ChunkRanges {
 public:
  // End value of an open-ended range.
  static constexpr uint64_t kOpenEnd = UINT64_MAX;

  // A half-open range [start, end). end == kOpenEnd means "to infinity"
  // (so {kOpenEnd, kOpenEnd} is the open range starting at chunk u64::MAX).
  struct Range {
    uint64_t start = 0;
    uint64_t end = 0;
    bool is_open() const { return end == kOpenEnd; }
    bool operator==(const Range&) const = default;
  };

  // The empty set.
  ChunkRanges() = default;

  static ChunkRanges empty() { return {}; }
  // Every chunk: [0, ∞).
  static ChunkRanges all();
  // [start, end); end == kOpenEnd gives [start, ∞). Empty if start >= end
  // (except the open case).
  static ChunkRanges range(uint64_t start, uint64_t end);
  // [start, ∞).
  static ChunkRanges from(uint64_t start) { return range(start, kOpenEnd); }
  static ChunkRanges chunk(uint64_t c) { return range(c, c + 1); }
  // Union of arbitrary (unsorted, overlapping) ranges.
  static ChunkRanges of(std::initializer_list<Range> ranges);
  static ChunkRanges of(const std::vector<Range>& ranges);
  // From raw toggle boundaries. Requires: strictly increasing.
  static ChunkRanges from_boundaries(std::vector<uint64_t> boundaries);

  bool is_empty() const { return b_.empty(); }
  bool is_all() const { return b_.size() == 1 && b_[0] == 0; }
  // True if the last range is open-ended.
  bool is_open() const { return b_.size() % 2 == 1; }
  bool contains(uint64_t chunk) const;
  // True if every chunk of `other` is in this set.
  bool contains_all(const ChunkRanges& other) const;
  // True if this set and `other` share a chunk.
  bool intersects(const ChunkRanges& other) const;
  // True if some chunk in [start, end) is in the set. end may be kOpenEnd.
  bool intersects(uint64_t start, uint64_t end) const;
  // True if all chunks in [start, end) are in the set. Requires start < end.
  bool covers(uint64_t start, uint64_t end) const;

  ChunkRanges union_with(const ChunkRanges& other) const;
  ChunkRanges intersection(const ChunkRanges& other) const;
  ChunkRanges difference(const ChunkRanges& other) const;
  ChunkRanges operator|(const ChunkRanges& o) const { return union_with(o); }
  ChunkRanges operator&(const ChunkRanges& o) const { return intersection(o); }
  ChunkRanges operator-(const ChunkRanges& o) const { return difference(o); }

  // The ranges in increasing order.
  std::vector<Range> ranges() const;
  // Number of ranges.
  size_t range_count() const { return (b_.size() + 1) / 2; }
  const std::vector<uint64_t>& boundaries() const { return b_; }

  bool operator==(const ChunkRanges&) const = default;
  // "{3..5, 9..}" style.
  std::string to_string() const;
  // Parses what to_string() prints, with or without braces and spaces:
  // "3..5,9..", "{0..1, 7..}", "5" (one chunk), "" or "{}" (empty).
  // Errors: kInvalidArgument.
  [[nodiscard]] static Result<ChunkRanges> parse(std::string_view text);

 private:
  explicit ChunkRanges(std::vector<uint64_t> b) : b_(std::move(b)) {}
  std::vector<uint64_t> b_;
};

}  // namespace ferry::bao
