// FileStore: remove, tags and garbage collection (see store.h for the GC
// contract and file_store.h for the layout).
#include <algorithm>

#include "blobs/file_store_impl.h"

namespace ferry::blobs {
namespace {

Hash hash_from_column(const Bytes& b) {
  if (b.size() != Hash::kSize) return Hash();
  return Hash::from_bytes(b);
}

}  // namespace

// --- delete, tags, gc -----------------------------------------------------

Status FileStore::remove(const Hash& hash) {
  std::lock_guard lock(mu_);
  FERRY_ASSIGN(auto row, get_row_locked(hash));
  if (!row) return make_error(ErrorCode::kNotFound, "blob " + hash.to_string() + " not found");
  return delete_blob_locked(hash);
}

Status FileStore::set_tag(const std::string& name, const HashAndFormat& value) {
  if (name.empty()) return make_error(ErrorCode::kInvalidArgument, "empty tag name");
  std::lock_guard lock(mu_);
  FERRY_ASSIGN(Stmt stmt,
               db_->prepare("INSERT OR REPLACE INTO tags (name, hash, format) VALUES (?, ?, ?)"));
  stmt.bind(1, name).bind(2, value.hash.view()).bind(3, static_cast<int64_t>(value.format));
  return stmt.exec();
}

Status FileStore::delete_tag(const std::string& name) {
  std::lock_guard lock(mu_);
  FERRY_ASSIGN(Stmt stmt, db_->prepare("DELETE FROM tags WHERE name = ?"));
  stmt.bind(1, name);
  FERRY_TRY(stmt.exec());
  if (sqlite3_changes(db_->raw()) == 0) return make_error(ErrorCode::kNotFound, "no tag " + name);
  return ok();
}

Result<std::optional<HashAndFormat>> FileStore::get_tag(const std::string& name) {
  std::lock_guard lock(mu_);
  FERRY_ASSIGN(Stmt stmt, db_->prepare("SELECT hash, format FROM tags WHERE name = ?"));
  stmt.bind(1, name);
  FERRY_ASSIGN(bool found, stmt.step());
  if (!found) return std::optional<HashAndFormat>();
  return std::optional<HashAndFormat>(HashAndFormat{hash_from_column(stmt.col_blob_copy(0)),
                                                    static_cast<BlobFormat>(stmt.col_int(1) == 1)});
}

Result<std::vector<std::pair<std::string, HashAndFormat>>> FileStore::list_tags() {
  std::lock_guard lock(mu_);
  FERRY_ASSIGN(Stmt stmt, db_->prepare("SELECT name, hash, format FROM tags ORDER BY name"));
  std::vector<std::pair<std::string, HashAndFormat>> out;
  while (true) {
    FERRY_ASSIGN(bool row, stmt.step());
    if (!row) break;
    out.emplace_back(stmt.col_text(0),
                     HashAndFormat{hash_from_column(stmt.col_blob_copy(1)),
                                   static_cast<BlobFormat>(stmt.col_int(2) == 1)});
  }
  return out;
}

Result<GcStats> FileStore::gc() {
  // Mark and sweep under mu_: imports protect and commit under mu_, writers
  // are protected from open_writer on, so nothing in flight is collected.
  std::lock_guard lock(mu_);
  std::vector<HashAndFormat> roots = protector_.snapshot();
  {
    FERRY_ASSIGN(Stmt stmt, db_->prepare("SELECT hash, format FROM tags"));
    while (true) {
      FERRY_ASSIGN(bool row, stmt.step());
      if (!row) break;
      roots.push_back(
          {hash_from_column(stmt.col_blob_copy(0)), static_cast<BlobFormat>(stmt.col_int(1) == 1)});
    }
  }
  auto read_seq = [&](const Hash& h) -> Result<std::optional<Bytes>> {
    FERRY_ASSIGN(auto row, get_row_locked(h));
    if (!row || row->state != BlobState::kComplete) return std::optional<Bytes>();
    Bytes out;
    auto collect = [&](ByteView p) -> Status {
      append(out, p);
      return ok();
    };
    Status st;
    if (row->is_inline) {
      bao::MemoryReader d(row->inline_data), o(row->inline_outboard);
      st = read_verified(StoredBlob{h, row->size, &d, &o, nullptr}, 0, row->size, collect);
    } else {
      auto d = env_->open(data_path(h), env::OpenMode::kRead);
      auto o = env_->open(outboard_path(h), env::OpenMode::kRead);
      if (!d || !o) return std::optional<Bytes>();
      FileReader dr(std::move(*d), "data"), orr(std::move(*o), "outboard");
      st = read_verified(StoredBlob{h, row->size, &dr, &orr, nullptr}, 0, row->size, collect);
    }
    // A HashSeq that does not verify protects only itself.
    if (!st) return std::optional<Bytes>();
    return std::optional<Bytes>(std::move(out));
  };
  FERRY_ASSIGN(auto live, live_hashes(roots, read_seq));
  std::vector<std::pair<Hash, uint64_t>> dead;
  {
    FERRY_ASSIGN(Stmt stmt, db_->prepare("SELECT hash, size FROM blobs"));
    while (true) {
      FERRY_ASSIGN(bool row, stmt.step());
      if (!row) break;
      Hash h = hash_from_column(stmt.col_blob_copy(0));
      if (!std::binary_search(live.begin(), live.end(), h)) {
        dead.emplace_back(h, static_cast<uint64_t>(stmt.col_int(1)));
      }
    }
  }
  GcStats stats;
  for (const auto& [h, size] : dead) {
    FERRY_TRY(delete_blob_locked(h));
    ++stats.blobs_deleted;
    stats.bytes_deleted += size;
  }
  return stats;
}

}  // namespace ferry::blobs
