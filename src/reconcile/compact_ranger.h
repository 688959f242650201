// CompactRanger: the compact Ferry-to-Ferry reconciliation dialect (messages
// in reconcile/compact_message.h), sans-IO, over the same SortedSetStore
// and with the same hooks, validation and RejectReason counting as Ranger.
// Modelled on negentropy: contiguous ranges encoded by their upper bound
// only, truncated fingerprints, id lists at the leaves, a large split
// factor.
//
// Protocol. Each side keeps a queue of work it owes the peer, over
// disjoint ranges of the key space (a range's work is held by exactly one
// side at a time):
//   - a range whose Fingerprint differed from ours: split it (k sub-ranges
//     at equal entry counts, each sent as a Fingerprint, or as an IdList
//     when it holds <= sub_idlist_max entries), or send an IdList when we
//     hold <= idlist_threshold entries there;
//   - a received IdList: answer with IdListReply (our entries it lacks,
//     and which of its ids we lack);
//   - entries still owed (the needs of an IdListReply, found again by id in
//     the range, or what did not fit).
// A split bound is the shortest prefix of the id at the split point that
// is greater than the id before it, so bounds stay short and both sides
// agree on range membership by plain byte comparison.
// Without a cap every queued item is done in the next message. With
// `max_message_bytes`, work is done in key order while it fits and the rest
// stays queued (flag `more`), so every message carries as much work as the
// cap allows and no work is repeated. When the peer's last message left room
// under the cap and ours is full, queued splits are handed back as our
// Fingerprint of the range (the peer finds the difference and does the
// split or the IdList), so both directions stay full. A side ends the exchange (no reply)
// when it has nothing to send, no queued work and the peer said not `more`.
//
// Fingerprint collisions (16 bytes of an XOR of BLAKE3 outputs; ids: 16
// bytes of the entry's BLAKE3 fingerprint) only make this run skip a
// difference, never corrupt a store; for honest entries the chance is about
// (ranges compared) x 2^-128. A peer that forges colliding entries can only
// delay the sync of its own entries.
// Errors from process(): kProtocol for an IdListReply that matches no
// IdList we sent, a malformed needs bitfield, work overlapping queued work,
// or an entry id under 64 bytes; store errors as returned.
#pragma once

#include <map>
#include <optional>

#include "reconcile/compact_message.h"
#include "reconcile/ranger.h"

namespace ferry::reconcile::compact {

struct CompactConfig {
  // Sub-ranges per split. Requires: >= 2.
  uint32_t split_factor = 16;
  // A differing range where we hold at most this many entries is answered
  // by an IdList instead of a split. 32 by benchmark: 16 saves 7 % of the
  // bytes of a 100k/1% sync for one more round and twice the CPU.
  uint64_t idlist_threshold = 32;
  // Sub-ranges of a split holding at most this many entries are sent as an
  // IdList right away (saves a round trip for about the same bytes).
  uint64_t sub_idlist_max = 1;
  // Soft cap on each message's encoded size; 0 = none. A message exceeds it
  // only by its first work item (progress) when that alone is larger.
  uint64_t max_message_bytes = 0;
};

template <RangerItem Item>
class CompactRanger {
  using Traits = ItemTraits<Item>;
  using Entries = std::vector<std::pair<Item, ContentStatus>>;

 public:
  // Requires: namespace_id.size() == 32; `store` holds exactly this
  // document and outlives the ranger.
  CompactRanger(SortedSetStore<Item>& store, ByteView namespace_id, CompactConfig config = {},
                RangerHooks<Item> hooks = {})
      : store_(store),
        ns_(namespace_id.begin(), namespace_id.end()),
        config_(config),
        hooks_(std::move(hooks)) {
    if (config_.split_factor < 2) config_.split_factor = 2;
  }

  // The dialer's first message: the whole key space, split or listed.
  Result<CompactMessage<Item>> initial_message();
  // Processes a received message; returns the reply, or nullopt when the
  // exchange ends.
  Result<std::optional<CompactMessage<Item>>> process(const CompactMessage<Item>& in);

  const RangerStats& stats() const { return stats_; }
  const CompactConfig& config() const { return config_; }
  size_t queued_work() const { return work_.size(); }
  size_t outstanding_id_lists() const { return outstanding_.size(); }

 private:
  enum class Kind { kSplit, kReply, kSendExcluding, kSendIds };
  struct Work {
    Kind kind = Kind::kSplit;
    Bytes hi;  // wire bound (without namespace)
    bool hi_inf = false;
    // kReply, kSendExcluding: the peer's list (in its order); kSendIds: the
    // ids of ours the peer needs.
    std::vector<ShortId> peer_ids;
    // kSplit: the cuts at its bounds, valid while `generation` equals the
    // ranger's (no entry stored since).
    Cut lo_cut, hi_cut;
    uint64_t generation = ~uint64_t{0};
  };
  static Work make_work(Kind kind, const Bytes& hi, bool hi_inf, std::vector<ShortId> ids = {}) {
    Work w;
    w.kind = kind;
    w.hi = hi;
    w.hi_inf = hi_inf;
    w.peer_ids = std::move(ids);
    return w;
  }
  // An IdList we sent, awaiting its IdListReply.
  struct Outstanding {
    Bytes hi;
    bool hi_inf = false;
    std::vector<ShortId> ids;  // in the order of the list
  };
  struct Out {
    CompactMessage<Item> msg;
    // Wire upper bound of the last range (empty before the first).
    ByteView prev() const {
      return msg.ranges.empty() ? ByteView() : ByteView(msg.ranges.back().upper);
    }
    uint64_t used = 4;  // flags + range count (up to 3 varint bytes)
    size_t items = 0;   // work items emitted
  };

  // namespace ‖ wire, in a reused buffer (valid until the next call).
  ByteView internal(ByteView wire) {
    scratch_.assign(ns_.begin(), ns_.end());
    append(scratch_, wire);
    return scratch_;
  }
  Result<Cut> cut_of(const Bytes& wire, bool inf);
  Result<Cut> end_cut();
  Status add_work(const Bytes& lo, Work w);
  // Emits queued work into `out` until the cap. `peer_spare`: room the
  // peer's last message left under the cap (0 if it had more work): queued
  // splits it could do instead are handed back to it as Fingerprints.
  Status emit(Out& out, uint64_t peer_spare);
  // Each returns whether the item was finished (false: message full; the
  // item, or what is left of it, stays queued).
  Result<bool> emit_split(Out& out, const Bytes& lo, const Work& w);
  Result<bool> emit_entries(Out& out, const Bytes& lo, Work& w);
  Status list_ids(uint64_t lo, uint64_t hi, std::vector<ShortId>& ids);
  void put(Out& out, const Bytes& lo, CompactRange<Item> r);
  bool over_cap(const Out& out, uint64_t extra) const {
    return config_.max_message_bytes != 0 && out.used + extra > config_.max_message_bytes;
  }
  Result<Bytes> pivot_bound(uint64_t position, Cut& cut);
  static ShortId short_id(const Fingerprint& fp) {
    ShortId id;
    std::copy_n(fp.bytes().begin(), kIdSize, id.begin());
    return id;
  }
  ContentStatus local_status(const Item& item) const {
    return hooks_.content_status ? hooks_.content_status(item) : ContentStatus::kMissing;
  }

  SortedSetStore<Item>& store_;
  Bytes ns_;
  CompactConfig config_;
  RangerHooks<Item> hooks_;
  RangerStats stats_;
  std::map<Bytes, Work, BoundLess> work_;                // keyed by wire lower bound
  std::map<Bytes, Outstanding, BoundLess> outstanding_;  // keyed by wire lower bound
  std::optional<Cut> end_cut_;
  Bytes scratch_;
  uint64_t generation_ =
      0;  // bumped whenever received entries are stored  // valid while the store is unchanged
};

}  // namespace ferry::reconcile::compact

#include "reconcile/compact_ranger_inl.h"
