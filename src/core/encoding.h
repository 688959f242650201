// Text encodings of binary values: lowercase hex and RFC 4648 base32
// (lowercase, no padding) as iroh prints hashes, node ids and tickets.
#pragma once

#include <string>
#include <string_view>

#include "core/bytes.h"
#include "ferry/result.h"

namespace ferry {

std::string hex_encode(ByteView data);
// Accepts upper- or lower-case digits. Errors: kInvalidArgument on odd
// length or a non-hex character.
Result<Bytes> hex_decode(std::string_view text);

// RFC 4648 alphabet, lowercased, without '=' padding.
std::string base32_encode(ByteView data);
// Case-insensitive; rejects padding, characters outside the alphabet and
// non-zero trailing bits (a non-canonical encoding). Errors: kInvalidArgument.
Result<Bytes> base32_decode(std::string_view text);

// Decodes exactly N bytes from hex (2N chars) or base32 (ceil(8N/5) chars),
// as iroh's FromStr for Hash and NodeId does. Errors: kInvalidArgument.
template <size_t N>
Result<std::array<uint8_t, N>> decode_fixed_hex_or_base32(std::string_view text);

}  // namespace ferry

#include "core/encoding_inl.h"
