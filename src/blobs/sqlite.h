// A thin RAII wrapper over SQLite for the file store's metadata: Db (one
// connection), Stmt (a prepared statement), errors as ferry::Error.
// Not thread-safe: the file store serializes access with its own mutex.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/bytes.h"
#include "ferry/result.h"

namespace ferry::blobs {

// Maps a SQLite result code to an Error: SQLITE_FULL -> kResourceExhausted,
// SQLITE_NOTADB/SQLITE_CORRUPT -> kCorrupt, anything else -> kIo.
Error sqlite_error(sqlite3* db, int rc, std::string_view what);

class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Stmt(Stmt&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() { sqlite3_finalize(stmt_); }

  // Binds are 1-based like SQLite's.
  Stmt& bind(int i, int64_t v);
  Stmt& bind(int i, ByteView v);
  Stmt& bind(int i, const std::string& v);
  Stmt& bind_null(int i);

  // Steps once: true if a row is available, false when done.
  [[nodiscard]] Result<bool> step();
  // Steps until done (for statements without rows).
  [[nodiscard]] Status run();

  int64_t column_int(int i) const { return sqlite3_column_int64(stmt_, i); }
  bool column_is_null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }
  Bytes column_blob(int i) const;
  std::string column_text(int i) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class Db {
 public:
  // Opens (creating if missing) the database file. Errors: kIo.
  [[nodiscard]] static Result<std::unique_ptr<Db>> open(const std::string& path);
  ~Db();

  [[nodiscard]] Status exec(const std::string& sql);
  [[nodiscard]] Result<Stmt> prepare(const std::string& sql);
  // Result of a single-integer query such as "PRAGMA user_version".
  [[nodiscard]] Result<int64_t> query_int(const std::string& sql);

  sqlite3* raw() { return db_; }

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// RAII transaction: BEGIN IMMEDIATE on construction, ROLLBACK unless
// commit() succeeded.
class Transaction {
 public:
  explicit Transaction(Db& db) : db_(db) {}
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

}  // namespace ferry::blobs
