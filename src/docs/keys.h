// Document and author keys (spec iroh-0.35-wire.md §2).
//
// A document (replica) is identified by a NamespaceId, the Ed25519 public key
// of its NamespaceSecret; holding the secret is the write capability, holding
// only the id is the read capability. Authors sign entries with an Author key
// (AuthorId = public key); authors are independent of nodes.
//
// String forms: 64 lowercase hex characters for all four types (a secret
// prints the hex of its seed). Parsing accepts hex only; the public types must
// decompress to a valid curve point. On the wire (postcard) NamespaceId and
// AuthorId are 32 raw bytes, NOT validated on decode (as in iroh).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/bytes.h"
#include "core/postcard.h"
#include "core/prng.h"
#include "crypto/ed25519.h"
#include "ferry/result.h"

namespace ferry::docs {

// 32-byte public id with the docs string forms; Tag distinguishes the types.
template <typename Tag>
class PublicId {
 public:
  static constexpr size_t kSize = 32;

  constexpr PublicId() = default;
  explicit PublicId(const std::array<uint8_t, kSize>& b) : bytes_(b) {}
  // No validation (wire decode). Requires: data.size() == 32.
  static PublicId from_bytes(ByteView data) {
    PublicId id;
    std::memcpy(id.bytes_.data(), data.data(), kSize);
    return id;
  }
  // 64 hex characters that decompress to a curve point. kInvalidArgument.
  static Result<PublicId> parse(std::string_view text);

  const std::array<uint8_t, kSize>& bytes() const { return bytes_; }
  ByteView view() const { return bytes_; }
  crypto::PublicKey public_key() const { return crypto::PublicKey::from_array_unchecked(bytes_); }
  std::string to_string() const;  // 64 hex
  std::string fmt_short() const;  // first 10 hex characters

  auto operator<=>(const PublicId&) const = default;

 private:
  std::array<uint8_t, kSize> bytes_{};
};

struct NamespaceTag {};
struct AuthorTag {};
using NamespaceId = PublicId<NamespaceTag>;
using AuthorId = PublicId<AuthorTag>;

// An Ed25519 signing key whose public key is an Id.
template <typename Id>
class SigningKey {
 public:
  static SigningKey from_seed(const std::array<uint8_t, 32>& seed) {
    return SigningKey(crypto::SecretKey::from_seed(seed));
  }
  // 64 hex characters (the seed). kInvalidArgument.
  static Result<SigningKey> parse(std::string_view text) {
    auto k = crypto::SecretKey::parse_hex(text);
    if (!k) return tl::unexpected(k.error());
    return SigningKey(*k);
  }
  static SigningKey generate() { return SigningKey(crypto::SecretKey::generate()); }
  static SigningKey generate(Prng& prng) { return SigningKey(crypto::SecretKey::generate(prng)); }

  Id id() const { return Id(key_.public_key().bytes()); }
  const std::array<uint8_t, 32>& seed() const { return key_.seed(); }
  std::string to_string() const { return key_.to_hex(); }
  crypto::Signature sign(ByteView message) const { return key_.sign(message); }
  bool operator==(const SigningKey& o) const { return key_ == o.key_; }

 private:
  explicit SigningKey(crypto::SecretKey k) : key_(std::move(k)) {}
  crypto::SecretKey key_;
};

using NamespaceSecret = SigningKey<NamespaceId>;
using Author = SigningKey<AuthorId>;

// Kind stored per document; the u8 values are iroh's store values (1, 2),
// NOT the Capability serde indices (Write=0, Read=1).
enum class CapabilityKind : uint8_t { kWrite = 1, kRead = 2 };

// Write(NamespaceSecret) or Read(NamespaceId).
class Capability {
 public:
  explicit Capability(NamespaceSecret secret) : v_(std::move(secret)) {}
  explicit Capability(NamespaceId id) : v_(id) {}

  CapabilityKind kind() const {
    return std::holds_alternative<NamespaceSecret>(v_) ? CapabilityKind::kWrite
                                                       : CapabilityKind::kRead;
  }
  NamespaceId id() const;
  // The secret of a write capability, nullptr for read.
  const NamespaceSecret* secret() const { return std::get_if<NamespaceSecret>(&v_); }

  // Combines two capabilities of the same namespace, keeping the stronger
  // (write wins). kInvalidArgument if the namespaces differ.
  Status merge(const Capability& other);

  // Postcard as in DocTicket: 00 ‖ 20 ‖ seed[32] (Write) or 01 ‖ id[32] (Read).
  void encode(PostcardWriter& w) const;
  // kProtocol on malformed input (bad tag, seed length != 32, truncation).
  static Result<Capability> decode(PostcardReader& r);

  bool operator==(const Capability& o) const { return v_ == o.v_; }

 private:
  std::variant<NamespaceSecret, NamespaceId> v_;
};

}  // namespace ferry::docs

template <typename Tag>
struct std::hash<ferry::docs::PublicId<Tag>> {
  size_t operator()(const ferry::docs::PublicId<Tag>& id) const noexcept {
    size_t v;
    std::memcpy(&v, id.bytes().data(), sizeof(v));
    return v;
  }
};
