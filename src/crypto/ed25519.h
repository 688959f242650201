// Ed25519 keys, signing and strict verification (RFC 8032 on libsodium).
//
// Verification follows ed25519-dalek's `verify_strict`, which iroh uses for
// every signature (spec iroh-0.35-wire.md §2): it rejects a non-canonical S
// (S >= l), a small-order public key A or nonce R, and non-canonical
// encodings of A or R (y >= p). These checks are made explicitly here, before
// libsodium's own verification, so the result does not depend on the
// libsodium version.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/prng.h"
#include "ferry/result.h"

namespace ferry::crypto {

// A 32-byte compressed Edwards point. A PublicKey built by from_bytes/parse
// always decompresses to a point on the curve (as iroh's PublicKey decode
// requires); from_array_unchecked makes no such promise.
class PublicKey {
 public:
  static constexpr size_t kSize = 32;

  constexpr PublicKey() = default;
  // No validation: for ids that iroh stores without checking (NamespaceId,
  // AuthorId on the wire). verify_strict still rejects invalid points.
  static PublicKey from_array_unchecked(const std::array<uint8_t, kSize>& bytes);
  // Errors: kInvalidArgument if the size is not 32 or the bytes do not
  // decompress to a curve point.
  static Result<PublicKey> from_bytes(ByteView data);
  // 64 hex or 52 base32 characters, then point validation. kInvalidArgument.
  static Result<PublicKey> parse(std::string_view text);

  const std::array<uint8_t, kSize>& bytes() const { return bytes_; }
  ByteView view() const { return bytes_; }
  const uint8_t* data() const { return bytes_.data(); }

  std::string to_hex() const;     // 64 lowercase hex
  std::string short_hex() const;  // first 10 hex characters

  auto operator<=>(const PublicKey&) const = default;

 private:
  std::array<uint8_t, kSize> bytes_{};
};

// R (32) ‖ S (32).
class Signature {
 public:
  static constexpr size_t kSize = 64;

  constexpr Signature() = default;
  explicit Signature(const std::array<uint8_t, kSize>& bytes) : bytes_(bytes) {}
  // Errors: kInvalidArgument if data.size() != 64. No other checks (those
  // happen in verify_strict, like dalek's Signature::from_bytes).
  static Result<Signature> from_bytes(ByteView data);

  const std::array<uint8_t, kSize>& bytes() const { return bytes_; }
  ByteView view() const { return bytes_; }
  ByteView r() const { return ByteView(bytes_).first(32); }
  ByteView s() const { return ByteView(bytes_).last(32); }
  std::string to_hex() const;

  auto operator<=>(const Signature&) const = default;

 private:
  std::array<uint8_t, kSize> bytes_{};
};

// An Ed25519 signing key: the 32-byte RFC 8032 seed plus its public key.
class SecretKey {
 public:
  static constexpr size_t kSize = 32;

  // From a seed (any 32 bytes are a valid seed).
  static SecretKey from_seed(const std::array<uint8_t, kSize>& seed);
  // Errors: kInvalidArgument if data.size() != 32.
  static Result<SecretKey> from_bytes(ByteView data);
  // 64 hex characters. Errors: kInvalidArgument.
  static Result<SecretKey> parse_hex(std::string_view text);
  // Fresh key from the OS CSPRNG (libsodium randombytes).
  static SecretKey generate();
  // Deterministic key from a seeded PRNG: for tests and simulations only.
  static SecretKey generate(Prng& prng);

  SecretKey(const SecretKey&) = default;
  SecretKey& operator=(const SecretKey&) = default;
  ~SecretKey();

  const std::array<uint8_t, kSize>& seed() const { return seed_; }
  const PublicKey& public_key() const { return public_; }
  std::string to_hex() const;  // hex of the seed

  // Plain Ed25519 (no prehash, no context).
  Signature sign(ByteView message) const;

  bool operator==(const SecretKey& o) const { return seed_ == o.seed_; }

 private:
  SecretKey() = default;
  std::array<uint8_t, kSize> seed_{};
  PublicKey public_;
};

// ed25519-dalek verify_strict. Errors: kCorrupt with the reason (non-canonical
// S, small-order or non-canonical A/R, invalid point, bad signature).
Status verify_strict(const PublicKey& key, ByteView message, const Signature& signature);

// Building blocks of verify_strict, exposed for tests.
namespace ed25519_detail {
// S < l (the group order), S given little-endian.
bool is_canonical_scalar(ByteView s32);
// The y coordinate (low 255 bits, little-endian) is < p = 2^255 - 19.
bool is_canonical_point_encoding(ByteView p32);
// The encoding decompresses to a point on the curve (canonical or not).
bool decompresses(ByteView p32);
// The encoding denotes one of the 8 points of order dividing 8 (any
// encoding of them, canonical or not, either sign bit).
bool is_small_order(ByteView p32);
}  // namespace ed25519_detail

}  // namespace ferry::crypto

template <>
struct std::hash<ferry::crypto::PublicKey> {
  size_t operator()(const ferry::crypto::PublicKey& k) const noexcept {
    size_t v;
    std::memcpy(&v, k.data(), sizeof(v));
    return v;
  }
};
