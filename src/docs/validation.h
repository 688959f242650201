// Validation of entries received from peers (spec iroh-0.35-wire.md §3.4,
// §3.5 "Validation by path"). Sans-IO: the current time is passed in.
//
// Paths:
//   sync (ranger)   namespace matches, both signatures verify_strict,
//                   timestamp bound. No empty-consistency check (iroh
//                   accepts len 0 with a non-empty hash via sync).
//   gossip (Put)    the same plus empty-consistency (len == 0 ⟺ hash ==
//                   EMPTY, else InvalidEmptyEntry).
// Ferry adds a maximum key size on every path (iroh has none).
//
// Timestamp tolerance: an entry is rejected if timestamp > now + tolerance.
// Ferry's default is 10 minutes. iroh 0.35 documents 10 minutes but its
// constant is 600000 in µs, i.e. 0.6 s (verified live: +400/550 ms accepted,
// +800/1000 ms rejected); set max_future_us = 600000 to mimic it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "docs/entry.h"
#include "ferry/result.h"

namespace ferry::docs {

inline constexpr size_t kDefaultMaxKeySize = 4096;
inline constexpr uint64_t kDefaultMaxFutureUs = 10ull * 60 * 1000 * 1000;  // 10 minutes
inline constexpr uint64_t kIrohMaxFutureUs = 600000;                       // iroh 0.35: 0.6 s

struct ValidationOptions {
  size_t max_key_size = kDefaultMaxKeySize;
  uint64_t max_future_us = kDefaultMaxFutureUs;
};

enum class RemotePath { kSync, kGossip };

enum class RejectReason {
  kKeyTooLarge,
  kWrongNamespace,
  kInvalidEmptyEntry,
  kFutureTimestamp,
  kBadSignature,
};
std::string_view reject_reason_name(RejectReason r);

struct Rejection {
  RejectReason reason;
  std::string detail;
  // kInvalidArgument, or kCorrupt for kBadSignature.
  Error to_error() const;
};

// Checks cheapest first, signatures last. nullopt = valid.
std::optional<Rejection> check_remote_entry(const SignedEntry& e, const NamespaceId& expected_ns,
                                            uint64_t now_us, RemotePath path,
                                            const ValidationOptions& opts);

// Key-size check shared with local inserts. kInvalidArgument
// "key too large: N bytes > maximum M".
Status check_key_size(size_t key_size, const ValidationOptions& opts);

}  // namespace ferry::docs
