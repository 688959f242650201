// Postcard 1.x encoding, the serialization iroh uses on the wire
// (spec: ../shared/spec/iroh-0.35-wire.md §1).
//
// PostcardWriter appends to a byte vector. PostcardReader decodes from a byte
// view, bounds-checked: every read returns kProtocol on truncated input,
// varints longer than their type allows, invalid bools/option tags, or
// lengths that exceed the remaining input. Like postcard::from_bytes, the
// reader ignores trailing bytes unless the caller calls expect_end().
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "ferry/result.h"

namespace ferry {

class PostcardWriter {
 public:
  PostcardWriter() = default;
  explicit PostcardWriter(Bytes& out) : out_(&out) {}
  PostcardWriter(const PostcardWriter&) = delete;
  PostcardWriter& operator=(const PostcardWriter&) = delete;

  void u8(uint8_t v) { buf().push_back(v); }
  void boolean(bool v) { u8(v ? 1 : 0); }
  void varint(uint64_t v);
  // Raw bytes with no length (fixed arrays, hashes, keys).
  void raw(ByteView data) { append(buf(), data); }
  // Length-prefixed bytes (Vec<u8>, Bytes, String).
  void bytes(ByteView data) {
    varint(data.size());
    raw(data);
  }
  void string(std::string_view s) { bytes(as_bytes(s)); }
  void option_none() { u8(0); }
  void option_some() { u8(1); }
  // Enum variant index; the payload follows.
  void variant(uint32_t index) { varint(index); }
  // Vec/SmallVec/BTreeSet element count; the elements follow.
  void seq_len(size_t n) { varint(n); }

  // The bytes written so far (when constructed without an external buffer).
  const Bytes& data() const { return *out_; }
  Bytes take() { return std::move(*out_); }

 private:
  Bytes& buf() { return *out_; }
  Bytes own_;
  Bytes* out_ = &own_;
};

class PostcardReader {
 public:
  explicit PostcardReader(ByteView input) : in_(input) {}

  Result<uint8_t> u8();
  Result<bool> boolean();
  Result<uint64_t> varint_u64();
  Result<uint32_t> varint_u32();
  Result<uint16_t> varint_u16();
  // Variant index of an enum with `count` variants; kProtocol if out of range.
  Result<uint32_t> variant(uint32_t count);
  // Returns whether an Option is Some.
  Result<bool> option();
  // Sequence length, checked against the remaining input assuming each
  // element takes at least `min_element_size` bytes (so a hostile count
  // cannot make the caller reserve unbounded memory).
  Result<size_t> seq_len(size_t min_element_size = 1);
  // N raw bytes.
  Result<ByteView> raw(size_t n);
  template <size_t N>
  Result<std::array<uint8_t, N>> array() {
    auto r = raw(N);
    if (!r) return tl::unexpected(r.error());
    std::array<uint8_t, N> out{};
    std::copy(r->begin(), r->end(), out.begin());
    return out;
  }
  // Length-prefixed bytes; `max_len` bounds the length (kResourceExhausted).
  Result<ByteView> bytes(size_t max_len = SIZE_MAX);
  // Length-prefixed UTF-8 string (validated).
  Result<std::string> string(size_t max_len = SIZE_MAX);

  size_t remaining() const { return in_.size() - pos_; }
  size_t position() const { return pos_; }
  bool at_end() const { return pos_ == in_.size(); }
  ByteView rest() const { return in_.subspan(pos_); }
  // kProtocol if any input is left (for framed messages that must be exact).
  Status expect_end() const;

 private:
  Result<uint64_t> varint(int max_bytes, uint64_t max_value);
  ByteView in_;
  size_t pos_ = 0;
};

// True if `s` is well-formed UTF-8 (as Rust's String requires).
bool is_valid_utf8(std::string_view s);

}  // namespace ferry
