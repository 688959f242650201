// The typed test suite both stores pass: same behaviour for the memory store
// and the file store.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "bao/decoder.h"
#include "blobs/file_store.h"
#include "blobs/hash_seq.h"
#include "blobs/mem_store.h"
#include "blobs/test_util.h"
#include "blobs/verified_read.h"
#include "crypto/blake3.h"

namespace ferry::blobs {
namespace {

using testing::feed_groups;
using testing::pattern;
using testing::TempDir;

template <typename F>
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = F::make(dir_);
    ASSERT_NE(store_, nullptr);
  }
  Bytes read_all(const Hash& h) {
    Bytes out;
    auto st = store_->export_to(h, [&](ByteView p) -> Status {
      append(out, p);
      return ok();
    });
    EXPECT_TRUE(st) << st.error().to_string();
    return out;
  }
  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TYPED_TEST_SUITE(StoreTest, testing::StoreFactories);

const std::vector<size_t> kSizes = {0, 1, 1023, 1024, 1025, 16383, 16384, 16385, 100000, 300000};

TYPED_TEST(StoreTest, ImportBytesThenStatusReadExport) {
  for (size_t size : kSizes) {
    SCOPED_TRACE(size);
    Bytes data = pattern(size);
    auto r = this->store_->import_bytes(data);
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->hash, crypto::blake3(data));
    EXPECT_EQ(r->size, size);
    auto st = this->store_->status(r->hash);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->state, BlobState::kComplete);
    EXPECT_EQ(st->size, size);
    EXPECT_EQ(st->verified, bao::ChunkRanges::range(0, bao::BaoTree(size).chunks()));
    EXPECT_EQ(this->read_all(r->hash), data);
    // Sub-ranges.
    uint64_t off = size / 3, len = size / 2 + 1;
    auto part = this->store_->read(r->hash, off, len);
    ASSERT_TRUE(part) << part.error().to_string();
    Bytes want(data.begin() + static_cast<ptrdiff_t>(off),
               data.begin() + static_cast<ptrdiff_t>(std::min<size_t>(size, off + len)));
    EXPECT_EQ(*part, want);
    // Importing again gives the same blob.
    auto again = this->store_->import_bytes(data);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->hash, r->hash);
  }
  auto list = this->store_->list();
  ASSERT_TRUE(list);
  EXPECT_EQ(list->size(), kSizes.size());
  EXPECT_TRUE(std::is_sorted(list->begin(), list->end(),
                             [](const BlobInfo& a, const BlobInfo& b) { return a.hash < b.hash; }));
}

TYPED_TEST(StoreTest, SpecVectorHashes) {
  auto r = this->store_->import_bytes(pattern(100000));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->hash.to_hex(), "c3884d02a3f9e4f517050e49232445313d439f05354d505b00e8eae4bcb31cfe");
  auto w = this->store_->import_bytes(to_bytes("world"));
  ASSERT_TRUE(w);
  EXPECT_EQ(w->hash.to_string(), "26euv2lrnu4nfx5nb3cvijgkgipocjct2uprwow6w56qi5pntcga");
}

TYPED_TEST(StoreTest, ImportFileAndExportFile) {
  for (size_t size : {size_t{0}, size_t{5000}, size_t{40000}, size_t{1} << 21}) {
    SCOPED_TRACE(size);
    Bytes data = pattern(size);
    std::string src = this->dir_.file("src-" + std::to_string(size));
    ASSERT_TRUE(env::write_file(*env::posix_env(), src, data));
    auto r = this->store_->import_file(src);
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->hash, crypto::blake3(data));
    std::string dst = this->dir_.file("dst-" + std::to_string(size));
    auto ex = this->store_->export_file(r->hash, dst);
    ASSERT_TRUE(ex) << ex.error().to_string();
    auto back = env::read_file(*env::posix_env(), dst);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, data);
  }
}

TYPED_TEST(StoreTest, ImportFilesIsAllOrNothing) {
  std::vector<std::string> paths;
  std::vector<Bytes> datas;
  for (size_t size : {size_t{10}, size_t{4096}, size_t{70000}}) {
    datas.push_back(pattern(size));
    paths.push_back(this->dir_.file("batch-" + std::to_string(size)));
    ASSERT_TRUE(env::write_file(*env::posix_env(), paths.back(), datas.back()));
  }
  auto bad = paths;
  bad.insert(bad.begin() + 1, this->dir_.file("missing"));
  auto r = this->store_->import_files(bad);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  for (const auto& d : datas) {
    EXPECT_EQ(this->store_->status(crypto::blake3(d))->state, BlobState::kAbsent);
  }
  r = this->store_->import_files(paths);
  ASSERT_TRUE(r) << r.error().to_string();
  ASSERT_EQ(r->size(), datas.size());
  for (size_t i = 0; i < datas.size(); ++i) {
    EXPECT_EQ((*r)[i].hash, crypto::blake3(datas[i]));
    EXPECT_EQ(this->read_all((*r)[i].hash), datas[i]);
  }
}

TYPED_TEST(StoreTest, BadInputsGiveClearErrors) {
  auto missing = this->store_->import_file(this->dir_.file("no-such-file"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  auto dir_import = this->store_->import_file(this->dir_.path());
  ASSERT_FALSE(dir_import);
  EXPECT_EQ(dir_import.error().code(), ErrorCode::kIo);
  Hash unknown = crypto::blake3(as_bytes("never imported"));
  auto st = this->store_->status(unknown);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->state, BlobState::kAbsent);
  EXPECT_EQ(this->store_->read(unknown, 0, 10).error().code(), ErrorCode::kNotFound);
  std::string dst = this->dir_.file("out");
  EXPECT_EQ(this->store_->export_file(unknown, dst).error().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(env::posix_env()->exists(dst));
  EXPECT_FALSE(env::posix_env()->exists(dst + ".ferry-tmp"));
  Bytes sent;
  auto enc = this->store_->encode_bao(unknown, bao::ChunkRanges::all(), [&](ByteView p) -> Status {
    append(sent, p);
    return ok();
  });
  EXPECT_EQ(enc.error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(sent.empty());
  EXPECT_EQ(this->store_->remove(unknown).error().code(), ErrorCode::kNotFound);
  // The store is still usable.
  EXPECT_TRUE(this->store_->import_bytes(to_bytes("still fine")));
}

TYPED_TEST(StoreTest, RemoveDeletes) {
  auto r = this->store_->import_bytes(pattern(50000));
  ASSERT_TRUE(r);
  ASSERT_TRUE(this->store_->remove(r->hash));
  EXPECT_EQ(this->store_->status(r->hash)->state, BlobState::kAbsent);
  EXPECT_TRUE(this->store_->list()->empty());
}

TYPED_TEST(StoreTest, DownloadInGroupsBecomesPartialThenComplete) {
  Bytes data = pattern(100000);  // 7 groups
  Hash h = crypto::blake3(data);
  {
    auto w = this->store_->open_writer(h, data.size());
    ASSERT_TRUE(w) << w.error().to_string();
    ASSERT_TRUE(feed_groups(**w, data, {1, 4}));
    // Not yet flushed: not recorded.
    EXPECT_TRUE(this->store_->status(h)->verified.is_empty());
    ASSERT_TRUE((*w)->flush());
    auto st = this->store_->status(h);
    EXPECT_EQ(st->state, BlobState::kPartial);
    EXPECT_EQ(st->size, data.size());
    EXPECT_EQ(st->verified, bao::ChunkRanges::of({{16, 32}, {64, 80}}));
    // Partial reads work where verified, not elsewhere.
    auto part = this->store_->read(h, 16384, 16384);
    ASSERT_TRUE(part) << part.error().to_string();
    EXPECT_EQ(*part, Bytes(data.begin() + 16384, data.begin() + 32768));
    EXPECT_EQ(this->store_->read(h, 0, 100).error().code(), ErrorCode::kNotFound);
    EXPECT_EQ(this->store_->export_file(h, this->dir_.file("x")).error().code(),
              ErrorCode::kNotFound);
    // A second writer for the same blob is refused while this one lives.
    EXPECT_EQ(this->store_->open_writer(h, data.size()).error().code(), ErrorCode::kAlreadyExists);
  }
  {
    // Resume: the verified ranges are kept.
    auto w = this->store_->open_writer(h, data.size());
    ASSERT_TRUE(w) << w.error().to_string();
    ASSERT_TRUE(feed_groups(**w, data, {0, 2, 3, 5}));
    auto st = (*w)->finish();
    ASSERT_TRUE(st);
    EXPECT_EQ(st->state, BlobState::kPartial);
    ASSERT_TRUE(feed_groups(**w, data, {6}));
    st = (*w)->finish();
    ASSERT_TRUE(st);
    EXPECT_EQ(st->state, BlobState::kComplete);
  }
  EXPECT_EQ(this->read_all(h), data);
}

TYPED_TEST(StoreTest, WriterRejectsBadArguments) {
  Bytes data = pattern(5000);
  Hash h = crypto::blake3(data);
  auto w = this->store_->open_writer(h, data.size());
  ASSERT_TRUE(w);
  EXPECT_EQ((*w)->write_leaf(100, ByteView(data).subspan(100, 924)).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ((*w)->write_leaf(0, ByteView(data).first(1000)).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ((*w)->write_leaf(4096, ByteView(data)).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ((*w)->write_parent(bao::Node{0, 2}, ByteView(data).first(10)).error().code(),
            ErrorCode::kInvalidArgument);
  ASSERT_TRUE((*w)->write_leaf(4096, ByteView(data).subspan(4096)));
  ASSERT_TRUE((*w)->flush());
  EXPECT_EQ(this->store_->status(h)->verified,
            bao::ChunkRanges::from(4).intersection(bao::ChunkRanges::range(0, 5)));
}

TYPED_TEST(StoreTest, DifferentClaimedSizeResetsUnprovenPartial) {
  Bytes data = pattern(100000);
  Hash h = crypto::blake3(data);
  {
    auto w = this->store_->open_writer(h, data.size());
    ASSERT_TRUE(w);
    ASSERT_TRUE(feed_groups(**w, data, {0}));
    ASSERT_TRUE((*w)->flush());
  }
  auto w = this->store_->open_writer(h, 99999);
  ASSERT_TRUE(w);
  EXPECT_EQ((*w)->size(), 99999u);
  EXPECT_TRUE(this->store_->status(h)->verified.is_empty());
}

TYPED_TEST(StoreTest, HugeClaimedSizeCostsNothingUpFront) {
  // A peer's size header is unproven: a writer for a 2^62-byte claim must
  // not allocate or reserve anything for it.
  Hash h = crypto::blake3(as_bytes("huge"));
  auto w = this->store_->open_writer(h, uint64_t{1} << 62);
  ASSERT_TRUE(w) << w.error().to_string();
  ASSERT_TRUE((*w)->flush());
  EXPECT_EQ(this->store_->status(h)->size, uint64_t{1} << 62);
  EXPECT_EQ(this->store_->open_writer(h, (uint64_t{1} << 62) + 1).error().code(),
            ErrorCode::kInvalidArgument);
}

TYPED_TEST(StoreTest, WriterOnCompleteBlobIsHarmless) {
  Bytes data = pattern(40000);
  auto r = this->store_->import_bytes(data);
  ASSERT_TRUE(r);
  auto w = this->store_->open_writer(r->hash, data.size());
  ASSERT_TRUE(w);
  Bytes junk(16384, 0xee);
  ASSERT_TRUE((*w)->write_leaf(0, junk));
  auto st = (*w)->finish();
  ASSERT_TRUE(st);
  EXPECT_TRUE(st->is_complete());
  EXPECT_EQ(this->read_all(r->hash), data);
}

TYPED_TEST(StoreTest, TagsProtectFromGc) {
  auto a = this->store_->import_bytes(pattern(1000));
  auto b = this->store_->import_bytes(pattern(30000));
  auto c = this->store_->import_bytes(to_bytes("unprotected"));
  ASSERT_TRUE(a && b && c);
  ASSERT_TRUE(this->store_->set_tag("keep-a", HashAndFormat::raw(a->hash)));
  auto tag = this->store_->get_tag("keep-a");
  ASSERT_TRUE(tag && *tag);
  EXPECT_EQ(**tag, HashAndFormat::raw(a->hash));
  EXPECT_FALSE(*this->store_->get_tag("nope"));
  // b stays protected by its temp tag; a by its named tag; c is released.
  a->tag.release();
  c->tag.release();
  auto stats = this->store_->gc();
  ASSERT_TRUE(stats) << stats.error().to_string();
  EXPECT_EQ(stats->blobs_deleted, 1u);
  EXPECT_EQ(this->store_->status(c->hash)->state, BlobState::kAbsent);
  EXPECT_EQ(this->store_->status(a->hash)->state, BlobState::kComplete);
  EXPECT_EQ(this->store_->status(b->hash)->state, BlobState::kComplete);
  b->tag.release();
  ASSERT_TRUE(this->store_->gc());
  EXPECT_EQ(this->store_->status(b->hash)->state, BlobState::kAbsent);
  auto tags = this->store_->list_tags();
  ASSERT_TRUE(tags);
  ASSERT_EQ(tags->size(), 1u);
  EXPECT_EQ((*tags)[0].first, "keep-a");
  ASSERT_TRUE(this->store_->delete_tag("keep-a"));
  EXPECT_EQ(this->store_->delete_tag("keep-a").error().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(this->store_->gc());
  EXPECT_TRUE(this->store_->list()->empty());
}

TYPED_TEST(StoreTest, GcKeepsDownloadsInFlightAndHashSeqChildren) {
  Bytes data = pattern(70000);
  Hash h = crypto::blake3(data);
  auto w = this->store_->open_writer(h, data.size());
  ASSERT_TRUE(w);
  ASSERT_TRUE(feed_groups(**w, data, {2}));
  ASSERT_TRUE((*w)->flush());
  // Collection: tagged as a HashSeq, its children survive.
  auto col = import_collection(*this->store_,
                               {{"w.txt", to_bytes("world")}, {"hi.txt", to_bytes("hi there")}});
  ASSERT_TRUE(col) << col.error().to_string();
  EXPECT_EQ(col->hash.to_hex(), "a12b47896a772ff76702b7b58eb95915056ea8f870015df17c068a747dc175ea");
  ASSERT_TRUE(this->store_->set_tag("col", HashAndFormat::hash_seq(col->hash)));
  col->tag.release();
  ASSERT_TRUE(this->store_->gc());
  EXPECT_EQ(this->store_->status(h)->state, BlobState::kPartial);  // writer alive
  auto cs = collection_status(*this->store_, col->hash);
  ASSERT_TRUE(cs) << cs.error().to_string();
  EXPECT_TRUE(cs->is_complete());
  ASSERT_EQ(cs->children.size(), 3u);
  EXPECT_EQ(cs->children[1].name, "w.txt");
  EXPECT_EQ(cs->children[2].name, "hi.txt");
  EXPECT_EQ(cs->children[1].hash.to_hex(),
            "d7894ae9716d38d2dfad0ec55424ca321ee12453d51f1b3adeb77d0475ed988c");
  w->reset();
  ASSERT_TRUE(this->store_->gc());
  EXPECT_EQ(this->store_->status(h)->state, BlobState::kAbsent);
  // A raw tag on the HashSeq does not protect its children.
  ASSERT_TRUE(this->store_->set_tag("col", HashAndFormat::raw(col->hash)));
  ASSERT_TRUE(this->store_->gc());
  cs = collection_status(*this->store_, col->hash);
  ASSERT_TRUE(cs);
  EXPECT_TRUE(cs->root.is_complete());
  EXPECT_FALSE(cs->is_complete());
  EXPECT_EQ(cs->children[1].status.state, BlobState::kAbsent);
}

TYPED_TEST(StoreTest, ConcurrentImportsAndGc) {
  // Imports on threads while gc runs: every import whose TempTag is alive
  // must survive.
  constexpr int kThreads = 4, kPerThread = 20;
  std::vector<std::thread> threads;
  std::vector<std::vector<ImportResult>> results(kThreads);
  std::atomic<bool> failed{false};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto r = this->store_->import_bytes(pattern(100 + 20000 * (i % 3) + t * 1000 + i));
        if (!r)
          failed = true;
        else
          results[t].push_back(std::move(*r));
      }
    });
  }
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(this->store_->gc());
  for (auto& th : threads) th.join();
  ASSERT_FALSE(failed);
  ASSERT_TRUE(this->store_->gc());
  for (auto& rs : results) {
    for (auto& r : rs) EXPECT_EQ(this->store_->status(r.hash)->state, BlobState::kComplete);
  }
}

TYPED_TEST(StoreTest, DownloadRacesGcAndReaders) {
  // A download in flight is never collected, whatever gc() and readers do
  // meanwhile, and it ends complete and byte-exact.
  Bytes data = pattern(12 * 16384 + 5);
  Hash h = crypto::blake3(data);
  std::atomic<bool> done{false};
  std::thread collector([&] {
    while (!done) EXPECT_TRUE(this->store_->gc());
  });
  std::thread reader([&] {
    while (!done) {
      auto st = this->store_->status(h);
      EXPECT_TRUE(st);
      if (st && !st->verified.is_empty()) {
        auto r = readable_chunks(st->verified, data.size()).ranges();
        if (!r.empty()) {
          uint64_t b0 = r[0].start * 1024, b1 = std::min<uint64_t>(r[0].end * 1024, data.size());
          auto got = this->store_->read(h, b0, b1 - b0);
          EXPECT_TRUE(got);
          if (got) {
            EXPECT_TRUE(std::equal(got->begin(), got->end(), data.begin() + b0));
          }
        }
      }
    }
  });
  {
    auto w = this->store_->open_writer(h, data.size());
    ASSERT_TRUE(w);
    for (uint64_t g = 0; g < 13; ++g) {
      ASSERT_TRUE(feed_groups(**w, data, {(g * 5) % 13}));
      ASSERT_TRUE((*w)->flush());
    }
    auto fin = (*w)->finish();
    ASSERT_TRUE(fin);
    EXPECT_TRUE(fin->is_complete());
    ASSERT_TRUE(this->store_->set_tag("dl", HashAndFormat::raw(h)));
  }
  done = true;
  collector.join();
  reader.join();
  EXPECT_EQ(this->read_all(h), data);
}

}  // namespace
}  // namespace ferry::blobs
