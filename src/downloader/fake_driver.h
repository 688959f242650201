// FakeTransport and RecordingObserver: test doubles for the driver interface.
// FakeTransport records every request; the test decides when and how each one
// completes, by feeding events through the Driver.
#pragma once

#include <map>
#include <set>
#include <vector>

#include "downloader/driver.h"

namespace ferry::downloader {

class FakeTransport : public Transport {
 public:
  struct Started {
    TransferId transfer;
    NodeId node;
    Resource resource;
  };

  void connect(const NodeId& node) override;
  void close(const NodeId& node) override;
  void start_transfer(TransferId transfer, const NodeId& node, const Resource& resource) override;
  void cancel_transfer(TransferId transfer, const NodeId& node) override;

  std::vector<NodeId> dials;            // connect() calls, in order
  std::vector<NodeId> closes;           // close() calls, in order
  std::vector<Started> started;         // start_transfer() calls, in order
  std::map<uint64_t, Started> running;  // started and not yet completed or cancelled
  std::set<uint64_t> cancelled;         // cancel_transfer() ids

  // Removes `transfer` from `running` (the test completes it).
  void forget(TransferId transfer) { running.erase(transfer.value); }
};

class RecordingObserver : public IntentObserver {
 public:
  struct Progress {
    IntentId intent;
    uint64_t bytes, total;
    NodeId node;
  };
  void on_progress(IntentId intent, uint64_t bytes, uint64_t total, const NodeId& node) override;
  void on_completed(IntentId intent) override;
  void on_failed(IntentId intent, ErrorCode code) override;

  std::vector<Progress> progress;
  std::vector<IntentId> completed;
  std::vector<std::pair<IntentId, ErrorCode>> failed;
};

}  // namespace ferry::downloader
