// Ranger messages and their postcard encoding (spec §4.3), generic over the
// entry type (see reconcile/item.h):
//   Message     = { parts: Vec<MessagePart> }
//   MessagePart = 0: RangeFingerprint { range, fingerprint[32] }
//               | 1: RangeItem { range, values: Vec<(Entry, ContentStatus)>,
//                                have_local: bool }
//   Range       = x, y (RecordIdentifier each: varint len ‖ bytes)
// Decoding is bounds-checked and never trusts counts (a count larger than
// the remaining input could hold is kProtocol). RecordIdentifiers shorter
// than 64 bytes are kProtocol (Ferry's rule, §4.6).
#pragma once

#include <utility>
#include <variant>
#include <vector>

#include "core/postcard.h"
#include "ferry/result.h"
#include "reconcile/fingerprint.h"
#include "reconcile/item.h"
#include "reconcile/range.h"
#include "reconcile/wire_entry.h"

namespace ferry::reconcile {

struct RangeFingerprint {
  Range range;
  Fingerprint fingerprint;
  bool operator==(const RangeFingerprint&) const = default;
};

template <typename Item>
struct RangeItem {
  Range range;
  std::vector<std::pair<Item, ContentStatus>> values;
  bool have_local = false;
  bool operator==(const RangeItem&) const = default;
};

template <typename Item>
using MessagePart = std::variant<RangeFingerprint, RangeItem<Item>>;

template <typename Item>
struct Message {
  std::vector<MessagePart<Item>> parts;
  bool operator==(const Message&) const = default;
};

// Smallest possible encodings, used to bound hostile counts.
inline constexpr size_t kMinPartSize = 1 + 2 * (1 + kMinIdSize) + 1 + 1;
inline constexpr size_t kMinValueSize = 1;

inline void encode_range(const Range& r, PostcardWriter& w) {
  w.bytes(r.x);
  w.bytes(r.y);
}

inline Result<Range> decode_range(PostcardReader& r) {
  Range out;
  FERRY_ASSIGN(out.x, decode_record_id(r));
  FERRY_ASSIGN(out.y, decode_record_id(r));
  return out;
}

template <RangerItem Item>
void encode_message(const Message<Item>& m, PostcardWriter& w) {
  w.seq_len(m.parts.size());
  for (const auto& part : m.parts) {
    if (const auto* f = std::get_if<RangeFingerprint>(&part)) {
      w.variant(0);
      encode_range(f->range, w);
      w.raw(f->fingerprint.view());
    } else {
      const auto& it = std::get<RangeItem<Item>>(part);
      w.variant(1);
      encode_range(it.range, w);
      w.seq_len(it.values.size());
      for (const auto& [item, status] : it.values) {
        ItemTraits<Item>::encode(item, w);
        w.variant(static_cast<uint32_t>(status));
      }
      w.boolean(it.have_local);
    }
  }
}

template <RangerItem Item>
Bytes encode_message(const Message<Item>& m) {
  PostcardWriter w;
  encode_message(m, w);
  return w.take();
}

template <RangerItem Item>
Result<Message<Item>> decode_message(PostcardReader& r) {
  Message<Item> m;
  FERRY_ASSIGN(size_t n, r.seq_len(kMinPartSize));
  m.parts.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    FERRY_ASSIGN(uint32_t tag, r.variant(2));
    FERRY_ASSIGN(Range range, decode_range(r));
    if (tag == 0) {
      FERRY_ASSIGN(auto fp, r.array<Fingerprint::kSize>());
      m.parts.emplace_back(RangeFingerprint{std::move(range), Fingerprint(fp)});
      continue;
    }
    RangeItem<Item> item;
    item.range = std::move(range);
    // No reserve: the item type's minimum size is unknown here, so a hostile
    // count could otherwise reserve far more than the input.
    FERRY_ASSIGN(size_t nv, r.seq_len(kMinValueSize));
    for (size_t j = 0; j < nv; ++j) {
      FERRY_ASSIGN(Item value, ItemTraits<Item>::decode(r));
      FERRY_ASSIGN(uint32_t status, r.variant(kContentStatusCount));
      item.values.emplace_back(std::move(value), static_cast<ContentStatus>(status));
    }
    FERRY_ASSIGN(item.have_local, r.boolean());
    m.parts.emplace_back(std::move(item));
  }
  return m;
}

template <RangerItem Item>
Result<Message<Item>> decode_message(ByteView data) {
  PostcardReader r(data);
  return decode_message<Item>(r);
}

}  // namespace ferry::reconcile
