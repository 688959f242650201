// Download write sessions of the file store (FileStore::open_writer).
//
// Data and pairs are written in place into <hex>.data / <hex>.obao4. flush()
// syncs both files and only then records the new verified ranges in the
// database; finish() marks the blob complete once every chunk is verified.
//
// A new blob of at most the inline limit (16 KiB: no outboard pairs) is held
// in memory instead and recorded complete, data inline, in one transaction
// when its last chunk arrives: one fsync per small blob rather than six (two
// files, their directory, three commits), and with finish_async() not even
// that: the store's committer records a whole group of them in one
// transaction (file_committer.cc). Its flush() records nothing, so an
// interrupted small download restarts from zero, at most 16 KiB again.
#include <cstring>

#include "blobs/file_store_impl.h"
#include "blobs/import.h"

namespace ferry::blobs {
namespace {

class FileWriter final : public BlobWriter {
 public:
  FileWriter(FileStore* store, const Hash& hash, uint64_t size, bao::ChunkRanges verified,
             std::unique_ptr<env::File> data, std::unique_ptr<env::File> outboard, TempTag tag)
      : store_(store),
        hash_(hash),
        tree_(size),
        verified_(std::move(verified)),
        data_(std::move(data)),
        outboard_(std::move(outboard)),
        tag_(std::move(tag)) {}

  ~FileWriter() override {
    std::lock_guard lock(store_->mu());
    store_->active_writers().erase(hash_);
  }

  const Hash& hash() const override { return hash_; }
  uint64_t size() const override { return tree_.size(); }

  Status write_parent(const bao::Node& node, ByteView pair) override {
    FERRY_ASSIGN(auto index, check_parent(tree_, node, pair));
    if (!index || complete_) return ok();
    FERRY_TRY(outboard_->write_at(*index * bao::kPairSize, pair));
    dirty_ = true;
    return ok();
  }

  Status write_leaf(uint64_t offset, ByteView data) override {
    FERRY_ASSIGN(auto chunks, check_leaf(tree_, offset, data.size()));
    if (complete_) return ok();
    FERRY_TRY(data_->write_at(offset, data));
    pending_ = pending_ | chunks;
    dirty_ = true;
    since_writeback_ += data.size();
    if (since_writeback_ >= kWritebackEvery) {
      data_->start_writeback();
      since_writeback_ = 0;
    }
    return ok();
  }

  Status flush() override {
    if (complete_ || !dirty_) return ok();
    // Durable data first, then the record that claims it.
    FERRY_TRY(data_->sync());
    FERRY_TRY(outboard_->sync());
    bao::ChunkRanges next = verified_ | pending_;
    std::lock_guard lock(store_->mu());
    FERRY_ASSIGN(Stmt stmt, store_->db().prepare(
                                "UPDATE blobs SET verified = ? WHERE hash = ? AND state = 1"));
    Bytes encoded = encode_ranges(next);
    stmt.bind(1, ByteView(encoded)).bind(2, hash_.view());
    FERRY_TRY(stmt.exec());
    if (sqlite3_changes(store_->db().raw()) == 0) FERRY_TRY(check_still_partial());
    verified_ = std::move(next);
    pending_ = bao::ChunkRanges();
    dirty_ = false;
    return ok();
  }

  Result<BlobStatus> finish() override {
    FERRY_TRY(flush());
    if (!complete_ && verified_.covers(0, tree_.chunks())) {
      std::lock_guard lock(store_->mu());
      FERRY_ASSIGN(Stmt stmt, store_->db().prepare("UPDATE blobs SET state = 2, verified = NULL "
                                                   "WHERE hash = ? AND state = 1"));
      stmt.bind(1, hash_.view());
      FERRY_TRY(stmt.exec());
      complete_ = true;
    }
    return store_->status(hash_);
  }

  // The writer of an already complete blob accepts and ignores everything.
  void set_complete() { complete_ = true; }

 private:
  // Requires: mu held. The UPDATE touched no row: the blob was completed by
  // an import (fine: ignore the rest) or deleted (kNotFound).
  Status check_still_partial() {
    FERRY_ASSIGN(auto row, store_->get_row_locked(hash_));
    if (!row) return make_error(ErrorCode::kNotFound, "blob " + hash_.to_string() + " was deleted");
    complete_ = row->state == BlobState::kComplete;
    return ok();
  }

  FileStore* store_;
  Hash hash_;
  bao::BaoTree tree_;
  bao::ChunkRanges verified_;  // recorded in the database
  bao::ChunkRanges pending_;   // written, not yet synced and recorded
  std::unique_ptr<env::File> data_;
  std::unique_ptr<env::File> outboard_;
  // Bytes written since the last writeback hint: a long download keeps the
  // device busy as it goes instead of leaving it all to flush()'s sync.
  static constexpr uint64_t kWritebackEvery = 8 << 20;
  uint64_t since_writeback_ = 0;
  TempTag tag_;
  bool dirty_ = false;
  bool complete_ = false;
};

// Holds a small new blob in memory (see the file comment). Asked to record an
// incomplete state (flush, or finish before the last chunk), it spills what
// it has into an ordinary FileWriter and forwards everything after that.
class InlineWriter final : public BlobWriter {
 public:
  InlineWriter(FileStore* store, const Hash& hash, uint64_t size, TempTag tag)
      : store_(store), hash_(hash), tree_(size), data_(size), tag_(std::move(tag)) {}

  ~InlineWriter() override {
    spilled_.reset();
    if (queued_) return;  // the committer unregisters the writer
    std::lock_guard lock(store_->mu());
    store_->active_writers().erase(hash_);
  }

  const Hash& hash() const override { return hash_; }
  uint64_t size() const override { return tree_.size(); }

  Status write_parent(const bao::Node& node, ByteView pair) override {
    if (spilled_) return spilled_->write_parent(node, pair);
    return check_parent(tree_, node, pair).map([](auto) {});  // no pairs under 16 chunks
  }

  Status write_leaf(uint64_t offset, ByteView data) override {
    if (spilled_) return spilled_->write_leaf(offset, data);
    FERRY_ASSIGN(auto chunks, check_leaf(tree_, offset, data.size()));
    if (!data.empty()) std::memcpy(data_.data() + offset, data.data(), data.size());
    got_ = got_ | chunks;
    return ok();
  }

  Status flush() override {
    if (complete_) return ok();
    if (!spilled_ && !got_.covers(0, tree_.chunks())) FERRY_TRY(spill());
    return spilled_ ? spilled_->flush() : ok();
  }

  Result<BlobStatus> finish() override {
    if (!complete_ && !spilled_ && got_.covers(0, tree_.chunks())) {
      bao::Outboard ob{hash_, tree_.size(), Bytes()};
      FERRY_TRY(store_->commit_complete(ob, &data_));
      complete_ = true;
    }
    if (!complete_) {
      FERRY_TRY(flush());
      return spilled_->finish();
    }
    return store_->status(hash_);
  }

  void finish_async(FinishCallback done) override {
    if (complete_ || spilled_ || !got_.covers(0, tree_.chunks())) return done(finish());
    // Complete and in memory: the committer takes the data, the protection
    // and the writer's registration (another download of this hash still
    // gets kAlreadyExists until the blob is recorded).
    complete_ = true;
    queued_ = true;
    store_->enqueue_commit({hash_, std::move(data_), std::move(tag_), std::move(done)});
  }

 private:
  Status spill() {
    FERRY_ASSIGN(spilled_, store_->open_file_writer(hash_, tree_.size()));
    for (const auto& r : got_.ranges()) {
      uint64_t lo = r.start * bao::kChunkSize;
      uint64_t hi = std::min<uint64_t>(r.end * bao::kChunkSize, tree_.size());
      FERRY_TRY(spilled_->write_leaf(lo, ByteView(data_).subspan(lo, hi - lo)));
    }
    data_ = Bytes();
    return ok();
  }

  FileStore* store_;
  Hash hash_;
  bao::BaoTree tree_;
  Bytes data_;
  bao::ChunkRanges got_;
  TempTag tag_;
  std::unique_ptr<BlobWriter> spilled_;
  bool complete_ = false;
  bool queued_ = false;  // handed to the committer by finish_async
};

}  // namespace

Result<std::unique_ptr<BlobWriter>> FileStore::open_writer(const Hash& hash, uint64_t size) {
  FERRY_TRY(check_writer_size(size));
  std::lock_guard lock(mu_);
  if (active_writers_.count(hash)) {
    return make_error(ErrorCode::kAlreadyExists,
                      "a download of blob " + hash.to_string() + " is in progress");
  }
  FERRY_ASSIGN(auto writer, open_writer_locked(hash, size, true));
  active_writers_.insert(hash);
  return writer;
}

Result<std::unique_ptr<BlobWriter>> FileStore::open_file_writer(const Hash& hash, uint64_t size) {
  std::lock_guard lock(mu_);
  return open_writer_locked(hash, size, false);
}

Result<std::unique_ptr<BlobWriter>> FileStore::open_writer_locked(const Hash& hash, uint64_t size,
                                                                  bool allow_inline) {
  FERRY_ASSIGN(auto row, get_row_locked(hash));
  TempTag tag = protector_.protect(HashAndFormat::raw(hash));
  if (row && row->state == BlobState::kComplete) {
    auto w = std::make_unique<FileWriter>(this, hash, row->size, bao::ChunkRanges(), nullptr,
                                          nullptr, std::move(tag));
    w->set_complete();
    return std::unique_ptr<BlobWriter>(std::move(w));
  }
  if (row && row->size != size && !size_proven(row->verified, row->size)) {
    FERRY_TRY(delete_blob_locked(hash));
    row.reset();
  }
  if (row) size = row->size;
  if (allow_inline && !row && size <= options_.inline_limit) {
    return std::unique_ptr<BlobWriter>(new InlineWriter(this, hash, size, std::move(tag)));
  }
  // Files first (durable names), then the row that refers to them.
  FERRY_ASSIGN(auto data, env_->open(data_path(hash), env::OpenMode::kReadWrite));
  FERRY_ASSIGN(auto outboard, env_->open(outboard_path(hash), env::OpenMode::kReadWrite));
  if (!row) {
    FERRY_TRY(env_->sync_dir(blob_dir_));
    FERRY_ASSIGN(Stmt stmt, db_->prepare("INSERT INTO blobs (hash, state, size, verified) "
                                         "VALUES (?, 1, ?, ?)"));
    Bytes empty = encode_ranges(bao::ChunkRanges());
    stmt.bind(1, hash.view()).bind(2, static_cast<int64_t>(size)).bind(3, ByteView(empty));
    FERRY_TRY(stmt.exec());
  }
  return std::unique_ptr<BlobWriter>(
      new FileWriter(this, hash, size, row ? row->verified : bao::ChunkRanges(), std::move(data),
                     std::move(outboard), std::move(tag)));
}

}  // namespace ferry::blobs
