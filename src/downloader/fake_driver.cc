#include "downloader/fake_driver.h"

namespace ferry::downloader {
void FakeTransport::connect(const NodeId& node) {
  dials.push_back(node);
}
void FakeTransport::close(const NodeId& node) {
  closes.push_back(node);
}
void FakeTransport::start_transfer(TransferId transfer, const NodeId& node,
                                   const Resource& resource) {
  started.push_back(Started{transfer, node, resource});
  running[transfer.value] = Started{transfer, node, resource};
}
void FakeTransport::cancel_transfer(TransferId transfer, const NodeId&) {
  cancelled.insert(transfer.value);
  running.erase(transfer.value);
}

void RecordingObserver::on_progress(IntentId intent, uint64_t bytes, uint64_t total,
                                    const NodeId& node) {
  progress.push_back(Progress{intent, bytes, total, node});
}
void RecordingObserver::on_completed(IntentId intent) {
  completed.push_back(intent);
}
void RecordingObserver::on_failed(IntentId intent, ErrorCode code) {
  failed.emplace_back(intent, code);
}

}  // namespace ferry::downloader
