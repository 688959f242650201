#include "core/postcard.h"

namespace ferry {
namespace {

tl::unexpected<Error> truncated(const char* what) {
  return make_error(ErrorCode::kProtocol, std::string("truncated input reading ") + what);
}

}  // namespace

void PostcardWriter::varint(uint64_t v) {
  while (v >= 0x80) {
    u8(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  u8(static_cast<uint8_t>(v));
}

Result<uint8_t> PostcardReader::u8() {
  if (pos_ >= in_.size()) return truncated("u8");
  return in_[pos_++];
}

Result<bool> PostcardReader::boolean() {
  FERRY_ASSIGN(uint8_t b, u8());
  if (b > 1) return make_error(ErrorCode::kProtocol, "invalid bool byte");
  return b == 1;
}

// Mirrors postcard's try_take_varint: at most ceil(bits/7) bytes, and the
// last permitted byte may not carry bits beyond the type's width.
Result<uint64_t> PostcardReader::varint(int max_bytes, uint64_t max_value) {
  uint64_t out = 0;
  for (int i = 0; i < max_bytes; ++i) {
    if (pos_ >= in_.size()) return truncated("varint");
    uint8_t byte = in_[pos_++];
    out |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      if (i == max_bytes - 1) {
        // Bits that the last byte may legally carry.
        int used = 7 * i;
        int width = 64 - __builtin_clzll(max_value);
        uint64_t limit = (width - used) >= 7 ? 0x7f : ((1u << (width - used)) - 1);
        if (byte > limit) return make_error(ErrorCode::kProtocol, "varint overflows its type");
      }
      return out;
    }
  }
  return make_error(ErrorCode::kProtocol, "varint too long");
}

Result<uint64_t> PostcardReader::varint_u64() {
  return varint(10, UINT64_MAX);
}
Result<uint32_t> PostcardReader::varint_u32() {
  FERRY_ASSIGN(uint64_t v, varint(5, UINT32_MAX));
  return static_cast<uint32_t>(v);
}
Result<uint16_t> PostcardReader::varint_u16() {
  FERRY_ASSIGN(uint64_t v, varint(3, UINT16_MAX));
  return static_cast<uint16_t>(v);
}

Result<uint32_t> PostcardReader::variant(uint32_t count) {
  FERRY_ASSIGN(uint32_t v, varint_u32());
  if (v >= count) {
    return make_error(ErrorCode::kProtocol, "unknown enum variant " + std::to_string(v));
  }
  return v;
}

Result<bool> PostcardReader::option() {
  FERRY_ASSIGN(uint8_t tag, u8());
  if (tag > 1) return make_error(ErrorCode::kProtocol, "invalid option tag");
  return tag == 1;
}

Result<size_t> PostcardReader::seq_len(size_t min_element_size) {
  FERRY_ASSIGN(uint64_t n, varint_u64());
  if (min_element_size > 0 && n > remaining() / min_element_size) {
    return make_error(ErrorCode::kProtocol, "sequence length exceeds input");
  }
  return static_cast<size_t>(n);
}

Result<ByteView> PostcardReader::raw(size_t n) {
  if (n > remaining()) return truncated("bytes");
  ByteView out = in_.subspan(pos_, n);
  pos_ += n;
  return out;
}

Result<ByteView> PostcardReader::bytes(size_t max_len) {
  FERRY_ASSIGN(uint64_t n, varint_u64());
  if (n > max_len) {
    return make_error(
        ErrorCode::kResourceExhausted,
        "byte string of " + std::to_string(n) + " exceeds limit " + std::to_string(max_len));
  }
  if (n > remaining()) return truncated("byte string");
  return raw(static_cast<size_t>(n));
}

Result<std::string> PostcardReader::string(size_t max_len) {
  FERRY_ASSIGN(ByteView b, bytes(max_len));
  std::string s(as_string_view(b));
  if (!is_valid_utf8(s)) return make_error(ErrorCode::kProtocol, "string is not UTF-8");
  return s;
}

Status PostcardReader::expect_end() const {
  if (!at_end()) {
    return make_error(ErrorCode::kProtocol,
                      std::to_string(remaining()) + " trailing bytes after value");
  }
  return ok();
}

bool is_valid_utf8(std::string_view s) {
  size_t i = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  while (i < s.size()) {
    unsigned char c = p[i];
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else
      return false;
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += len;
  }
  return true;
}

}  // namespace ferry
