// Minimal RAII wrappers over the SQLite C API for the docs store.
// Errors map to ferry::Error with code kIo (kCorrupt for SQLITE_CORRUPT /
// SQLITE_NOTADB, kResourceExhausted for SQLITE_FULL). Not thread-safe: one
// Db per owning thread.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "ferry/result.h"

namespace ferry::docs::sql {

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

  // Advances: true = a row is available, false = done.
  Result<bool> step();
  // Runs a statement that returns no rows, then resets it.
  Status exec();
  void reset();

  ByteView col_blob(int i) const;
  int64_t col_int(int i) const { return sqlite3_column_int64(s_, i); }
  uint64_t col_u64(int i) const { return static_cast<uint64_t>(col_int(i)); }
  bool col_is_null(int i) const { return sqlite3_column_type(s_, i) == SQLITE_NULL; }

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
  sqlite3* raw() { return db_; }
  int64_t changes() const { return sqlite3_changes64(db_); }

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

}  // namespace ferry::docs::sql
