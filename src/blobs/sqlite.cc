// SQLite wrapper: see sqlite.h.
#include "blobs/sqlite.h"

namespace ferry::blobs {

Error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  ErrorCode code = ErrorCode::kIo;
  int primary = rc & 0xff;
  if (primary == SQLITE_FULL) code = ErrorCode::kResourceExhausted;
  if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT) code = ErrorCode::kCorrupt;
  std::string msg = std::string(what) + ": " + sqlite3_errstr(rc);
  if (db != nullptr && sqlite3_errcode(db) == rc)
    msg += " (" + std::string(sqlite3_errmsg(db)) + ")";
  return Error(code, msg);
}

Stmt& Stmt::bind(int i, int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
Stmt& Stmt::bind(int i, ByteView v) {
  // A zero-length blob must still be a blob (not NULL): pass a valid pointer.
  static const uint8_t kEmpty = 0;
  sqlite3_bind_blob64(stmt_, i, v.empty() ? &kEmpty : v.data(), v.size(), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bind(int i, const std::string& v) {
  sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}
Stmt& Stmt::bind_null(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

Result<bool> Stmt::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return tl::unexpected(sqlite_error(db_, rc, "sqlite step"));
}

Status Stmt::run() {
  while (true) {
    FERRY_ASSIGN(bool row, step());
    if (!row) return ok();
  }
}

Bytes Stmt::column_blob(int i) const {
  const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, i));
  int n = sqlite3_column_bytes(stmt_, i);
  if (p == nullptr || n <= 0) return {};
  return Bytes(p, p + n);
}

std::string Stmt::column_text(int i) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
  int n = sqlite3_column_bytes(stmt_, i);
  if (p == nullptr || n <= 0) return {};
  return std::string(p, static_cast<size_t>(n));
}

Result<std::unique_ptr<Db>> Db::open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    Error e = sqlite_error(db, rc, "open database " + path);
    sqlite3_close(db);
    return tl::unexpected(e);
  }
  sqlite3_busy_timeout(db, 5000);
  return std::unique_ptr<Db>(new Db(db));
}

Db::~Db() {
  sqlite3_close(db_);
}

Status Db::exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string what = "sqlite: " + sql.substr(0, 40);
    sqlite3_free(err);
    return tl::unexpected(sqlite_error(db_, rc, what));
  }
  return ok();
}

Result<Stmt> Db::prepare(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return tl::unexpected(sqlite_error(db_, rc, "sqlite prepare"));
  return Stmt(db_, stmt);
}

Result<int64_t> Db::query_int(const std::string& sql) {
  FERRY_ASSIGN(Stmt stmt, prepare(sql));
  FERRY_ASSIGN(bool row, stmt.step());
  if (!row) return make_error(ErrorCode::kIo, "no result for " + sql);
  return stmt.column_int(0);
}

}  // namespace ferry::blobs
