#pragma once

#include <algorithm>
#include <array>

namespace ferry {

template <size_t N>
Result<std::array<uint8_t, N>> decode_fixed_hex_or_base32(std::string_view text) {
  Result<Bytes> decoded = make_error(ErrorCode::kInvalidArgument, "");
  if (text.size() == 2 * N) {
    decoded = hex_decode(text);
  } else if (text.size() == (8 * N + 4) / 5) {
    decoded = base32_decode(text);
  } else {
    return make_error(ErrorCode::kInvalidArgument,
                      "expected " + std::to_string(2 * N) + " hex or " +
                          std::to_string((8 * N + 4) / 5) + " base32 characters, got " +
                          std::to_string(text.size()));
  }
  if (!decoded) return tl::unexpected(decoded.error());
  std::array<uint8_t, N> out{};
  std::copy(decoded->begin(), decoded->end(), out.begin());
  return out;
}

}  // namespace ferry
