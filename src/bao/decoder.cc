#include "bao/decoder.h"

#include <algorithm>

#include "bao/encoder.h"
#include "crypto/blake3_tree.h"

namespace ferry::bao {

ResponseDecoder::ResponseDecoder(const crypto::Hash& root, const ChunkRanges& ranges)
    : root_(root), requested_(ranges), expect_len_(kSizeHeaderSize) {}

Status ResponseDecoder::fail(Error e) {
  error_ = e;
  return tl::unexpected(std::move(e));
}

Status ResponseDecoder::start(uint64_t size, const DecodeHandler& handler) {
  size_ = size;
  tree_.emplace(size);
  ranges_ = normalize_ranges(requested_, size);
  FERRY_TRY(handler(SizeReceived{size}));
  Node r = tree_->root();
  if (ranges_.intersects(r.start, r.end())) stack_.push_back({r, root_, true, 0});
  return plan_next(handler);
}

Status ResponseDecoder::plan_next(const DecodeHandler& handler) {
  while (true) {
    if (stack_.empty()) {
      done_ = true;
      return handler(Done{});
    }
    cur_ = stack_.back();
    stack_.pop_back();
    const Node& n = cur_.node;
    // A pair for stored nodes and for partly selected nodes; else raw data.
    cur_is_pair_ = !n.is_leaf() && (n.is_stored() || !ranges_.covers(n.start, n.end()));
    if (cur_is_pair_) {
      expect_len_ = kPairSize;
      return ok();
    }
    auto [b0, b1] = tree_->node_bytes(n);
    expect_len_ = b1 - b0;
    if (expect_len_ > 0) return ok();
    // Only the empty blob has a zero-length item: verify it at once.
    FERRY_TRY(process(nullptr, handler));
  }
}

Status ResponseDecoder::process(const uint8_t* bytes, const DecodeHandler& handler) {
  const Item item = cur_;
  const Node& n = item.node;
  if (cur_is_pair_) {
    crypto::Hash l = crypto::Hash::from_bytes(ByteView(bytes, 32));
    crypto::Hash r = crypto::Hash::from_bytes(ByteView(bytes + 32, 32));
    if (crypto::parent_cv(l, r, item.is_root) != item.expected) {
      return fail(Error(ErrorCode::kCorrupt, "parent hash mismatch at node " + n.to_string()));
    }
    Node ln = n.left();
    Node rn = n.right();
    std::optional<uint64_t> index;
    if (n.is_stored()) index = item.pair_index;
    if (ranges_.intersects(rn.start, rn.end())) {
      stack_.push_back({rn, r, false, item.pair_index + ln.count / kGroupChunks});
    }
    if (ranges_.intersects(ln.start, ln.end())) {
      stack_.push_back({ln, l, false, item.pair_index + 1});
    }
    auto st = handler(ParentVerified{n, index, l, r});
    if (!st) return fail(st.error());
    return ok();
  }
  ByteView data(bytes, expect_len_);
  if (crypto::subtree_cv(data, n.start, item.is_root) != item.expected) {
    return fail(Error(ErrorCode::kCorrupt, "leaf hash mismatch at " + n.to_string()));
  }
  if (n.end() == tree_->chunks()) last_verified_ = true;
  auto st = handler(LeafVerified{tree_->node_bytes(n).first, data});
  if (!st) return fail(st.error());
  return ok();
}

Result<size_t> ResponseDecoder::feed(ByteView input, const DecodeHandler& handler) {
  if (error_) return tl::unexpected(*error_);
  size_t pos = 0;
  while (pos < input.size() && !done_) {
    size_t need = expect_len_ - buf_.size();
    const uint8_t* item = nullptr;
    if (buf_.empty() && input.size() - pos >= expect_len_) {
      item = input.data() + pos;  // whole item in the input: no copy
      pos += expect_len_;
    } else {
      size_t take = std::min(need, input.size() - pos);
      buf_.insert(buf_.end(), input.begin() + pos, input.begin() + pos + take);
      pos += take;
      if (buf_.size() < expect_len_) break;
      item = buf_.data();
    }
    Status st;
    if (!size_) {
      st = start(get_u64_le(item), handler);
    } else {
      st = process(item, handler);
      if (st) st = plan_next(handler);
    }
    buf_.clear();
    if (!st) {
      consumed_ += pos;
      if (!error_) error_ = st.error();
      return tl::unexpected(st.error());
    }
  }
  consumed_ += pos;
  return pos;
}

Status ResponseDecoder::finish() const {
  if (error_) return tl::unexpected(*error_);
  if (done_) return ok();
  if (consumed_ == 0) {
    // iroh's provider sends nothing for a blob it does not have.
    return make_error(ErrorCode::kNotFound, "stream ended before the blob started: not found");
  }
  if (!size_) return make_error(ErrorCode::kProtocol, "stream ended inside the size header");
  std::string what = cur_is_pair_ ? "parent " : "leaf ";
  return make_error(ErrorCode::kProtocol,
                    "stream ended early: missing " + what + cur_.node.to_string());
}

Status ResponseDecoder::check_invariants() const {
  auto bad = [](const std::string& what) {
    return make_error(ErrorCode::kInternal, "decoder invariant: " + what);
  };
  if (!size_) {
    if (expect_len_ != kSizeHeaderSize || !stack_.empty() || done_) return bad("before header");
    if (buf_.size() >= kSizeHeaderSize) return bad("header buffer");
    return ok();
  }
  if (!tree_ || tree_->size() != *size_) return bad("tree");
  if (done_) {
    if (!stack_.empty()) return bad("done with work left");
    return ok();
  }
  if (error_) return ok();
  if (buf_.size() >= std::max<size_t>(expect_len_, 1)) return bad("buffer holds a whole item");
  if (expect_len_ > kGroupSize) return bad("item larger than a group");
  if (cur_is_pair_ !=
      (expect_len_ == kPairSize &&
       (cur_.node.is_stored() || !ranges_.covers(cur_.node.start, cur_.node.end())))) {
    return bad("item kind");
  }
  if (stack_.size() > 2 * 64) return bad("stack depth");
  // Queued nodes lie right of the current one, in pre-order: starts
  // decrease from the bottom of the stack to its top.
  uint64_t prev_start = UINT64_MAX;
  for (const Item& it : stack_) {
    if (it.node.count == 0 || it.node.end() > tree_->chunks()) return bad("node bounds");
    if (!ranges_.intersects(it.node.start, it.node.end())) return bad("unselected node queued");
    if (it.node.start >= prev_start) return bad("stack order");
    if (it.node.start < cur_.node.end()) return bad("queued node left of the current one");
    prev_start = it.node.start;
  }
  return ok();
}

Result<Bytes> decode_response(const crypto::Hash& root, const ChunkRanges& ranges,
                              ByteView response) {
  ResponseDecoder dec(root, ranges);
  Bytes out;
  FERRY_ASSIGN(size_t used, dec.feed(response, [&](const DecodeEvent& ev) -> Status {
    if (auto* leaf = std::get_if<LeafVerified>(&ev)) append(out, leaf->data);
    return ok();
  }));
  FERRY_TRY(dec.finish());
  if (used != response.size()) {
    return make_error(ErrorCode::kProtocol, "trailing bytes after the blob");
  }
  return out;
}

}  // namespace ferry::bao
