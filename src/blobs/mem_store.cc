// MemStore: see mem_store.h. One mutex guards the whole state; complete
// blobs are immutable and shared, so reads of them run outside the lock.
#include "blobs/mem_store.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "bao/encoder.h"
#include "bao/outboard.h"
#include "blobs/import.h"
#include "blobs/protect.h"
#include "blobs/verified_read.h"

namespace ferry::blobs {
namespace {

struct Entry {
  BlobState state = BlobState::kPartial;
  uint64_t size = 0;
  // Complete: immutable. Partial: written under the store's lock.
  std::shared_ptr<Bytes> data;
  std::shared_ptr<Bytes> outboard;
  bao::ChunkRanges verified;  // partial only
  bool writer_active = false;
};

class MemStore;

class MemWriter final : public BlobWriter {
 public:
  MemWriter(MemStore* store, const Hash& hash, uint64_t size, TempTag tag)
      : store_(store), hash_(hash), tree_(size), tag_(std::move(tag)) {}
  ~MemWriter() override;

  const Hash& hash() const override { return hash_; }
  uint64_t size() const override { return tree_.size(); }
  Status write_parent(const bao::Node& node, ByteView pair) override;
  Status write_leaf(uint64_t offset, ByteView data) override;
  Status flush() override;
  Result<BlobStatus> finish() override;

 private:
  MemStore* store_;
  Hash hash_;
  bao::BaoTree tree_;
  TempTag tag_;
  bao::ChunkRanges pending_;
};

class MemStore final : public Store {
 public:
  MemStore(env::Env* env, MemStoreOptions options)
      : env_(env ? env : env::posix_env()), options_(options) {}

  Result<ImportResult> import_bytes(ByteView data) override {
    auto ob = bao::compute_outboard(data);
    return insert_complete(ob, Bytes(data.begin(), data.end()));
  }

  Result<ImportResult> import_file(const std::string& path) override {
    Bytes data;
    FERRY_ASSIGN(auto ob, hash_file(*env_, path, [&](uint64_t, ByteView piece) -> Status {
                   append(data, piece);
                   return ok();
                 }));
    return insert_complete(ob, std::move(data));
  }

  Result<std::vector<ImportResult>> import_files(const std::vector<std::string>& paths) override {
    // Hash everything first, so a failing file leaves nothing imported.
    std::vector<std::pair<bao::Outboard, Bytes>> prepared;
    for (const auto& path : paths) {
      Bytes data;
      FERRY_ASSIGN(auto ob, hash_file(*env_, path, [&](uint64_t, ByteView piece) -> Status {
                     append(data, piece);
                     return ok();
                   }));
      prepared.emplace_back(std::move(ob), std::move(data));
    }
    std::vector<ImportResult> out;
    for (auto& [ob, data] : prepared) {
      FERRY_ASSIGN(auto r, insert_complete(ob, std::move(data)));
      out.push_back(std::move(r));
    }
    return out;
  }

  Result<BlobStatus> status(const Hash& hash) override {
    std::lock_guard lock(mu_);
    return status_locked(hash);
  }

  Result<std::vector<BlobInfo>> list() override {
    std::lock_guard lock(mu_);
    std::vector<BlobInfo> out;
    for (const auto& [hash, e] : blobs_) out.push_back({hash, e.state, e.size});
    return out;
  }

  Result<Bytes> read(const Hash& hash, uint64_t offset, uint64_t len) override {
    Bytes out;
    uint64_t end = len > UINT64_MAX - offset ? UINT64_MAX : offset + len;
    FERRY_TRY(with_blob(hash, [&](const StoredBlob& blob) {
      return read_verified(blob, offset, end, [&](ByteView piece) -> Status {
        append(out, piece);
        return ok();
      });
    }));
    return out;
  }

  Status encode_bao(const Hash& hash, const bao::ChunkRanges& ranges,
                    const DataSink& sink) override {
    // A complete blob is encoded outside the lock and streamed piece by
    // piece; a partial one is encoded under the lock into a buffer that is
    // passed on after the lock is released (the sink may call the store).
    Bytes buffered;
    Status result = with_blob(hash, [&](const StoredBlob& blob) -> Status {
      std::optional<bao::ChunkRanges> have;
      if (blob.have) have = *blob.have;
      bao::ResponseEncoder enc(hash, blob.size, ranges, *blob.data, *blob.outboard, have);
      Bytes piece;
      while (true) {
        piece.clear();
        auto more = enc.next(have ? buffered : piece);
        if (!more) return tl::unexpected(more.error());
        if (!have && !piece.empty()) FERRY_TRY(sink(piece));
        if (!*more) return ok();
      }
    });
    // What was produced before an error is a valid prefix (as a provider
    // that stops mid-stream); pass it on, then report the error.
    if (!buffered.empty()) FERRY_TRY(sink(buffered));
    return result;
  }

  Status export_file(const Hash& hash, const std::string& path) override {
    return export_to_path(*env_, *this, hash, path);
  }

  Status export_to(const Hash& hash, const DataSink& sink) override {
    FERRY_ASSIGN(auto st, status(hash));
    if (!st.is_complete()) {
      return make_error(ErrorCode::kNotFound, "blob " + hash.to_string() + " is not complete");
    }
    return with_blob(
        hash, [&](const StoredBlob& blob) { return read_verified(blob, 0, blob.size, sink); });
  }

  Result<std::unique_ptr<BlobWriter>> open_writer(const Hash& hash, uint64_t size) override {
    FERRY_TRY(check_writer_size(size));
    std::lock_guard lock(mu_);
    auto it = blobs_.find(hash);
    if (it != blobs_.end() && it->second.state == BlobState::kPartial) {
      if (it->second.writer_active) {
        return make_error(ErrorCode::kAlreadyExists,
                          "a download of blob " + hash.to_string() + " is in progress");
      }
      if (it->second.size != size && !size_proven(it->second.verified, it->second.size)) {
        blobs_.erase(it);
        it = blobs_.end();
      }
    }
    if (it == blobs_.end()) {
      Entry e;
      e.size = size;
      e.data = std::make_shared<Bytes>();
      // Grown as pairs arrive: the size is only claimed by the sender.
      e.outboard = std::make_shared<Bytes>();
      it = blobs_.emplace(hash, std::move(e)).first;
    }
    uint64_t wsize = it->second.size;
    if (it->second.state == BlobState::kPartial) it->second.writer_active = true;
    TempTag tag = protector_.protect(HashAndFormat::raw(hash));
    return std::unique_ptr<BlobWriter>(new MemWriter(this, hash, wsize, std::move(tag)));
  }

  Status remove(const Hash& hash) override {
    std::lock_guard lock(mu_);
    if (blobs_.erase(hash) == 0) {
      return make_error(ErrorCode::kNotFound, "blob " + hash.to_string() + " not found");
    }
    return ok();
  }

  Status set_tag(const std::string& name, const HashAndFormat& value) override {
    if (name.empty()) return make_error(ErrorCode::kInvalidArgument, "empty tag name");
    std::lock_guard lock(mu_);
    tags_[name] = value;
    return ok();
  }
  Status delete_tag(const std::string& name) override {
    std::lock_guard lock(mu_);
    if (tags_.erase(name) == 0) return make_error(ErrorCode::kNotFound, "no tag " + name);
    return ok();
  }
  Result<std::optional<HashAndFormat>> get_tag(const std::string& name) override {
    std::lock_guard lock(mu_);
    auto it = tags_.find(name);
    if (it == tags_.end()) return std::optional<HashAndFormat>();
    return std::optional<HashAndFormat>(it->second);
  }
  Result<std::vector<std::pair<std::string, HashAndFormat>>> list_tags() override {
    std::lock_guard lock(mu_);
    return std::vector<std::pair<std::string, HashAndFormat>>(tags_.begin(), tags_.end());
  }
  TempTag temp_tag(const HashAndFormat& value) override { return protector_.protect(value); }

  Result<GcStats> gc() override {
    // The whole mark and sweep runs under the lock, so an import (which
    // protects its hash and inserts it under the same lock) or a writer
    // (protected from open_writer on) cannot slip in between.
    std::lock_guard lock(mu_);
    std::vector<HashAndFormat> roots = protector_.snapshot();
    for (const auto& [name, v] : tags_) roots.push_back(v);
    FERRY_ASSIGN(auto live, live_hashes(roots, [&](const Hash& h) -> Result<std::optional<Bytes>> {
                   auto it = blobs_.find(h);
                   if (it == blobs_.end() || it->second.state != BlobState::kComplete) {
                     return std::optional<Bytes>();
                   }
                   // Verified read: a corrupt HashSeq protects nothing more.
                   Bytes out;
                   bao::MemoryReader d(*it->second.data), o(*it->second.outboard);
                   StoredBlob blob{h, it->second.size, &d, &o, nullptr};
                   auto r = read_verified(blob, 0, blob.size, [&](ByteView p) -> Status {
                     append(out, p);
                     return ok();
                   });
                   if (!r) return std::optional<Bytes>();
                   return std::optional<Bytes>(std::move(out));
                 }));
    GcStats stats;
    for (auto it = blobs_.begin(); it != blobs_.end();) {
      if (std::binary_search(live.begin(), live.end(), it->first)) {
        ++it;
        continue;
      }
      ++stats.blobs_deleted;
      stats.bytes_deleted += it->second.size;
      it = blobs_.erase(it);
    }
    return stats;
  }

 private:
  friend class MemWriter;

  Result<ImportResult> insert_complete(const bao::Outboard& ob, Bytes data) {
    std::lock_guard lock(mu_);
    TempTag tag = protector_.protect(HashAndFormat::raw(ob.root));
    Entry& e = blobs_[ob.root];
    if (e.state != BlobState::kComplete) {
      e.state = BlobState::kComplete;
      e.size = ob.size;
      e.data = std::make_shared<Bytes>(std::move(data));
      e.outboard = std::make_shared<Bytes>(ob.pairs);
      e.verified = bao::ChunkRanges();
    }
    return ImportResult{ob.root, ob.size, std::move(tag)};
  }

  BlobStatus status_locked(const Hash& hash) const {
    BlobStatus st;
    auto it = blobs_.find(hash);
    if (it == blobs_.end()) return st;
    st.state = it->second.state;
    st.size = it->second.size;
    st.verified = it->second.state == BlobState::kComplete
                      ? bao::ChunkRanges::range(0, bao::BaoTree(st.size).chunks())
                      : it->second.verified;
    return st;
  }

  // Runs f on a consistent view of the blob: complete blobs outside the lock
  // (their bytes are immutable), partial ones under it.
  Status with_blob(const Hash& hash, const std::function<Status(const StoredBlob&)>& f) {
    std::unique_lock lock(mu_);
    auto it = blobs_.find(hash);
    if (it == blobs_.end()) {
      return make_error(ErrorCode::kNotFound, "blob " + hash.to_string() + " not found");
    }
    auto data = it->second.data;
    auto outboard = it->second.outboard;
    bao::MemoryReader d(*data), o(*outboard);
    if (it->second.state == BlobState::kComplete) {
      uint64_t size = it->second.size;
      lock.unlock();
      StoredBlob blob{hash, size, &d, &o, nullptr};
      return f(blob);
    }
    bao::ChunkRanges have = it->second.verified;
    StoredBlob blob{hash, it->second.size, &d, &o, &have};
    return f(blob);
  }

  std::mutex mu_;
  env::Env* env_;
  MemStoreOptions options_;
  std::map<Hash, Entry> blobs_;
  std::map<std::string, HashAndFormat> tags_;
  Protector protector_;
};

MemWriter::~MemWriter() {
  std::lock_guard lock(store_->mu_);
  auto it = store_->blobs_.find(hash_);
  if (it != store_->blobs_.end()) it->second.writer_active = false;
}

Status MemWriter::write_parent(const bao::Node& node, ByteView pair) {
  FERRY_ASSIGN(auto index, check_parent(tree_, node, pair));
  if (!index) return ok();
  std::lock_guard lock(store_->mu_);
  auto it = store_->blobs_.find(hash_);
  if (it == store_->blobs_.end() || it->second.state != BlobState::kPartial) return ok();
  Bytes& ob = *it->second.outboard;
  if (ob.size() < (*index + 1) * bao::kPairSize) ob.resize((*index + 1) * bao::kPairSize);
  std::copy(pair.begin(), pair.end(), ob.begin() + static_cast<ptrdiff_t>(*index * bao::kPairSize));
  return ok();
}

Status MemWriter::write_leaf(uint64_t offset, ByteView data) {
  FERRY_ASSIGN(auto chunks, check_leaf(tree_, offset, data.size()));
  std::lock_guard lock(store_->mu_);
  auto it = store_->blobs_.find(hash_);
  if (it == store_->blobs_.end() || it->second.state != BlobState::kPartial) return ok();
  Bytes& d = *it->second.data;
  if (d.size() < offset + data.size()) {
    // Reserve up to the claimed size once (capped: the claim is unproven;
    // untouched reserved pages cost no memory), so growing never copies.
    if (d.capacity() < offset + data.size()) {
      d.reserve(grown_capacity(d.capacity(), offset + data.size(), tree_.size(),
                               store_->options_.reserve_cap));
    }
    d.resize(offset + data.size());
  }
  std::copy(data.begin(), data.end(), d.begin() + static_cast<ptrdiff_t>(offset));
  pending_ = pending_ | chunks;
  return ok();
}

Status MemWriter::flush() {
  std::lock_guard lock(store_->mu_);
  auto it = store_->blobs_.find(hash_);
  if (it == store_->blobs_.end()) {
    return make_error(ErrorCode::kNotFound, "blob " + hash_.to_string() + " was deleted");
  }
  if (it->second.state == BlobState::kPartial) it->second.verified = it->second.verified | pending_;
  pending_ = bao::ChunkRanges();
  return ok();
}

Result<BlobStatus> MemWriter::finish() {
  FERRY_TRY(flush());
  std::lock_guard lock(store_->mu_);
  auto it = store_->blobs_.find(hash_);
  if (it == store_->blobs_.end()) {
    return make_error(ErrorCode::kNotFound, "blob " + hash_.to_string() + " was deleted");
  }
  Entry& e = it->second;
  if (e.state == BlobState::kPartial && e.verified.covers(0, tree_.chunks())) {
    e.state = BlobState::kComplete;
    e.data->resize(e.size);
    e.verified = bao::ChunkRanges();
  }
  return store_->status_locked(hash_);
}

}  // namespace

uint64_t grown_capacity(uint64_t capacity, uint64_t needed, uint64_t claimed,
                        uint64_t reserve_cap) {
  uint64_t target = std::min(claimed, reserve_cap);
  if (capacity >= reserve_cap) {
    uint64_t doubled = capacity > UINT64_MAX / 2 ? UINT64_MAX : 2 * capacity;
    target = std::max(target, std::min(claimed, doubled));
  }
  return std::max(needed, target);
}

std::unique_ptr<Store> make_mem_store(env::Env* source_env, MemStoreOptions options) {
  return std::make_unique<MemStore>(source_env, options);
}

}  // namespace ferry::blobs
