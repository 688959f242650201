// Store: the one interface of Ferry's blob stores (file store on disk +
// SQLite, memory store for tests and simulations). Both behave the same and
// pass the same typed test suite (store_test.cc).
//
// A blob is addressed by its BLAKE3 hash (crypto::Hash) and stored with its
// bao outboard (spec ../shared/spec/iroh-0.35-wire.md §8: the pre-order
// pairs of every node over more than 16 chunks). A blob is
//   - complete: every byte present and the outboard complete;
//   - partial:  a download in progress or interrupted; `verified` holds the
//               chunks received and verified by bao, and they survive a
//               restart (file store), so a download can resume;
//   - absent.
//
// Integrity: data read back from the store (read, encode_bao, export_file)
// is verified against the outboard and the hash before it is handed out; a
// data or outboard file changed on disk gives kCorrupt and nothing is served
// from the bad chunk group on.
//
// Garbage collection: gc() deletes every blob that is not protected. A blob
// is protected by a named tag (set_tag), by a TempTag alive in this process
// (returned by imports, or made by temp_tag()), or by a BlobWriter alive for
// it. A tag with format kHashSeq also protects every child of the HashSeq.
// Imports and downloads in progress are therefore never collected, without
// the caller tagging anything. A caller that wants a blob to survive the
// next gc() after its TempTag / BlobWriter is gone must set a named tag.
//
// Thread-safety: every method may be called from any thread concurrently.
// BlobWriter objects are used by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bao/chunk_ranges.h"
#include "bao/tree.h"
#include "core/bytes.h"
#include "crypto/hash.h"
#include "ferry/result.h"

namespace ferry::blobs {

using crypto::Hash;

// How a blob is interpreted: plain bytes, or a HashSeq (concatenated 32-byte
// hashes, spec §7.2) whose children are blobs too (collections are HashSeqs).
enum class BlobFormat { kRaw, kHashSeq };

struct HashAndFormat {
  Hash hash;
  BlobFormat format = BlobFormat::kRaw;

  static HashAndFormat raw(const Hash& h) { return {h, BlobFormat::kRaw}; }
  static HashAndFormat hash_seq(const Hash& h) { return {h, BlobFormat::kHashSeq}; }
  bool operator==(const HashAndFormat&) const = default;
};

enum class BlobState { kAbsent, kPartial, kComplete };

// "absent" / "partial" / "complete".
std::string_view blob_state_name(BlobState state);

struct BlobStatus {
  BlobState state = BlobState::kAbsent;
  // Complete: the blob's size. Partial: the size the sender claimed in the
  // stream header (proven only once the last chunk is verified). Absent: 0.
  uint64_t size = 0;
  // Chunks (1 KiB) present and verified. Complete: [0, chunks). Partial: any
  // subset. Absent: empty.
  bao::ChunkRanges verified;

  bool is_complete() const { return state == BlobState::kComplete; }
};

struct BlobInfo {
  Hash hash;
  BlobState state = BlobState::kAbsent;
  uint64_t size = 0;
};

// Protects a blob (or a HashSeq and its children) from gc() while alive.
// Move-only; destroying it releases the protection. Must not outlive the
// store that made it.
class TempTag {
 public:
  TempTag() = default;
  TempTag(TempTag&& other) noexcept { *this = std::move(other); }
  TempTag& operator=(TempTag&& other) noexcept;
  TempTag(const TempTag&) = delete;
  TempTag& operator=(const TempTag&) = delete;
  ~TempTag() { release(); }

  const HashAndFormat& value() const { return value_; }
  const Hash& hash() const { return value_.hash; }
  bool is_active() const { return release_ != nullptr; }
  // Releases the protection now (idempotent).
  void release();

  // For store implementations: `release` is called once with `value`.
  TempTag(HashAndFormat value, std::function<void(const HashAndFormat&)> release)
      : value_(value), release_(std::move(release)) {}

 private:
  HashAndFormat value_;
  std::function<void(const HashAndFormat&)> release_;
};

struct ImportResult {
  Hash hash;
  uint64_t size = 0;
  // Protects the new blob until dropped (see the GC contract above).
  TempTag tag;
};

struct GcStats {
  uint64_t blobs_deleted = 0;
  uint64_t bytes_deleted = 0;  // data bytes of deleted blobs (partial: claimed size)
};

// Receives output piece by piece (a bao stream, or data to export). An error
// returned by the sink stops the operation and is returned to the caller.
using DataSink = std::function<Status(ByteView)>;

// A write session for a download: accepts what bao::ResponseDecoder verified
// and turns it into a partial, then complete, blob.
//
// Requires: everything passed in was verified by bao::ResponseDecoder for this
// writer's hash and size (the writer trusts it; it does not re-hash).
// Durability: written data and pairs become "verified" in status() only after
// flush() or finish() has made them durable; a crash before that loses them
// but never records unverified or unsynced data as verified.
// The blob is protected from gc() while the writer is alive.
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;

  virtual const Hash& hash() const = 0;
  virtual uint64_t size() const = 0;

  // A verified parent pair (left CV ‖ right CV, 64 bytes) of `node`. Pairs
  // of nodes over at most 16 chunks are accepted and ignored (the store keeps
  // only the outboard's pairs). Errors: kInvalidArgument (bad length or node
  // not in this tree), kIo, kResourceExhausted.
  [[nodiscard]] virtual Status write_parent(const bao::Node& node, ByteView pair) = 0;
  // Verified data at byte `offset`. Requires: offset is a multiple of 1024;
  // data ends on a chunk boundary or at the end of the blob. Errors:
  // kInvalidArgument, kIo, kResourceExhausted.
  [[nodiscard]] virtual Status write_leaf(uint64_t offset, ByteView data) = 0;
  // Makes everything written so far durable and records it as verified.
  [[nodiscard]] virtual Status flush() = 0;
  // flush(), and if every chunk is now present marks the blob complete.
  // Returns the blob's status after that. The writer may be dropped after.
  [[nodiscard]] virtual Result<BlobStatus> finish() = 0;

  // The outcome of finish_async: the blob's status once what finish()
  // records is durable, or the error (then nothing of it was recorded as
  // complete).
  using FinishCallback = std::function<void(Result<BlobStatus>)>;
  // finish() whose commit may be grouped with others': a store that groups
  // commits (the file store, for a complete small new blob) queues it for
  // its committer thread, which records every queued blob in one
  // transaction and then calls each `done` from that thread. Until then the
  // blob is not visible as complete. Other stores and cases run finish()
  // and call `done` before returning. `done` runs exactly once, on any
  // thread, and must not use the writer; the writer may be dropped as soon
  // as this returns. Nothing may be written after it.
  virtual void finish_async(FinishCallback done) { done(finish()); }
};

class Store {
 public:
  virtual ~Store() = default;

  // --- import -------------------------------------------------------------
  // Hashes `data`, stores it with its outboard, marks it complete (durably
  // before returning). Importing an existing blob is fine (same result).
  // Errors: kIo, kResourceExhausted (disk full; the store stays usable).
  [[nodiscard]] virtual Result<ImportResult> import_bytes(ByteView data) = 0;
  // Same for a file, read in a streaming way (memory does not grow with its
  // size). Errors: kNotFound (no such file), kIo (unreadable),
  // kResourceExhausted. Nothing is left behind on error.
  [[nodiscard]] virtual Result<ImportResult> import_file(const std::string& path) = 0;
  // Imports several files as one batch: all or nothing, durable when it
  // returns, results in the order of `paths`. The file store commits the
  // batch in one transaction (one fsync instead of one per file). Errors:
  // as import_file, for the first file that fails (none is imported then).
  [[nodiscard]] virtual Result<std::vector<ImportResult>> import_files(
      const std::vector<std::string>& paths) {
    std::vector<ImportResult> out;
    for (const auto& p : paths) {
      FERRY_ASSIGN(auto r, import_file(p));
      out.push_back(std::move(r));
    }
    return out;
  }

  // --- query --------------------------------------------------------------
  // Errors: kIo (metadata unreadable).
  [[nodiscard]] virtual Result<BlobStatus> status(const Hash& hash) = 0;
  // Every blob, complete and partial, sorted by hash.
  [[nodiscard]] virtual Result<std::vector<BlobInfo>> list() = 0;

  // --- read ---------------------------------------------------------------
  // Bytes [offset, offset+len) of a blob, clamped to its size; verified
  // against the outboard before they are returned. A partial blob can be
  // read where its verified chunk groups cover the range. Errors:
  // kNotFound (absent, or the range is not present), kCorrupt (data or
  // outboard on disk does not verify), kIo.
  [[nodiscard]] virtual Result<Bytes> read(const Hash& hash, uint64_t offset, uint64_t len) = 0;
  // Writes to `sink` exactly what an iroh 0.35 provider sends for this blob
  // and `ranges` (spec §7.2/7.3: 8-byte LE size, then the bao encoding),
  // verifying every group against the outboard first. Errors: kNotFound
  // (absent: nothing written, as iroh writes nothing for an unknown hash),
  // kCorrupt (stops before the first bad group: a prefix may have been
  // written, the caller must abort the stream), kIo, sink errors.
  // For a partial blob, the stream stops (kNotFound) where `ranges` leave
  // its verified ranges, as iroh does; serving works per chunk group (a
  // partly verified group is not served until it is complete).
  [[nodiscard]] virtual Status encode_bao(const Hash& hash, const bao::ChunkRanges& ranges,
                                          const DataSink& sink) = 0;
  // Writes the complete blob to a new file at `path` (replacing any file
  // there), verifying every byte. Errors: kNotFound (not complete), kCorrupt
  // (and no file is left at `path`), kIo, kResourceExhausted.
  [[nodiscard]] virtual Status export_file(const Hash& hash, const std::string& path) = 0;
  // The complete blob streamed to `sink` in pieces, verified.
  [[nodiscard]] virtual Status export_to(const Hash& hash, const DataSink& sink) = 0;

  // --- download -----------------------------------------------------------
  // Opens a write session for `hash` with the size from the stream header.
  // Resumes an existing partial blob of the same size (keeping its verified
  // ranges); a partial blob with a different claimed size whose size was not
  // proven is reset. If the blob is already complete the writer accepts and
  // ignores everything. Errors: kAlreadyExists (another writer for this
  // hash is alive), kInvalidArgument (size > 2^62), kIo.
  [[nodiscard]] virtual Result<std::unique_ptr<BlobWriter>> open_writer(const Hash& hash,
                                                                        uint64_t size) = 0;

  // --- delete, tags, GC ---------------------------------------------------
  // Deletes a blob regardless of tags. Errors: kNotFound, kIo.
  [[nodiscard]] virtual Status remove(const Hash& hash) = 0;

  // Named tags (any non-empty UTF-8 name) -> HashAndFormat. set_tag replaces.
  [[nodiscard]] virtual Status set_tag(const std::string& name, const HashAndFormat& value) = 0;
  // Errors: kNotFound.
  [[nodiscard]] virtual Status delete_tag(const std::string& name) = 0;
  [[nodiscard]] virtual Result<std::optional<HashAndFormat>> get_tag(const std::string& name) = 0;
  // Sorted by name.
  [[nodiscard]] virtual Result<std::vector<std::pair<std::string, HashAndFormat>>> list_tags() = 0;
  // Protects `value` until the returned tag is dropped.
  virtual TempTag temp_tag(const HashAndFormat& value) = 0;

  // Deletes every unprotected blob (see the contract at the top).
  [[nodiscard]] virtual Result<GcStats> gc() = 0;
};

}  // namespace ferry::blobs
