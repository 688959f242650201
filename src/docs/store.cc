#include "docs/store.h"

#include <algorithm>

#include "docs/store_internal.h"

namespace ferry::docs {

std::optional<Bytes> prefix_successor(ByteView p) {
  Bytes s(p.begin(), p.end());
  while (!s.empty() && s.back() == 0xff) s.pop_back();
  if (s.empty()) return std::nullopt;
  s.back()++;
  return s;
}

Store::Store(std::unique_ptr<sql::Db> db, StoreOptions options)
    : db_(std::move(db)), options_(options), st_(std::make_unique<Statements>()) {}

Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::open(const std::string& path, StoreOptions options) {
  FERRY_ASSIGN(auto db, sql::Db::open(path));
  std::unique_ptr<Store> s(new Store(std::move(db), options));
  FERRY_TRY(s->init_schema());
  FERRY_TRY(s->prepare_statements());
  return s;
}

Status Store::init_schema() {
  FERRY_ASSIGN(auto v, db_->prepare("PRAGMA user_version"));
  FERRY_ASSIGN(bool row, v.step());
  int64_t version = row ? v.col_int(0) : 0;
  v.reset();
  if (version > kSchemaVersion) {
    return make_error(ErrorCode::kUnsupported, "docs database schema " + std::to_string(version) +
                                                   " is newer than this Ferry (" +
                                                   std::to_string(kSchemaVersion) + ")");
  }
  FERRY_TRY(db_->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"));
  if (version == kSchemaVersion) return ok();
  return db_->exec(R"sql(
    BEGIN;
    CREATE TABLE IF NOT EXISTS namespaces(
      id BLOB PRIMARY KEY, kind INTEGER NOT NULL, secret BLOB) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS authors(id BLOB PRIMARY KEY, secret BLOB NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value BLOB NOT NULL);
    CREATE TABLE IF NOT EXISTS entries(
      ns BLOB NOT NULL, author BLOB NOT NULL, key BLOB NOT NULL,
      len INTEGER NOT NULL, hash BLOB NOT NULL, ts INTEGER NOT NULL,
      author_sig BLOB NOT NULL, ns_sig BLOB NOT NULL,
      PRIMARY KEY(ns, author, key)) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS entries_by_key ON entries(ns, key, author);
    CREATE TABLE IF NOT EXISTS download_policy(ns BLOB PRIMARY KEY, policy BLOB NOT NULL)
      WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS missing_content(
      ns BLOB NOT NULL, hash BLOB NOT NULL, author BLOB NOT NULL, key BLOB NOT NULL,
      PRIMARY KEY(ns, hash, author, key)) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS missing_by_hash ON missing_content(hash, ns);
    PRAGMA user_version = 2;
    COMMIT;
  )sql");
}

Status Store::prepare_statements() {
  auto& s = *st_;
  std::string cols = kEntryColumns;
  struct P {
    sql::Stmt* stmt;
    std::string sql;
  };
  const P list[] = {
      {&s.begin, "BEGIN IMMEDIATE"},
      {&s.commit, "COMMIT"},
      {&s.rollback, "ROLLBACK"},
      {&s.get_ns, "SELECT kind, secret FROM namespaces WHERE id = ?1"},
      {&s.upsert_ns, "INSERT OR REPLACE INTO namespaces(id, kind, secret) VALUES(?1, ?2, ?3)"},
      {&s.list_ns, "SELECT id, kind FROM namespaces ORDER BY id"},
      {&s.del_ns, "DELETE FROM namespaces WHERE id = ?1"},
      {&s.del_ns_entries, "DELETE FROM entries WHERE ns = ?1"},
      {&s.del_ns_policy, "DELETE FROM download_policy WHERE ns = ?1"},
      {&s.put_author, "INSERT OR REPLACE INTO authors(id, secret) VALUES(?1, ?2)"},
      {&s.get_author, "SELECT secret FROM authors WHERE id = ?1"},
      {&s.list_authors, "SELECT id FROM authors ORDER BY id"},
      {&s.get_meta, "SELECT value FROM meta WHERE name = ?1"},
      {&s.put_meta, "INSERT OR REPLACE INTO meta(name, value) VALUES(?1, ?2)"},
      {&s.get_entry, "SELECT " + cols + " FROM entries WHERE ns = ?1 AND author = ?2 AND key = ?3"},
      {&s.scan_prefix,
       "SELECT key, ts, hash FROM entries WHERE ns = ?1 AND author = ?2 AND key >= ?3 AND key < "
       "?4"},
      {&s.scan_prefix_open,
       "SELECT key, ts, hash FROM entries WHERE ns = ?1 AND author = ?2 AND key >= ?3"},
      {&s.del_entry, "DELETE FROM entries WHERE ns = ?1 AND author = ?2 AND key = ?3"},
      {&s.upsert_entry,
       "INSERT OR REPLACE INTO entries(ns, author, key, len, hash, ts, author_sig, ns_sig) "
       "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
      {&s.load_index,
       "SELECT author, key, ts, hash FROM entries WHERE ns = ?1 ORDER BY author, key"},
      {&s.count_entries, "SELECT count(*) FROM entries WHERE ns = ?1"},
      {&s.first_id, "SELECT author, key FROM entries WHERE ns = ?1 ORDER BY author, key LIMIT 1"},
      {&s.range_lo_hi, "SELECT " + cols +
                           " FROM entries WHERE ns = ?1 AND (author, key) >= (?2, ?3) AND "
                           "(author, key) < (?4, ?5) ORDER BY author, key"},
      {&s.range_lo, "SELECT " + cols +
                        " FROM entries WHERE ns = ?1 AND (author, key) >= (?2, ?3) "
                        "ORDER BY author, key"},
      {&s.range_hi, "SELECT " + cols +
                        " FROM entries WHERE ns = ?1 AND (author, key) < (?4, ?5) "
                        "ORDER BY author, key"},
      {&s.range_all, "SELECT " + cols + " FROM entries WHERE ns = ?1 ORDER BY author, key"},
      {&s.get_policy, "SELECT policy FROM download_policy WHERE ns = ?1"},
      {&s.put_policy, "INSERT OR REPLACE INTO download_policy(ns, policy) VALUES(?1, ?2)"},
      {&s.add_missing,
       "INSERT OR IGNORE INTO missing_content(ns, hash, author, key) VALUES(?1, ?2, ?3, ?4)"},
      {&s.del_missing_ref,
       "DELETE FROM missing_content WHERE ns = ?1 AND hash = ?2 AND author = ?3 AND key = ?4"},
      {&s.del_missing, "DELETE FROM missing_content WHERE ns = ?1 AND hash = ?2"},
      {&s.del_missing_all, "DELETE FROM missing_content WHERE hash = ?1"},
      {&s.docs_missing, "SELECT DISTINCT ns FROM missing_content WHERE hash = ?1 ORDER BY ns"},
      {&s.list_missing,
       "SELECT hash, author, key FROM missing_content WHERE ns = ?1 ORDER BY hash, author, key"},
      {&s.list_missing_pairs, "SELECT DISTINCT ns, hash FROM missing_content ORDER BY ns, hash"},
      {&s.del_ns_missing, "DELETE FROM missing_content WHERE ns = ?1"},
  };
  for (const auto& p : list) {
    FERRY_ASSIGN(*p.stmt, db_->prepare(p.sql));
  }
  return ok();
}

// --- Documents -------------------------------------------------------------

Status Store::import_namespace(const Capability& cap) {
  auto existing = capability(cap.id());
  Capability merged = cap;
  if (existing) {
    merged = *existing;
    FERRY_TRY(merged.merge(cap));
  } else if (existing.error().code() != ErrorCode::kNotFound) {
    return tl::unexpected(existing.error());
  }
  auto& s = st_->upsert_ns;
  s.bind(1, merged.id().view()).bind(2, static_cast<int64_t>(merged.kind()));
  if (merged.secret() != nullptr) {
    s.bind(3, merged.secret()->seed());
  } else {
    s.bind_null(3);
  }
  return s.exec();
}

Result<Capability> Store::capability(const NamespaceId& ns) {
  auto& s = st_->get_ns;
  s.bind(1, ns.view());
  auto row = s.step();
  if (!row) return tl::unexpected(row.error());
  if (!*row) {
    s.reset();
    return make_error(ErrorCode::kNotFound, "unknown document " + ns.fmt_short());
  }
  int64_t kind = s.col_int(0);
  ByteView secret = s.col_blob(1);
  std::optional<Capability> cap;
  if (kind == static_cast<int64_t>(CapabilityKind::kWrite) && secret.size() == 32) {
    std::array<uint8_t, 32> seed;
    std::copy(secret.begin(), secret.end(), seed.begin());
    cap.emplace(NamespaceSecret::from_seed(seed));
  } else if (kind == static_cast<int64_t>(CapabilityKind::kRead)) {
    cap.emplace(ns);
  }
  s.reset();
  if (!cap) return make_error(ErrorCode::kCorrupt, "bad capability row for " + ns.fmt_short());
  if (cap->id() != ns) return make_error(ErrorCode::kCorrupt, "secret does not match document id");
  return *cap;
}

Result<std::vector<std::pair<NamespaceId, CapabilityKind>>> Store::list_namespaces() {
  std::vector<std::pair<NamespaceId, CapabilityKind>> out;
  auto& s = st_->list_ns;
  for (;;) {
    FERRY_ASSIGN(bool row, s.step());
    if (!row) break;
    ByteView id = s.col_blob(0);
    if (id.size() != 32) continue;
    out.emplace_back(NamespaceId::from_bytes(id), static_cast<CapabilityKind>(s.col_int(1)));
  }
  s.reset();
  return out;
}

Status Store::require_namespace(const NamespaceId& ns) {
  auto& s = st_->get_ns;
  s.bind(1, ns.view());
  auto row = s.step();
  s.reset();
  if (!row) return tl::unexpected(row.error());
  if (!*row) return make_error(ErrorCode::kNotFound, "unknown document " + ns.fmt_short());
  return ok();
}

Status Store::remove_namespace(const NamespaceId& ns) {
  FERRY_TRY(require_namespace(ns));
  FERRY_TRY(begin_batch());
  Status st = st_->del_ns_entries.bind(1, ns.view()).exec();
  if (st) st = st_->del_ns_policy.bind(1, ns.view()).exec();
  if (st) st = st_->del_ns_missing.bind(1, ns.view()).exec();
  if (st) st = st_->del_ns.bind(1, ns.view()).exec();
  if (!st) {
    rollback_batch();
    return st;
  }
  indexes_.erase(ns);
  return commit_batch();
}

// --- Authors ---------------------------------------------------------------

Status Store::import_author(const Author& author) {
  return st_->put_author.bind(1, author.id().view()).bind(2, author.seed()).exec();
}

Result<Author> Store::author(const AuthorId& id) {
  auto& s = st_->get_author;
  s.bind(1, id.view());
  auto row = s.step();
  if (!row) return tl::unexpected(row.error());
  if (!*row) {
    s.reset();
    return make_error(ErrorCode::kNotFound, "unknown author " + id.fmt_short());
  }
  ByteView secret = s.col_blob(0);
  if (secret.size() != 32) {
    s.reset();
    return make_error(ErrorCode::kCorrupt, "bad author secret in store");
  }
  std::array<uint8_t, 32> seed;
  std::copy(secret.begin(), secret.end(), seed.begin());
  s.reset();
  auto a = Author::from_seed(seed);
  if (a.id() != id) return make_error(ErrorCode::kCorrupt, "author secret does not match id");
  return a;
}

Result<std::vector<AuthorId>> Store::list_authors() {
  std::vector<AuthorId> out;
  auto& s = st_->list_authors;
  for (;;) {
    FERRY_ASSIGN(bool row, s.step());
    if (!row) break;
    if (s.col_blob(0).size() == 32) out.push_back(AuthorId::from_bytes(s.col_blob(0)));
  }
  s.reset();
  return out;
}

Status Store::set_default_author(const AuthorId& id) {
  FERRY_TRY(author(id));
  return st_->put_meta.bind_text(1, "default_author").bind(2, id.view()).exec();
}

Result<std::optional<AuthorId>> Store::default_author() {
  auto& s = st_->get_meta;
  s.bind_text(1, "default_author");
  auto row = s.step();
  if (!row) return tl::unexpected(row.error());
  std::optional<AuthorId> out;
  if (*row && s.col_blob(0).size() == 32) out = AuthorId::from_bytes(s.col_blob(0));
  s.reset();
  return out;
}

// --- Download policy -------------------------------------------------------

Status Store::set_download_policy(const NamespaceId& ns, const DownloadPolicy& p) {
  FERRY_TRY(require_namespace(ns));
  return st_->put_policy.bind(1, ns.view()).bind(2, p.to_bytes()).exec();
}

Result<DownloadPolicy> Store::download_policy(const NamespaceId& ns) {
  FERRY_TRY(require_namespace(ns));
  auto& s = st_->get_policy;
  s.bind(1, ns.view());
  auto row = s.step();
  if (!row) return tl::unexpected(row.error());
  if (!*row) {
    s.reset();
    return DownloadPolicy{};
  }
  auto p = DownloadPolicy::from_bytes(s.col_blob(0));
  s.reset();
  if (!p) return make_error(ErrorCode::kCorrupt, "stored download policy: " + p.error().message());
  return *p;
}

// --- Subscriptions ---------------------------------------------------------

SubscriptionId Store::subscribe(Observer observer) {
  SubscriptionId id = next_subscription_++;
  observers_.emplace(id, std::move(observer));
  return id;
}

void Store::unsubscribe(SubscriptionId id) {
  observers_.erase(id);
}

void Store::emit(StoreEvent ev) {
  if (batch_depth_ > 0) {
    pending_events_.push_back(std::move(ev));
    return;
  }
  for (auto& [id, obs] : observers_) obs(ev);
}

// --- Batches ---------------------------------------------------------------

Status Store::begin_batch() {
  if (batch_depth_ == 0) FERRY_TRY(st_->begin.exec());
  ++batch_depth_;
  return ok();
}

Status Store::commit_batch() {
  if (batch_depth_ == 0) return make_error(ErrorCode::kInternal, "commit without begin");
  if (--batch_depth_ > 0) return ok();
  if (auto st = st_->commit.exec(); !st) {
    ++batch_depth_;
    rollback_batch();
    return st;
  }
  touched_.clear();
  auto events = std::move(pending_events_);
  pending_events_.clear();
  for (auto& ev : events) emit(std::move(ev));
  return ok();
}

void Store::rollback_batch() {
  if (batch_depth_ == 0) return;
  batch_depth_ = 0;
  (void)st_->rollback.exec();
  // In-memory indexes may hold changes that were rolled back: rebuild lazily.
  for (const auto& ns : touched_) indexes_.erase(ns);
  touched_.clear();
  pending_events_.clear();
}

}  // namespace ferry::docs
