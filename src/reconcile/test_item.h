// TestItem: a minimal entry type for ranger and store tests, showing that
// the reconcile core is generic over the entry representation.
// Encoding: bytes(id) ‖ varint(ts) ‖ u8(v). Value order: ts, then v.
#pragma once

#include "crypto/blake3.h"
#include "reconcile/item.h"

namespace ferry::reconcile {

struct TestItem {
  Bytes id;
  uint64_t ts = 0;
  uint8_t v = 0;
  bool operator==(const TestItem&) const = default;
};

template <>
struct ItemTraits<TestItem> {
  static ByteView id(const TestItem& e) { return e.id; }
  static Fingerprint fingerprint(const TestItem& e) {
    crypto::Blake3 h;
    h.update(e.id);
    uint8_t b[9];
    put_u64_be(b, e.ts);
    b[8] = e.v;
    h.update(ByteView(b, 9));
    return Fingerprint(h.finalize().bytes());
  }
  static uint64_t timestamp(const TestItem& e) { return e.ts; }
  static std::strong_ordering value_cmp(const TestItem& a, const TestItem& b) {
    if (auto c = a.ts <=> b.ts; c != 0) return c;
    return a.v <=> b.v;
  }
  static void encode(const TestItem& e, PostcardWriter& w) {
    w.bytes(e.id);
    w.varint(e.ts);
    w.u8(e.v);
  }
  static Result<TestItem> decode(PostcardReader& r) {
    TestItem e;
    FERRY_ASSIGN(ByteView id, r.bytes());
    e.id.assign(id.begin(), id.end());
    FERRY_ASSIGN(e.ts, r.varint_u64());
    FERRY_ASSIGN(e.v, r.u8());
    return e;
  }
};

// An id in namespace `ns` (one byte repeated) for author `author`, key `key`.
inline Bytes test_id(uint8_t ns, uint8_t author, ByteView key) {
  Bytes id(kNamespaceSize, ns);
  id.resize(kMinIdSize, author);
  append(id, key);
  return id;
}

}  // namespace ferry::reconcile
