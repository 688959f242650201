// Minimal RAII wrappers over the SQLite C API, shared by the stores that keep
// metadata in SQLite (blobs/, docs/). Errors map to ferry::Error with code
// kIo (kCorrupt for SQLITE_CORRUPT / SQLITE_NOTADB, kResourceExhausted for
// SQLITE_FULL). Not thread-safe: one Db per owning thread (or a mutex).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "ferry/result.h"

namespace ferry::env::sql {

Error make_sqlite_error(sqlite3* db, int rc, std::string_view what);

// A prepared statement. Bind indices are 1-based as in SQLite. Reset by
// reset() (also clears bindings) before re-use.
class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  Stmt(Stmt&& o) noexcept : db_(o.db_), s_(o.s_) { o.s_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept;
  ~Stmt();

  Stmt& bind(int i, ByteView blob);  // zero-length blobs stay blobs (not NULL)
  Stmt& bind(int i, int64_t v);
  Stmt& bind_u64(int i, uint64_t v) { return bind(i, static_cast<int64_t>(v)); }
  Stmt& bind_null(int i);
  Stmt& bind_text(int i, std::string_view s);
  Stmt& bind(int i, const std::string& s) { return bind_text(i, s); }

  // Advances: true = a row is available, false = done.
  Result<bool> step();
  // Runs a statement that returns no rows, then resets it.
  Status exec();
  void reset();

  ByteView col_blob(int i) const;
  int64_t col_int(int i) const { return sqlite3_column_int64(s_, i); }
  uint64_t col_u64(int i) const { return static_cast<uint64_t>(col_int(i)); }
  bool col_is_null(int i) const { return sqlite3_column_type(s_, i) == SQLITE_NULL; }
  Bytes col_blob_copy(int i) const {
    ByteView v = col_blob(i);
    return Bytes(v.begin(), v.end());
  }
  std::string col_text(int i) const { return std::string(as_string_view(col_blob(i))); }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* s_ = nullptr;
};

class Db {
 public:
  // Opens (creating if missing) the database file; ":memory:" for tests.
  static Result<std::unique_ptr<Db>> open(const std::string& path);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  Status exec(std::string_view sql);
  Result<Stmt> prepare(std::string_view sql);
  // Result of a single-integer query such as "PRAGMA user_version".
  Result<int64_t> query_int(std::string_view sql);
  sqlite3* raw() { return db_; }
  int64_t changes() const { return sqlite3_changes64(db_); }

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// RAII transaction: begin() issues BEGIN IMMEDIATE; ROLLBACK on destruction
// unless commit() succeeded.
class Transaction {
 public:
  explicit Transaction(Db& db) : db_(db) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  [[nodiscard]] Status begin() { return db_.exec("BEGIN IMMEDIATE"); }
  [[nodiscard]] Status commit() {
    FERRY_TRY(db_.exec("COMMIT"));
    done_ = true;
    return ok();
  }
  ~Transaction() {
    if (!done_) (void)db_.exec("ROLLBACK");  // nothing to do if it fails
  }

 private:
  Db& db_;
  bool done_ = false;
};

}  // namespace ferry::env::sql
