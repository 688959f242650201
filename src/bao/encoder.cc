#include "bao/encoder.h"

#include <cstring>

#include "crypto/blake3_tree.h"

namespace ferry::bao {
namespace {

// CV of sub-node `n` of a group from the group's chunk CVs (cvs[i] is chunk
// group_start + i).
crypto::Hash node_cv(const Node& n, uint64_t group_start, const crypto::Hash* cvs, bool is_root) {
  if (n.is_leaf()) return cvs[n.start - group_start];
  return crypto::parent_cv(node_cv(n.left(), group_start, cvs, false),
                           node_cv(n.right(), group_start, cvs, false), is_root);
}

}  // namespace

ChunkRanges normalize_ranges(const ChunkRanges& ranges, uint64_t size) {
  uint64_t last = BaoTree(size).chunks() - 1;
  if (!ranges.intersects(last, ChunkRanges::kOpenEnd)) return ranges;
  return (ranges & ChunkRanges::range(0, last)) | ChunkRanges::from(last);
}

ResponseEncoder::ResponseEncoder(const crypto::Hash& root, uint64_t size, const ChunkRanges& ranges,
                                 const DataReader& data, const DataReader& outboard,
                                 std::optional<ChunkRanges> have)
    : root_(root),
      tree_(size),
      ranges_(normalize_ranges(ranges, size)),
      data_(data),
      outboard_(outboard),
      have_(std::move(have)) {
  Node r = tree_.root();
  if (ranges_.intersects(r.start, ChunkRanges::kOpenEnd)) stack_.push_back({r, root_, true, 0});
}

Status ResponseEncoder::fail(Error e) {
  error_ = e;
  return tl::unexpected(std::move(e));
}

Result<bool> ResponseEncoder::next(Bytes& out, size_t max_bytes) {
  if (error_) return tl::unexpected(*error_);
  size_t start = out.size();
  while (!done_) {
    FERRY_TRY(step(out));
    if (out.size() - start >= max_bytes) break;
  }
  emitted_ += out.size() - start;
  return !done_;
}

Status ResponseEncoder::step(Bytes& out) {
  if (!header_sent_) {
    uint8_t header[kSizeHeaderSize];
    put_u64_le(header, tree_.size());
    out.insert(out.end(), header, header + kSizeHeaderSize);
    header_sent_ = true;
    if (stack_.empty()) done_ = true;
    return ok();
  }
  Pending p = stack_.back();
  stack_.pop_back();
  if (!p.node.is_stored()) {
    FERRY_TRY(emit_group(p, out));
  } else {
    if (have_ && !have_->intersects(p.node.start, p.node.end())) {
      return fail(Error(ErrorCode::kNotFound, "partial blob lacks node " + p.node.to_string()));
    }
    uint8_t pair[kPairSize];
    auto st = outboard_.read_at(p.pair_index * kPairSize, MutableByteView(pair, kPairSize));
    if (!st) return fail(st.error());
    crypto::Hash l = crypto::Hash::from_bytes(ByteView(pair, 32));
    crypto::Hash r = crypto::Hash::from_bytes(ByteView(pair + 32, 32));
    if (crypto::parent_cv(l, r, p.is_root) != p.expected) {
      return fail(
          Error(ErrorCode::kCorrupt, "outboard pair mismatch at node " + p.node.to_string()));
    }
    out.insert(out.end(), pair, pair + kPairSize);
    Node ln = p.node.left();
    Node rn = p.node.right();
    // Pre-order: the left subtree's stored nodes come first, one per group
    // boundary inside it.
    // Nodes never reach past the last chunk, and normalized ranges select
    // the last chunk whenever they select anything beyond it.
    if (ranges_.intersects(rn.start, rn.end())) {
      stack_.push_back({rn, r, false, p.pair_index + ln.count / kGroupChunks});
    }
    if (ranges_.intersects(ln.start, ln.end())) {
      stack_.push_back({ln, l, false, p.pair_index + 1});
    }
  }
  if (stack_.empty()) done_ = true;
  return ok();
}

Status ResponseEncoder::emit_group(const Pending& p, Bytes& out) {
  const Node& g = p.node;
  if (have_ && !have_->covers(g.start, g.end())) {
    return fail(Error(ErrorCode::kNotFound, "partial blob lacks group " + g.to_string()));
  }
  auto [b0, b1] = tree_.node_bytes(g);
  group_buf_.resize(b1 - b0);
  auto st = data_.read_at(b0, group_buf_);
  if (!st) return fail(st.error());
  ByteView data(group_buf_);
  if (ranges_.covers(g.start, g.end())) {
    if (crypto::subtree_cv(data, g.start, p.is_root) != p.expected) {
      return fail(Error(ErrorCode::kCorrupt, "data mismatch in group " + g.to_string()));
    }
    append(out, data);
    return ok();
  }
  // Partly selected: verify the whole group from its chunk CVs, then emit the
  // sub-group pairs and selected chunks in pre-order.
  crypto::Hash cvs[kGroupChunks];
  for (uint64_t i = 0; i < g.count; ++i) {
    size_t off = i * kChunkSize;
    size_t len = std::min<size_t>(kChunkSize, data.size() - off);
    cvs[i] = crypto::chunk_cv(data.subspan(off, len), g.start + i, p.is_root && g.count == 1);
  }
  if (node_cv(g, g.start, cvs, p.is_root) != p.expected) {
    return fail(Error(ErrorCode::kCorrupt, "data mismatch in group " + g.to_string()));
  }
  // Iterative pre-order over the group's sub-nodes.
  Node work[2 * kGroupChunks];
  size_t top = 0;
  work[top++] = g;
  while (top > 0) {
    Node n = work[--top];
    if (!ranges_.intersects(n.start, n.end())) continue;
    if (n.is_leaf() || ranges_.covers(n.start, n.end())) {
      auto [x0, x1] = tree_.node_bytes(n);
      append(out, data.subspan(x0 - b0, x1 - x0));
      continue;
    }
    crypto::Hash l = node_cv(n.left(), g.start, cvs, false);
    crypto::Hash r = node_cv(n.right(), g.start, cvs, false);
    append(out, l.view());
    append(out, r.view());
    work[top++] = n.right();
    work[top++] = n.left();
  }
  return ok();
}

Result<Bytes> encode_response(const crypto::Hash& root, uint64_t size, const ChunkRanges& ranges,
                              const DataReader& data, const DataReader& outboard,
                              std::optional<ChunkRanges> have) {
  ResponseEncoder enc(root, size, ranges, data, outboard, std::move(have));
  Bytes out;
  while (true) {
    FERRY_ASSIGN(bool more, enc.next(out, SIZE_MAX));
    if (!more) break;
  }
  return out;
}

Result<Bytes> encode_response(const crypto::Hash& root, ByteView data, ByteView outboard_pairs,
                              const ChunkRanges& ranges) {
  MemoryReader d(data);
  MemoryReader o(outboard_pairs);
  return encode_response(root, data.size(), ranges, d, o);
}

}  // namespace ferry::bao
