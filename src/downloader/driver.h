// The driver interface: how the engine turns Scheduler actions into IO and IO
// completions back into events. Holds no policy (every "which node, which
// resource, when" lives in Scheduler).
//
// The engine implements Transport (QUIC dials, /iroh-bytes/4 GETs into the
// blob store) and IntentObserver (wake API waiters, update missing sets), and
// owns one timer that it re-arms to deadline() after every call; when the
// timer fires it calls feed(DeadlineReached{}, now). Completions must be fed
// later from the event loop, never from inside a Transport call.
#pragma once

#include <optional>

#include "downloader/scheduler.h"

namespace ferry::downloader {

class Transport {
 public:
  virtual ~Transport() = default;
  // Answer later with Connected or DialFailed.
  virtual void connect(const NodeId& node) = 0;
  virtual void close(const NodeId& node) = 0;
  // Answer later with TransferProgressed*, then TransferFinished or
  // TransferFailed (or ConnectionLost for the node).
  virtual void start_transfer(TransferId transfer, const NodeId& node,
                              const Resource& resource) = 0;
  // No answer needed; a late completion is ignored by the scheduler.
  virtual void cancel_transfer(TransferId transfer, const NodeId& node) = 0;
};

class IntentObserver {
 public:
  virtual ~IntentObserver() = default;
  virtual void on_progress(IntentId intent, uint64_t bytes, uint64_t total, const NodeId& node) = 0;
  virtual void on_completed(IntentId intent) = 0;
  virtual void on_failed(IntentId intent, ErrorCode code) = 0;
};

// Feeds the scheduler and carries out its actions.
// Lifetime: the three references must outlive the driver.
class Driver {
 public:
  Driver(Scheduler& scheduler, Transport& transport, IntentObserver& observer)
      : scheduler_(scheduler), transport_(transport), observer_(observer) {}

  IntentId add_resource(const Resource& resource, const IntentOptions& options,
                        const ResourceHints& hints, Instant now) {
    IntentId id = scheduler_.add_resource(resource, options, hints, now);
    pump();
    return id;
  }
  bool cancel_intent(IntentId intent, Instant now) {
    bool found = scheduler_.cancel_intent(intent, now);
    pump();
    return found;
  }
  void add_node(const NodeId& node, const NodeHints& hints, Instant now) {
    scheduler_.add_node(node, hints, now);
    pump();
  }
  void feed(const Event& event, Instant now) {
    scheduler_.handle(event, now);
    pump();
  }
  // When the engine's timer must fire next (re-arm after every call).
  std::optional<Instant> deadline() const { return scheduler_.next_deadline(); }

 private:
  void pump();

  Scheduler& scheduler_;
  Transport& transport_;
  IntentObserver& observer_;
};

}  // namespace ferry::downloader
