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
// Errors: kIo / kInternal from the backing storage; the ranger propagates
// them and the sync run ends. Peer input never causes a store error.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

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
};

}  // namespace ferry::reconcile
