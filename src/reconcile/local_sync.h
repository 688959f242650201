// run_local_sync: reconciles two stores in-process by passing encoded
// messages between two Rangers (dialer a, acceptor b), the way two peers
// joined by a pipe would, without the session framing. Every message is
// encoded and decoded, so byte counts are real. Used by tests, the
// simulator and the benchmarks.
#pragma once

#include <cstdint>

#include "reconcile/ranger.h"

namespace ferry::reconcile {

struct LocalSyncResult {
  uint64_t messages = 0;       // messages exchanged, including the initial one
  uint64_t message_bytes = 0;  // sum of encoded Message sizes
  // message_bytes plus /iroh-sync/1 framing: 4-byte length and 1-byte
  // SyncMessage tag per frame, plus the 32-byte namespace in Init.
  uint64_t wire_bytes = 0;
  uint64_t largest_message = 0;
  RangerStats stats_a, stats_b;
  // Round trips as the dialer sees them: ceil(messages / 2).
  uint64_t round_trips() const { return (messages + 1) / 2; }
};

// Errors: those of Ranger::process, or kInternal if the exchange exceeds
// `max_messages` (a bug: reconciliation always terminates).
template <RangerItem Item>
Result<LocalSyncResult> run_local_sync(SortedSetStore<Item>& a, SortedSetStore<Item>& b,
                                       ByteView namespace_id, RangerConfig config_a = {},
                                       RangerConfig config_b = {}, RangerHooks<Item> hooks_a = {},
                                       RangerHooks<Item> hooks_b = {},
                                       uint64_t max_messages = 100000) {
  Ranger<Item> ra(a, namespace_id, config_a, std::move(hooks_a));
  Ranger<Item> rb(b, namespace_id, config_b, std::move(hooks_b));
  LocalSyncResult res;
  FERRY_ASSIGN(Message<Item> msg, ra.initial_message());
  bool to_b = true;
  for (;;) {
    Bytes wire = encode_message(msg);
    ++res.messages;
    res.message_bytes += wire.size();
    res.wire_bytes += wire.size() + 5 + (res.messages == 1 ? 32 : 0);
    res.largest_message = std::max<uint64_t>(res.largest_message, wire.size());
    FERRY_ASSIGN(Message<Item> decoded, decode_message<Item>(ByteView(wire)));
    Ranger<Item>& receiver = to_b ? rb : ra;
    FERRY_ASSIGN(auto reply, receiver.process(decoded));
    if (!reply) break;
    if (res.messages >= max_messages) {
      return make_error(ErrorCode::kInternal, "local sync did not terminate");
    }
    msg = std::move(*reply);
    to_b = !to_b;
  }
  res.stats_a = ra.stats();
  res.stats_b = rb.stats();
  return res;
}

}  // namespace ferry::reconcile
