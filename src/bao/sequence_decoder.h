// SequenceDecoder: decodes a whole /iroh-bytes/4 response for a GetRequest
// whose RangeSpecSeq may cover HashSeq children (spec §7.2): the blobs with
// non-empty ranges, in increasing offset, each as one ResponseDecoder.
//
// Offset 0 is the requested hash. Offset i >= 1 is the blob whose hash is
// HashSeq entry i-1 of the root. The children's hashes come either from the
// caller (set_children) or, if the request covers the whole root and the
// caller has not set them, from the root's verified data, which the decoder
// then keeps (bounded by Options::max_hash_seq_bytes). The response ends when
// the spec has no further non-empty offset, or when the HashSeq has no entry
// for it (the provider stops there too).
//
// Sans-IO like ResponseDecoder: feed() slices of any size; handler gets
// (offset, event) with the same lifetime rules.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "bao/decoder.h"
#include "bao/range_spec.h"
#include "crypto/hash.h"
#include "ferry/result.h"

namespace ferry::bao {

class SequenceDecoder {
 public:
  struct Options {
    // Largest root blob kept to learn the children's hashes (2 Mi children).
    uint64_t max_hash_seq_bytes = 64ull << 20;
  };
  using Handler = std::function<Status(uint64_t offset, const DecodeEvent&)>;

  SequenceDecoder(const crypto::Hash& root, RangeSpecSeq ranges, Options options);
  SequenceDecoder(const crypto::Hash& root, RangeSpecSeq ranges)
      : SequenceDecoder(root, std::move(ranges), Options{}) {}

  // The children's hashes (HashSeq entries), if the caller knows them.
  void set_children(std::vector<crypto::Hash> children) { children_ = std::move(children); }

  // Consumes a prefix of `input` (all of it unless the response ends inside
  // it). Errors: those of ResponseDecoder; kCorrupt if the root is not a
  // valid HashSeq (length not a multiple of 32); kResourceExhausted if it is
  // larger than max_hash_seq_bytes; kInvalidArgument if a child hash is
  // needed but unknown (the request did not cover the whole root and
  // set_children was not called). Errors are sticky.
  [[nodiscard]] Result<size_t> feed(ByteView input, const Handler& handler);

  // Call at end of input: OK if the whole response was received.
  [[nodiscard]] Status finish() const;

  bool done() const { return done_; }
  // The offset being decoded (or next), and its decoder's progress.
  uint64_t offset() const { return offset_; }
  // The children's hashes, once known.
  const std::optional<std::vector<crypto::Hash>>& children() const { return children_; }

 private:
  [[nodiscard]] Status advance(uint64_t from);  // start the next blob >= from
  tl::unexpected<Error> fail(Error e);          // records e (sticky) and returns it

  crypto::Hash root_;
  RangeSpecSeq ranges_;
  Options options_;
  std::optional<std::vector<crypto::Hash>> children_;
  bool started_ = false;
  bool collect_root_ = false;
  Bytes root_data_;
  uint64_t offset_ = 0;
  std::optional<ResponseDecoder> current_;
  bool done_ = false;
  std::optional<Error> error_;
};

}  // namespace ferry::bao
