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

Status FileStore::open_commit_db() {
  if (options_.db_path == ":memory:") return ok();  // one connection: commits take mu_
  FERRY_ASSIGN(commit_db_, Db::open(options_.db_path));
  return commit_db_->exec(options_.sync_commits ? "PRAGMA synchronous=FULL"
                                                : "PRAGMA synchronous=OFF");
}

void FileStore::commit_group(std::vector<QueuedCommit>& group) {
  // On its own connection (WAL: the store's readers go on meanwhile), so the
  // transaction and its fsync never hold mu_. No writer can exist for a
  // queued hash (it is still registered), so its row is absent or complete
  // (imported meanwhile: kept as it is).
  std::unique_lock<std::mutex> db_lock(mu_, std::defer_lock);
  if (!commit_db_) db_lock.lock();
  Db& db = commit_db_ ? *commit_db_ : *db_;
  Status committed = [&]() -> Status {
    Transaction tx(db);
    FERRY_TRY(tx.begin());
    FERRY_ASSIGN(Stmt insert,
                 db.prepare("INSERT INTO blobs (hash, state, size, inline_data, inline_outboard, "
                            "verified) VALUES (?, 2, ?, ?, X'', NULL) ON CONFLICT (hash) DO "
                            "UPDATE SET state = 2, size = excluded.size, inline_data = "
                            "excluded.inline_data, inline_outboard = X'', verified = NULL "
                            "WHERE state != 2"));
    for (auto& c : group) {
      insert.bind(1, c.hash.view())
          .bind(2, static_cast<int64_t>(c.data.size()))
          .bind(3, ByteView(c.data));
      FERRY_TRY(insert.exec());
    }
    return tx.commit();
  }();
  if (!db_lock.owns_lock()) db_lock.lock();
  for (auto& c : group) active_writers_.erase(c.hash);
  db_lock.unlock();
  commit_transactions_.fetch_add(1);
  if (!committed) {
    committed = tl::unexpected(committed.error().with_context(
        "group commit of " + std::to_string(group.size()) + " downloaded blobs"));
  }
  for (auto& c : group) {
    Result<BlobStatus> r =
        tl::unexpected(committed ? Error(ErrorCode::kInternal, "") : committed.error());
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
