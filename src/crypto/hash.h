// Hash: a 32-byte BLAKE3 hash, the content address of a blob.
// Displays as 52 lowercase base32 characters (iroh's form); parses from that
// or from 64 hex characters (spec §2).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "ferry/result.h"

namespace ferry::crypto {

class Hash {
 public:
  static constexpr size_t kSize = 32;

  constexpr Hash() = default;
  explicit Hash(const std::array<uint8_t, kSize>& bytes) : bytes_(bytes) {}
  // Requires: data.size() == 32.
  static Hash from_bytes(ByteView data);

  // BLAKE3 of the empty input: af1349b9…3262.
  static const Hash& empty();

  // 52-char base32 or 64-char hex. Errors: kInvalidArgument.
  static Result<Hash> parse(std::string_view text);

  const std::array<uint8_t, kSize>& bytes() const { return bytes_; }
  ByteView view() const { return bytes_; }
  const uint8_t* data() const { return bytes_.data(); }

  std::string to_string() const;  // base32, 52 chars
  std::string to_hex() const;     // 64 chars
  std::string short_hex() const;  // first 10 hex chars, for logs

  auto operator<=>(const Hash&) const = default;

 private:
  std::array<uint8_t, kSize> bytes_{};
};

}  // namespace ferry::crypto

template <>
struct std::hash<ferry::crypto::Hash> {
  size_t operator()(const ferry::crypto::Hash& h) const noexcept {
    size_t v;
    static_assert(sizeof(v) <= ferry::crypto::Hash::kSize);
    std::memcpy(&v, h.data(), sizeof(v));
    return v;
  }
};
