// Import/export helpers: see import.h.
#include "blobs/import.h"

namespace ferry::blobs {

Result<bao::Outboard> hash_file(env::Env& env, const std::string& path,
                                const std::function<Status(uint64_t, ByteView)>& piece) {
  auto file = env.open(path, env::OpenMode::kRead);
  if (!file) return tl::unexpected(file.error().with_context("import"));
  FERRY_ASSIGN(uint64_t size, (*file)->size());
  bao::OutboardBuilder builder(size);
  Bytes buf(static_cast<size_t>(std::min<uint64_t>(kIoPieceSize, std::max<uint64_t>(size, 1))));
  uint64_t offset = 0;
  while (offset < size) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), size - offset));
    FERRY_ASSIGN(size_t n, (*file)->read_at(offset, MutableByteView(buf.data(), want)));
    if (n != want) {
      return make_error(ErrorCode::kIo, "import " + path + ": file shrank while being read");
    }
    ByteView got(buf.data(), n);
    FERRY_TRY(builder.update(got));
    FERRY_TRY(piece(offset, got));
    offset += n;
  }
  uint8_t probe;
  FERRY_ASSIGN(size_t extra, (*file)->read_at(size, MutableByteView(&probe, 1)));
  if (extra != 0)
    return make_error(ErrorCode::kIo, "import " + path + ": file grew while being read");
  return builder.finish();
}

Status export_to_path(env::Env& env, Store& store, const Hash& hash, const std::string& path) {
  std::string tmp = path + ".ferry-tmp";
  auto run = [&]() -> Status {
    FERRY_ASSIGN(auto file, env.open(tmp, env::OpenMode::kCreateTruncate));
    uint64_t offset = 0;
    FERRY_TRY(store.export_to(hash, [&](ByteView piece) -> Status {
      FERRY_TRY(file->write_at(offset, piece));
      offset += piece.size();
      return ok();
    }));
    FERRY_TRY(file->sync());
    file.reset();
    FERRY_TRY(env.rename(tmp, path));
    return env.sync_dir(env::parent_dir(path));
  };
  Status st = run();
  if (!st) {
    if (env.exists(tmp)) (void)env.remove(tmp);  // best effort; the error below matters
    return tl::unexpected(st.error().with_context("export " + hash.to_string() + " to " + path));
  }
  return ok();
}

Status check_writer_size(uint64_t size) {
  if (size > kMaxBlobSize) {
    return make_error(ErrorCode::kInvalidArgument,
                      "blob size " + std::to_string(size) + " too large");
  }
  return ok();
}

bool size_proven(const bao::ChunkRanges& verified, uint64_t size) {
  return verified.contains(bao::BaoTree(size).chunks() - 1);
}

Result<std::optional<uint64_t>> check_parent(const bao::BaoTree& tree, const bao::Node& node,
                                             ByteView pair) {
  if (pair.size() != bao::kPairSize) {
    return make_error(ErrorCode::kInvalidArgument, "parent pair must be 64 bytes");
  }
  if (node.count <= 1 || node.end() > tree.chunks() || node.end() < node.start) {
    return make_error(ErrorCode::kInvalidArgument, "node " + node.to_string() + " not in tree");
  }
  if (!node.is_stored()) return std::optional<uint64_t>();
  auto index = tree.pair_index(node);
  if (!index) {
    return make_error(ErrorCode::kInvalidArgument, "node " + node.to_string() + " not in tree");
  }
  return index;
}

Result<bao::ChunkRanges> check_leaf(const bao::BaoTree& tree, uint64_t offset, size_t len) {
  if (offset % bao::kChunkSize != 0 || offset > tree.size() || len > tree.size() - offset) {
    return make_error(ErrorCode::kInvalidArgument, "leaf at " + std::to_string(offset) + " (+" +
                                                       std::to_string(len) + ") outside blob of " +
                                                       std::to_string(tree.size()) + " bytes");
  }
  uint64_t end = offset + len;
  if (end != tree.size() && end % bao::kChunkSize != 0) {
    return make_error(ErrorCode::kInvalidArgument, "leaf does not end on a chunk boundary");
  }
  if (tree.size() == 0) return bao::ChunkRanges::chunk(0);
  uint64_t first = offset / bao::kChunkSize;
  uint64_t last = (end + bao::kChunkSize - 1) / bao::kChunkSize;
  return bao::ChunkRanges::range(first, last);
}

}  // namespace ferry::blobs
