// Internals of the file store, shared by file_store.cc (the Store) and
// file_writer.cc (download write sessions). See file_store.h for the layout
// and the crash-safety contract.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include "bao/outboard.h"
#include "blobs/file_store.h"
#include "blobs/protect.h"
#include "blobs/verified_read.h"
#include "env/sqlite.h"

namespace ferry::blobs {

using env::sql::Db;
using env::sql::Stmt;
using env::sql::Transaction;

// One row of the `blobs` table.
struct BlobRow {
  BlobState state = BlobState::kAbsent;
  uint64_t size = 0;
  bool is_inline = false;
  Bytes inline_data;
  Bytes inline_outboard;
  bao::ChunkRanges verified;  // partial only
};

class FileStore final : public Store {
 public:
  FileStore(FileStoreOptions options, std::unique_ptr<Db> db);
  // Stops the committer after it has committed everything queued.
  ~FileStore() override;
  // Creates directories and tables, checks the schema version, removes
  // leftovers of interrupted imports and downloads, opens the committer's
  // database connection.
  [[nodiscard]] Status init();

  Result<ImportResult> import_bytes(ByteView data) override;
  Result<ImportResult> import_file(const std::string& path) override;
  Result<std::vector<ImportResult>> import_files(const std::vector<std::string>& paths) override;
  Result<BlobStatus> status(const Hash& hash) override;
  Result<std::vector<BlobInfo>> list() override;
  Result<Bytes> read(const Hash& hash, uint64_t offset, uint64_t len) override;
  Status encode_bao(const Hash& hash, const bao::ChunkRanges& ranges,
                    const DataSink& sink) override;
  Status export_file(const Hash& hash, const std::string& path) override;
  Status export_to(const Hash& hash, const DataSink& sink) override;
  Result<std::unique_ptr<BlobWriter>> open_writer(const Hash& hash, uint64_t size) override;
  Status remove(const Hash& hash) override;
  Status set_tag(const std::string& name, const HashAndFormat& value) override;
  Status delete_tag(const std::string& name) override;
  Result<std::optional<HashAndFormat>> get_tag(const std::string& name) override;
  Result<std::vector<std::pair<std::string, HashAndFormat>>> list_tags() override;
  TempTag temp_tag(const HashAndFormat& value) override { return protector_.protect(value); }
  Result<GcStats> gc() override;

  // --- for FileWriter (callers hold mu_ where noted) ---
  std::string data_path(const Hash& hash) const;
  std::string outboard_path(const Hash& hash) const;
  const std::string& blob_dir() const { return blob_dir_; }
  env::Env& env() { return *env_; }
  std::mutex& mu() { return mu_; }
  Db& db() { return *db_; }
  Protector& protector() { return protector_; }
  // Requires: mu_ held.
  [[nodiscard]] Result<std::optional<BlobRow>> get_row_locked(const Hash& hash);
  // Requires: mu_ held. Deletes the row, then the files.
  [[nodiscard]] Status delete_blob_locked(const Hash& hash);
  std::set<Hash>& active_writers() { return active_writers_; }
  // A file-backed writer for `hash` without the in-progress check (the
  // caller is the blob's registered writer): how a small in-memory download
  // records an incomplete state.
  [[nodiscard]] Result<std::unique_ptr<BlobWriter>> open_file_writer(const Hash& hash,
                                                                     uint64_t size);
  // Records a blob complete in one transaction: `inline_data` stored in the
  // row, or (null) its files already installed under their final names.
  [[nodiscard]] Result<ImportResult> commit_complete(const bao::Outboard& ob,
                                                     const Bytes* inline_data);

  // Group commit (file_committer.cc). A complete small download whose
  // writer is registered in active_writers_: the committer records it
  // complete, inline, together with every other queued one in one
  // transaction, then unregisters the writer and calls `done` (from its
  // thread) with the blob's status, or with the transaction's error for
  // every blob of the group.
  struct QueuedCommit {
    Hash hash;
    Bytes data;
    TempTag tag;
    BlobWriter::FinishCallback done;
  };
  void enqueue_commit(QueuedCommit commit);
  // Transactions the committer has run (a counter for tests and benchmarks).
  uint64_t commit_transactions() const { return commit_transactions_.load(); }
  // Blobs the committer has been given.
  uint64_t commits_queued() const { return commits_queued_.load(); }

 private:
  // Runs f with readers for the blob's data and outboard (verified ranges
  // for a partial blob). Errors: kNotFound (absent).
  [[nodiscard]] Status with_blob(const Hash& hash, bool require_complete,
                                 const std::function<Status(const StoredBlob&)>& f);
  [[nodiscard]] Status install_files(const std::string& tmp_data, const bao::Outboard& ob,
                                     bool sync_dir);
  // A hashed file ready to be marked complete: inline data, or data and
  // outboard files synced under their final names.
  struct PreparedImport {
    bao::Outboard ob;
    std::optional<Bytes> inline_data;
  };
  [[nodiscard]] Result<PreparedImport> prepare_file(const std::string& path, bool sync_dir);
  // Requires: mu_ held. Protects the blob and writes its row.
  [[nodiscard]] Result<ImportResult> commit_locked(const bao::Outboard& ob,
                                                   const Bytes* inline_data);
  // Requires: mu_ held. The writer for a download of `hash` (in memory for a
  // new blob under the inline limit when allow_inline).
  [[nodiscard]] Result<std::unique_ptr<BlobWriter>> open_writer_locked(const Hash& hash,
                                                                       uint64_t size,
                                                                       bool allow_inline);
  std::string temp_path(std::string_view suffix);
  [[nodiscard]] Status remove_leftovers();

  FileStoreOptions options_;
  env::Env* env_;
  std::string blob_dir_;
  std::mutex mu_;  // guards db_ and active_writers_
  std::unique_ptr<Db> db_;
  Protector protector_;
  std::set<Hash> active_writers_;
  std::atomic<uint64_t> tmp_counter_{0};

  void committer_loop();
  void commit_group(std::vector<QueuedCommit>& group);
  // The committer's own connection (nullptr for a ":memory:" database).
  [[nodiscard]] Status open_commit_db();
  std::unique_ptr<Db> commit_db_;
  std::mutex queue_mu_;  // guards queue_, stopping_
  std::condition_variable queue_cv_;
  std::deque<QueuedCommit> queue_;
  bool stopping_ = false;
  std::atomic<uint64_t> commit_transactions_{0};
  std::atomic<uint64_t> commits_queued_{0};
  std::thread committer_;  // started on the first enqueue_commit
};

// Reads a file by offset for the bao encoder and verified reads; a short
// read (file truncated on disk) is kCorrupt.
class FileReader final : public bao::DataReader {
 public:
  explicit FileReader(std::unique_ptr<env::File> file, std::string what)
      : file_(std::move(file)), what_(std::move(what)) {}
  Status read_at(uint64_t offset, MutableByteView out) const override;

 private:
  std::unique_ptr<env::File> file_;
  std::string what_;
};

// Encodes verified chunk ranges for the `verified` column.
Bytes encode_ranges(const bao::ChunkRanges& ranges);
[[nodiscard]] Result<bao::ChunkRanges> decode_ranges(ByteView bytes);

}  // namespace ferry::blobs
