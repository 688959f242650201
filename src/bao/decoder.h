// ResponseDecoder: sans-IO verifying decoder of one blob's response
// (spec ../shared/spec/iroh-0.35-wire.md §7.2-§7.3, "Getter verification").
//
// Fed byte slices of any size (1 byte at a time works), it reports through a
// handler, in stream order:
//   SizeReceived   the 8-byte size header (claimed by the peer; it is proven
//                  only together with the last chunk, see below);
//   ParentVerified a pair whose parent CV matched what was expected (root
//                  hash at the top), with its node and, for stored nodes
//                  (> 16 chunks), its pre-order index in the outboard;
//   LeafVerified   data bytes whose CV matched — never before: a whole
//                  group, or, inside a partially requested group, each fully
//                  selected sub-node (one or more chunks) as one piece;
//   Done           the blob's response is complete.
// It stops at the first bad item (a 64-byte pair or a piece of data):
// kCorrupt for a hash mismatch (parent or leaf); nothing of that item is
// reported. Premature end of input is reported by finish() (kNotFound if the
// blob's stream is empty, else kProtocol). Memory: at most one group
// (16 KiB) buffered plus O(tree depth). No allocation depends on the claimed
// size. With empty `ranges` the stream is just the size header.
//
// The size header is not authenticated on its own: a wrong size changes the
// tree shape, chunk counters or root flags, so verification fails where it
// matters. Only the chunks received, and the path to them, are proven; the
// size is proven once the blob's last chunk is verified (last_chunk_verified).
//
// Multi-blob responses (HashSeq): decoders compose. feed() consumes input only
// up to the end of this blob and returns how many bytes it used; the caller
// then starts a new decoder for the next blob with that blob's hash and
// ranges (see RangeSpecSeq::next_non_empty) and feeds it the rest;
// SequenceDecoder (sequence_decoder.h) does exactly that.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <variant>
#include <vector>

#include "bao/chunk_ranges.h"
#include "bao/tree.h"
#include "core/bytes.h"
#include "crypto/hash.h"
#include "ferry/result.h"

namespace ferry::bao {

struct SizeReceived {
  uint64_t size;
};
struct ParentVerified {
  Node node;
  // Pre-order index in the outboard if node.is_stored(); pairs inside a
  // chunk group are verified too but are not part of the outboard.
  std::optional<uint64_t> pair_index;
  crypto::Hash left;
  crypto::Hash right;
};
struct LeafVerified {
  uint64_t offset;  // byte offset in the blob
  ByteView data;    // valid only during the handler call
};
struct Done {};

using DecodeEvent = std::variant<SizeReceived, ParentVerified, LeafVerified, Done>;
// Returning an error aborts the decoder with that error.
using DecodeHandler = std::function<Status(const DecodeEvent&)>;

class ResponseDecoder {
 public:
  // Decodes blob `root` for `ranges` (the same ranges the request asked for;
  // they are normalized once the size is known).
  ResponseDecoder(const crypto::Hash& root, const ChunkRanges& ranges);

  // Consumes a prefix of `input` (all of it unless the blob ends inside it),
  // calling `handler` for each event. Returns the number of bytes consumed.
  // Errors: kCorrupt, kProtocol, or the handler's error. After an error,
  // every call returns the same error.
  [[nodiscard]] Result<size_t> feed(ByteView input, const DecodeHandler& handler);

  // Call at end of input. OK if done(); kNotFound if no byte of this blob
  // arrived (iroh's provider sends nothing for a blob it lacks); else
  // kProtocol ("stream ended early: missing parent/leaf ...").
  [[nodiscard]] Status finish() const;

  bool done() const { return done_; }
  // The size header, once received.
  std::optional<uint64_t> size() const { return size_; }
  // True once the blob's last chunk was verified (which proves the size).
  bool last_chunk_verified() const { return last_verified_; }
  // Bytes consumed so far.
  uint64_t consumed() const { return consumed_; }

  // Checks internal consistency (tests call it after every step): kInternal
  // describing the first violated invariant.
  [[nodiscard]] Status check_invariants() const;

 private:
  struct Item {
    Node node;
    crypto::Hash expected;
    bool is_root = false;
    uint64_t pair_index = 0;  // if node.is_stored()
  };
  [[nodiscard]] Status start(uint64_t size, const DecodeHandler& handler);
  [[nodiscard]] Status process(const uint8_t* bytes, const DecodeHandler& handler);
  // Pops the next item to read into cur_ (sets expect_len_), or finishes.
  [[nodiscard]] Status plan_next(const DecodeHandler& handler);
  [[nodiscard]] Status fail(Error e);

  crypto::Hash root_;
  ChunkRanges requested_;
  ChunkRanges ranges_;  // normalized once the size is known
  std::optional<uint64_t> size_;
  std::optional<BaoTree> tree_;
  std::vector<Item> stack_;  // pre-order work stack, next item on top
  Item cur_{};               // the item being read
  bool cur_is_pair_ = false;
  size_t expect_len_ = 0;  // bytes of the current item (or the header)
  Bytes buf_;              // partial item
  bool done_ = false;
  bool last_verified_ = false;
  uint64_t consumed_ = 0;
  std::optional<Error> error_;
};

// Decodes a complete single-blob response held in memory and returns the
// data of the verified ranges concatenated in order (with ranges=all: the
// blob). Errors as feed/finish, plus kProtocol if bytes remain after the
// blob.
[[nodiscard]] Result<Bytes> decode_response(const crypto::Hash& root, const ChunkRanges& ranges,
                                            ByteView response);

}  // namespace ferry::bao
