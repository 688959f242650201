#include "bao/outboard.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "crypto/blake3_tree.h"

namespace ferry::bao {
namespace {

constexpr size_t kBatchGroups = 16;  // 256 KiB per batch
constexpr size_t kBatchBytes = kBatchGroups * kGroupSize;
constexpr size_t kMaxDirectGroups = 64;  // 1 MiB per direct hash

void write_pair(const BaoTree& tree, Bytes& pairs, const Node& node, const crypto::Hash& l,
                const crypto::Hash& r) {
  auto index = tree.pair_index(node);
  assert(index.has_value());
  uint8_t* p = pairs.data() + *index * kPairSize;
  std::memcpy(p, l.data(), 32);
  std::memcpy(p + 32, r.data(), 32);
}

// Eager merge of a completed non-last group (as BLAKE3's hasher merges chunk
// CVs): after group number `groups_done` (1-based count), merge while the
// count is even. Every merged node is a real tree node with a stored pair.
void push_cv(const BaoTree& tree, std::vector<std::pair<Node, crypto::Hash>>& stack, Bytes& pairs,
             uint64_t group, const crypto::Hash& group_cv) {
  Node node{group * kGroupChunks, kGroupChunks};
  crypto::Hash cv = group_cv;
  uint64_t total = group + 1;
  while ((total & 1) == 0) {
    auto [left_node, left_cv] = stack.back();
    stack.pop_back();
    Node parent{left_node.start, left_node.count + node.count};
    write_pair(tree, pairs, parent, left_cv, cv);
    cv = crypto::parent_cv(left_cv, cv, false);
    node = parent;
    total >>= 1;
  }
  stack.emplace_back(node, cv);
}

// Merges the right edge after the last group; the top parent gets ROOT.
crypto::Hash finish_stack(const BaoTree& tree, std::vector<std::pair<Node, crypto::Hash>>& stack,
                          Bytes& pairs, const crypto::Hash& last_cv) {
  Node node = tree.group_of(tree.chunks() - 1);
  crypto::Hash cv = last_cv;
  while (!stack.empty()) {
    auto [left_node, left_cv] = stack.back();
    stack.pop_back();
    Node parent{left_node.start, left_node.count + node.count};
    write_pair(tree, pairs, parent, left_cv, cv);
    cv = crypto::parent_cv(left_cv, cv, stack.empty());
    node = parent;
  }
  return cv;
}

}  // namespace

OutboardBuilder::OutboardBuilder(uint64_t size) : tree_(size) {
  pairs_.resize(tree_.outboard_size());
}

void OutboardBuilder::push_group_cv(const crypto::Hash& cv) {
  push_cv(tree_, stack_, pairs_, next_group_, cv);
  ++next_group_;
}

void OutboardBuilder::hash_groups(ByteView data, size_t n) {
  cvs_.resize(n);
  crypto::subtree_cvs(data.first(n * kGroupSize), next_group_ * kGroupChunks, kGroupChunksLog,
                      cvs_);
  for (size_t i = 0; i < n; ++i) push_group_cv(cvs_[i]);
}

void OutboardBuilder::flush_batch() {
  uint64_t eager_left = tree_.groups() - 1 - next_group_;
  size_t n = static_cast<size_t>(std::min<uint64_t>(batch_.size() / kGroupSize, eager_left));
  if (n == 0) return;
  hash_groups(batch_, n);
  batch_.erase(batch_.begin(), batch_.begin() + static_cast<ptrdiff_t>(n * kGroupSize));
}

Status OutboardBuilder::update(ByteView data) {
  if (finished_) return make_error(ErrorCode::kInvalidArgument, "outboard builder finished");
  if (data.size() > tree_.size() - pos_) {
    return make_error(ErrorCode::kInvalidArgument, "more data than the declared size");
  }
  while (!data.empty()) {
    if (batch_.empty()) {
      // Direct path: hash whole groups straight from the caller's buffer.
      uint64_t eager_left = tree_.groups() - 1 - next_group_;
      size_t n = static_cast<size_t>(
          std::min<uint64_t>({data.size() / kGroupSize, eager_left, uint64_t{kMaxDirectGroups}}));
      if (n > 0) {
        hash_groups(data, n);
        data = data.subspan(n * kGroupSize);
        pos_ += n * kGroupSize;
        continue;
      }
    }
    size_t take = std::min(kBatchBytes - batch_.size(), data.size());
    append(batch_, data.first(take));
    data = data.subspan(take);
    pos_ += take;
    if (batch_.size() == kBatchBytes) flush_batch();
  }
  return ok();
}

Result<Outboard> OutboardBuilder::finish() {
  if (finished_) return make_error(ErrorCode::kInvalidArgument, "outboard builder finished");
  if (pos_ != tree_.size()) {
    return make_error(ErrorCode::kInvalidArgument, "less data than the declared size");
  }
  finished_ = true;
  flush_batch();
  assert(next_group_ == tree_.groups() - 1);
  Outboard out;
  out.size = tree_.size();
  if (tree_.groups() == 1) {
    out.root = crypto::subtree_cv(batch_, 0, true);
  } else {
    crypto::Hash last = crypto::subtree_cv(batch_, next_group_ * kGroupChunks, false);
    out.root = finish_stack(tree_, stack_, pairs_, last);
  }
  out.pairs = std::move(pairs_);
  batch_ = Bytes();
  return out;
}

Outboard compute_outboard(ByteView data) {
  OutboardBuilder b(data.size());
  (void)b.update(data);  // cannot fail: exactly `size` bytes
  return std::move(*b.finish());
}

Outboard outboard_from_group_cvs(uint64_t size, std::span<const crypto::Hash> group_cvs) {
  BaoTree tree(size);
  assert(group_cvs.size() == tree.groups());
  Outboard out;
  out.size = size;
  out.pairs.resize(tree.outboard_size());
  if (tree.groups() == 1) {
    out.root = group_cvs[0];
    return out;
  }
  std::vector<std::pair<Node, crypto::Hash>> stack;
  for (uint64_t g = 0; g + 1 < tree.groups(); ++g) push_cv(tree, stack, out.pairs, g, group_cvs[g]);
  out.root = finish_stack(tree, stack, out.pairs, group_cvs.back());
  return out;
}

}  // namespace ferry::bao
