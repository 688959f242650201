// Value types of the download scheduler: ids, resources, hints, intents,
// limits. Everything here is plain data; see scheduler.h for behaviour.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/instant.h"
#include "crypto/hash.h"

namespace ferry::downloader {

// A peer: its 32-byte Ed25519 public key.
struct NodeId {
  std::array<uint8_t, 32> bytes{};
  auto operator<=>(const NodeId&) const = default;
};

// A label joining resources and nodes. A document is Group::doc(namespace):
// every peer of the document may provide every wanted blob of it.
struct GroupId {
  enum class Kind : uint8_t { kDoc = 0, kOther = 1 };
  Kind kind = Kind::kDoc;
  std::array<uint8_t, 32> bytes{};
  static GroupId doc(const std::array<uint8_t, 32>& namespace_id) {
    return GroupId{Kind::kDoc, namespace_id};
  }
  auto operator<=>(const GroupId&) const = default;
};

// What to fetch: a single blob, or a hash sequence and every blob it lists.
enum class ResourceKind : uint8_t { kBlob = 0, kHashSeq = 1 };

struct Resource {
  crypto::Hash hash;
  ResourceKind kind = ResourceKind::kBlob;
  auto operator<=>(const Resource&) const = default;
};

// A caller's handle on a wanted resource. Encodes a slot and a generation, so
// a stale id (already finished or cancelled) is recognised and ignored.
struct IntentId {
  uint64_t value = 0;
  auto operator<=>(const IntentId&) const = default;
};

// One started transfer; the same encoding as IntentId.
struct TransferId {
  uint64_t value = 0;
  auto operator<=>(const TransferId&) const = default;
};

// Higher runs first. Only 16 levels (0..15): the ready-set key packs it in
// four bits (see ready_key.h).
struct Priority {
  uint8_t value = 8;
  static constexpr uint8_t kMax = 15;
  auto operator<=>(const Priority&) const = default;
};

// What an intent does when its resource cannot be fetched.
//   kFailFast: fail as soon as no (non-skipped, non-failed) provider is left.
//   kWait: keep waiting for new providers (a later hint or group member
//     restarts the download) until `retry_budget` failed attempts have been
//     made since the intent was added, or until `deadline` has passed since it
//     was added. At least one bound always applies: if neither is set,
//     Config::default_wait_deadline is used, so no intent waits silently
//     forever.
struct FailurePolicy {
  enum class Mode : uint8_t { kFailFast, kWait };
  Mode mode = Mode::kWait;
  std::optional<uint32_t> retry_budget;
  std::optional<Duration> deadline;

  static FailurePolicy fail_fast() { return {Mode::kFailFast, std::nullopt, std::nullopt}; }
  static FailurePolicy wait(std::optional<uint32_t> budget, std::optional<Duration> deadline) {
    return {Mode::kWait, budget, deadline};
  }
};

struct IntentOptions {
  Priority priority{};
  FailurePolicy policy{};
};

// Where a resource may come from. `skip_nodes` are known not to provide it
// (they are never asked for it, even as members of one of its groups).
struct ResourceHints {
  std::vector<NodeId> nodes{};
  std::vector<NodeId> skip_nodes{};
  std::vector<GroupId> groups{};
};

// What a node may provide: resources (hints, kept even while the resource is
// not wanted yet) and groups (the node becomes a candidate for every wanted
// resource of the group).
struct NodeHints {
  std::vector<Resource> resources{};
  std::vector<GroupId> groups{};
};

// Limits and timing. Defaults suit a desktop node; tests shrink them.
struct Config {
  // Concurrent transfers, all nodes together.
  uint32_t max_transfers = 64;
  // Concurrent transfers per node (pipelining hides the round trip).
  uint32_t max_transfers_per_node = 4;
  // Open connections (connected + dialing).
  uint32_t max_connections = 64;
  // Concurrent dials.
  uint32_t max_dials = 8;

  // Dial retry: delay = min(cap, initial * factor^(attempt-1)), then reduced
  // by a random fraction up to `jitter` (0..1) from the seeded PRNG. After
  // `max_dial_attempts` consecutive failures the node is marked failed and its
  // hints and group memberships are dropped.
  Duration dial_backoff_initial = std::chrono::milliseconds(500);
  double dial_backoff_factor = 2.0;
  Duration dial_backoff_cap = std::chrono::seconds(30);
  double dial_backoff_jitter = 0.5;
  uint32_t max_dial_attempts = 5;

  // A connection with no transfer is closed after this long.
  Duration idle_timeout = std::chrono::seconds(10);

  // Applied to kWait intents that set neither a retry budget nor a deadline.
  Duration default_wait_deadline = std::chrono::minutes(30);

  // Pruning (see scheduler.h, "Pruning"). Hints on resources nobody wants
  // are kept this long, and at most `max_unwanted_resources` of them (oldest
  // dropped first). Nodes without purpose (no hints, no groups, no
  // connection) are forgotten after `node_ttl`, at most `max_idle_nodes`.
  Duration unwanted_ttl = std::chrono::minutes(10);
  uint32_t max_unwanted_resources = 100'000;
  Duration node_ttl = std::chrono::minutes(10);
  uint32_t max_idle_nodes = 10'000;
};

}  // namespace ferry::downloader

template <>
struct std::hash<ferry::downloader::NodeId> {
  size_t operator()(const ferry::downloader::NodeId& n) const noexcept {
    size_t v;
    std::memcpy(&v, n.bytes.data(), sizeof(v));
    return v;
  }
};

template <>
struct std::hash<ferry::downloader::GroupId> {
  size_t operator()(const ferry::downloader::GroupId& g) const noexcept {
    size_t v;
    std::memcpy(&v, g.bytes.data(), sizeof(v));
    return v ^ static_cast<size_t>(g.kind);
  }
};
