#include "bao/sequence_decoder.h"

namespace ferry::bao {

SequenceDecoder::SequenceDecoder(const crypto::Hash& root, RangeSpecSeq ranges, Options options)
    : root_(root), ranges_(std::move(ranges)), options_(options) {}

tl::unexpected<Error> SequenceDecoder::fail(Error e) {
  error_ = e;
  return tl::unexpected(std::move(e));
}

Status SequenceDecoder::advance(uint64_t from) {
  current_.reset();
  auto next = ranges_.next_non_empty(from);
  if (!next) {
    done_ = true;
    return ok();
  }
  offset_ = *next;
  if (offset_ == 0) {
    ChunkRanges r = ranges_.ranges_at(0);
    // Keep the root's data if it is wholly requested and children follow.
    collect_root_ = r.is_all() && ranges_.next_non_empty(1).has_value();
    current_.emplace(root_, r);
    return ok();
  }
  if (!children_) {
    return make_error(ErrorCode::kInvalidArgument,
                      "child hashes unknown: request the whole root or call set_children");
  }
  if (offset_ - 1 >= children_->size()) {
    done_ = true;  // the HashSeq ran out: the provider stops here
    return ok();
  }
  current_.emplace((*children_)[offset_ - 1], ranges_.ranges_at(offset_));
  return ok();
}

Result<size_t> SequenceDecoder::feed(ByteView input, const Handler& handler) {
  if (error_) return tl::unexpected(*error_);
  if (!started_) {
    started_ = true;
    auto st = advance(0);
    if (!st) return fail(st.error());
  }
  size_t pos = 0;
  while (!done_ && (pos < input.size() || (current_ && current_->done()))) {
    if (current_ && !current_->done()) {
      uint64_t off = offset_;
      auto used = current_->feed(input.subspan(pos), [&](const DecodeEvent& ev) -> Status {
        if (off == 0 && collect_root_) {
          if (auto* s = std::get_if<SizeReceived>(&ev)) {
            if (s->size > options_.max_hash_seq_bytes) {
              return make_error(ErrorCode::kResourceExhausted, "hash seq too large");
            }
            if (s->size % 32 != 0) {
              return make_error(ErrorCode::kCorrupt, "hash seq size not a multiple of 32");
            }
          } else if (auto* leaf = std::get_if<LeafVerified>(&ev)) {
            append(root_data_, leaf->data);
          }
        }
        return handler(off, ev);
      });
      if (!used) return fail(used.error());
      pos += *used;
      if (!current_->done()) break;  // needs more input
    }
    // The current blob is complete: learn children from the root, go on.
    if (offset_ == 0 && collect_root_ && !children_) {
      std::vector<crypto::Hash> kids;
      kids.reserve(root_data_.size() / 32);
      for (size_t i = 0; i + 32 <= root_data_.size(); i += 32) {
        kids.push_back(crypto::Hash::from_bytes(ByteView(root_data_).subspan(i, 32)));
      }
      children_ = std::move(kids);
      root_data_ = Bytes();
    }
    auto st = advance(offset_ + 1);
    if (!st) return fail(st.error());
  }
  return pos;
}

Status SequenceDecoder::finish() const {
  if (error_) return tl::unexpected(*error_);
  if (done_) return ok();
  if (!started_) {
    if (!ranges_.next_non_empty(0)) return ok();
    return make_error(ErrorCode::kNotFound, "provider sent nothing: root not found");
  }
  if (current_)
    return current_->finish().map_error(
        [&](Error e) { return e.with_context("blob at offset " + std::to_string(offset_)); });
  return make_error(ErrorCode::kProtocol, "response incomplete");
}

}  // namespace ferry::bao
