// Fingerprint: the 32-byte summary of a set of entries used by the ranger
// (spec: ../shared/spec/iroh-0.35-wire.md §4.1).
//
// The fingerprint of a set is BLAKE3("") XOR the fingerprints of its members,
// so the empty set has fingerprint Fingerprint::empty() (not zero) and sets
// can be combined or split with XOR. Stores keep the plain XOR of members
// (starting from zero) as an aggregate and finish with `of_xor()`.
#pragma once

#include <array>
#include <compare>
#include <cstdint>

#include "core/bytes.h"

namespace ferry::reconcile {

class Fingerprint {
 public:
  static constexpr size_t kSize = 32;

  constexpr Fingerprint() = default;
  explicit constexpr Fingerprint(const std::array<uint8_t, kSize>& b) : bytes_(b) {}

  // BLAKE3(""): the fingerprint of the empty set.
  static const Fingerprint& empty();
  // All zero bytes: the neutral element of XOR (not a set fingerprint).
  static constexpr Fingerprint zero() { return Fingerprint(); }
  // The set fingerprint whose members XOR to `member_xor`.
  static Fingerprint of_xor(const Fingerprint& member_xor) { return member_xor ^ empty(); }

  Fingerprint& operator^=(const Fingerprint& o) {
    for (size_t i = 0; i < kSize; ++i) bytes_[i] ^= o.bytes_[i];
    return *this;
  }
  friend Fingerprint operator^(Fingerprint a, const Fingerprint& b) { return a ^= b; }
  auto operator<=>(const Fingerprint&) const = default;

  const std::array<uint8_t, kSize>& bytes() const { return bytes_; }
  ByteView view() const { return bytes_; }

 private:
  std::array<uint8_t, kSize> bytes_{};
};

}  // namespace ferry::reconcile
