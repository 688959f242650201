// Implementation of MemoryStore (template); include reconcile/memory_store.h.
#pragma once

#include <algorithm>

#include "reconcile/treap.h"

namespace ferry::reconcile {

template <RangerItem Item>
void MemoryStore<Item>::pull(int32_t n) {
  Node& x = nodes_[n];
  x.size = 1 + sz(x.left) + sz(x.right);
  x.agg = x.fp;
  if (x.left >= 0) x.agg ^= nodes_[x.left].agg;
  if (x.right >= 0) x.agg ^= nodes_[x.right].agg;
}

template <RangerItem Item>
int32_t MemoryStore<Item>::alloc(const Item& item) {
  Node node{item, Traits::fingerprint(item), {}, prng_.next(), 1, -1, -1};
  node.agg = node.fp;
  if (!free_.empty()) {
    int32_t i = free_.back();
    free_.pop_back();
    nodes_[i] = std::move(node);
    return i;
  }
  nodes_.push_back(std::move(node));
  return static_cast<int32_t>(nodes_.size() - 1);
}

template <RangerItem Item>
void MemoryStore<Item>::assign_sorted(std::vector<Item> items) {
  ++version_;
  nodes_.clear();
  free_.clear();
  root_ = -1;
  for (auto& it : items) alloc(it);
  root_ = treap::build(nodes_, [this](int32_t n) { pull(n); });
}

template <RangerItem Item>
std::pair<int32_t, int32_t> MemoryStore<Item>::split(int32_t t, ByteView key) {
  return treap::split(
      nodes_, t, [&](int32_t n) { return compare_keys(id_of(n), key) < 0; },
      [this](int32_t n) { pull(n); });
}

template <RangerItem Item>
int32_t MemoryStore<Item>::merge(int32_t a, int32_t b) {
  return treap::merge(nodes_, a, b, [this](int32_t n) { pull(n); });
}

template <RangerItem Item>
int32_t MemoryStore<Item>::find(ByteView id) const {
  int32_t t = root_;
  while (t >= 0) {
    auto c = compare_keys(id, id_of(t));
    if (c == 0) return t;
    t = c < 0 ? nodes_[t].left : nodes_[t].right;
  }
  return -1;
}

template <RangerItem Item>
uint64_t MemoryStore<Item>::rank(ByteView key) const {
  size_t h = std::hash<std::string_view>()(as_string_view(key)) % kRankCacheSlots;
  RankSlot& slot = rank_cache_[h];
  if (slot.version == version_ &&
      std::equal(slot.key.begin(), slot.key.end(), key.begin(), key.end())) {
    return slot.rank;
  }
  uint64_t r = 0;
  int32_t t = root_;
  while (t >= 0) {
    if (compare_keys(id_of(t), key) < 0) {
      r += sz(nodes_[t].left) + 1;
      t = nodes_[t].right;
    } else {
      t = nodes_[t].left;
    }
  }
  slot.version = version_;
  slot.key.assign(key.begin(), key.end());
  slot.rank = r;
  return r;
}

template <RangerItem Item>
const Item& MemoryStore<Item>::at(uint64_t i) const {
  assert(i < size());
  int32_t t = root_;
  for (;;) {
    uint64_t ls = sz(nodes_[t].left);
    if (i < ls) {
      t = nodes_[t].left;
    } else if (i == ls) {
      return nodes_[t].item;
    } else {
      i -= ls + 1;
      t = nodes_[t].right;
    }
  }
}

template <RangerItem Item>
Fingerprint MemoryStore<Item>::prefix_xor(uint64_t i) const {
  Fingerprint acc;
  int32_t t = root_;
  while (t >= 0 && i > 0) {
    const Node& n = nodes_[t];
    uint64_t ls = sz(n.left);
    if (i <= ls) {
      t = n.left;
    } else {
      if (n.left >= 0) acc ^= nodes_[n.left].agg;
      acc ^= n.fp;
      i -= ls + 1;
      t = n.right;
    }
  }
  return acc;
}

template <RangerItem Item>
bool MemoryStore<Item>::visit_rec(int32_t t, uint64_t base, uint64_t lo, uint64_t hi,
                                  const Visitor& v) const {
  // Iterative descent on the right spine keeps recursion depth at tree height.
  while (t >= 0) {
    const Node& n = nodes_[t];
    uint64_t pos = base + sz(n.left);
    if (lo < pos && !visit_rec(n.left, base, lo, hi, v)) return false;
    if (pos >= hi) return true;
    if (pos >= lo && !v(n.item)) return false;
    base = pos + 1;
    t = n.right;
  }
  return true;
}

template <RangerItem Item>
bool MemoryStore<Item>::visit_positions(uint64_t lo, uint64_t hi, const Visitor& visit) const {
  if (lo >= hi) return true;
  return visit_rec(root_, 0, lo, hi, visit);
}

template <RangerItem Item>
bool MemoryStore<Item>::erase(ByteView id) {
  ++version_;
  int32_t target = find(id);
  if (target < 0) return false;
  auto [a, rest] = split(root_, id);
  // rest starts with `id`; split off exactly that node.
  int32_t m = rest;
  int32_t parent = -1;
  while (nodes_[m].left >= 0) {
    parent = m;
    m = nodes_[m].left;
  }
  assert(m == target);
  // Remove the minimum of `rest`: replace it by its right child, re-pull path.
  int32_t repl = nodes_[m].right;
  if (parent < 0) {
    rest = repl;
  } else {
    nodes_[parent].left = repl;
    // Re-pull from the root of rest down to parent: redo by a second pass.
    std::vector<int32_t> path;
    for (int32_t t = rest; t != parent; t = nodes_[t].left) path.push_back(t);
    path.push_back(parent);
    for (auto it = path.rbegin(); it != path.rend(); ++it) pull(*it);
  }
  nodes_[m] = Node{nodes_[m].item, {}, {}, 0, 1, -1, -1};
  free_.push_back(m);
  root_ = merge(a, rest);
  return true;
}

template <RangerItem Item>
std::vector<Item> MemoryStore<Item>::items() const {
  std::vector<Item> out;
  out.reserve(size());
  visit_positions(0, size(), [&](const Item& it) {
    out.push_back(it);
    return true;
  });
  return out;
}

template <RangerItem Item>
bool MemoryStore<Item>::check_rec(int32_t t, uint32_t& size, Fingerprint& agg) const {
  if (t < 0) {
    size = 0;
    agg = Fingerprint();
    return true;
  }
  const Node& n = nodes_[t];
  uint32_t ls, rs;
  Fingerprint la, ra;
  if (!check_rec(n.left, ls, la) || !check_rec(n.right, rs, ra)) return false;
  if (n.left >= 0 && (nodes_[n.left].prio > n.prio || compare_keys(id_of(n.left), id_of(t)) >= 0))
    return false;
  if (n.right >= 0 &&
      (nodes_[n.right].prio > n.prio || compare_keys(id_of(n.right), id_of(t)) <= 0))
    return false;
  if (n.fp != Traits::fingerprint(n.item)) return false;
  size = ls + rs + 1;
  agg = la ^ ra ^ n.fp;
  return size == n.size && agg == n.agg;
}

template <RangerItem Item>
bool MemoryStore<Item>::check_invariants() const {
  uint32_t s;
  Fingerprint a;
  if (!check_rec(root_, s, a)) return false;
  // Global order (local checks above only compare parent/child).
  bool ok = true;
  std::optional<Bytes> prev;
  visit_positions(0, size(), [&](const Item& it) {
    ByteView id = Traits::id(it);
    if (prev && compare_keys(*prev, id) >= 0) ok = false;
    prev = Bytes(id.begin(), id.end());
    return ok;
  });
  return ok;
}

template <RangerItem Item>
typename MemoryStore<Item>::Spans MemoryStore<Item>::spans(const Range& r) const {
  Spans s;
  uint64_t n = size();
  switch (r.kind()) {
    case Range::Kind::kWhole: s.lo[0] = 0, s.hi[0] = n, s.n = 1; break;
    case Range::Kind::kRegular: s.lo[0] = rank(r.x), s.hi[0] = rank(r.y), s.n = 1; break;
    case Range::Kind::kWrap:
      s.lo[0] = 0, s.hi[0] = rank(r.y);
      s.lo[1] = rank(r.x), s.hi[1] = n;
      s.n = 2;
      break;
  }
  return s;
}

template <RangerItem Item>
Result<std::optional<Bytes>> MemoryStore<Item>::first_key() {
  if (size() == 0) return std::optional<Bytes>();
  ByteView id = Traits::id(at(0));
  return std::optional<Bytes>(Bytes(id.begin(), id.end()));
}

template <RangerItem Item>
Result<uint64_t> MemoryStore<Item>::count(const Range& r) {
  return spans(r).total();
}

template <RangerItem Item>
Result<Fingerprint> MemoryStore<Item>::fingerprint(const Range& r) {
  Spans s = spans(r);
  Fingerprint acc;
  for (int i = 0; i < s.n; ++i) acc ^= prefix_xor(s.hi[i]) ^ prefix_xor(s.lo[i]);
  return Fingerprint::of_xor(acc);
}

template <RangerItem Item>
Result<RangeSummary> MemoryStore<Item>::summary(const Range& r) {
  Spans s = spans(r);
  Fingerprint acc;
  for (int i = 0; i < s.n; ++i) acc ^= prefix_xor(s.hi[i]) ^ prefix_xor(s.lo[i]);
  return RangeSummary{s.total(), Fingerprint::of_xor(acc)};
}

template <RangerItem Item>
Result<Bytes> MemoryStore<Item>::key_at(const Range& r, uint64_t index) {
  Spans s = spans(r);
  for (int i = 0; i < s.n; ++i) {
    uint64_t len = s.hi[i] - s.lo[i];
    if (index < len) {
      ByteView id = Traits::id(at(s.lo[i] + index));
      return Bytes(id.begin(), id.end());
    }
    index -= len;
  }
  return make_error(ErrorCode::kInternal, "key_at: index out of range");
}

template <RangerItem Item>
Status MemoryStore<Item>::for_each(const Range& r, const Visitor& visit) {
  Spans s = spans(r);
  for (int i = 0; i < s.n; ++i) {
    if (!visit_positions(s.lo[i], s.hi[i], visit)) break;
  }
  return ok();
}

template <RangerItem Item>
Result<std::optional<Item>> MemoryStore<Item>::get(ByteView id) {
  int32_t t = find(id);
  if (t < 0) return std::optional<Item>();
  return std::optional<Item>(nodes_[t].item);
}

template <RangerItem Item>
Result<PutOutcome> MemoryStore<Item>::put(const Item& item) {
  ++version_;
  ByteView id = Traits::id(item);
  int32_t t = find(id);
  if (t >= 0) {
    if (Traits::value_cmp(nodes_[t].item, item) >= 0) return PutOutcome::kNotInserted;
    erase(id);
  }
  int32_t n = alloc(item);
  auto [a, b] = split(root_, id);
  root_ = merge(merge(a, n), b);
  return PutOutcome::kInserted;
}

template <RangerItem Item>
Result<Cut> MemoryStore<Item>::cut_at_key(ByteView key) {
  // One descent: rank and prefix XOR together.
  Cut c;
  int32_t t = root_;
  while (t >= 0) {
    const Node& n = nodes_[t];
    if (compare_keys(Traits::id(n.item), key) < 0) {
      c.position += sz(n.left) + 1;
      if (n.left >= 0) c.prefix_xor ^= nodes_[n.left].agg;
      c.prefix_xor ^= n.fp;
      t = n.right;
    } else {
      t = n.left;
    }
  }
  return c;
}

template <RangerItem Item>
void MemoryStore<Item>::cuts_rec(int32_t t, std::span<const ByteView> keys, Cut base,
                                 Cut* out) const {
  while (!keys.empty()) {
    if (t < 0) {
      std::fill(out, out + keys.size(), base);
      return;
    }
    const Node& n = nodes_[t];
    ByteView id = Traits::id(n.item);
    // Keys <= id go left; keys > id go right past this node.
    size_t m = static_cast<size_t>(
        std::partition_point(keys.begin(), keys.end(),
                             [&](ByteView k) { return compare_keys(id, k) >= 0; }) -
        keys.begin());
    Cut right = base;
    right.position += sz(n.left) + 1;
    if (n.left >= 0) right.prefix_xor ^= nodes_[n.left].agg;
    right.prefix_xor ^= n.fp;
    if (m > 0) cuts_rec(n.left, keys.subspan(0, m), base, out);
    // Continue right iteratively (keeps recursion depth at tree height).
    keys = keys.subspan(m);
    out += m;
    base = right;
    t = n.right;
  }
}

template <RangerItem Item>
Status MemoryStore<Item>::cuts_at_keys(std::span<const ByteView> keys, std::vector<Cut>& out) {
  size_t at = out.size();
  out.resize(at + keys.size());
  cuts_rec(root_, keys, Cut{}, out.data() + at);
  return ok();
}

template <RangerItem Item>
Result<PivotCut> MemoryStore<Item>::cut_at_position(uint64_t position) {
  if (position == 0 || position >= size()) {
    return make_error(ErrorCode::kInternal, "cut_at_position: position out of range");
  }
  // Descend to `position`, accumulating the prefix XOR; the predecessor is
  // the rightmost node of the target's left subtree, else the last
  // ancestor where the descent went right.
  PivotCut p;
  p.cut.position = position;
  uint64_t i = position;
  int32_t t = root_, last_right = -1;
  for (;;) {
    const Node& n = nodes_[t];
    uint64_t ls = sz(n.left);
    if (i < ls) {
      t = n.left;
    } else if (i == ls) {
      break;
    } else {
      if (n.left >= 0) p.cut.prefix_xor ^= nodes_[n.left].agg;
      p.cut.prefix_xor ^= n.fp;
      i -= ls + 1;
      last_right = t;
      t = n.right;
    }
  }
  const Node& target = nodes_[t];
  int32_t pred = last_right;
  if (target.left >= 0) {
    p.cut.prefix_xor ^= nodes_[target.left].agg;
    pred = target.left;
    while (nodes_[pred].right >= 0) pred = nodes_[pred].right;
  }
  ByteView at = Traits::id(target.item), before = id_of(pred);
  p.at.assign(at.begin(), at.end());
  p.before.assign(before.begin(), before.end());
  return p;
}

template <RangerItem Item>
bool MemoryStore<Item>::visit_fp_rec(int32_t t, uint64_t base, uint64_t lo, uint64_t hi,
                                     const FpVisitor& v) const {
  while (t >= 0) {
    const Node& n = nodes_[t];
    uint64_t pos = base + sz(n.left);
    if (lo < pos && !visit_fp_rec(n.left, base, lo, hi, v)) return false;
    if (pos >= hi) return true;
    if (pos >= lo && !v(n.item, n.fp)) return false;
    base = pos + 1;
    t = n.right;
  }
  return true;
}

template <RangerItem Item>
Status MemoryStore<Item>::for_each_position(uint64_t lo, uint64_t hi, const FpVisitor& visit) {
  if (lo < hi) visit_fp_rec(root_, 0, lo, std::min<uint64_t>(hi, size()), visit);
  return ok();
}

}  // namespace ferry::reconcile
