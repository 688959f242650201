// FileStore: see file_store.h (layout, crash safety) and file_store_impl.h.
#include <algorithm>
#include <random>

#include "bao/encoder.h"
#include "bao/range_spec.h"
#include "blobs/file_store_impl.h"
#include "blobs/import.h"

namespace ferry::blobs {
namespace {

constexpr int64_t kApplicationId = 0x46525259;  // "FRRY"

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS blobs (
  hash BLOB PRIMARY KEY NOT NULL,
  state INTEGER NOT NULL,          -- 1 partial, 2 complete
  size INTEGER NOT NULL,
  inline_data BLOB,                -- non-NULL: blob stored in the database
  inline_outboard BLOB,
  verified BLOB                    -- partial: RangeSpec of verified chunks
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tags (
  name TEXT PRIMARY KEY NOT NULL,
  hash BLOB NOT NULL,
  format INTEGER NOT NULL          -- 0 raw, 1 hash seq
) WITHOUT ROWID;
)sql";

Hash hash_from_column(const Bytes& b) {
  if (b.size() != Hash::kSize) return Hash();
  return Hash::from_bytes(b);
}

}  // namespace

Bytes encode_ranges(const bao::ChunkRanges& ranges) {
  return bao::encode_range_spec(ranges);
}

Result<bao::ChunkRanges> decode_ranges(ByteView bytes) {
  PostcardReader r(bytes);
  auto ranges = bao::decode_range_spec(r);
  if (!ranges) return make_error(ErrorCode::kCorrupt, "bad verified ranges in database");
  return ranges;
}

Status FileReader::read_at(uint64_t offset, MutableByteView out) const {
  FERRY_ASSIGN(size_t n, file_->read_at(offset, out));
  if (n != out.size()) {
    return make_error(ErrorCode::kCorrupt, what_ + " is truncated (wanted " +
                                               std::to_string(out.size()) + " bytes at " +
                                               std::to_string(offset) + ")");
  }
  return ok();
}

Result<std::unique_ptr<Store>> open_file_store(const FileStoreOptions& options) {
  FileStoreOptions opt = options;
  if (opt.env == nullptr) opt.env = env::posix_env();
  if (opt.dir.empty()) return make_error(ErrorCode::kInvalidArgument, "store directory is empty");
  if (auto st = opt.env->mkdirs(opt.dir); !st) return tl::unexpected(st.error());
  if (opt.db_path.empty()) {
    // SQLite always works on the real file system.
    if (opt.env != env::posix_env()) {
      return make_error(ErrorCode::kInvalidArgument, "db_path is required with a non-POSIX env");
    }
    opt.db_path = env::join_path(opt.dir, "blobs.db");
  }
  FERRY_ASSIGN(auto db, Db::open(opt.db_path));
  auto store = std::make_unique<FileStore>(opt, std::move(db));
  FERRY_TRY(store->init());
  return std::unique_ptr<Store>(std::move(store));
}

FileStore::FileStore(FileStoreOptions options, std::unique_ptr<Db> db)
    : options_(std::move(options)),
      env_(options_.env),
      blob_dir_(env::join_path(options_.dir, "blobs")),
      db_(std::move(db)) {}

Status FileStore::init() {
  // Read the version before anything writes to the file: a database from a
  // newer Ferry must stay untouched.
  auto version = db_->query_int("PRAGMA user_version");
  if (!version) {
    return make_error(ErrorCode::kCorrupt, options_.db_path + " is not a Ferry blob database: " +
                                               version.error().message());
  }
  FERRY_ASSIGN(int64_t app_id, db_->query_int("PRAGMA application_id"));
  if (*version > kFileStoreSchemaVersion) {
    return make_error(ErrorCode::kUnsupported,
                      "blob database " + options_.db_path + " has schema version " +
                          std::to_string(*version) + ", newer than this Ferry supports (" +
                          std::to_string(kFileStoreSchemaVersion) +
                          "); upgrade Ferry to open it (the database was not modified)");
  }
  FERRY_ASSIGN(int64_t tables, db_->query_int("SELECT count(*) FROM sqlite_master"));
  if (app_id != kApplicationId && (tables != 0 || *version != 0)) {
    return make_error(ErrorCode::kCorrupt, options_.db_path +
                                               " is not a Ferry blob database (application id " +
                                               std::to_string(app_id) + ")");
  }
  FERRY_TRY(db_->exec("PRAGMA journal_mode=WAL"));
  FERRY_TRY(
      db_->exec(options_.sync_commits ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=OFF"));
  if (*version == 0) {
    Transaction tx(*db_);
    FERRY_TRY(tx.begin());
    FERRY_TRY(db_->exec(kSchema));
    FERRY_TRY(db_->exec("PRAGMA application_id=" + std::to_string(kApplicationId)));
    FERRY_TRY(db_->exec("PRAGMA user_version=" + std::to_string(kFileStoreSchemaVersion)));
    FERRY_TRY(tx.commit());
  }
  FERRY_TRY(env_->mkdirs(blob_dir_));
  FERRY_TRY(remove_leftovers());
  return open_commit_db();
}

Status FileStore::remove_leftovers() {
  FERRY_ASSIGN(auto names, env_->list(blob_dir_));
  bool removed = false;
  for (const auto& name : names) {
    bool drop = name.rfind("tmp-", 0) == 0;
    size_t dot = name.find('.');
    if (!drop && dot == 64) {
      auto hash = Hash::parse(name.substr(0, 64));
      if (hash) {
        FERRY_ASSIGN(auto row, get_row_locked(*hash));
        drop = !row || row->is_inline;
      }
    }
    if (drop) {
      FERRY_TRY(env_->remove(env::join_path(blob_dir_, name)));
      removed = true;
    }
  }
  if (removed) FERRY_TRY(env_->sync_dir(blob_dir_));
  return ok();
}

std::string FileStore::data_path(const Hash& hash) const {
  return env::join_path(blob_dir_, hash.to_hex() + ".data");
}
std::string FileStore::outboard_path(const Hash& hash) const {
  return env::join_path(blob_dir_, hash.to_hex() + ".obao4");
}
std::string FileStore::temp_path(std::string_view suffix) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return env::join_path(blob_dir_, "tmp-" + std::to_string(tmp_counter_++) + "-" +
                                       std::to_string(rng() % 1000000000) + std::string(suffix));
}

Result<std::optional<BlobRow>> FileStore::get_row_locked(const Hash& hash) {
  FERRY_ASSIGN(Stmt stmt, db_->prepare("SELECT state, size, inline_data, inline_outboard, verified "
                                       "FROM blobs WHERE hash = ?"));
  stmt.bind(1, hash.view());
  FERRY_ASSIGN(bool found, stmt.step());
  if (!found) return std::optional<BlobRow>();
  BlobRow row;
  row.state = stmt.col_int(0) == 2 ? BlobState::kComplete : BlobState::kPartial;
  row.size = static_cast<uint64_t>(stmt.col_int(1));
  row.is_inline = !stmt.col_is_null(2);
  row.inline_data = stmt.col_blob_copy(2);
  row.inline_outboard = stmt.col_blob_copy(3);
  if (row.state == BlobState::kPartial) {
    FERRY_ASSIGN(row.verified, decode_ranges(stmt.col_blob_copy(4)));
  }
  return std::optional<BlobRow>(std::move(row));
}

Status FileStore::delete_blob_locked(const Hash& hash) {
  FERRY_ASSIGN(Stmt stmt, db_->prepare("DELETE FROM blobs WHERE hash = ?"));
  stmt.bind(1, hash.view());
  FERRY_TRY(stmt.exec());
  // The row is gone first: a crash now leaves only orphan files, which the
  // next open removes.
  for (const auto& p : {data_path(hash), outboard_path(hash)}) {
    if (env_->exists(p)) FERRY_TRY(env_->remove(p));
  }
  return ok();
}

// --- import ---------------------------------------------------------------

Result<ImportResult> FileStore::import_bytes(ByteView data) {
  auto ob = bao::compute_outboard(data);
  if (data.size() <= options_.inline_limit) {
    Bytes copy(data.begin(), data.end());
    return commit_complete(ob, &copy);
  }
  std::string tmp = temp_path(".data");
  Status st = [&]() -> Status {
    FERRY_ASSIGN(auto file, env_->open(tmp, env::OpenMode::kCreateTruncate));
    for (size_t off = 0; off < data.size(); off += kIoPieceSize) {
      FERRY_TRY(file->write_at(off, data.subspan(off, std::min(kIoPieceSize, data.size() - off))));
    }
    return file->sync();
  }();
  if (!st) {
    if (env_->exists(tmp)) (void)env_->remove(tmp);  // best effort cleanup
    return tl::unexpected(st.error().with_context("import"));
  }
  FERRY_TRY(install_files(tmp, ob, true));
  return commit_complete(ob, nullptr);
}

Result<FileStore::PreparedImport> FileStore::prepare_file(const std::string& path, bool sync_dir) {
  FERRY_ASSIGN(uint64_t size, env_->file_size(path).map_error(
                                  [&](const Error& e) { return e.with_context("import"); }));
  if (size <= options_.inline_limit) {
    Bytes data;
    FERRY_ASSIGN(auto ob, hash_file(*env_, path, [&](uint64_t, ByteView piece) -> Status {
                   append(data, piece);
                   return ok();
                 }));
    return PreparedImport{std::move(ob), std::move(data)};
  }
  std::string tmp = temp_path(".data");
  std::unique_ptr<env::File> out;
  auto ob = [&]() -> Result<bao::Outboard> {
    FERRY_ASSIGN(out, env_->open(tmp, env::OpenMode::kCreateTruncate));
    FERRY_ASSIGN(auto result, hash_file(*env_, path, [&](uint64_t offset, ByteView piece) {
                   return out->write_at(offset, piece);
                 }));
    FERRY_TRY(out->sync());
    return result;
  }();
  out.reset();
  if (!ob) {
    if (env_->exists(tmp)) (void)env_->remove(tmp);  // best effort cleanup
    return tl::unexpected(ob.error());
  }
  FERRY_TRY(install_files(tmp, *ob, sync_dir));
  return PreparedImport{std::move(*ob), std::nullopt};
}

Result<ImportResult> FileStore::import_file(const std::string& path) {
  FERRY_ASSIGN(auto prepared, prepare_file(path, true));
  return commit_complete(prepared.ob, prepared.inline_data ? &*prepared.inline_data : nullptr);
}

Result<std::vector<ImportResult>> FileStore::import_files(const std::vector<std::string>& paths) {
  // Every file is prepared (hashed; large ones written and synced under
  // their final names), then one directory sync and ONE transaction mark
  // them all complete. On error nothing is marked; files already moved into
  // place are orphans that the next open removes.
  std::vector<PreparedImport> prepared;
  bool any_files = false;
  for (const auto& path : paths) {
    FERRY_ASSIGN(auto p, prepare_file(path, false));
    any_files |= !p.inline_data.has_value();
    prepared.push_back(std::move(p));
  }
  if (any_files) FERRY_TRY(env_->sync_dir(blob_dir_));
  std::lock_guard lock(mu_);
  std::vector<ImportResult> out;
  Transaction tx(*db_);
  FERRY_TRY(tx.begin());
  for (auto& p : prepared) {
    FERRY_ASSIGN(auto r, commit_locked(p.ob, p.inline_data ? &*p.inline_data : nullptr));
    out.push_back(std::move(r));
  }
  FERRY_TRY(tx.commit());
  return out;
}

// Writes the outboard, moves both files into place and makes them durable.
// Only after this may the blob be marked complete.
Status FileStore::install_files(const std::string& tmp_data, const bao::Outboard& ob,
                                bool sync_dir) {
  std::string tmp_ob = temp_path(".obao4");
  Status st = [&]() -> Status {
    FERRY_TRY(env::write_file(*env_, tmp_ob, ob.pairs));
    FERRY_TRY(env_->rename(tmp_data, data_path(ob.root)));
    FERRY_TRY(env_->rename(tmp_ob, outboard_path(ob.root)));
    return sync_dir ? env_->sync_dir(blob_dir_) : ok();
  }();
  if (!st) {
    for (const auto& p : {tmp_data, tmp_ob}) {
      if (env_->exists(p)) (void)env_->remove(p);  // best effort cleanup
    }
    return tl::unexpected(st.error().with_context("import"));
  }
  return ok();
}

Result<ImportResult> FileStore::commit_complete(const bao::Outboard& ob, const Bytes* inline_data) {
  std::lock_guard lock(mu_);
  return commit_locked(ob, inline_data);
}

Result<ImportResult> FileStore::commit_locked(const bao::Outboard& ob, const Bytes* inline_data) {
  // Protected before the row exists, so gc() (which holds mu_) never sees
  // the new blob unprotected.
  TempTag tag = protector_.protect(HashAndFormat::raw(ob.root));
  FERRY_ASSIGN(auto row, get_row_locked(ob.root));
  if (row && row->state == BlobState::kComplete)
    return ImportResult{ob.root, ob.size, std::move(tag)};
  FERRY_ASSIGN(Stmt stmt,
               db_->prepare("INSERT OR REPLACE INTO blobs (hash, state, size, inline_data, "
                            "inline_outboard, verified) VALUES (?, 2, ?, ?, ?, NULL)"));
  stmt.bind(1, ob.root.view()).bind(2, static_cast<int64_t>(ob.size));
  if (inline_data != nullptr) {
    stmt.bind(3, ByteView(*inline_data)).bind(4, ByteView(ob.pairs));
  } else {
    stmt.bind_null(3).bind_null(4);
  }
  FERRY_TRY(stmt.exec());
  if (inline_data != nullptr && row) {
    // A partial download of the same blob had files: they are garbage now.
    for (const auto& p : {data_path(ob.root), outboard_path(ob.root)}) {
      if (env_->exists(p)) (void)env_->remove(p);  // leftovers are also removed on open
    }
  }
  return ImportResult{ob.root, ob.size, std::move(tag)};
}

// --- query and read -------------------------------------------------------

Result<BlobStatus> FileStore::status(const Hash& hash) {
  std::lock_guard lock(mu_);
  FERRY_ASSIGN(auto row, get_row_locked(hash));
  BlobStatus st;
  if (!row) return st;
  st.state = row->state;
  st.size = row->size;
  st.verified = row->state == BlobState::kComplete
                    ? bao::ChunkRanges::range(0, bao::BaoTree(row->size).chunks())
                    : row->verified;
  return st;
}

Result<std::vector<BlobInfo>> FileStore::list() {
  std::lock_guard lock(mu_);
  FERRY_ASSIGN(Stmt stmt, db_->prepare("SELECT hash, state, size FROM blobs ORDER BY hash"));
  std::vector<BlobInfo> out;
  while (true) {
    FERRY_ASSIGN(bool row, stmt.step());
    if (!row) break;
    out.push_back({hash_from_column(stmt.col_blob_copy(0)),
                   stmt.col_int(1) == 2 ? BlobState::kComplete : BlobState::kPartial,
                   static_cast<uint64_t>(stmt.col_int(2))});
  }
  return out;
}

Status FileStore::with_blob(const Hash& hash, bool require_complete,
                            const std::function<Status(const StoredBlob&)>& f) {
  std::optional<BlobRow> row;
  std::unique_ptr<env::File> data_file, outboard_file;
  {
    // Files are opened under the lock: once open, a concurrent delete does
    // not affect this read (POSIX keeps unlinked open files readable).
    std::lock_guard lock(mu_);
    FERRY_ASSIGN(row, get_row_locked(hash));
    if (!row || (require_complete && row->state != BlobState::kComplete)) {
      return make_error(ErrorCode::kNotFound,
                        "blob " + hash.to_string() + (row ? " is not complete" : " not found"));
    }
    if (!row->is_inline) {
      auto d = env_->open(data_path(hash), env::OpenMode::kRead);
      auto o = env_->open(outboard_path(hash), env::OpenMode::kRead);
      if (!d || !o) {
        const Error& e = !d ? d.error() : o.error();
        if (e.code() == ErrorCode::kNotFound && row->state == BlobState::kComplete) {
          return make_error(ErrorCode::kCorrupt,
                            "blob " + hash.to_string() + ": file missing: " + e.message());
        }
        return tl::unexpected(e);
      }
      data_file = std::move(*d);
      outboard_file = std::move(*o);
    }
  }
  StoredBlob blob{hash, row->size, nullptr, nullptr,
                  row->state == BlobState::kPartial ? &row->verified : nullptr};
  if (row->is_inline) {
    bao::MemoryReader d(row->inline_data), o(row->inline_outboard);
    if (row->inline_data.size() != row->size) {
      return make_error(ErrorCode::kCorrupt, "blob " + hash.to_string() + ": inline size mismatch");
    }
    blob.data = &d;
    blob.outboard = &o;
    return f(blob);
  }
  FileReader d(std::move(data_file), "data file of " + hash.to_string());
  FileReader o(std::move(outboard_file), "outboard of " + hash.to_string());
  blob.data = &d;
  blob.outboard = &o;
  return f(blob);
}

Result<Bytes> FileStore::read(const Hash& hash, uint64_t offset, uint64_t len) {
  Bytes out;
  uint64_t end = len > UINT64_MAX - offset ? UINT64_MAX : offset + len;
  FERRY_TRY(with_blob(hash, false, [&](const StoredBlob& blob) {
    return read_verified(blob, offset, end, [&](ByteView piece) -> Status {
      append(out, piece);
      return ok();
    });
  }));
  return out;
}

Status FileStore::encode_bao(const Hash& hash, const bao::ChunkRanges& ranges,
                             const DataSink& sink) {
  return with_blob(hash, false, [&](const StoredBlob& blob) -> Status {
    std::optional<bao::ChunkRanges> have;
    if (blob.have) have = *blob.have;
    bao::ResponseEncoder enc(hash, blob.size, ranges, *blob.data, *blob.outboard, have);
    Bytes piece;
    while (true) {
      piece.clear();
      auto more = enc.next(piece);
      if (!more) return tl::unexpected(more.error());
      if (!piece.empty()) FERRY_TRY(sink(piece));
      if (!*more) return ok();
    }
  });
}

Status FileStore::export_file(const Hash& hash, const std::string& path) {
  return export_to_path(*env_, *this, hash, path);
}

Status FileStore::export_to(const Hash& hash, const DataSink& sink) {
  return with_blob(hash, true,
                   [&](const StoredBlob& blob) { return read_verified(blob, 0, blob.size, sink); });
}

}  // namespace ferry::blobs
