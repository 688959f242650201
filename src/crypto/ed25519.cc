#include "crypto/ed25519.h"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>

#include "core/encoding.h"

namespace ferry::crypto {
namespace {

// sodium_init is idempotent and thread-safe after the first call; a static
// local makes the first call happen once.
void ensure_sodium() {
  static const bool kReady = [] {
    if (sodium_init() < 0) std::abort();  // libsodium unusable: nothing can be signed
    return true;
  }();
  (void)kReady;
}

// l = 2^252 + 27742317777372353535851937790883648493, little-endian.
constexpr std::array<uint8_t, 32> kGroupOrder = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

// Encodings (sign bit cleared) whose y denotes a point of order 1, 2, 4 or 8:
// y = 0 (order 4), 1 (identity), p-1 (order 2), the two order-8 y values,
// and the non-canonical y = p (== 0) and y = p+1 (== 1).
constexpr std::array<std::array<uint8_t, 32>, 7> kSmallOrderY = {{
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
    {0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
     0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
     0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
    {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b,
     0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39,
     0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
    {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
}};

constexpr std::array<uint8_t, 32> kIdentity = {1};

}  // namespace

namespace ed25519_detail {

bool is_canonical_scalar(ByteView s32) {
  // Compare little-endian numbers from the most significant byte down.
  for (int i = 31; i >= 0; --i) {
    if (s32[i] < kGroupOrder[i]) return true;
    if (s32[i] > kGroupOrder[i]) return false;
  }
  return false;  // equal to l
}

bool is_canonical_point_encoding(ByteView p32) {
  // y >= p iff y's low 255 bits are in [2^255 - 19, 2^255 - 1]: byte 31 is
  // 0x7f (ignoring the sign bit), bytes 30..1 are 0xff and byte 0 >= 0xed.
  if ((p32[31] & 0x7f) != 0x7f) return true;
  for (int i = 30; i >= 1; --i) {
    if (p32[i] != 0xff) return true;
  }
  return p32[0] < 0xed;
}

bool decompresses(ByteView p32) {
  ensure_sodium();
  // crypto_core_ed25519_add decodes both operands and fails unless each is a
  // point on the curve; adding the identity changes nothing else.
  unsigned char out[32];
  return crypto_core_ed25519_add(out, p32.data(), kIdentity.data()) == 0;
}

bool is_small_order(ByteView p32) {
  std::array<uint8_t, 32> y;
  std::copy_n(p32.begin(), 32, y.begin());
  y[31] &= 0x7f;
  return std::find(kSmallOrderY.begin(), kSmallOrderY.end(), y) != kSmallOrderY.end();
}

}  // namespace ed25519_detail

PublicKey PublicKey::from_array_unchecked(const std::array<uint8_t, kSize>& bytes) {
  PublicKey k;
  k.bytes_ = bytes;
  return k;
}

Result<PublicKey> PublicKey::from_bytes(ByteView data) {
  if (data.size() != kSize) {
    return make_error(ErrorCode::kInvalidArgument, "public key must be 32 bytes");
  }
  if (!ed25519_detail::decompresses(data)) {
    return make_error(ErrorCode::kInvalidArgument, "public key is not a curve point");
  }
  PublicKey k;
  std::copy_n(data.begin(), kSize, k.bytes_.begin());
  return k;
}

Result<PublicKey> PublicKey::parse(std::string_view text) {
  auto bytes = decode_fixed_hex_or_base32<kSize>(text);
  if (!bytes) return tl::unexpected(bytes.error().with_context("invalid public key"));
  return from_bytes(*bytes);
}

std::string PublicKey::to_hex() const {
  return hex_encode(bytes_);
}
std::string PublicKey::short_hex() const {
  return to_hex().substr(0, 10);
}

Result<Signature> Signature::from_bytes(ByteView data) {
  if (data.size() != kSize) {
    return make_error(ErrorCode::kInvalidArgument, "signature must be 64 bytes");
  }
  std::array<uint8_t, kSize> b;
  std::copy_n(data.begin(), kSize, b.begin());
  return Signature(b);
}

std::string Signature::to_hex() const {
  return hex_encode(bytes_);
}

SecretKey SecretKey::from_seed(const std::array<uint8_t, kSize>& seed) {
  ensure_sodium();
  SecretKey k;
  k.seed_ = seed;
  std::array<uint8_t, 32> pk;
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_seed_keypair(pk.data(), sk, seed.data());
  sodium_memzero(sk, sizeof(sk));
  k.public_ = PublicKey::from_array_unchecked(pk);
  return k;
}

Result<SecretKey> SecretKey::from_bytes(ByteView data) {
  if (data.size() != kSize) {
    return make_error(ErrorCode::kInvalidArgument, "secret key must be 32 bytes");
  }
  std::array<uint8_t, kSize> seed;
  std::copy_n(data.begin(), kSize, seed.begin());
  return from_seed(seed);
}

Result<SecretKey> SecretKey::parse_hex(std::string_view text) {
  if (text.size() != 2 * kSize) {
    return make_error(ErrorCode::kInvalidArgument, "secret key must be 64 hex characters");
  }
  auto bytes = hex_decode(text);
  if (!bytes) return tl::unexpected(bytes.error().with_context("invalid secret key"));
  return from_bytes(*bytes);
}

SecretKey SecretKey::generate() {
  ensure_sodium();
  std::array<uint8_t, kSize> seed;
  randombytes_buf(seed.data(), seed.size());
  auto k = from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return k;
}

SecretKey SecretKey::generate(Prng& prng) {
  std::array<uint8_t, kSize> seed;
  for (size_t i = 0; i < kSize; i += 8) put_u64_le(seed.data() + i, prng.next());
  return from_seed(seed);
}

SecretKey::~SecretKey() {
  sodium_memzero(seed_.data(), seed_.size());
}

std::string SecretKey::to_hex() const {
  return hex_encode(seed_);
}

Signature SecretKey::sign(ByteView message) const {
  ensure_sodium();
  // libsodium's secret key is seed ‖ public key.
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  std::copy(seed_.begin(), seed_.end(), sk);
  std::copy(public_.bytes().begin(), public_.bytes().end(), sk + 32);
  std::array<uint8_t, Signature::kSize> sig;
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), sk);
  sodium_memzero(sk, sizeof(sk));
  return Signature(sig);
}

Status verify_strict(const PublicKey& key, ByteView message, const Signature& signature) {
  using namespace ed25519_detail;
  if (!is_canonical_scalar(signature.s())) {
    return make_error(ErrorCode::kCorrupt, "signature S is not canonical (S >= l)");
  }
  if (!is_canonical_point_encoding(key.view())) {
    return make_error(ErrorCode::kCorrupt, "public key encoding is not canonical");
  }
  if (is_small_order(key.view())) {
    return make_error(ErrorCode::kCorrupt, "public key has small order");
  }
  if (!is_canonical_point_encoding(signature.r())) {
    return make_error(ErrorCode::kCorrupt, "signature R encoding is not canonical");
  }
  if (is_small_order(signature.r())) {
    return make_error(ErrorCode::kCorrupt, "signature R has small order");
  }
  // A that does not decode to a curve point fails inside libsodium (any
  // version), so it is not decoded a second time here.
  ensure_sodium();
  if (crypto_sign_verify_detached(signature.bytes().data(), message.data(), message.size(),
                                  key.data()) != 0) {
    return make_error(ErrorCode::kCorrupt, "signature does not verify");
  }
  return ok();
}

}  // namespace ferry::crypto
