// HashSeq and collections (spec ../shared/spec/iroh-0.35-wire.md §7.2).
//
// A HashSeq is a blob of concatenated 32-byte hashes; its children are the
// blobs those hashes name. A collection is a HashSeq whose first child is a
// metadata blob, postcard CollectionMeta{header: [u8;13] = "CollectionV0.",
// names: Vec<String>}, and whose remaining children are the files, in the
// order of `names`.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "blobs/store.h"
#include "core/bytes.h"
#include "crypto/hash.h"
#include "ferry/result.h"

namespace ferry::blobs {

// Concatenates hashes.
Bytes build_hash_seq(const std::vector<Hash>& hashes);
// Splits a HashSeq blob. Errors: kCorrupt if the size is not a multiple of 32.
[[nodiscard]] Result<std::vector<Hash>> parse_hash_seq(ByteView data);

inline constexpr std::string_view kCollectionHeader = "CollectionV0.";

// Postcard CollectionMeta for `names`.
Bytes encode_collection_meta(const std::vector<std::string>& names);
// Parses CollectionMeta (bounds-checked; trailing bytes rejected). Errors:
// kCorrupt (wrong header, malformed postcard, invalid UTF-8).
[[nodiscard]] Result<std::vector<std::string>> decode_collection_meta(ByteView data);

// The blobs that make up a collection: the meta blob, the HashSeq and the
// root hash (= hash of the HashSeq).
struct CollectionBlobs {
  Bytes meta;      // CollectionMeta blob
  Bytes hash_seq;  // [hash(meta), hash(file 0), hash(file 1), ...]
  Hash root;       // blake3(hash_seq): the collection's hash
};

// Builds a collection from (name, file hash) pairs, in the given order.
CollectionBlobs build_collection(const std::vector<std::pair<std::string, Hash>>& files);

// Imports a collection of (name, data) files into `store`: every file, the
// meta blob and the HashSeq. The returned TempTag protects the HashSeq and
// (format kHashSeq) all its children.
[[nodiscard]] Result<ImportResult> import_collection(
    Store& store, const std::vector<std::pair<std::string, Bytes>>& files);

struct CollectionEntry {
  std::string name;  // empty for the meta blob
  Hash hash;
  BlobStatus status;
};

struct CollectionStatus {
  BlobStatus root;  // status of the HashSeq blob itself
  // Known only when the HashSeq (and, for names, the meta blob) is complete.
  bool children_known = false;
  bool names_known = false;
  // Children in HashSeq order: [meta, file 0, file 1, ...]. Names filled in
  // when the meta blob is complete and parses.
  std::vector<CollectionEntry> children;
  // True if the root and every child are complete.
  bool is_complete() const;
};

// Status of a HashSeq/collection and each of its children. A root that is
// not complete yields children_known = false. A HashSeq whose first child is
// not a valid CollectionMeta (or whose name count does not match) is a plain
// HashSeq: names_known = false, not an error. Errors: kCorrupt (HashSeq size
// not a multiple of 32, or its data fails verification), store errors.
[[nodiscard]] Result<CollectionStatus> collection_status(Store& store, const Hash& root);

}  // namespace ferry::blobs
