// See pending_commits.h.
#include "blobs/pending_commits.h"

namespace ferry::blobs {

BlobWriter::FinishCallback PendingCommits::track() {
  {
    std::lock_guard lock(mu_);
    ++pending_;
  }
  return [self = shared_from_this()](Result<BlobStatus> r) { self->completed(r); };
}

size_t PendingCommits::pending() const {
  std::lock_guard lock(mu_);
  return pending_;
}

void PendingCommits::completed(const Result<BlobStatus>& r) {
  std::function<void(Status)> done;
  Status outcome = ok();
  {
    std::lock_guard lock(mu_);
    if (!r && !error_) error_ = r.error();
    if (--pending_ > 0 || !done_) return;
    done = std::move(done_);
    done_ = nullptr;
    if (error_) outcome = tl::unexpected(*error_);
  }
  done(outcome);
}

void PendingCommits::when_durable(std::function<void(Status)> done) {
  Status outcome = ok();
  {
    std::lock_guard lock(mu_);
    if (pending_ > 0) {
      done_ = std::move(done);
      return;
    }
    if (error_) outcome = tl::unexpected(*error_);
  }
  done(outcome);
}

}  // namespace ferry::blobs
