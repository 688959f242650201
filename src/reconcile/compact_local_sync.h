// run_compact_local_sync: reconciles two stores in-process with two
// CompactRangers (dialer a, acceptor b) passing encoded messages, like
// run_local_sync does for the iroh dialect. Byte counts are real; wire_bytes
// adds the session framing (4-byte length and 1-byte tag per frame, plus the
// 32-byte namespace in Init), as for the iroh dialect.
#pragma once

#include <cstdint>

#include "reconcile/compact_ranger.h"
#include "reconcile/local_sync.h"

namespace ferry::reconcile::compact {

// Errors: those of CompactRanger::process and decode_compact, or kInternal
// if the exchange exceeds `max_messages`.
template <RangerItem Item>
Result<LocalSyncResult> run_compact_local_sync(SortedSetStore<Item>& a, SortedSetStore<Item>& b,
                                               ByteView namespace_id, CompactConfig config_a = {},
                                               CompactConfig config_b = {},
                                               RangerHooks<Item> hooks_a = {},
                                               RangerHooks<Item> hooks_b = {},
                                               uint64_t max_messages = 1000000) {
  CompactRanger<Item> ra(a, namespace_id, config_a, std::move(hooks_a));
  CompactRanger<Item> rb(b, namespace_id, config_b, std::move(hooks_b));
  LocalSyncResult res;
  FERRY_ASSIGN(CompactMessage<Item> msg, ra.initial_message());
  bool to_b = true;
  for (;;) {
    Bytes wire = encode_compact(msg);
    ++res.messages;
    res.message_bytes += wire.size();
    res.wire_bytes += wire.size() + 5 + (res.messages == 1 ? 32 : 0);
    res.largest_message = std::max<uint64_t>(res.largest_message, wire.size());
    FERRY_ASSIGN(CompactMessage<Item> decoded, decode_compact<Item>(ByteView(wire)));
    CompactRanger<Item>& receiver = to_b ? rb : ra;
    FERRY_ASSIGN(auto reply, receiver.process(decoded));
    if (!reply) break;
    if (res.messages >= max_messages) {
      return make_error(ErrorCode::kInternal, "compact local sync did not terminate");
    }
    msg = std::move(*reply);
    to_b = !to_b;
  }
  res.stats_a = ra.stats();
  res.stats_b = rb.stats();
  return res;
}

}  // namespace ferry::reconcile::compact
