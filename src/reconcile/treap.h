// Index-linked treap primitives shared by the fingerprint trees
// (reconcile::MemoryStore, docs::FingerprintIndex).
//
// `nodes` is a random-access container of nodes linked by index (-1: none);
// a node has int32_t `left`, `right` and an unsigned `prio`; the tree is a
// max-heap on prio and a search tree on the caller's key order. `pull(n)`
// recomputes node n's aggregates from its children (which are up to date).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace ferry::reconcile::treap {

// Links nodes[0, size) — already in key order, prios set — into one treap
// whose in-order is index order, then pulls every node children-first.
// O(n) and without recursion. Returns the root (-1 if there are no nodes).
template <typename Nodes, typename Pull>
int32_t build(Nodes& nodes, Pull&& pull) {
  // Cartesian tree on (position, prio) with a stack.
  std::vector<int32_t> stack;
  for (int32_t i = 0; i < static_cast<int32_t>(nodes.size()); ++i) {
    int32_t last = -1;
    while (!stack.empty() && nodes[stack.back()].prio < nodes[i].prio) {
      last = stack.back();
      stack.pop_back();
    }
    nodes[i].left = last;
    if (!stack.empty()) nodes[stack.back()].right = i;
    stack.push_back(i);
  }
  int32_t root = stack.empty() ? -1 : stack.front();
  // Aggregates in post-order with an explicit stack (no deep recursion).
  std::vector<std::pair<int32_t, bool>> todo;
  if (root >= 0) todo.push_back({root, false});
  while (!todo.empty()) {
    auto [n, expanded] = todo.back();
    todo.pop_back();
    if (expanded) {
      pull(n);
      continue;
    }
    todo.push_back({n, true});
    if (nodes[n].left >= 0) todo.push_back({nodes[n].left, false});
    if (nodes[n].right >= 0) todo.push_back({nodes[n].right, false});
  }
  return root;
}

// Splits tree t into (the nodes for which goes_left(n), the rest).
// Requires: goes_left is true for a prefix of the key order, false after.
template <typename Nodes, typename GoesLeft, typename Pull>
std::pair<int32_t, int32_t> split(Nodes& nodes, int32_t t, const GoesLeft& goes_left,
                                  const Pull& pull) {
  if (t < 0) return {-1, -1};
  if (goes_left(t)) {
    auto [a, b] = split(nodes, nodes[t].right, goes_left, pull);
    nodes[t].right = a;
    pull(t);
    return {t, b};
  }
  auto [a, b] = split(nodes, nodes[t].left, goes_left, pull);
  nodes[t].left = b;
  pull(t);
  return {a, t};
}

// Joins trees a and b. Requires: every key of a precedes every key of b.
template <typename Nodes, typename Pull>
int32_t merge(Nodes& nodes, int32_t a, int32_t b, const Pull& pull) {
  if (a < 0) return b;
  if (b < 0) return a;
  if (nodes[a].prio > nodes[b].prio) {
    nodes[a].right = merge(nodes, nodes[a].right, b, pull);
    pull(a);
    return a;
  }
  nodes[b].left = merge(nodes, a, nodes[b].left, pull);
  pull(b);
  return b;
}

}  // namespace ferry::reconcile::treap
