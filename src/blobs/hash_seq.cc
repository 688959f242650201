// HashSeq and collections: see hash_seq.h.
#include "blobs/hash_seq.h"

#include "core/postcard.h"
#include "crypto/blake3.h"

namespace ferry::blobs {

Bytes build_hash_seq(const std::vector<Hash>& hashes) {
  Bytes out;
  out.reserve(hashes.size() * Hash::kSize);
  for (const auto& h : hashes) append(out, h.view());
  return out;
}

Result<std::vector<Hash>> parse_hash_seq(ByteView data) {
  if (data.size() % Hash::kSize != 0) {
    return make_error(ErrorCode::kCorrupt,
                      "hash seq size " + std::to_string(data.size()) + " is not a multiple of 32");
  }
  std::vector<Hash> out;
  out.reserve(data.size() / Hash::kSize);
  for (size_t i = 0; i < data.size(); i += Hash::kSize) {
    out.push_back(Hash::from_bytes(data.subspan(i, Hash::kSize)));
  }
  return out;
}

Bytes encode_collection_meta(const std::vector<std::string>& names) {
  PostcardWriter w;
  w.raw(as_bytes(kCollectionHeader));
  w.seq_len(names.size());
  for (const auto& n : names) w.string(n);
  return w.take();
}

Result<std::vector<std::string>> decode_collection_meta(ByteView data) {
  auto corrupt = [](const Error& e) {
    return Error(ErrorCode::kCorrupt, "collection meta: " + e.message());
  };
  PostcardReader r(data);
  auto header = r.raw(kCollectionHeader.size());
  if (!header) return tl::unexpected(corrupt(header.error()));
  if (as_string_view(*header) != kCollectionHeader) {
    return make_error(ErrorCode::kCorrupt, "collection meta: bad header");
  }
  auto count = r.seq_len(1);
  if (!count) return tl::unexpected(corrupt(count.error()));
  std::vector<std::string> names;
  names.reserve(*count);
  for (size_t i = 0; i < *count; ++i) {
    auto s = r.string();
    if (!s) return tl::unexpected(corrupt(s.error()));
    names.push_back(std::move(*s));
  }
  if (auto end = r.expect_end(); !end) return tl::unexpected(corrupt(end.error()));
  return names;
}

CollectionBlobs build_collection(const std::vector<std::pair<std::string, Hash>>& files) {
  CollectionBlobs out;
  std::vector<std::string> names;
  std::vector<Hash> hashes;
  for (const auto& [name, hash] : files) names.push_back(name);
  out.meta = encode_collection_meta(names);
  hashes.push_back(crypto::blake3(out.meta));
  for (const auto& [name, hash] : files) hashes.push_back(hash);
  out.hash_seq = build_hash_seq(hashes);
  out.root = crypto::blake3(out.hash_seq);
  return out;
}

Result<ImportResult> import_collection(Store& store,
                                       const std::vector<std::pair<std::string, Bytes>>& files) {
  // Each child stays protected by its own TempTag until the HashSeq tag
  // (format kHashSeq) protects them all.
  std::vector<TempTag> child_tags;
  std::vector<std::pair<std::string, Hash>> named;
  for (const auto& [name, data] : files) {
    FERRY_ASSIGN(auto imported, store.import_bytes(data));
    named.emplace_back(name, imported.hash);
    child_tags.push_back(std::move(imported.tag));
  }
  CollectionBlobs c = build_collection(named);
  FERRY_ASSIGN(auto meta, store.import_bytes(c.meta));
  child_tags.push_back(std::move(meta.tag));
  FERRY_ASSIGN(auto root, store.import_bytes(c.hash_seq));
  TempTag seq_tag = store.temp_tag(HashAndFormat::hash_seq(root.hash));
  return ImportResult{root.hash, root.size, std::move(seq_tag)};
}

bool CollectionStatus::is_complete() const {
  if (!root.is_complete() || !children_known) return false;
  for (const auto& c : children) {
    if (!c.status.is_complete()) return false;
  }
  return true;
}

Result<CollectionStatus> collection_status(Store& store, const Hash& root) {
  CollectionStatus out;
  FERRY_ASSIGN(out.root, store.status(root));
  if (!out.root.is_complete()) return out;
  FERRY_ASSIGN(Bytes seq_bytes, store.read(root, 0, out.root.size));
  FERRY_ASSIGN(auto hashes, parse_hash_seq(seq_bytes));
  out.children_known = true;
  for (const auto& h : hashes) {
    CollectionEntry e;
    e.hash = h;
    FERRY_ASSIGN(e.status, store.status(h));
    out.children.push_back(std::move(e));
  }
  if (!out.children.empty() && out.children[0].status.is_complete()) {
    FERRY_ASSIGN(Bytes meta, store.read(out.children[0].hash, 0, out.children[0].status.size));
    auto names = decode_collection_meta(meta);
    // A HashSeq whose first child is not a CollectionMeta is a plain HashSeq:
    // no names, not an error.
    if (names && names->size() + 1 == out.children.size()) {
      out.names_known = true;
      for (size_t i = 0; i < names->size(); ++i) out.children[i + 1].name = (*names)[i];
    }
  }
  return out;
}

}  // namespace ferry::blobs
