// WireEntry: an iroh 0.35 SignedEntry at the wire level, the item type the
// /iroh-sync/1 session reconciles (spec §3.3).
//
// Postcard layout:
//   author_signature[64] ‖ namespace_signature[64] ‖ varint(64+klen) ‖
//   namespace[32] ‖ author[32] ‖ key ‖ varint(len) ‖ hash[32] ‖ varint(ts)
// Decoding checks structure only (an id shorter than 64 bytes is kProtocol:
// Ferry ends the sync, see §4.6). Signatures, timestamp bounds and key size
// limits are checked by the docs layer through the ranger's validate hook;
// `signed_bytes()` gives the exact message both signatures cover.
#pragma once

#include <array>
#include <compare>
#include <cstdint>

#include "core/bytes.h"
#include "core/postcard.h"
#include "crypto/hash.h"
#include "ferry/result.h"
#include "reconcile/fingerprint.h"
#include "reconcile/item.h"

namespace ferry::reconcile {

struct WireEntry {
  std::array<uint8_t, 64> author_signature{};
  std::array<uint8_t, 64> namespace_signature{};
  Bytes id;  // namespace ‖ author ‖ key; at least 64 bytes
  uint64_t len = 0;
  crypto::Hash hash;
  uint64_t timestamp = 0;  // µs since the Unix epoch

  ByteView namespace_id() const { return ByteView(id).subspan(0, kNamespaceSize); }
  ByteView author_id() const { return ByteView(id).subspan(kNamespaceSize, kAuthorSize); }
  ByteView key() const { return ByteView(id).subspan(kMinIdSize); }

  // namespace ‖ author ‖ key ‖ len BE[8] ‖ hash ‖ timestamp BE[8] (§3.3).
  Bytes signed_bytes() const;
  // BLAKE3(namespace ‖ author ‖ key ‖ timestamp BE ‖ hash) (§4.1).
  Fingerprint fingerprint() const;

  void encode(PostcardWriter& w) const;
  // Errors: kProtocol (truncated, malformed, id under 64 bytes).
  static Result<WireEntry> decode(PostcardReader& r);

  bool operator==(const WireEntry&) const = default;
};

// Decodes a RecordIdentifier (varint length ‖ bytes). Errors: kProtocol if
// shorter than 64 bytes or truncated.
Result<Bytes> decode_record_id(PostcardReader& r);

template <>
struct ItemTraits<WireEntry> {
  static ByteView id(const WireEntry& e) { return e.id; }
  static Fingerprint fingerprint(const WireEntry& e) { return e.fingerprint(); }
  static uint64_t timestamp(const WireEntry& e) { return e.timestamp; }
  static std::strong_ordering value_cmp(const WireEntry& a, const WireEntry& b) {
    if (auto c = a.timestamp <=> b.timestamp; c != 0) return c;
    return a.hash <=> b.hash;
  }
  static void encode(const WireEntry& e, PostcardWriter& w) { e.encode(w); }
  static Result<WireEntry> decode(PostcardReader& r) { return WireEntry::decode(r); }
};

}  // namespace ferry::reconcile
