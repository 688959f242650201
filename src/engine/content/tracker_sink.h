// TrackerSink: the engine's ContentSink (engine/content_sink.h) in front of a
// ContentTracker. ContentSink calls arrive inside docs::Store observers, where
// nothing may call back into the store, so they are only buffered here;
// flush() feeds them to the tracker, in order, from the owner thread once the
// store call has returned (the node posts a flush after each engine event).
// Requires: flush is called promptly (the buffer holds one entry per call).
// Lifetime: the tracker outlives the sink.
#pragma once

#include <deque>
#include <variant>

#include "engine/content/tracker.h"
#include "engine/content_sink.h"

namespace ferry::engine::content {

inline dl::NodeId to_node_id(const crypto::PublicKey& key) {
  return dl::NodeId{key.bytes()};
}

class TrackerSink final : public engine::ContentSink {
 public:
  explicit TrackerSink(ContentTracker& tracker) : tracker_(tracker) {}

  void on_remote_insert(const docs::NamespaceId& ns, const docs::SignedEntry& entry,
                        const crypto::PublicKey& from_node,
                        reconcile::ContentStatus content_status) override {
    pending_.push_back(Insert{ns, entry, to_node_id(from_node), content_status});
  }
  void on_sync_finished(const docs::NamespaceId& ns, const crypto::PublicKey& peer) override {
    pending_.push_back(Synced{ns, to_node_id(peer)});
  }

  // Feeds every buffered call; returns the first error (the rest are still
  // fed, so one bad call does not block the others).
  Status flush(Instant now) {
    Status first = ok();
    while (!pending_.empty()) {
      auto item = std::move(pending_.front());
      pending_.pop_front();
      Status st = std::visit(
          [&](const auto& c) -> Status {
            using T = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<T, Insert>) {
              return tracker_.on_remote_insert(c.ns, c.entry, c.from, c.status, now);
            } else {
              return tracker_.on_sync_finished(c.ns, c.peer, now);
            }
          },
          item);
      if (first && !st) first = std::move(st);
    }
    return first;
  }
  bool empty() const { return pending_.empty(); }

 private:
  struct Insert {
    docs::NamespaceId ns;
    docs::SignedEntry entry;
    dl::NodeId from;
    reconcile::ContentStatus status;
  };
  struct Synced {
    docs::NamespaceId ns;
    dl::NodeId peer;
  };
  ContentTracker& tracker_;
  std::deque<std::variant<Insert, Synced>> pending_;
};

}  // namespace ferry::engine::content
