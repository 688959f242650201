#include "env/sqlite.h"

namespace ferry::env::sql {

Error make_sqlite_error(sqlite3* db, int rc, std::string_view what) {
  ErrorCode code = ErrorCode::kIo;
  int primary = rc & 0xff;
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) code = ErrorCode::kCorrupt;
  if (primary == SQLITE_FULL) code = ErrorCode::kResourceExhausted;
  std::string msg = std::string(what) + ": " + sqlite3_errstr(rc);
  if (db != nullptr) msg += std::string(" (") + sqlite3_errmsg(db) + ")";
  return Error(code, msg);
}

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    if (s_ != nullptr) sqlite3_finalize(s_);
    db_ = o.db_;
    s_ = o.s_;
    o.s_ = nullptr;
  }
  return *this;
}

Stmt::~Stmt() {
  if (s_ != nullptr) sqlite3_finalize(s_);
}

Stmt& Stmt::bind(int i, ByteView blob) {
  static const uint8_t kEmpty = 0;
  const void* p = blob.empty() ? &kEmpty : blob.data();
  sqlite3_bind_blob(s_, i, p, static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::bind(int i, int64_t v) {
  sqlite3_bind_int64(s_, i, v);
  return *this;
}

Stmt& Stmt::bind_null(int i) {
  sqlite3_bind_null(s_, i);
  return *this;
}

Stmt& Stmt::bind_text(int i, std::string_view s) {
  sqlite3_bind_text(s_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  return *this;
}

Result<bool> Stmt::step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Error e = make_sqlite_error(db_, rc, "sqlite step");
  sqlite3_reset(s_);
  return tl::unexpected(e);
}

Status Stmt::exec() {
  auto r = step();
  reset();
  if (!r) return tl::unexpected(r.error());
  return ok();
}

void Stmt::reset() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

ByteView Stmt::col_blob(int i) const {
  const void* p = sqlite3_column_blob(s_, i);
  int n = sqlite3_column_bytes(s_, i);
  if (p == nullptr || n <= 0) return {};
  return ByteView(static_cast<const uint8_t*>(p), static_cast<size_t>(n));
}

Result<std::unique_ptr<Db>> Db::open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error e = make_sqlite_error(db, rc, "open " + path);
    sqlite3_close(db);
    return tl::unexpected(e);
  }
  sqlite3_busy_timeout(db, 5000);
  return std::unique_ptr<Db>(new Db(db));
}

Db::~Db() {
  sqlite3_close_v2(db_);
}

Status Db::exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    Error e = make_sqlite_error(db_, rc, "sqlite exec");
    sqlite3_free(err);
    return tl::unexpected(e);
  }
  return ok();
}

Result<Stmt> Db::prepare(std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) return tl::unexpected(make_sqlite_error(db_, rc, "sqlite prepare"));
  return Stmt(db_, s);
}

Result<int64_t> Db::query_int(std::string_view sql) {
  FERRY_ASSIGN(auto stmt, prepare(sql));
  FERRY_ASSIGN(bool row, stmt.step());
  if (!row) return make_error(ErrorCode::kIo, "query returned no row: " + std::string(sql));
  return stmt.col_int(0);
}

}  // namespace ferry::env::sql
