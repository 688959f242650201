// reconcile::ItemTraits for docs::SignedEntry, so the ranger and the sync
// session work directly on signed entries (spec §4). Header only.
#pragma once

#include "docs/entry.h"
#include "reconcile/item.h"

namespace ferry::reconcile {

template <>
struct ItemTraits<docs::SignedEntry> {
  static ByteView id(const docs::SignedEntry& e) { return e.id().view(); }
  static Fingerprint fingerprint(const docs::SignedEntry& e) {
    return Fingerprint(e.entry.fingerprint().bytes());
  }
  static uint64_t timestamp(const docs::SignedEntry& e) { return e.record().timestamp; }
  static std::strong_ordering value_cmp(const docs::SignedEntry& a, const docs::SignedEntry& b) {
    return docs::value_cmp(a.record(), b.record());
  }
  static void encode(const docs::SignedEntry& e, PostcardWriter& w) { e.encode(w); }
  // kProtocol on malformed input, including identifiers under 64 bytes.
  static Result<docs::SignedEntry> decode(PostcardReader& r) {
    return docs::SignedEntry::decode(r);
  }
};

static_assert(RangerItem<docs::SignedEntry>);

}  // namespace ferry::reconcile
