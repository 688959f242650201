// Ranger: the range-based set reconciliation procedure of iroh-docs 0.35
// (spec §4.5-§4.7), sans-IO, generic over the entry type and the store.
//
// One Ranger serves one sync run of one document (namespace) on one side.
// The dialer sends initial_message(); each received Message goes through
// process(), whose result is the reply to send, or nullopt for "no reply",
// which ends the exchange (§4.6 C).
//
// With RangerConfig defaults (split_factor 2, max_set_size 1) the produced
// messages are byte-identical to an iroh 0.35 peer's. Larger values (Ferry
// to Ferry: fewer round trips) produce messages of the same format that any
// iroh peer processes correctly, since any split into non-empty sub-ranges
// interoperates.
//
// Received values are checked in this order, each failure counted under its
// RejectReason and the value dropped (the sync continues, as in iroh):
// namespace matches the document; the injected validate hook (signatures,
// timestamp bound, key size: the docs layer's rules); then the store's
// insert rules (kNotNewer for duplicates and older values).
// Errors from process(): kProtocol for an id under 64 bytes in a range or
// entry (the caller ends the sync), store errors as returned by the store.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "reconcile/message.h"
#include "reconcile/store.h"

namespace ferry::reconcile {

enum class RejectReason : uint8_t {
  kWrongNamespace,   // entry of another document
  kBadSignature,     // author or namespace signature fails
  kFutureTimestamp,  // timestamp beyond the allowed clock skew
  kKeyTooLarge,      // key over the configured maximum
  kInvalidEntry,     // any other validation failure
  kNotNewer,         // the store already holds an equal or newer value
};
inline constexpr size_t kRejectReasonCount = 6;
std::string_view reject_reason_name(RejectReason r);

struct RangerConfig {
  // Sub-ranges per split. 2 = iroh's. Requires: >= 2.
  uint32_t split_factor = 2;
  // Ranges with at most this many local entries are answered with items
  // rather than split further. 1 = iroh's. Requires: >= 1.
  uint64_t max_set_size = 1;
  // Soft cap on the encoded size of each produced message; 0 = none (iroh).
  // An incoming range is evaluated only while the reply, plus room to
  // answer every later incoming range by a fingerprint, stays under the
  // cap; the ranges not evaluated are answered with one RangeFingerprint per
  // contiguous run (our local fingerprint), which any iroh peer processes
  // normally, so the work continues next round. Value lists are cut to fit
  // (the rest of their range deferred likewise). A reply can exceed the cap
  // by the output of one evaluated range (at most split_factor fingerprints
  // or max_set_size values) or when the incoming ranges alone exceed it.
  uint64_t max_message_bytes = 0;
};

template <typename Item>
struct RangerHooks {
  // Validation of a received entry (beyond its namespace); nullopt = valid.
  // Null hook: every entry is valid (tests, pre-verified benchmark entries).
  std::function<std::optional<RejectReason>(const Item&)> validate;
  // Local blob status of an entry's content, attached to sent values.
  // Null hook: kMissing (what iroh sends without a callback).
  std::function<ContentStatus(const Item&)> content_status;
  // Called after a received entry was inserted, with the sender's status
  // (the RemoteInsert event).
  std::function<void(const Item&, ContentStatus)> on_inserted;
};

struct RangerStats {
  uint64_t num_recv = 0;      // values received
  uint64_t num_sent = 0;      // values sent
  uint64_t num_inserted = 0;  // received values stored
  // Maximum timestamp per author (32-byte id) among valid received values.
  std::map<Bytes, uint64_t> heads_received;
  std::array<uint64_t, kRejectReasonCount> rejected{};
  uint64_t rejected_total() const {
    uint64_t t = 0;
    for (auto v : rejected) t += v;
    return t;
  }
};

// Validates and stores one received value as described above (shared by
// both dialects). Errors: kProtocol for an id under 64 bytes; store errors.
template <RangerItem Item>
Status receive_value(SortedSetStore<Item>& store, ByteView namespace_id,
                     const RangerHooks<Item>& hooks, RangerStats& stats, const Item& value,
                     ContentStatus status);

template <RangerItem Item>
class Ranger {
  using Traits = ItemTraits<Item>;
  using Values = std::vector<std::pair<Item, ContentStatus>>;

 public:
  // Requires: namespace_id.size() == 32; `store` holds exactly this
  // document and outlives the Ranger.
  Ranger(SortedSetStore<Item>& store, ByteView namespace_id, RangerConfig config = {},
         RangerHooks<Item> hooks = {})
      : store_(store),
        namespace_(namespace_id.begin(), namespace_id.end()),
        config_(config),
        hooks_(std::move(hooks)) {}

  // The dialer's first message (§4.5): RangeFingerprint over (first, first).
  Result<Message<Item>> initial_message();

  // Processes a received message (§4.6). Returns the reply, or nullopt when
  // there is nothing to send (the exchange ends).
  Result<std::optional<Message<Item>>> process(const Message<Item>& in);

  const RangerStats& stats() const { return stats_; }
  const RangerConfig& config() const { return config_; }

 private:
  // Per-process() state of the message size cap (unused without a cap).
  struct Budget {
    // One per incoming part that needs an answer, in processing order.
    struct Record {
      Range range;
      bool evaluated = false;
      size_t out_begin = 0;      // its output parts start here in `out`
      std::vector<Range> tails;  // parts of its range left for later
    };
    std::vector<Record> records;
    std::vector<uint64_t> part_sizes;  // encoded size of each output part
    uint64_t used = 1;                 // encoded size of `out` so far
    uint64_t reserve = 0;              // room kept for answering later parts by fingerprints
    bool exhausted = false;
  };

  Status receive(const Item& value, ContentStatus status);
  Status process_fingerprint(const RangeFingerprint& f, Message<Item>& out);
  Status append_values(const Range& r, Values& out);
  Status emit_sub_range(Range sub, Message<Item>& out);
  // Emits RangeItem{range, values, have_local}. Under the size cap, emits
  // only a prefix (in circular order from range.x) that fits, as a RangeItem
  // over (x, c), and leaves (c, y) for later (c = the first value left out).
  void emit_values(const Range& range, Values values, bool have_local, Message<Item>& out);
  // Size cap helpers: measure `out`; decide whether the next incoming part
  // (answered by a fingerprint of `own` bytes if not evaluated; `reserve`
  // bytes for it and all later ones) is evaluated; and finally roll back
  // evaluated parts until the reply fits, then answer everything left with
  // one RangeFingerprint per contiguous run.
  uint64_t measure(const Message<Item>& out);
  bool may_evaluate(const Message<Item>& out, uint64_t reserve, uint64_t own);
  Status finish_budget(Message<Item>& out);
  std::vector<Range> deferred_runs() const;
  Result<uint64_t> count_below(const Bytes& key);
  ContentStatus local_status(const Item& item) const {
    return hooks_.content_status ? hooks_.content_status(item) : ContentStatus::kMissing;
  }
  static Status check_range(const Range& r) {
    if (r.x.size() < kMinIdSize || r.y.size() < kMinIdSize)
      return make_error(ErrorCode::kProtocol, "range endpoint shorter than 64 bytes");
    return ok();
  }

  SortedSetStore<Item>& store_;
  Bytes namespace_;
  RangerConfig config_;
  RangerHooks<Item> hooks_;
  RangerStats stats_;
  Budget budget_;
};

}  // namespace ferry::reconcile

#include "reconcile/ranger_inl.h"
