// PendingCommits: waits for the grouped commits of one transfer (a GET of
// one blob or of a HashSeq and its children) to become durable.
//
// The getter calls track() for every writer it finish_async()es and passes
// the returned callback to it; when the transfer's stream has ended it asks
// when_durable() for one answer covering all of them. Holds no thread: the
// answer runs on whichever thread completes the last commit (the store's
// committer), or inline when nothing is pending.
//
// Thread-safety: every method may be called from any thread. Owned by
// shared_ptr: the callbacks it hands out keep it alive.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "blobs/store.h"

namespace ferry::blobs {

class PendingCommits : public std::enable_shared_from_this<PendingCommits> {
 public:
  static std::shared_ptr<PendingCommits> make() {
    return std::shared_ptr<PendingCommits>(new PendingCommits());
  }

  // One more commit to wait for; pass the result to BlobWriter::finish_async.
  BlobWriter::FinishCallback track();
  // Commits tracked and not yet answered.
  size_t pending() const;
  // `done` gets OK once every tracked commit is durable, or the first
  // commit error (it still waits for all of them). Runs inline when nothing
  // is pending. Requires: called at most once, after the last track().
  void when_durable(std::function<void(Status)> done);

 private:
  PendingCommits() = default;
  void completed(const Result<BlobStatus>& r);

  mutable std::mutex mu_;
  size_t pending_ = 0;
  std::optional<Error> error_;
  std::function<void(Status)> done_;
};

}  // namespace ferry::blobs
