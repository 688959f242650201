// Private to the docs store implementation (store.cc, store_read.cc).
#pragma once

#include "docs/sqlite.h"
#include "docs/store.h"

namespace ferry::docs {

// 1: entries, namespaces, authors, policies. 2: + missing_content (created
// by the same idempotent script on open, so a version-1 file upgrades).
inline constexpr int kSchemaVersion = 2;

// Column list used by every statement that reads whole entries, in the
// order Store::read_entry expects.
inline constexpr const char* kEntryColumns = "author, key, len, hash, ts, author_sig, ns_sig";

struct Store::Statements {
  sql::Stmt begin, commit, rollback;
  sql::Stmt get_ns, upsert_ns, list_ns, del_ns, del_ns_entries, del_ns_policy;
  sql::Stmt put_author, get_author, list_authors;
  sql::Stmt get_meta, put_meta;
  sql::Stmt get_entry, scan_prefix, scan_prefix_open, del_entry, upsert_entry;
  sql::Stmt load_index, count_entries, first_id;
  // Range scans in (author, key) order: [lo, hi), [lo, end), [start, hi), all.
  sql::Stmt range_lo_hi, range_lo, range_hi, range_all;
  sql::Stmt get_policy, put_policy;
  // missing_content.cc
  sql::Stmt add_missing, del_missing_ref, del_missing, del_missing_all, docs_missing, list_missing,
      list_missing_pairs, del_ns_missing;
};

// Positions [lo[i], hi[i]) of the document's sorted entries, in iteration
// order; at most two intervals (a wrap range).
struct Store::Spans {
  uint64_t lo[2] = {0, 0};
  uint64_t hi[2] = {0, 0};
  int n = 0;
  uint64_t total() const {
    uint64_t t = 0;
    for (int i = 0; i < n; ++i) t += hi[i] - lo[i];
    return t;
  }
};

// The smallest byte string greater than every string starting with `p`, or
// nullopt if there is none (p empty or all 0xff).
std::optional<Bytes> prefix_successor(ByteView p);

}  // namespace ferry::docs
