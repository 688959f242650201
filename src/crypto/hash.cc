#include "crypto/hash.h"

#include <algorithm>

#include "core/encoding.h"
#include "crypto/blake3.h"

namespace ferry::crypto {

Hash Hash::from_bytes(ByteView data) {
  std::array<uint8_t, kSize> b{};
  std::copy_n(data.begin(), kSize, b.begin());
  return Hash(b);
}

const Hash& Hash::empty() {
  static const Hash kEmpty = blake3({});
  return kEmpty;
}

Result<Hash> Hash::parse(std::string_view text) {
  auto bytes = decode_fixed_hex_or_base32<kSize>(text);
  if (!bytes) return tl::unexpected(bytes.error().with_context("invalid hash"));
  return Hash(*bytes);
}

std::string Hash::to_string() const {
  return base32_encode(bytes_);
}
std::string Hash::to_hex() const {
  return hex_encode(bytes_);
}
std::string Hash::short_hex() const {
  return to_hex().substr(0, 10);
}

Hash Blake3::finalize() const {
  std::array<uint8_t, Hash::kSize> out;
  blake3_hasher_finalize(&state_, out.data(), out.size());
  return Hash(out);
}

Hash blake3(ByteView data) {
  Blake3 h;
  h.update(data);
  return h.finalize();
}

}  // namespace ferry::crypto
