// SortedSetStore: the view of one document's entries that the ranger needs.
//
// Implemented by reconcile::MemoryStore (tests, simulator, benchmarks) and
// by the docs SQLite store. One store object = one document (namespace):
// every range is evaluated only over that document's entries, whatever
// namespace the range endpoints name (spec §4.6, "Ranges a peer should never
// send"), and x == y always means the whole document.
//
// Requires of implementations, for every Range r (see reconcile/range.h):
//   count(r), fingerprint(r)  are consistent with for_each(r): count is the
//     number of entries visited and fingerprint is Fingerprint::empty() XOR
//     their entry fingerprints. Implementations should answer both from
//     maintained aggregates (O(log n)), not by scanning the range.
//   for_each(r, f)  visits entries in the range's iteration order (§4.2: for
//     a wrap range x > y, the entries < y first, then those >= x) until f
//     returns false.
//   key_at(r, i)  is the id of the i-th entry for_each(r) would visit.
//     Requires: i < count(r). Used for split pivots; O(log n) expected.
//   put(e)  applies the document's insert rules (docs: LWW per id plus the
//     prefix rules of §3.5; MemoryStore: LWW per id, prefix rules optional)
//     to an entry that has ALREADY been validated by the caller.
//   Positional view (compact dialect, reconcile/compact_ranger.h): positions
//     index the document's entries in ascending id order, 0..total()-1.
//     cut_at_key / cut_at_position / for_each_position have default
//     implementations on the range interface above (correct, a few extra
//     O(log n) queries each); MemoryStore answers each with one descent.
// Errors: kIo / kInternal from the backing storage; the ranger propagates
// them and the sync run ends. Peer input never causes a store error.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "core/bytes.h"
#include "ferry/result.h"
#include "reconcile/fingerprint.h"
#include "reconcile/item.h"
#include "reconcile/range.h"

namespace ferry::reconcile {

// Count and fingerprint of one range, answered together.
struct RangeSummary {
  uint64_t count = 0;
  Fingerprint fingerprint;
};

// The split of a document's sorted entries at one point: `position` entries
// lie before it, and `prefix_xor` is the plain XOR (no BLAKE3("") term) of
// their entry fingerprints.
struct Cut {
  uint64_t position = 0;
  Fingerprint prefix_xor;
};

// A Cut at a position p with 0 < p < total(), plus the ids on either side
// (positions p - 1 and p), from which a separating bound is derived.
struct PivotCut {
  Cut cut;
  Bytes before;
  Bytes at;
};

enum class PutOutcome {
  kInserted,     // stored (possibly replacing or removing older entries)
  kNotInserted,  // an entry with equal or newer value blocks it (duplicate,
                 // older, or a newer non-empty prefix under §3.5)
};

template <typename Item>
class SortedSetStore {
 public:
  using Visitor = std::function<bool(const Item&)>;

  virtual ~SortedSetStore() = default;

  // Smallest id of the document, or nullopt when it is empty.
  virtual Result<std::optional<Bytes>> first_key() = 0;
  virtual Result<uint64_t> count(const Range& r) = 0;
  virtual Result<Fingerprint> fingerprint(const Range& r) = 0;
  // Both of the above at once; override when that is cheaper (the ranger
  // asks for both on every range it evaluates).
  virtual Result<RangeSummary> summary(const Range& r) {
    RangeSummary s;
    FERRY_ASSIGN(s.count, count(r));
    FERRY_ASSIGN(s.fingerprint, fingerprint(r));
    return s;
  }
  virtual Result<Bytes> key_at(const Range& r, uint64_t index) = 0;
  virtual Status for_each(const Range& r, const Visitor& visit) = 0;
  // The stored entry with exactly this id, if any.
  virtual Result<std::optional<Item>> get(ByteView id) = 0;
  virtual Result<PutOutcome> put(const Item& item) = 0;

  // ---- Positional view (see the header comment) ----
  using FpVisitor = std::function<bool(const Item&, const Fingerprint&)>;

  // Number of entries of the document.
  virtual Result<uint64_t> total() {
    FERRY_ASSIGN(auto first, first_key());
    if (!first) return uint64_t{0};
    return count(Range{*first, *first});
  }
  // The cut before the first entry >= key.
  virtual Result<Cut> cut_at_key(ByteView key) {
    Cut c;
    FERRY_ASSIGN(auto first, first_key());
    if (!first || compare_keys(*first, key) >= 0) return c;
    Range below{*first, Bytes(key.begin(), key.end())};
    FERRY_ASSIGN(RangeSummary s, summary(below));
    c.position = s.count;
    c.prefix_xor = s.fingerprint ^ Fingerprint::empty();
    return c;
  }
  // cut_at_key for many keys at once. Requires: keys ascending. Appends one
  // Cut per key to `out`.
  virtual Status cuts_at_keys(std::span<const ByteView> keys, std::vector<Cut>& out) {
    for (ByteView k : keys) {
      FERRY_ASSIGN(Cut c, cut_at_key(k));
      out.push_back(c);
    }
    return ok();
  }
  // Requires: 0 < position < total().
  virtual Result<PivotCut> cut_at_position(uint64_t position) {
    FERRY_ASSIGN(auto first, first_key());
    if (!first) return make_error(ErrorCode::kInternal, "cut_at_position: empty store");
    Range whole{*first, *first};
    PivotCut p;
    FERRY_ASSIGN(p.before, key_at(whole, position - 1));
    FERRY_ASSIGN(p.at, key_at(whole, position));
    FERRY_ASSIGN(p.cut, cut_at_key(p.at));
    return p;
  }
  // Visits positions [lo, hi) in order with each entry's fingerprint until
  // visit returns false. Requires: lo <= hi <= total().
  virtual Status for_each_position(uint64_t lo, uint64_t hi, const FpVisitor& visit) {
    if (lo >= hi) return ok();
    FERRY_ASSIGN(auto first, first_key());
    if (!first) return ok();
    Range whole{*first, *first};
    FERRY_ASSIGN(Bytes x, key_at(whole, lo));
    Bytes y = *first;  // hi == total: up to the end (a wrap range back to first)
    FERRY_ASSIGN(uint64_t n, total());
    if (hi < n) {
      FERRY_ASSIGN(y, key_at(whole, hi));
    }
    uint64_t left = hi - lo;
    return for_each(Range{x, y}, [&](const Item& item) {
      if (left == 0) return false;
      --left;
      return visit(item, ItemTraits<Item>::fingerprint(item));
    });
  }
};

}  // namespace ferry::reconcile
