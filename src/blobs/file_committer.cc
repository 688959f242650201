// The file store's group committer (see FileStore::enqueue_commit).
//
// Complete small downloads are recorded by one thread: while a transaction
// (and its fsync) runs, newly finished blobs queue up, and the next
// transaction takes all of them. So a burst of N small blobs costs a few
// fsyncs instead of N, and none of them on the caller's (network) thread.
// A blob is acknowledged (its `done` called) only after the transaction
// that records it has committed; until then it has no row, so a crash loses
// it whole and never leaves it claiming to be complete.
#include "blobs/file_store_impl.h"

namespace ferry::blobs {
namespace {

// Bounds one transaction (and so the wait of its first blob).
constexpr size_t kMaxGroup = 4096;

}  // namespace

FileStore::~FileStore() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (committer_.joinable()) committer_.join();
}

void FileStore::enqueue_commit(QueuedCommit commit) {
  {
    std::lock_guard lock(queue_mu_);
    queue_.push_back(std::move(commit));
    if (!committer_.joinable()) committer_ = std::thread([this] { committer_loop(); });
  }
  commits_queued_.fetch_add(1);
  queue_cv_.notify_one();
}

void FileStore::committer_loop() {
  for (;;) {
    std::vector<QueuedCommit> group;
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, everything committed
      while (!queue_.empty() && group.size() < kMaxGroup) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    commit_group(group);
  }
}

void FileStore::commit_group(std::vector<QueuedCommit>& group) {
  Status committed = ok();
  {
    std::lock_guard lock(mu_);
    committed = [&]() -> Status {
      Transaction tx(*db_);
      FERRY_TRY(tx.begin());
      for (auto& c : group) {
        bao::Outboard ob{c.hash, c.data.size(), Bytes()};
        FERRY_ASSIGN(auto r, commit_locked(ob, &c.data));
        (void)r;  // the queued commit's own TempTag protects it until done
      }
      return tx.commit();
    }();
    for (auto& c : group) active_writers_.erase(c.hash);
  }
  commit_transactions_.fetch_add(1);
  if (!committed) {
    committed = tl::unexpected(committed.error().with_context(
        "group commit of " + std::to_string(group.size()) + " downloaded blobs"));
  }
  for (auto& c : group) {
    Result<BlobStatus> r = tl::unexpected(committed ? Error(ErrorCode::kInternal, "") : committed.error());
    if (committed) {
      BlobStatus st;
      st.state = BlobState::kComplete;
      st.size = c.data.size();
      st.verified = bao::ChunkRanges::range(0, bao::BaoTree(st.size).chunks());
      r = std::move(st);
    }
    c.done(std::move(r));  // c.tag protects the blob until the group is dropped
  }
}

FileStoreCounters file_store_counters(Store& store) {
  auto* fs = dynamic_cast<FileStore*>(&store);
  if (fs == nullptr) return {};
  return {fs->commit_transactions(), fs->commits_queued()};
}

}  // namespace ferry::blobs
