// FileStore: the on-disk blob store.
//
// Layout under `dir`:
//   blobs.db             SQLite (WAL) metadata: schema version, blobs (state,
//                        size, verified ranges, inlined small blobs), tags.
//   blobs/<hex>.data     data of a blob larger than the inline limit
//   blobs/<hex>.obao4    its outboard (pre-order pairs, spec §8)
//   blobs/tmp-*          imports in progress (removed on open)
// Blobs of at most `inline_limit` bytes (default 16 KiB, whose outboard is
// empty) live in the database only.
//
// Crash safety: data and outboard are written and synced (files and their
// directory) BEFORE the transaction that marks a blob complete; a partial
// blob's verified ranges are recorded only after the data and pairs they
// cover are synced. So a crash at any point never leaves a blob marked
// complete that is not, and a partial blob keeps what it recorded.
#pragma once

#include <memory>
#include <string>

#include "blobs/store.h"
#include "env/env.h"

namespace ferry::blobs {

struct FileStoreOptions {
  // Directory of the store; created if missing.
  std::string dir;
  // File system for the data and outboard files (and for import/export
  // paths). nullptr = env::posix_env().
  env::Env* env = nullptr;
  // SQLite database path (always on the real file system). Empty =
  // <dir>/blobs.db. Tests on a MemEnv point it at a real temporary file.
  std::string db_path;
  // Blobs up to this size are stored inside the database.
  uint64_t inline_limit = 16 * 1024;
  // Per-commit durability (SQLite synchronous=FULL). Only benchmarks of the
  // bare metadata path turn it off.
  bool sync_commits = true;
};

// Current schema version written by this build.
inline constexpr int kFileStoreSchemaVersion = 1;

// Complete small downloads are recorded by the store's committer thread in
// groups (BlobWriter::finish_async): one transaction for every blob that
// finished while the previous one ran.
struct FileStoreCounters {
  uint64_t group_commits = 0;  // transactions the committer ran
  uint64_t grouped_blobs = 0;  // blobs given to it
};
// The counters of a store made by open_file_store (zeros for other stores).
FileStoreCounters file_store_counters(Store& store);

// Opens (or creates) a store. Errors: kUnsupported (database written by a
// newer Ferry: nothing is modified), kCorrupt (not a Ferry database), kIo.
[[nodiscard]] Result<std::unique_ptr<Store>> open_file_store(const FileStoreOptions& options);

}  // namespace ferry::blobs
