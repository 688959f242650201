// BLAKE3 chaining values of non-root subtrees, for bao (spec
// ../shared/spec/iroh-0.35-wire.md §8).
//
// The public BLAKE3 API only yields root hashes. Bao needs the chaining value
// (CV) of any subtree: a single chunk at a global chunk index, a parent of two
// CVs, and a chunk group (up to 16 contiguous chunks) — each with or without
// the ROOT flag. These are built on the entry points of the official C
// implementation declared in blake3_impl.h (blake3_hash_many with its SIMD
// dispatch, blake3_compress_in_place / blake3_compress_xof); no compression
// function is written here.
//
// A CV is 32 bytes and is represented as crypto::Hash (a root CV is the hash).
#pragma once

#include <cstdint>
#include <span>

#include "core/bytes.h"
#include "crypto/hash.h"

namespace ferry::crypto {

inline constexpr uint64_t kBlake3ChunkSize = 1024;

// CV of one chunk. `data` is the chunk's bytes (0..1024; only a blob's final
// chunk may be shorter than 1024, and only an empty blob's chunk is empty).
// `chunk_index` is the global chunk index (the BLAKE3 counter). `is_root` sets
// ROOT on the last block: use it only when this chunk is the whole input.
// Requires: data.size() <= 1024.
Hash chunk_cv(ByteView data, uint64_t chunk_index, bool is_root);

// CV of a parent node: compress(IV, left ‖ right, counter 0, PARENT [|ROOT]).
Hash parent_cv(const Hash& left, const Hash& right, bool is_root);

// CV of the BLAKE3 subtree over `data` whose first chunk has global index
// `start_chunk`. The tree shape is BLAKE3's: the left child takes the largest
// power of two of chunks strictly less than the total. `is_root` marks the
// top node (the chunk itself if data.size() <= 1024).
// Requires: data is a real subtree of its blob, i.e. start_chunk is a
// multiple of the next power of two >= ceil(data.size()/1024) (any size works
// mathematically, but only aligned subtrees occur in BLAKE3 trees).
// With start_chunk = 0 and is_root = true this equals blake3(data).
// Uses blake3_hash_many for all full chunks and parallel parent compression,
// so hashing a group or more is SIMD-fast.
Hash subtree_cv(ByteView data, uint64_t start_chunk, bool is_root);

// CVs of `out.size()` consecutive full, aligned subtrees of 2^log2_chunks
// chunks each (non-root), the first starting at global chunk `start_chunk`:
// out[i] = subtree_cv(data[i*S, (i+1)*S), start_chunk + i*2^log2_chunks,
// false) with S = 1024 << log2_chunks. This is the fast path for outboards
// (log2_chunks = 4: 16 KiB chunk groups).
// Requires: data.size() == out.size() << (10 + log2_chunks); start_chunk is a
// multiple of 2^log2_chunks; log2_chunks <= 16.
void subtree_cvs(ByteView data, uint64_t start_chunk, unsigned log2_chunks, std::span<Hash> out);

}  // namespace ferry::crypto
