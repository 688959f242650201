// What the ranger needs from an entry type, as a traits class, so the ranger
// and the stores work for any entry representation (a test item, the wire
// level WireEntry, docs::SignedEntry) without the entry type knowing about
// reconciliation.
//
// Specialize ItemTraits<T> with:
//   static ByteView id(const T&);                 RecordIdentifier bytes
//                                                 (namespace ‖ author ‖ key)
//   static Fingerprint fingerprint(const T&);     entry fingerprint (§4.1)
//   static uint64_t timestamp(const T&);          µs, for heads_received
//   static std::strong_ordering value_cmp(const T&, const T&);
//                                                 value order: timestamp, then
//                                                 content hash (§3.2)
//   static void encode(const T&, PostcardWriter&);
//   static Result<T> decode(PostcardReader&);     kProtocol on malformed input,
//                                                 including ids under 64 bytes
#pragma once

#include <compare>
#include <concepts>
#include <cstdint>

#include "core/bytes.h"
#include "core/postcard.h"
#include "ferry/result.h"
#include "reconcile/fingerprint.h"

namespace ferry::reconcile {

// A RecordIdentifier is namespace(32) ‖ author(32) ‖ key.
inline constexpr size_t kNamespaceSize = 32;
inline constexpr size_t kAuthorSize = 32;
inline constexpr size_t kMinIdSize = kNamespaceSize + kAuthorSize;

template <typename T>
struct ItemTraits;  // specialize per entry type

template <typename T>
concept RangerItem = requires(const T& a, const T& b, PostcardWriter& w, PostcardReader& r) {
  { ItemTraits<T>::id(a) } -> std::convertible_to<ByteView>;
  { ItemTraits<T>::fingerprint(a) } -> std::same_as<Fingerprint>;
  { ItemTraits<T>::timestamp(a) } -> std::convertible_to<uint64_t>;
  { ItemTraits<T>::value_cmp(a, b) } -> std::same_as<std::strong_ordering>;
  ItemTraits<T>::encode(a, w);
  { ItemTraits<T>::decode(r) } -> std::same_as<Result<T>>;
};

// The sender's local blob status for an entry's content hash (§4.3).
enum class ContentStatus : uint8_t { kComplete = 0, kIncomplete = 1, kMissing = 2 };
inline constexpr uint32_t kContentStatusCount = 3;

}  // namespace ferry::reconcile
