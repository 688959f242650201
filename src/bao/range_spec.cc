#include "bao/range_spec.h"

namespace ferry::bao {

void encode_range_spec(const ChunkRanges& ranges, PostcardWriter& w) {
  const auto& b = ranges.boundaries();
  w.seq_len(b.size());
  uint64_t prev = 0;
  for (uint64_t x : b) {
    w.varint(x - prev);
    prev = x;
  }
}

Bytes encode_range_spec(const ChunkRanges& ranges) {
  PostcardWriter w;
  encode_range_spec(ranges, w);
  return w.take();
}

Result<ChunkRanges> decode_range_spec(PostcardReader& r) {
  FERRY_ASSIGN(size_t n, r.seq_len(1));
  std::vector<uint64_t> b;
  b.reserve(n);
  uint64_t current = 0;
  for (size_t i = 0; i < n; ++i) {
    FERRY_ASSIGN(uint64_t width, r.varint_u64());
    if (width > UINT64_MAX - current) {
      return make_error(ErrorCode::kProtocol, "range spec overflows u64");
    }
    current += width;
    // Each boundary toggles membership; a zero width toggles twice at the
    // same point, which cancels (iroh unions an empty range: same result).
    if (!b.empty() && b.back() == current) {
      b.pop_back();
    } else {
      b.push_back(current);
    }
  }
  return ChunkRanges::from_boundaries(std::move(b));
}

RangeSpecSeq RangeSpecSeq::single(const ChunkRanges& root) {
  return from_ranges({root});
}

RangeSpecSeq RangeSpecSeq::all() {
  return from_ranges_infinite({ChunkRanges::all()});
}

RangeSpecSeq RangeSpecSeq::from_ranges(const std::vector<ChunkRanges>& ranges) {
  std::vector<ChunkRanges> v = ranges;
  v.push_back(ChunkRanges::empty());
  return from_ranges_infinite(v);
}

RangeSpecSeq RangeSpecSeq::from_ranges_infinite(const std::vector<ChunkRanges>& ranges) {
  // As iroh's RangeSpecSeq::new: run-length encode against the previous spec.
  RangeSpecSeq seq;
  uint64_t count = 0;
  const ChunkRanges before_all;
  for (const ChunkRanges& v : ranges) {
    const ChunkRanges& prev = seq.items_.empty() ? before_all : seq.items_.back().second;
    if (v == prev) {
      ++count;
    } else {
      seq.items_.emplace_back(count, v);
      count = 1;
    }
  }
  return seq;
}

ChunkRanges RangeSpecSeq::ranges_at(uint64_t offset) const {
  const ChunkRanges empty;
  const ChunkRanges* prev = &empty;
  uint64_t pos = 0;
  for (const auto& [count, spec] : items_) {
    if (offset - pos < count) return *prev;  // offset in [pos, pos + count)
    pos += count;
    prev = &spec;
  }
  return *prev;
}

bool RangeSpecSeq::is_empty() const {
  for (const auto& item : items_) {
    if (!item.second.is_empty()) return false;
  }
  return true;
}

std::optional<ChunkRanges> RangeSpecSeq::as_single() const {
  if (items_.size() != 2) return std::nullopt;
  if (items_[0].first != 0) return std::nullopt;
  if (items_[1].first != 1 || !items_[1].second.is_empty()) return std::nullopt;
  return items_[0].second;
}

std::optional<uint64_t> RangeSpecSeq::next_non_empty(uint64_t from) const {
  const ChunkRanges empty;
  const ChunkRanges* prev = &empty;
  uint64_t pos = 0;
  for (const auto& [count, spec] : items_) {
    // Segment [pos, pos + count) has `prev`.
    uint64_t end = count > UINT64_MAX - pos ? UINT64_MAX : pos + count;
    if (!prev->is_empty() && end > from && end > pos) return std::max(pos, from);
    pos = end;
    prev = &spec;
  }
  if (!prev->is_empty()) return std::max(pos, from);
  return std::nullopt;
}

void RangeSpecSeq::encode(PostcardWriter& w) const {
  w.seq_len(items_.size());
  for (const auto& [count, spec] : items_) {
    w.varint(count);
    encode_range_spec(spec, w);
  }
}

Bytes RangeSpecSeq::encode() const {
  PostcardWriter w;
  encode(w);
  return w.take();
}

Result<RangeSpecSeq> RangeSpecSeq::decode(PostcardReader& r) {
  FERRY_ASSIGN(size_t n, r.seq_len(2));
  RangeSpecSeq seq;
  seq.items_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    FERRY_ASSIGN(uint64_t count, r.varint_u64());
    FERRY_ASSIGN(ChunkRanges spec, decode_range_spec(r));
    seq.items_.emplace_back(count, std::move(spec));
  }
  return seq;
}

Bytes GetRequest::encode() const {
  PostcardWriter w;
  w.variant(0);
  w.raw(hash.view());
  ranges.encode(w);
  return w.take();
}

Result<GetRequest> GetRequest::decode(ByteView request) {
  PostcardReader r(request);
  FERRY_ASSIGN(uint32_t variant, r.variant(1));
  (void)variant;
  FERRY_ASSIGN(auto hash, r.array<crypto::Hash::kSize>());
  FERRY_ASSIGN(RangeSpecSeq ranges, RangeSpecSeq::decode(r));
  return GetRequest{crypto::Hash(hash), std::move(ranges)};
}

}  // namespace ferry::bao
