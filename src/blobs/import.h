// Helpers shared by both stores: streaming import hashing, export through a
// temporary file, and argument checks for write sessions.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "bao/chunk_ranges.h"
#include "bao/outboard.h"
#include "bao/tree.h"
#include "blobs/store.h"
#include "env/env.h"

namespace ferry::blobs {

// Size of the pieces import and export read and write.
inline constexpr size_t kIoPieceSize = 1 << 20;
// Largest blob a write session accepts (bao's decoder limit).
inline constexpr uint64_t kMaxBlobSize = uint64_t{1} << 62;

// Reads the file at `path` in pieces of kIoPieceSize, feeding each to the
// outboard builder and to `piece(offset, bytes)`. Memory: one piece plus the
// outboard. Errors: kNotFound (no such file), kIo (unreadable, or the file
// changed size while being read), errors of `piece`.
[[nodiscard]] Result<bao::Outboard> hash_file(
    env::Env& env, const std::string& path, const std::function<Status(uint64_t, ByteView)>& piece);

// Exports a complete blob: writes `<path>.ferry-tmp` through store.export_to,
// syncs it and renames it to `path`. On any error the temporary file is
// removed, so no partial or unverified output is left behind.
[[nodiscard]] Status export_to_path(env::Env& env, Store& store, const Hash& hash,
                                    const std::string& path);

// kInvalidArgument if a write session cannot have this size.
[[nodiscard]] Status check_writer_size(uint64_t size);

// True if `verified` contains the blob's last chunk, which proves `size`.
bool size_proven(const bao::ChunkRanges& verified, uint64_t size);

// Checks a parent pair for a writer; returns its pre-order outboard index,
// or nullopt for a pair inside a chunk group (not stored). Errors:
// kInvalidArgument (pair not 64 bytes, node not in the tree).
[[nodiscard]] Result<std::optional<uint64_t>> check_parent(const bao::BaoTree& tree,
                                                           const bao::Node& node, ByteView pair);

// Checks a leaf for a writer and returns the chunks it covers. Errors:
// kInvalidArgument (offset not chunk aligned, past the end, or data not
// ending on a chunk boundary or at the end of the blob).
[[nodiscard]] Result<bao::ChunkRanges> check_leaf(const bao::BaoTree& tree, uint64_t offset,
                                                  size_t len);

}  // namespace ferry::blobs
