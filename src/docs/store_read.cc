// Store: reads, queries and the ranger view (counts, fingerprints, pivots
// and iteration over ranges of one document).
#include <algorithm>

#include "crypto/blake3.h"
#include "docs/store.h"
#include "docs/store_internal.h"

namespace ferry::docs {
namespace {

int compare_bytes(ByteView a, ByteView b) {
  auto c = std::lexicographical_compare_three_way(a.begin(), a.end(), b.begin(), b.end());
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

}  // namespace

Result<SignedEntry> Store::read_entry(sql::Stmt& s, const NamespaceId& ns, int c) {
  ByteView author = s.col_blob(c);
  ByteView key = s.col_blob(c + 1);
  ByteView hash = s.col_blob(c + 3);
  ByteView asig = s.col_blob(c + 5);
  ByteView nsig = s.col_blob(c + 6);
  if (author.size() != 32 || hash.size() != 32 || asig.size() != 64 || nsig.size() != 64) {
    return make_error(ErrorCode::kCorrupt, "malformed entry row in docs store");
  }
  SignedEntry e;
  e.entry.id = RecordIdentifier(ns, AuthorId::from_bytes(author), key);
  e.entry.record = Record{s.col_u64(c + 2), crypto::Hash::from_bytes(hash), s.col_u64(c + 4)};
  e.signature.author_signature = *crypto::Signature::from_bytes(asig);
  e.signature.namespace_signature = *crypto::Signature::from_bytes(nsig);
  return e;
}

Result<std::optional<SignedEntry>> Store::get_exact(const NamespaceId& ns, const AuthorId& author,
                                                    ByteView key, bool include_empty) {
  auto& s = st_->get_entry;
  s.bind(1, ns.view()).bind(2, author.view()).bind(3, key);
  auto row = s.step();
  if (!row) return tl::unexpected(row.error());
  std::optional<SignedEntry> out;
  if (*row) {
    auto e = read_entry(s, ns, 0);
    if (!e) {
      s.reset();
      return tl::unexpected(e.error());
    }
    if (include_empty || !e->record().is_empty()) out = std::move(*e);
  }
  s.reset();
  return out;
}

Result<std::vector<SignedEntry>> Store::query(const NamespaceId& ns, const Query& q) {
  FERRY_TRY(require_namespace(ns));
  std::string sql = std::string("SELECT ") + kEntryColumns + " FROM entries WHERE ns = ?1";
  std::optional<Bytes> upper;
  if (q.author) sql += " AND author = ?2";
  if (q.key_exact) sql += " AND key = ?3";
  if (q.key_prefix) {
    sql += " AND key >= ?4";
    upper = prefix_successor(*q.key_prefix);
    if (upper) sql += " AND key < ?5";
  }
  const bool sql_filters_empty = !q.include_empty && !q.latest_per_key;
  if (sql_filters_empty) sql += " AND hash != ?6";
  const char* dir = q.descending ? " DESC" : " ASC";
  if (q.latest_per_key || q.sort_by == Query::SortBy::kKeyAuthor) {
    sql += std::string(" ORDER BY key") + dir + ", author" + dir;
  } else {
    sql += std::string(" ORDER BY author") + dir + ", key" + dir;
  }
  if (!q.latest_per_key) sql += " LIMIT ?7 OFFSET ?8";
  FERRY_ASSIGN(auto s, db_->prepare(sql));
  s.bind(1, ns.view());
  if (q.author) s.bind(2, q.author->view());
  if (q.key_exact) s.bind(3, *q.key_exact);
  if (q.key_prefix) s.bind(4, *q.key_prefix);
  if (upper) s.bind(5, *upper);
  if (sql_filters_empty) s.bind(6, crypto::Hash::empty().view());
  if (!q.latest_per_key) {
    s.bind(7, q.limit ? static_cast<int64_t>(std::min<uint64_t>(*q.limit, INT64_MAX)) : -1);
    s.bind(8, static_cast<int64_t>(std::min<uint64_t>(q.offset, INT64_MAX)));
  }
  std::vector<SignedEntry> out;
  for (;;) {
    FERRY_ASSIGN(bool row, s.step());
    if (!row) break;
    FERRY_ASSIGN(auto e, read_entry(s, ns, 0));
    if (q.latest_per_key && !out.empty() && std::ranges::equal(out.back().key(), e.key())) {
      if (value_cmp(e.record(), out.back().record()) > 0) out.back() = std::move(e);
      continue;
    }
    out.push_back(std::move(e));
  }
  if (!q.latest_per_key) return out;
  if (!q.include_empty) {
    std::erase_if(out, [](const SignedEntry& e) { return e.record().is_empty(); });
  }
  if (q.sort_by == Query::SortBy::kAuthorKey) {
    std::stable_sort(out.begin(), out.end(), [&](const SignedEntry& a, const SignedEntry& b) {
      int c =
          compare_bytes(ByteView(a.id().view()).subspan(32), ByteView(b.id().view()).subspan(32));
      return q.descending ? c > 0 : c < 0;
    });
  }
  uint64_t begin = std::min<uint64_t>(q.offset, out.size());
  uint64_t end =
      q.limit ? std::min<uint64_t>(out.size(), begin + std::min<uint64_t>(*q.limit, out.size()))
              : out.size();
  return std::vector<SignedEntry>(out.begin() + begin, out.begin() + end);
}

Result<uint64_t> Store::entry_count(const NamespaceId& ns) {
  auto& s = st_->count_entries;
  s.bind(1, ns.view());
  FERRY_ASSIGN(bool row, s.step());
  uint64_t n = row ? s.col_u64(0) : 0;
  s.reset();
  return n;
}

// --- Ranger view -------------------------------------------------------------

Result<FingerprintIndex*> Store::index(const NamespaceId& ns) {
  if (auto it = indexes_.find(ns); it != indexes_.end()) return it->second.get();
  FERRY_TRY(require_namespace(ns));
  auto& s = st_->load_index;
  s.bind(1, ns.view());
  std::vector<std::pair<Bytes, FingerprintIndex::Fp>> items;
  for (;;) {
    auto row = s.step();
    if (!row) {
      s.reset();
      return tl::unexpected(row.error());
    }
    if (!*row) break;
    ByteView author = s.col_blob(0);
    ByteView key = s.col_blob(1);
    uint64_t ts = s.col_u64(2);
    ByteView hash = s.col_blob(3);
    if (author.size() != 32 || hash.size() != 32) {
      s.reset();
      return make_error(ErrorCode::kCorrupt, "malformed entry row in docs store");
    }
    crypto::Blake3 h;
    h.update(ns.view());
    h.update(author);
    h.update(key);
    uint8_t be[8];
    put_u64_be(be, ts);
    h.update(ByteView(be, 8));
    h.update(hash);
    Bytes suffix(author.begin(), author.end());
    append(suffix, key);
    items.emplace_back(std::move(suffix), h.finalize().bytes());
  }
  s.reset();
  auto idx = std::make_unique<FingerprintIndex>();
  idx->assign_sorted(std::move(items));
  auto* raw = idx.get();
  indexes_.emplace(ns, std::move(idx));
  return raw;
}

Result<const FingerprintIndex*> Store::index_for_test(const NamespaceId& ns) {
  FERRY_ASSIGN(auto* idx, index(ns));
  return idx;
}

Result<Store::Spans> Store::spans(const NamespaceId& ns, const reconcile::Range& r) {
  FERRY_ASSIGN(auto* idx, index(ns));
  const uint64_t n = idx->size();
  // Position of the first entry of this document that is >= x (x may name
  // another document: then every entry is above or below it).
  auto bound = [&](ByteView x) -> uint64_t {
    size_t m = std::min<size_t>(x.size(), 32);
    int c = compare_bytes(x.first(m), ns.view().first(m));
    if (c < 0) return 0;
    if (c > 0) return n;
    if (x.size() < 32) return 0;
    return idx->rank(x.subspan(32));
  };
  Spans s;
  switch (r.kind()) {
    case reconcile::Range::Kind::kWhole: s.lo[0] = 0, s.hi[0] = n, s.n = 1; break;
    case reconcile::Range::Kind::kRegular:
      s.lo[0] = bound(r.x), s.hi[0] = std::max(s.lo[0], bound(r.y)), s.n = 1;
      break;
    case reconcile::Range::Kind::kWrap:
      s.lo[0] = 0, s.hi[0] = bound(r.y);
      s.lo[1] = bound(r.x), s.hi[1] = n;
      s.n = 2;
      break;
  }
  return s;
}

Result<std::optional<Bytes>> Store::first_id(const NamespaceId& ns) {
  FERRY_ASSIGN(auto* idx, index(ns));
  if (idx->size() == 0) return std::optional<Bytes>();
  Bytes id(ns.view().begin(), ns.view().end());
  append(id, idx->key_at(0));
  return std::optional<Bytes>(std::move(id));
}

Result<uint64_t> Store::range_count(const NamespaceId& ns, const reconcile::Range& r) {
  FERRY_ASSIGN(auto s, spans(ns, r));
  return s.total();
}

Result<reconcile::Fingerprint> Store::range_fingerprint(const NamespaceId& ns,
                                                        const reconcile::Range& r) {
  FERRY_ASSIGN(auto* idx, index(ns));
  using F = reconcile::Fingerprint;
  const F total(idx->total_xor());
  // XOR of this document's entries below x: one tree descent.
  auto below = [&](ByteView x) -> F {
    size_t m = std::min<size_t>(x.size(), 32);
    int c = compare_bytes(x.first(m), ns.view().first(m));
    if (c < 0 || (c == 0 && x.size() < 32)) return F();
    if (c > 0) return total;
    return F(idx->below(x.subspan(32)).xor_fp);
  };
  switch (r.kind()) {
    case reconcile::Range::Kind::kWhole: return F::of_xor(total);
    case reconcile::Range::Kind::kRegular: return F::of_xor(below(r.y) ^ below(r.x));
    case reconcile::Range::Kind::kWrap: return F::of_xor(below(r.y) ^ total ^ below(r.x));
  }
  return make_error(ErrorCode::kInternal, "bad range kind");
}

Result<Bytes> Store::range_key_at(const NamespaceId& ns, const reconcile::Range& r,
                                  uint64_t index_in_range) {
  FERRY_ASSIGN(auto s, spans(ns, r));
  FERRY_ASSIGN(auto* idx, index(ns));
  for (int i = 0; i < s.n; ++i) {
    uint64_t len = s.hi[i] - s.lo[i];
    if (index_in_range < len) {
      Bytes id(ns.view().begin(), ns.view().end());
      append(id, idx->key_at(s.lo[i] + index_in_range));
      return id;
    }
    index_in_range -= len;
  }
  return make_error(ErrorCode::kInternal, "range_key_at: index out of range");
}

Status Store::range_for_each(const NamespaceId& ns, const reconcile::Range& r,
                             const std::function<bool(const SignedEntry&)>& f) {
  FERRY_ASSIGN(auto s, spans(ns, r));
  FERRY_ASSIGN(auto* idx, index(ns));
  const uint64_t n = idx->size();
  for (int i = 0; i < s.n; ++i) {
    if (s.lo[i] >= s.hi[i]) continue;
    // Translate positions to (author, key) bounds for an index range scan.
    Bytes lo(idx->key_at(s.lo[i]).begin(), idx->key_at(s.lo[i]).end());
    std::optional<Bytes> hi;
    if (s.hi[i] < n) hi = Bytes(idx->key_at(s.hi[i]).begin(), idx->key_at(s.hi[i]).end());
    auto& stmt = hi ? st_->range_lo_hi : st_->range_lo;
    stmt.bind(1, ns.view());
    stmt.bind(2, ByteView(lo).first(32)).bind(3, ByteView(lo).subspan(32));
    if (hi) stmt.bind(4, ByteView(*hi).first(32)).bind(5, ByteView(*hi).subspan(32));
    bool stop = false;
    for (;;) {
      auto row = stmt.step();
      if (!row) {
        stmt.reset();
        return tl::unexpected(row.error());
      }
      if (!*row) break;
      auto e = read_entry(stmt, ns, 0);
      if (!e) {
        stmt.reset();
        return tl::unexpected(e.error());
      }
      if (!f(*e)) {
        stop = true;
        break;
      }
    }
    stmt.reset();
    if (stop) break;
  }
  return ok();
}

}  // namespace ferry::docs
