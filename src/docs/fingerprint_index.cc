#include "docs/fingerprint_index.h"

#include <algorithm>
#include <cstring>

#include "reconcile/treap.h"

namespace ferry::docs {
namespace {

// Byte-wise order, shorter first on a common prefix. Written on memcmp with
// an explicit length: GCC 12 at -O3 flags the std:: three-way compare of two
// spans with a bogus stringop-overread.
int cmp(ByteView a, ByteView b) {
  size_t n = std::min(a.size(), b.size());
  int c = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
  if (c != 0) return c < 0 ? -1 : 1;
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

}  // namespace

void FingerprintIndex::pull(int32_t n) {
  Node& x = nodes_[n];
  x.size = 1 + sz(x.left) + sz(x.right);
  x.agg = x.fp;
  if (x.left >= 0) xor_into(x.agg, nodes_[x.left].agg);
  if (x.right >= 0) xor_into(x.agg, nodes_[x.right].agg);
}

int32_t FingerprintIndex::alloc(ByteView key, const Fp& fp) {
  Node node;
  node.key.assign(key.begin(), key.end());
  node.fp = fp;
  node.agg = fp;
  node.prio = static_cast<uint32_t>(prng_.next() >> 32);
  if (!free_.empty()) {
    int32_t i = free_.back();
    free_.pop_back();
    nodes_[i] = std::move(node);
    return i;
  }
  nodes_.push_back(std::move(node));
  return static_cast<int32_t>(nodes_.size() - 1);
}

void FingerprintIndex::assign_sorted(std::vector<std::pair<Bytes, Fp>> items) {
  nodes_.clear();
  free_.clear();
  root_ = -1;
  nodes_.reserve(items.size());
  for (auto& [k, fp] : items) {
    Node node;
    node.key = std::move(k);
    node.fp = fp;
    node.prio = static_cast<uint32_t>(prng_.next() >> 32);
    nodes_.push_back(std::move(node));
  }
  root_ = reconcile::treap::build(nodes_, [this](int32_t n) { pull(n); });
}

std::pair<int32_t, int32_t> FingerprintIndex::split(int32_t t, ByteView key, bool inclusive) {
  return reconcile::treap::split(
      nodes_, t,
      [&](int32_t n) {
        int c = cmp(nodes_[n].key, key);
        return c < 0 || (inclusive && c == 0);
      },
      [this](int32_t n) { pull(n); });
}

int32_t FingerprintIndex::merge(int32_t a, int32_t b) {
  return reconcile::treap::merge(nodes_, a, b, [this](int32_t n) { pull(n); });
}

void FingerprintIndex::upsert(ByteView key, const Fp& fp) {
  // Existing key: update in place and re-aggregate along the path.
  std::vector<int32_t> path;
  int32_t t = root_;
  while (t >= 0) {
    path.push_back(t);
    int c = cmp(key, nodes_[t].key);
    if (c == 0) {
      nodes_[t].fp = fp;
      for (auto it = path.rbegin(); it != path.rend(); ++it) pull(*it);
      return;
    }
    t = c < 0 ? nodes_[t].left : nodes_[t].right;
  }
  int32_t n = alloc(key, fp);
  auto [a, b] = split(root_, key, false);
  root_ = merge(merge(a, n), b);
}

bool FingerprintIndex::erase(ByteView key) {
  if (find(key) == nullptr) return false;
  auto [a, rest] = split(root_, key, false);
  auto [mid, b] = split(rest, key, true);
  // mid is exactly the node for key.
  nodes_[mid].key = Bytes();
  nodes_[mid].left = nodes_[mid].right = -1;
  free_.push_back(mid);
  root_ = merge(a, b);
  return true;
}

uint64_t FingerprintIndex::rank(ByteView key) const {
  uint64_t r = 0;
  int32_t t = root_;
  while (t >= 0) {
    if (cmp(nodes_[t].key, key) < 0) {
      r += sz(nodes_[t].left) + 1;
      t = nodes_[t].right;
    } else {
      t = nodes_[t].left;
    }
  }
  return r;
}

FingerprintIndex::Below FingerprintIndex::below(ByteView key) const {
  Below b;
  int32_t t = root_;
  while (t >= 0) {
    ++visited_;
    const Node& n = nodes_[t];
    if (cmp(n.key, key) < 0) {
      b.count += sz(n.left) + 1;
      if (n.left >= 0) xor_into(b.xor_fp, nodes_[n.left].agg);
      xor_into(b.xor_fp, n.fp);
      t = n.right;
    } else {
      t = n.left;
    }
  }
  return b;
}

FingerprintIndex::Fp FingerprintIndex::prefix_xor(uint64_t i) const {
  Fp acc{};
  int32_t t = root_;
  while (t >= 0 && i > 0) {
    const Node& n = nodes_[t];
    uint64_t ls = sz(n.left);
    if (i <= ls) {
      t = n.left;
    } else {
      if (n.left >= 0) xor_into(acc, nodes_[n.left].agg);
      xor_into(acc, n.fp);
      i -= ls + 1;
      t = n.right;
    }
  }
  return acc;
}

FingerprintIndex::Fp FingerprintIndex::range_xor(uint64_t lo, uint64_t hi) const {
  Fp a = prefix_xor(hi);
  xor_into(a, prefix_xor(lo));
  return a;
}

ByteView FingerprintIndex::key_at(uint64_t i) const {
  int32_t t = root_;
  for (;;) {
    uint64_t ls = sz(nodes_[t].left);
    if (i < ls) {
      t = nodes_[t].left;
    } else if (i == ls) {
      return nodes_[t].key;
    } else {
      i -= ls + 1;
      t = nodes_[t].right;
    }
  }
}

const FingerprintIndex::Fp* FingerprintIndex::find(ByteView key) const {
  int32_t t = root_;
  while (t >= 0) {
    int c = cmp(key, nodes_[t].key);
    if (c == 0) return &nodes_[t].fp;
    t = c < 0 ? nodes_[t].left : nodes_[t].right;
  }
  return nullptr;
}

bool FingerprintIndex::check_rec(int32_t t, uint32_t& size, Fp& agg) const {
  if (t < 0) {
    size = 0;
    agg = Fp{};
    return true;
  }
  const Node& n = nodes_[t];
  uint32_t ls, rs;
  Fp la, ra;
  if (!check_rec(n.left, ls, la) || !check_rec(n.right, rs, ra)) return false;
  if (n.left >= 0 && (nodes_[n.left].prio > n.prio || cmp(nodes_[n.left].key, n.key) >= 0))
    return false;
  if (n.right >= 0 && (nodes_[n.right].prio > n.prio || cmp(nodes_[n.right].key, n.key) <= 0))
    return false;
  size = ls + rs + 1;
  agg = n.fp;
  xor_into(agg, la);
  xor_into(agg, ra);
  return size == n.size && agg == n.agg;
}

size_t FingerprintIndex::memory_bytes() const {
  size_t total = nodes_.capacity() * sizeof(Node) + free_.capacity() * sizeof(int32_t);
  for (const auto& n : nodes_) total += n.key.capacity() == 0 ? 0 : n.key.capacity() + 16;
  return total;
}

bool FingerprintIndex::check_invariants() const {
  uint32_t s;
  Fp a;
  if (!check_rec(root_, s, a)) return false;
  for (uint64_t i = 1; i < size(); ++i) {
    if (cmp(key_at(i - 1), key_at(i)) >= 0) return false;
  }
  return true;
}

}  // namespace ferry::docs
