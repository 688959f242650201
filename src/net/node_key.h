// Node identity: an Ed25519 key pair whose public key is the node id
// (spec: ../shared/spec/iroh-0.35-wire.md §2, iroh-0.35-transport.md §2).
//
// NodeId is the 32-byte compressed Edwards point. It prints as 64 lowercase hex
// characters (iroh 0.35's Display) and parses from 64 hex or 52 base32
// characters. SecretKey is iroh's SecretKey: the 32-byte Ed25519 seed.
//
// Key arithmetic is crypto/ed25519.h's.
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

namespace ferry::net {

class NodeId {
 public:
  static constexpr size_t kSize = 32;

  constexpr NodeId() = default;
  explicit NodeId(const std::array<uint8_t, kSize>& bytes) : bytes_(bytes) {}

  // Decodes 32 bytes that must be a valid Ed25519 point (iroh rejects others).
  // Errors: kInvalidArgument on a wrong length or an invalid point.
  static Result<NodeId> from_bytes(ByteView data);
  // 64 hex or 52 base32 characters, case-insensitive. Errors: kInvalidArgument.
  static Result<NodeId> parse(std::string_view text);

  const std::array<uint8_t, kSize>& bytes() const { return bytes_; }
  ByteView view() const { return bytes_; }
  const uint8_t* data() const { return bytes_.data(); }

  std::string to_string() const;  // 64 lowercase hex characters
  std::string short_hex() const;  // first 5 bytes as hex (iroh's fmt_short)
  // The TLS server name iroh's client sends: RFC 4648 base32hex, lowercase,
  // no padding (52 characters), followed by ".iroh.invalid".
  std::string tls_server_name() const;

  auto operator<=>(const NodeId&) const = default;

 private:
  std::array<uint8_t, kSize> bytes_{};
};

// True if the 32 bytes decompress to a curve point (iroh's PublicKey check).
bool is_valid_ed25519_point(ByteView key);

class SecretKey {
 public:
  static constexpr size_t kSize = 32;

  // A fresh random key (libsodium's CSPRNG).
  static SecretKey generate();
  // From a 32-byte seed. Errors: kInvalidArgument on a wrong length.
  static Result<SecretKey> from_bytes(ByteView seed);

  const std::array<uint8_t, kSize>& seed() const { return seed_; }
  const NodeId& public_key() const { return public_; }
  // Ed25519 signature (64 bytes) over `message`.
  std::array<uint8_t, 64> sign(ByteView message) const;

 private:
  explicit SecretKey(const std::array<uint8_t, kSize>& seed);
  std::array<uint8_t, kSize> seed_{};
  NodeId public_;
};

}  // namespace ferry::net

template <>
struct std::hash<ferry::net::NodeId> {
  size_t operator()(const ferry::net::NodeId& id) const noexcept {
    size_t v;
    std::memcpy(&v, id.data(), sizeof(v));
    return v;
  }
};
