// The compact Ferry-to-Ferry reconciliation dialect: messages and codec.
// Used only when both peers are Ferry (negotiated by the transport); an iroh
// peer never sees it. The protocol itself is in reconcile/compact_ranger.h.
//
// Key space: the document's ids without the 32-byte namespace (author ‖
// key), which is implicit (the session's document). A message covers the
// key space from the empty bound upwards with contiguous ranges, each
// encoded by its upper bound only; the lower bound of the first range is
// the empty string, of every other range the previous upper bound. After
// the last range, everything is an implicit Skip.
//
//   CompactMessage = flags u8 (bit 0: `more`, the sender holds deferred
//                    work; other bits 0) ‖ varint(n) ‖ n × CompactRange
//   CompactRange   = bound ‖ mode u8 ‖ payload
//   bound          = varint(0)                    infinity (last range only)
//                  | varint(shared + 1) ‖ varint(len) ‖ suffix[len]
//                    = previous bound[0, shared) ‖ suffix; strictly greater
//                    than the previous bound; at most kMaxBoundSize bytes
//   mode 0 Skip          nothing to do here
//        1 Fingerprint   fp[16]: first 16 bytes of the XOR of the entry
//                        fingerprints (§4.1) of the sender's entries
//        2 IdList        varint(n) ‖ n × id[16]: all of the sender's entries
//                        in the range, id = first 16 bytes of the entry
//                        fingerprint (commits to namespace, author, key,
//                        timestamp and content hash)
//        3 IdListReply   varint(b) ‖ needs[b] ‖ entries: the answer to an
//                        IdList over exactly this range; bit i (byte i/8,
//                        LSB first) of `needs` = the replier lacks id i;
//                        `entries` = the replier's entries whose ids were not
//                        listed (more may follow later as Entries)
//        4 Entries       entries, no answer expected
//   entries        = varint(m) ‖ m × (Item encoding ‖ varint ContentStatus)
//
// Decoding is bounds-checked and allocation is bounded by the input (counts
// are checked against the bytes left; bounds are capped), so a hostile
// message costs at most a small multiple of its size in memory.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/postcard.h"
#include "ferry/result.h"
#include "reconcile/item.h"

namespace ferry::reconcile::compact {

inline constexpr size_t kFingerprintSize = 16;
inline constexpr size_t kIdSize = 16;
// Author (32) plus the docs layer's largest key (4096) plus one byte.
inline constexpr size_t kMaxBoundSize = kAuthorSize + 4096 + 1;

using ShortFingerprint = std::array<uint8_t, kFingerprintSize>;
using ShortId = std::array<uint8_t, kIdSize>;

enum class Mode : uint8_t {
  kSkip = 0,
  kFingerprint = 1,
  kIdList = 2,
  kIdListReply = 3,
  kEntries = 4
};
inline constexpr uint32_t kModeCount = 5;

template <typename Item>
struct CompactRange {
  Bytes upper;            // bound without the namespace; ignored when infinite
  bool infinite = false;  // the range extends to the end of the key space
  Mode mode = Mode::kSkip;
  ShortFingerprint fingerprint{};                       // kFingerprint
  std::vector<ShortId> ids;                             // kIdList
  Bytes needs;                                          // kIdListReply
  std::vector<std::pair<Item, ContentStatus>> entries;  // kIdListReply, kEntries
  bool operator==(const CompactRange&) const = default;
};

template <typename Item>
struct CompactMessage {
  bool more = false;
  std::vector<CompactRange<Item>> ranges;
  bool operator==(const CompactMessage&) const = default;
};

// Byte-wise order of bounds (and ids). Spelled out with memcmp: GCC 12's
// -Wstringop-overread misfires on std::vector's operator< at -O2/-O3.
struct BoundLess {
  bool operator()(ByteView a, ByteView b) const {
    size_t n = std::min(a.size(), b.size());
    int c = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
    return c != 0 ? c < 0 : a.size() < b.size();
  }
  bool operator()(const Bytes& a, const Bytes& b) const {
    return (*this)(ByteView(a), ByteView(b));
  }
};

inline size_t varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) v >>= 7, ++n;
  return n;
}

inline size_t shared_prefix(ByteView a, ByteView b) {
  size_t n = std::min(a.size(), b.size()), i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

// Encoded size of a bound after `prev`.
inline size_t bound_size(ByteView prev, ByteView upper, bool infinite) {
  if (infinite) return 1;
  size_t shared = shared_prefix(prev, upper);
  size_t len = upper.size() - shared;
  return varint_size(shared + 1) + varint_size(len) + len;
}

inline void encode_bound(ByteView prev, ByteView upper, bool infinite, PostcardWriter& w) {
  if (infinite) return w.varint(0);
  size_t shared = shared_prefix(prev, upper);
  w.varint(shared + 1);
  w.bytes(upper.subspan(shared));
}

template <RangerItem Item>
size_t entry_size(const Item& item) {
  PostcardWriter w;
  ItemTraits<Item>::encode(item, w);
  return w.data().size() + 1;  // + ContentStatus
}

// Encoded size of the mode and payload of `r` (not its bound).
template <RangerItem Item>
size_t payload_size(const CompactRange<Item>& r) {
  auto entries_size = [&] {
    size_t n = varint_size(r.entries.size());
    for (const auto& e : r.entries) n += entry_size(e.first);
    return n;
  };
  switch (r.mode) {
    case Mode::kSkip: return 1;
    case Mode::kFingerprint: return 1 + kFingerprintSize;
    case Mode::kIdList: return 1 + varint_size(r.ids.size()) + r.ids.size() * kIdSize;
    case Mode::kIdListReply:
      return 1 + varint_size(r.needs.size()) + r.needs.size() + entries_size();
    case Mode::kEntries: return 1 + entries_size();
  }
  return 1;
}

template <RangerItem Item>
Bytes encode_compact(const CompactMessage<Item>& m) {
  PostcardWriter w;
  w.u8(m.more ? 1 : 0);
  w.varint(m.ranges.size());
  ByteView prev;
  auto put_entries = [&](const auto& entries) {
    w.varint(entries.size());
    for (const auto& [item, status] : entries) {
      ItemTraits<Item>::encode(item, w);
      w.variant(static_cast<uint32_t>(status));
    }
  };
  for (const auto& r : m.ranges) {
    encode_bound(prev, r.upper, r.infinite, w);
    prev = r.upper;
    w.u8(static_cast<uint8_t>(r.mode));
    switch (r.mode) {
      case Mode::kSkip: break;
      case Mode::kFingerprint: w.raw(r.fingerprint); break;
      case Mode::kIdList:
        w.varint(r.ids.size());
        for (const auto& id : r.ids) w.raw(id);
        break;
      case Mode::kIdListReply:
        w.bytes(r.needs);
        put_entries(r.entries);
        break;
      case Mode::kEntries: put_entries(r.entries); break;
    }
  }
  return w.take();
}

// Errors: kProtocol for any malformed input (truncation, unknown mode or
// flags, non-increasing or oversized bounds, a range after infinity,
// malformed entries); trailing bytes are an error too.
template <RangerItem Item>
Result<CompactMessage<Item>> decode_compact(ByteView data) {
  PostcardReader r(data);
  CompactMessage<Item> m;
  FERRY_ASSIGN(uint8_t flags, r.u8());
  if (flags > 1) return make_error(ErrorCode::kProtocol, "compact: unknown flags");
  m.more = flags == 1;
  // The smallest range is 2 bytes (infinite bound, Skip).
  FERRY_ASSIGN(size_t n, r.seq_len(2));
  m.ranges.reserve(n);
  ByteView prev;
  auto get_entries = [&](auto& out) -> Status {
    FERRY_ASSIGN(size_t count, r.seq_len(2));
    for (size_t j = 0; j < count; ++j) {
      FERRY_ASSIGN(Item item, ItemTraits<Item>::decode(r));
      FERRY_ASSIGN(uint32_t status, r.variant(kContentStatusCount));
      out.emplace_back(std::move(item), static_cast<ContentStatus>(status));
    }
    return ok();
  };
  for (size_t i = 0; i < n; ++i) {
    CompactRange<Item> range;
    if (!m.ranges.empty() && m.ranges.back().infinite) {
      return make_error(ErrorCode::kProtocol, "compact: range after infinity");
    }
    FERRY_ASSIGN(uint64_t h, r.varint_u64());
    if (h == 0) {
      range.infinite = true;
    } else {
      uint64_t shared = h - 1;
      if (shared > prev.size()) return make_error(ErrorCode::kProtocol, "compact: bad bound");
      FERRY_ASSIGN(ByteView suffix, r.bytes());
      if (shared + suffix.size() > kMaxBoundSize) {
        return make_error(ErrorCode::kProtocol, "compact: bound too long");
      }
      range.upper.assign(prev.begin(), prev.begin() + static_cast<ptrdiff_t>(shared));
      append(range.upper, suffix);
      if (!BoundLess()(prev, range.upper)) {
        return make_error(ErrorCode::kProtocol, "compact: bounds not increasing");
      }
    }
    FERRY_ASSIGN(uint32_t mode, r.variant(kModeCount));
    range.mode = static_cast<Mode>(mode);
    switch (range.mode) {
      case Mode::kSkip: break;
      case Mode::kFingerprint: {
        FERRY_ASSIGN(range.fingerprint, r.array<kFingerprintSize>());
        break;
      }
      case Mode::kIdList: {
        FERRY_ASSIGN(size_t count, r.seq_len(kIdSize));
        range.ids.reserve(count);
        for (size_t j = 0; j < count; ++j) {
          FERRY_ASSIGN(auto id, r.array<kIdSize>());
          range.ids.push_back(id);
        }
        break;
      }
      case Mode::kIdListReply: {
        FERRY_ASSIGN(ByteView needs, r.bytes());
        range.needs.assign(needs.begin(), needs.end());
        FERRY_TRY(get_entries(range.entries));
        break;
      }
      case Mode::kEntries: FERRY_TRY(get_entries(range.entries)); break;
    }
    m.ranges.push_back(std::move(range));
    // Stable: ranges was reserved for n entries.
    if (!m.ranges.back().infinite) prev = m.ranges.back().upper;
  }
  FERRY_TRY(r.expect_end());
  return m;
}

}  // namespace ferry::reconcile::compact
