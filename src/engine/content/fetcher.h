// Fetcher: the part of the downloader the missing-content tracker drives.
// Its three methods are downloader::Driver's commands (driver.h), so the node
// wraps its Driver in DriverFetcher; tests wrap a bare Scheduler.
//
// Intent outcomes come back through the driver's IntentObserver: the node
// routes IntentCompleted / IntentFailed for the tracker's intents to
// ContentTracker::on_intent_completed / on_intent_failed.
// Requires: outcomes are never delivered synchronously from inside
// add_resource (true for the wait intents the tracker uses).
#pragma once

#include "downloader/driver.h"
#include "downloader/types.h"

namespace ferry::engine::content {

namespace dl = ferry::downloader;

class Fetcher {
 public:
  virtual ~Fetcher() = default;
  virtual dl::IntentId add_resource(const dl::Resource& resource, const dl::IntentOptions& options,
                                    const dl::ResourceHints& hints, Instant now) = 0;
  virtual bool cancel_intent(dl::IntentId intent, Instant now) = 0;
  virtual void add_node(const dl::NodeId& node, const dl::NodeHints& hints, Instant now) = 0;
};

// Forwards to a downloader::Driver (which carries out the actions at once).
// Lifetime: the driver outlives this object.
class DriverFetcher final : public Fetcher {
 public:
  explicit DriverFetcher(dl::Driver& driver) : driver_(driver) {}
  dl::IntentId add_resource(const dl::Resource& resource, const dl::IntentOptions& options,
                            const dl::ResourceHints& hints, Instant now) override {
    return driver_.add_resource(resource, options, hints, now);
  }
  bool cancel_intent(dl::IntentId intent, Instant now) override {
    return driver_.cancel_intent(intent, now);
  }
  void add_node(const dl::NodeId& node, const dl::NodeHints& hints, Instant now) override {
    driver_.add_node(node, hints, now);
  }

 private:
  dl::Driver& driver_;
};

}  // namespace ferry::engine::content
