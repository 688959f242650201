// Range: a half-open interval of RecordIdentifiers with wrap-around, the unit
// the ranger reconciles (spec §4.2).
//
// Keys are the raw RecordIdentifier bytes (namespace ‖ author ‖ key, at least
// 64 bytes) compared lexicographically. Membership of t:
//   x == y  the whole set (of the document, whatever x is);
//   x <  y  x <= t < y;
//   x >  y  t >= x or t < y (wrap-around).
// Iteration order of a range is ascending key order restricted to the range:
// for a wrap range, the keys below y first, then those >= x.
#pragma once

#include <algorithm>
#include <compare>

#include "core/bytes.h"

namespace ferry::reconcile {

// Lexicographic byte comparison (the RecordIdentifier total order).
inline std::strong_ordering compare_keys(ByteView a, ByteView b) {
  return std::lexicographical_compare_three_way(a.begin(), a.end(), b.begin(), b.end());
}

struct Range {
  Bytes x;
  Bytes y;

  enum class Kind { kWhole, kRegular, kWrap };
  Kind kind() const {
    auto c = compare_keys(x, y);
    if (c == 0) return Kind::kWhole;
    return c < 0 ? Kind::kRegular : Kind::kWrap;
  }
  bool contains(ByteView t) const {
    switch (kind()) {
      case Kind::kWhole: return true;
      case Kind::kRegular: return compare_keys(x, t) <= 0 && compare_keys(t, y) < 0;
      case Kind::kWrap: return compare_keys(t, x) >= 0 || compare_keys(t, y) < 0;
    }
    return false;
  }
  bool operator==(const Range&) const = default;
};

}  // namespace ferry::reconcile
