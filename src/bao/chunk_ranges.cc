#include "bao/chunk_ranges.h"

#include <algorithm>
#include <cassert>
#include <charconv>

namespace ferry::bao {
namespace {

// Sweeps the boundaries of a and b in order and keeps the points where
// op(in_a, in_b) changes.
template <typename Op>
std::vector<uint64_t> combine(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b,
                              Op op) {
  std::vector<uint64_t> out;
  out.reserve(a.size() + b.size());
  size_t i = 0, j = 0;
  bool in_a = false, in_b = false, in_r = false;
  while (i < a.size() || j < b.size()) {
    uint64_t p;
    if (j == b.size() || (i < a.size() && a[i] < b[j])) {
      p = a[i++];
      in_a = !in_a;
    } else if (i == a.size() || b[j] < a[i]) {
      p = b[j++];
      in_b = !in_b;
    } else {
      p = a[i];
      ++i;
      ++j;
      in_a = !in_a;
      in_b = !in_b;
    }
    bool r = op(in_a, in_b);
    if (r != in_r) {
      out.push_back(p);
      in_r = r;
    }
  }
  return out;
}

}  // namespace

ChunkRanges ChunkRanges::all() {
  return ChunkRanges(std::vector<uint64_t>{0});
}

ChunkRanges ChunkRanges::range(uint64_t start, uint64_t end) {
  if (end == kOpenEnd) return ChunkRanges(std::vector<uint64_t>{start});
  if (start >= end) return ChunkRanges();
  return ChunkRanges(std::vector<uint64_t>{start, end});
}

ChunkRanges ChunkRanges::of(std::initializer_list<Range> ranges) {
  return of(std::vector<Range>(ranges));
}

ChunkRanges ChunkRanges::of(const std::vector<Range>& ranges) {
  ChunkRanges out;
  for (const Range& r : ranges) out = out | range(r.start, r.end);
  return out;
}

ChunkRanges ChunkRanges::from_boundaries(std::vector<uint64_t> boundaries) {
  assert(std::adjacent_find(boundaries.begin(), boundaries.end(),
                            [](uint64_t x, uint64_t y) { return x >= y; }) == boundaries.end());
  return ChunkRanges(std::move(boundaries));
}

bool ChunkRanges::contains(uint64_t chunk) const {
  auto n = std::upper_bound(b_.begin(), b_.end(), chunk) - b_.begin();
  return n % 2 == 1;
}

bool ChunkRanges::contains_all(const ChunkRanges& other) const {
  return other.difference(*this).is_empty();
}

bool ChunkRanges::intersects(const ChunkRanges& other) const {
  return !intersection(other).is_empty();
}

bool ChunkRanges::intersects(uint64_t start, uint64_t end) const {
  if (end != kOpenEnd && start >= end) return false;
  if (contains(start)) return true;
  auto it = std::upper_bound(b_.begin(), b_.end(), start);
  return it != b_.end() && (end == kOpenEnd || *it < end);
}

bool ChunkRanges::covers(uint64_t start, uint64_t end) const {
  if (!contains(start)) return false;
  auto it = std::upper_bound(b_.begin(), b_.end(), start);
  if (it == b_.end()) return true;  // open range from before start
  return end != kOpenEnd && *it >= end;
}

ChunkRanges ChunkRanges::union_with(const ChunkRanges& other) const {
  return ChunkRanges(combine(b_, other.b_, [](bool a, bool b) { return a || b; }));
}

ChunkRanges ChunkRanges::intersection(const ChunkRanges& other) const {
  return ChunkRanges(combine(b_, other.b_, [](bool a, bool b) { return a && b; }));
}

ChunkRanges ChunkRanges::difference(const ChunkRanges& other) const {
  return ChunkRanges(combine(b_, other.b_, [](bool a, bool b) { return a && !b; }));
}

std::vector<ChunkRanges::Range> ChunkRanges::ranges() const {
  std::vector<Range> out;
  out.reserve(range_count());
  for (size_t i = 0; i < b_.size(); i += 2) {
    out.push_back(Range{b_[i], i + 1 < b_.size() ? b_[i + 1] : kOpenEnd});
  }
  return out;
}

std::string ChunkRanges::to_string() const {
  std::string s = "{";
  for (size_t i = 0; i < b_.size(); i += 2) {
    if (i > 0) s += ", ";
    s += std::to_string(b_[i]) + "..";
    if (i + 1 < b_.size()) s += std::to_string(b_[i + 1]);
  }
  return s + "}";
}

Result<ChunkRanges> ChunkRanges::parse(std::string_view text) {
  std::string t;
  for (char c : text) {
    if (c != ' ' && c != '{' && c != '}') t += c;
  }
  auto bad = [&] {
    return make_error(ErrorCode::kInvalidArgument, "bad chunk ranges: " + std::string(text));
  };
  auto number = [](std::string_view s, uint64_t& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size() && !s.empty();
  };
  ChunkRanges out;
  size_t pos = 0;
  while (pos < t.size()) {
    size_t comma = t.find(',', pos);
    std::string_view item(t.data() + pos, (comma == std::string::npos ? t.size() : comma) - pos);
    pos = comma == std::string::npos ? t.size() : comma + 1;
    size_t dots = item.find("..");
    uint64_t a = 0, b = 0;
    if (dots == std::string_view::npos) {
      if (!number(item, a) || a == UINT64_MAX) return bad();
      out = out | chunk(a);
    } else if (dots + 2 == item.size()) {
      if (!number(item.substr(0, dots), a)) return bad();
      out = out | from(a);
    } else {
      if (!number(item.substr(0, dots), a) || !number(item.substr(dots + 2), b) || a >= b) {
        return bad();
      }
      out = out | range(a, b);
    }
  }
  return out;
}

}  // namespace ferry::bao
