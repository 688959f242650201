// Verified reads: see verified_read.h.
#include "blobs/verified_read.h"

#include <algorithm>

#include "bao/tree.h"
#include "crypto/blake3.h"
#include "crypto/blake3_tree.h"

namespace ferry::blobs {
namespace {

class Walker {
 public:
  Walker(const StoredBlob& blob, uint64_t start, uint64_t end, const DataSink& sink)
      : blob_(blob), tree_(blob.size), start_(start), end_(end), sink_(sink) {}

  Status walk(const bao::Node& node, const crypto::Hash& expected, bool is_root) {
    auto [b0, b1] = tree_.node_bytes(node);
    if (b1 <= start_ || b0 >= end_) return ok();
    if (node.count <= bao::kGroupChunks) return emit_group(node, b0, b1, expected, is_root);
    // A partial blob has the pair of a stored node only if it verified some
    // chunk below it (the decoder delivers the pairs on the path to each
    // leaf); without one the data is missing, not corrupt.
    if (blob_.have != nullptr && !blob_.have->intersects(node.start, node.end())) {
      return make_error(ErrorCode::kNotFound, "blob " + blob_.hash.short_hex() + ": chunks " +
                                                  node.to_string() + " not present");
    }
    auto index = tree_.pair_index(node);
    if (!index) return make_error(ErrorCode::kInternal, "no pair index for " + node.to_string());
    uint8_t pair[bao::kPairSize];
    FERRY_TRY(blob_.outboard->read_at(*index * bao::kPairSize, MutableByteView(pair)));
    auto left = crypto::Hash::from_bytes(ByteView(pair, 32));
    auto right = crypto::Hash::from_bytes(ByteView(pair + 32, 32));
    if (crypto::parent_cv(left, right, is_root) != expected) {
      return make_error(ErrorCode::kCorrupt, "blob " + blob_.hash.short_hex() +
                                                 ": outboard pair mismatch at node " +
                                                 node.to_string());
    }
    FERRY_TRY(walk(node.left(), left, false));
    return walk(node.right(), right, false);
  }

 private:
  Status emit_group(const bao::Node& node, uint64_t b0, uint64_t b1, const crypto::Hash& expected,
                    bool is_root) {
    if (blob_.have != nullptr && !blob_.have->covers(node.start, node.end())) {
      return make_error(ErrorCode::kNotFound, "blob " + blob_.hash.short_hex() + ": chunks " +
                                                  node.to_string() + " not present");
    }
    buf_.resize(b1 - b0);
    FERRY_TRY(blob_.data->read_at(b0, buf_));
    if (crypto::subtree_cv(buf_, node.start, is_root) != expected) {
      return make_error(ErrorCode::kCorrupt, "blob " + blob_.hash.short_hex() +
                                                 ": data does not match its hash in chunks " +
                                                 node.to_string());
    }
    uint64_t from = std::max(b0, start_), to = std::min(b1, end_);
    return sink_(ByteView(buf_).subspan(from - b0, to - from));
  }

  const StoredBlob& blob_;
  bao::BaoTree tree_;
  uint64_t start_, end_;
  const DataSink& sink_;
  Bytes buf_;
};

}  // namespace

Status read_verified(const StoredBlob& blob, uint64_t start, uint64_t end, const DataSink& sink) {
  end = std::min(end, blob.size);
  if (blob.size == 0) {
    if (blob.hash != crypto::Hash::empty()) {
      return make_error(ErrorCode::kCorrupt, "blob " + blob.hash.short_hex() + ": empty data");
    }
    return ok();
  }
  if (start >= end) return ok();
  Walker walker(blob, start, end, sink);
  bao::BaoTree tree(blob.size);
  return walker.walk(tree.root(), blob.hash, true);
}

bao::ChunkRanges readable_chunks(const bao::ChunkRanges& have, uint64_t size) {
  bao::BaoTree tree(size);
  std::vector<bao::ChunkRanges::Range> out;
  for (const auto& r : have.ranges()) {
    uint64_t end = std::min(r.end, tree.chunks());
    // Round start up and end down to group boundaries; the blob's end counts
    // as a boundary.
    uint64_t s = (r.start + bao::kGroupChunks - 1) / bao::kGroupChunks * bao::kGroupChunks;
    uint64_t e = end == tree.chunks() ? end : end / bao::kGroupChunks * bao::kGroupChunks;
    if (s < e) out.push_back({s, e});
  }
  return bao::ChunkRanges::of(out);
}

}  // namespace ferry::blobs
