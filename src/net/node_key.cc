#include "net/node_key.h"

#include <sodium.h>

#include "core/encoding.h"
#include "crypto/ed25519.h"

namespace ferry::net {
namespace {

// Sodium must be initialised once before use; sodium_init is thread-safe and
// idempotent.
void ensure_sodium() {
  static const int kInit = sodium_init();
  (void)kInit;
}

}  // namespace

bool is_valid_ed25519_point(ByteView key) {
  return crypto::PublicKey::from_bytes(key).has_value();
}

Result<NodeId> NodeId::from_bytes(ByteView data) {
  if (data.size() != kSize) {
    return make_error(ErrorCode::kInvalidArgument, "node id must be 32 bytes");
  }
  if (!is_valid_ed25519_point(data)) {
    return make_error(ErrorCode::kInvalidArgument, "node id is not a valid Ed25519 point");
  }
  std::array<uint8_t, kSize> bytes{};
  std::memcpy(bytes.data(), data.data(), kSize);
  return NodeId(bytes);
}

Result<NodeId> NodeId::parse(std::string_view text) {
  FERRY_ASSIGN(auto bytes, decode_fixed_hex_or_base32<kSize>(text));
  return from_bytes(bytes);
}

std::string NodeId::to_string() const {
  return hex_encode(bytes_);
}

std::string NodeId::short_hex() const {
  return hex_encode(ByteView(bytes_).first(5));
}

std::string NodeId::tls_server_name() const {
  static constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuv";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (uint8_t b : bytes_) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 31]);
  out += ".iroh.invalid";
  return out;
}

SecretKey::SecretKey(const std::array<uint8_t, kSize>& seed) : seed_(seed) {
  public_ = NodeId(crypto::SecretKey::from_seed(seed_).public_key().bytes());
}

SecretKey SecretKey::generate() {
  ensure_sodium();
  std::array<uint8_t, kSize> seed{};
  randombytes_buf(seed.data(), seed.size());
  return SecretKey(seed);
}

Result<SecretKey> SecretKey::from_bytes(ByteView seed) {
  if (seed.size() != kSize) {
    return make_error(ErrorCode::kInvalidArgument, "secret key must be 32 bytes");
  }
  std::array<uint8_t, kSize> s{};
  std::memcpy(s.data(), seed.data(), kSize);
  return SecretKey(s);
}

std::array<uint8_t, 64> SecretKey::sign(ByteView message) const {
  return crypto::SecretKey::from_seed(seed_).sign(message).bytes();
}

}  // namespace ferry::net
