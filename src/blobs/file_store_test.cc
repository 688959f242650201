// File-store specific tests: restart, crash safety under the fault-injecting
// env, corruption on disk, full disk, database version checks.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <map>

#include "bao/decoder.h"
#include "blobs/file_store.h"
#include "blobs/test_util.h"
#include "blobs/verified_read.h"
#include "crypto/blake3.h"
#include "env/fault_env.h"
#include "env/mem_env.h"

namespace ferry::blobs {
namespace {

using testing::feed_groups;
using testing::pattern;
using testing::TempDir;

// Crash tests model the crash in the Env only (SQLite commits are atomic
// either way), so they may skip SQLite's fsyncs to stay fast.
std::unique_ptr<Store> open_store(env::Env* env, const std::string& dir, const std::string& db,
                                  bool sync_commits = true) {
  FileStoreOptions opt;
  opt.dir = dir;
  opt.env = env;
  opt.db_path = db;
  opt.sync_commits = sync_commits;
  auto s = open_file_store(opt);
  EXPECT_TRUE(s) << s.error().to_string();
  return s ? std::move(*s) : nullptr;
}

Bytes export_bytes(Store& store, const Hash& h, Status* status = nullptr) {
  Bytes out;
  Status st = store.export_to(h, [&](ByteView p) -> Status {
    append(out, p);
    return ok();
  });
  if (status) *status = st;
  return out;
}

// After a restart: everything complete exports byte-exact; every partial
// blob's verified chunks are a subset of what was written, and all of its
// readable groups read back correctly.
void check_store_consistent(Store& store, const std::map<Hash, Bytes>& known,
                            const std::map<Hash, bao::ChunkRanges>& written) {
  auto list = store.list();
  ASSERT_TRUE(list) << list.error().to_string();
  for (const auto& info : *list) {
    auto it = known.find(info.hash);
    ASSERT_NE(it, known.end()) << "unknown blob " << info.hash.to_hex();
    const Bytes& data = it->second;
    if (info.state == BlobState::kComplete) {
      Status st;
      Bytes got = export_bytes(store, info.hash, &st);
      ASSERT_TRUE(st) << st.error().to_string();
      EXPECT_EQ(got, data);
      continue;
    }
    auto status = store.status(info.hash);
    ASSERT_TRUE(status);
    auto w = written.find(info.hash);
    bao::ChunkRanges allowed = w == written.end() ? bao::ChunkRanges() : w->second;
    EXPECT_TRUE(allowed.contains_all(status->verified))
        << status->verified.to_string() << " vs written " << allowed.to_string();
    for (const auto& r : readable_chunks(status->verified, data.size()).ranges()) {
      uint64_t b0 = r.start * 1024, b1 = std::min<uint64_t>(r.end * 1024, data.size());
      auto got = store.read(info.hash, b0, b1 - b0);
      ASSERT_TRUE(got) << got.error().to_string();
      EXPECT_EQ(*got, Bytes(data.begin() + static_cast<ptrdiff_t>(b0),
                            data.begin() + static_cast<ptrdiff_t>(b1)));
    }
  }
}

TEST(FileStore, PartialBlobSurvivesRestartAndResumes) {
  TempDir dir;
  Bytes data = pattern(200000);
  Hash h = crypto::blake3(data);
  {
    auto store = open_store(nullptr, dir.file("s"), "");
    auto w = store->open_writer(h, data.size());
    ASSERT_TRUE(w);
    ASSERT_TRUE(feed_groups(**w, data, {0, 3, 12}));
    ASSERT_TRUE((*w)->flush());
    ASSERT_TRUE(feed_groups(**w, data, {5}));  // never flushed: lost
  }
  auto store = open_store(nullptr, dir.file("s"), "");
  auto st = store->status(h);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->state, BlobState::kPartial);
  EXPECT_EQ(st->verified, bao::ChunkRanges::of({{0, 16}, {48, 64}, {192, 196}}));
  auto w = store->open_writer(h, data.size());
  ASSERT_TRUE(w);
  std::vector<uint64_t> rest;
  for (uint64_t g = 0; g < 13; ++g) rest.push_back(g);
  ASSERT_TRUE(feed_groups(**w, data, rest));
  auto fin = (*w)->finish();
  ASSERT_TRUE(fin);
  EXPECT_TRUE(fin->is_complete());
  w->reset();
  store.reset();
  store = open_store(nullptr, dir.file("s"), "");
  EXPECT_EQ(export_bytes(*store, h), data);
}

// A new blob under the inline limit is downloaded in memory and recorded
// with its data in one transaction: no file operation at all (one fsync, the
// commit's, instead of six), and it is complete after a restart.
TEST(FileStore, SmallDownloadTouchesNoFileAndSurvivesRestart) {
  TempDir dir;
  env::MemEnv mem;
  env::FaultEnv fault(&mem);
  Bytes data = pattern(4096);
  Hash h = crypto::blake3(data);
  {
    auto store = open_store(&fault, "/s", dir.file("db"));
    uint64_t before = fault.ops();
    auto w = store->open_writer(h, data.size());
    ASSERT_TRUE(w);
    ASSERT_TRUE((*w)->write_leaf(0, data));
    auto fin = (*w)->finish();
    ASSERT_TRUE(fin) << fin.error().to_string();
    EXPECT_TRUE(fin->is_complete());
    EXPECT_EQ(fault.ops(), before);
  }
  auto store = open_store(&mem, "/s", dir.file("db"));
  EXPECT_TRUE(store->status(h)->is_complete());
  EXPECT_EQ(export_bytes(*store, h), data);
}

// Flushing an incomplete small download records it like a large one: the
// verified chunks survive a restart and the download resumes from them.
TEST(FileStore, SmallPartialDownloadIsKeptWhenFlushed) {
  TempDir dir;
  Bytes data = pattern(10000);
  Hash h = crypto::blake3(data);
  {
    auto store = open_store(nullptr, dir.file("s"), "");
    auto w = store->open_writer(h, data.size());
    ASSERT_TRUE(w);
    ASSERT_TRUE((*w)->write_leaf(2048, ByteView(data).subspan(2048, 2048)));
    ASSERT_TRUE((*w)->flush());
    ASSERT_TRUE((*w)->write_leaf(0, ByteView(data).subspan(0, 1024)));  // after the flush: kept
    auto fin = (*w)->finish();
    ASSERT_TRUE(fin);
    EXPECT_FALSE(fin->is_complete());
  }
  auto store = open_store(nullptr, dir.file("s"), "");
  auto st = store->status(h);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->state, BlobState::kPartial);
  EXPECT_EQ(st->verified, bao::ChunkRanges::of({{0, 1}, {2, 4}}));
  auto w = store->open_writer(h, data.size());
  ASSERT_TRUE(w);
  ASSERT_TRUE((*w)->write_leaf(0, data));
  auto fin = (*w)->finish();
  ASSERT_TRUE(fin);
  EXPECT_TRUE(fin->is_complete());
  w->reset();
  EXPECT_EQ(export_bytes(*store, h), data);
}

TEST(FileStore, TagsSurviveRestart) {
  TempDir dir;
  Hash h;
  {
    auto store = open_store(nullptr, dir.file("s"), "");
    auto r = store->import_bytes(pattern(20000));
    ASSERT_TRUE(r);
    h = r->hash;
    ASSERT_TRUE(store->set_tag("t", HashAndFormat::raw(h)));
  }
  auto store = open_store(nullptr, dir.file("s"), "");
  ASSERT_TRUE(store->gc());
  EXPECT_TRUE(store->status(h)->is_complete());
  EXPECT_EQ(**store->get_tag("t"), HashAndFormat::raw(h));
}

// Crash at every mutating file operation of an import; after restart the
// store is consistent and the import can be redone.
TEST(FileStoreCrash, ImportAtEveryOperation) {
  TempDir dir;
  Bytes before = pattern(40000);
  Bytes data = pattern(3 * 1024 * 1024 + 77);
  std::map<Hash, Bytes> known = {{crypto::blake3(before), before}, {crypto::blake3(data), data}};
  int crashes = 0;
  for (uint64_t n = 1;; ++n) {
    SCOPED_TRACE(n);
    env::MemEnv mem;
    env::FaultEnv fault(&mem);
    std::string db = dir.file("crash-" + std::to_string(n) + ".db");
    {
      auto store = open_store(&fault, "/s", db, false);
      ASSERT_TRUE(store);
      ASSERT_TRUE(store->import_bytes(before));
      fault.crash_at(fault.ops() + n);
      std::string src = "/src";
      // The source file lives on the same (crashing) env: write it unfaulted.
      ASSERT_TRUE(env::write_file(mem, src, data));
      auto r = store->import_file(src);
      if (!fault.crashed()) {
        ASSERT_TRUE(r) << r.error().to_string();
        break;  // ran to the end without reaching operation n
      }
      EXPECT_FALSE(r);
      ++crashes;
    }
    mem.simulate_crash();
    auto store = open_store(&mem, "/s", db, false);
    ASSERT_TRUE(store);
    check_store_consistent(*store, known, {});
    EXPECT_TRUE(store->status(crypto::blake3(before))->is_complete());
    // Leftovers of the interrupted import are gone.
    auto names = mem.list("/s/blobs");
    ASSERT_TRUE(names);
    for (const auto& name : *names) EXPECT_NE(name.rfind("tmp-", 0), 0u) << name;
    ASSERT_TRUE(env::write_file(mem, "/src2", data));
    auto again = store->import_file("/src2");
    ASSERT_TRUE(again) << again.error().to_string();
    EXPECT_EQ(export_bytes(*store, again->hash), data);
  }
  EXPECT_GT(crashes, 5);
}

// The same for a batch import (one directory sync, one transaction).
TEST(FileStoreCrash, BatchImportAtEveryOperation) {
  TempDir dir;
  std::vector<Bytes> datas = {pattern(100), pattern(200000), pattern(70001)};
  std::map<Hash, Bytes> known;
  for (const auto& d : datas) known[crypto::blake3(d)] = d;
  int crashes = 0;
  for (uint64_t n = 1;; ++n) {
    SCOPED_TRACE(n);
    env::MemEnv mem;
    env::FaultEnv fault(&mem);
    std::string db = dir.file("batch-" + std::to_string(n) + ".db");
    std::vector<std::string> paths;
    for (size_t i = 0; i < datas.size(); ++i) {
      paths.push_back("/src" + std::to_string(i));
      ASSERT_TRUE(env::write_file(mem, paths.back(), datas[i]));
    }
    ASSERT_TRUE(mem.sync_dir("/"));
    {
      auto store = open_store(&fault, "/s", db, false);
      ASSERT_TRUE(store);
      fault.crash_at(fault.ops() + n);
      auto r = store->import_files(paths);
      if (!fault.crashed()) {
        ASSERT_TRUE(r) << r.error().to_string();
        break;
      }
      EXPECT_FALSE(r);
      ++crashes;
    }
    mem.simulate_crash();
    auto store = open_store(&mem, "/s", db, false);
    ASSERT_TRUE(store);
    check_store_consistent(*store, known, {});
    EXPECT_TRUE(store->list()->empty());  // all or nothing
    auto again = store->import_files(paths);
    ASSERT_TRUE(again) << again.error().to_string();
    for (const auto& r : *again) EXPECT_EQ(export_bytes(*store, r.hash), known[r.hash]);
  }
  EXPECT_GT(crashes, 5);
}

// Crash at every mutating file operation of a download (several flushes);
// after restart the partial blob keeps only synced, verified ranges and the
// download resumes to a byte-exact blob.
TEST(FileStoreCrash, DownloadAtEveryOperation) {
  TempDir dir;
  Bytes data = pattern(10 * 16384 + 500);  // 11 groups
  Hash h = crypto::blake3(data);
  std::map<Hash, Bytes> known = {{h, data}};
  const std::vector<std::vector<uint64_t>> batches = {{0, 1}, {5}, {2, 3, 4}, {6, 7, 8, 9, 10}};
  int crashes = 0;
  for (uint64_t n = 1;; ++n) {
    SCOPED_TRACE(n);
    env::MemEnv mem;
    env::FaultEnv fault(&mem);
    std::string db = dir.file("dl-" + std::to_string(n) + ".db");
    bao::ChunkRanges written;
    {
      auto store = open_store(&fault, "/s", db, false);
      ASSERT_TRUE(store);
      fault.crash_at(fault.ops() + n);
      Status st = [&]() -> Status {
        FERRY_ASSIGN(auto w, store->open_writer(h, data.size()));
        for (const auto& batch : batches) {
          for (uint64_t g : batch) {
            written =
                written | bao::ChunkRanges::range(g * 16, std::min<uint64_t>(g * 16 + 16, 161));
          }
          FERRY_TRY(feed_groups(*w, data, batch));
          FERRY_TRY(w->flush());
        }
        FERRY_ASSIGN(auto fin, w->finish());
        if (!fin.is_complete()) return make_error(ErrorCode::kInternal, "not complete");
        return ok();
      }();
      if (!fault.crashed()) {
        ASSERT_TRUE(st) << st.error().to_string();
        break;
      }
      EXPECT_FALSE(st);
      ++crashes;
    }
    mem.simulate_crash();
    auto store = open_store(&mem, "/s", db, false);
    ASSERT_TRUE(store);
    check_store_consistent(*store, known, {{h, written}});
    // Resume to the end.
    auto w = store->open_writer(h, data.size());
    ASSERT_TRUE(w) << w.error().to_string();
    auto have = store->status(h)->verified;
    std::vector<uint64_t> missing;
    for (uint64_t g = 0; g < 11; ++g) {
      if (!have.covers(g * 16, std::min<uint64_t>(g * 16 + 16, 161))) missing.push_back(g);
    }
    ASSERT_TRUE(feed_groups(**w, data, missing));
    auto fin = (*w)->finish();
    ASSERT_TRUE(fin);
    EXPECT_TRUE(fin->is_complete());
    EXPECT_EQ(export_bytes(*store, h), data);
  }
  EXPECT_GT(crashes, 5);
}

// Crash at every file operation of a gc(): tagged blobs always survive,
// the rest is consistent, and leftover files are removed on open.
TEST(FileStoreCrash, GcAtEveryOperation) {
  TempDir dir;
  std::vector<Bytes> datas = {pattern(30000), pattern(50000), pattern(70000), pattern(90000)};
  std::map<Hash, Bytes> known;
  for (const auto& d : datas) known[crypto::blake3(d)] = d;
  Hash kept = crypto::blake3(datas[1]);
  int crashes = 0;
  for (uint64_t n = 1;; ++n) {
    SCOPED_TRACE(n);
    env::MemEnv mem;
    env::FaultEnv fault(&mem);
    std::string db = dir.file("gc-" + std::to_string(n) + ".db");
    {
      auto store = open_store(&fault, "/s", db, false);
      ASSERT_TRUE(store);
      for (const auto& d : datas) ASSERT_TRUE(store->import_bytes(d));  // temp tags dropped
      ASSERT_TRUE(store->set_tag("keep", HashAndFormat::raw(kept)));
      fault.crash_at(fault.ops() + n);
      auto r = store->gc();
      if (!fault.crashed()) {
        ASSERT_TRUE(r) << r.error().to_string();
        EXPECT_EQ(r->blobs_deleted, 3u);
        break;
      }
      ++crashes;
    }
    mem.simulate_crash();
    auto store = open_store(&mem, "/s", db, false);
    ASSERT_TRUE(store);
    check_store_consistent(*store, known, {});
    EXPECT_TRUE(store->status(kept)->is_complete());
    ASSERT_TRUE(store->gc());
    EXPECT_EQ(store->list()->size(), 1u);
    EXPECT_EQ(mem.list("/s/blobs")->size(), 2u);
  }
  EXPECT_GT(crashes, 2);
}

TEST(FileStoreFaults, FullDiskDuringImportIsReportedAndStoreStaysUsable) {
  TempDir dir;
  env::MemEnv mem;
  env::FaultEnv fault(&mem);
  auto store = open_store(&fault, "/s", dir.file("db"));
  ASSERT_TRUE(store);
  Bytes data = pattern(500000);
  for (uint64_t n = 1; n < 12; ++n) {
    SCOPED_TRACE(n);
    // Writes fail with ENOSPC; removing files still works, as on a real disk.
    fault.fail_at(fault.ops() + n, ErrorCode::kResourceExhausted);
    auto r = store->import_bytes(data);
    fault.disarm();
    if (r) break;
    EXPECT_EQ(r.error().code(), ErrorCode::kResourceExhausted) << r.error().to_string();
    EXPECT_NE(r.error().message().find("no space"), std::string::npos);
    EXPECT_EQ(store->status(crypto::blake3(data))->state, BlobState::kAbsent);
  }
  auto r = store->import_bytes(data);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(export_bytes(*store, r->hash), data);
  // Only the blob's own files remain (no temp files from the failed tries).
  auto names = mem.list("/s/blobs");
  ASSERT_TRUE(names);
  EXPECT_EQ(names->size(), 2u);
}

TEST(FileStoreFaults, LeftoversOfFailedImportsAreRemovedOnOpen) {
  TempDir dir;
  env::MemEnv mem;
  env::FaultEnv fault(&mem);
  {
    auto store = open_store(&fault, "/s", dir.file("db"));
    ASSERT_TRUE(store);
    // Everything fails from the data sync on, even the cleanup.
    fault.fail_from(fault.ops() + 3, ErrorCode::kIo);
    EXPECT_FALSE(store->import_bytes(pattern(500000)));
    fault.disarm();
    EXPECT_FALSE(mem.list("/s/blobs")->empty());
  }
  auto store = open_store(&mem, "/s", dir.file("db"));
  ASSERT_TRUE(store);
  EXPECT_TRUE(mem.list("/s/blobs")->empty());
}

TEST(FileStoreFaults, IoErrorDuringDownloadFlushRecordsNothing) {
  TempDir dir;
  env::MemEnv mem;
  env::FaultEnv fault(&mem);
  auto store = open_store(&fault, "/s", dir.file("db"));
  Bytes data = pattern(100000);
  Hash h = crypto::blake3(data);
  auto w = store->open_writer(h, data.size());
  ASSERT_TRUE(w);
  ASSERT_TRUE(feed_groups(**w, data, {0, 1}));
  fault.fail_at(fault.ops() + 1, ErrorCode::kIo);  // the data sync
  auto st = (*w)->flush();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), ErrorCode::kIo);
  EXPECT_TRUE(store->status(h)->verified.is_empty());
  ASSERT_TRUE((*w)->flush());  // retry succeeds
  EXPECT_EQ(store->status(h)->verified, bao::ChunkRanges::range(0, 32));
}

class CorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_store(nullptr, dir_.file("s"), "");
    auto r = store_->import_bytes(data_);
    ASSERT_TRUE(r);
    hash_ = r->hash;
    data_path_ = dir_.file("s/blobs/" + hash_.to_hex() + ".data");
  }
  void flip_byte(const std::string& path, uint64_t offset) {
    auto f = env::posix_env()->open(path, env::OpenMode::kReadWrite);
    ASSERT_TRUE(f);
    uint8_t b;
    ASSERT_EQ(*(*f)->read_at(offset, MutableByteView(&b, 1)), 1u);
    b ^= 0x01;
    ASSERT_TRUE((*f)->write_at(offset, ByteView(&b, 1)));
  }
  TempDir dir_;
  Bytes data_ = pattern(100000);
  Hash hash_;
  std::string data_path_;
  std::unique_ptr<Store> store_;
};

TEST_F(CorruptionTest, FlippedDataByteIsDetectedOnReadAndExport) {
  flip_byte(data_path_, 70000);  // group 4
  // Reads that do not touch the bad group still work.
  auto ok_read = store_->read(hash_, 0, 1000);
  ASSERT_TRUE(ok_read);
  auto bad = store_->read(hash_, 69000, 2000);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kCorrupt);
  std::string out = dir_.file("out");
  auto ex = store_->export_file(hash_, out);
  ASSERT_FALSE(ex);
  EXPECT_EQ(ex.error().code(), ErrorCode::kCorrupt) << ex.error().to_string();
  EXPECT_FALSE(env::posix_env()->exists(out));
  EXPECT_FALSE(env::posix_env()->exists(out + ".ferry-tmp"));
  // The bad group's bytes are never handed out.
  Bytes got = export_bytes(*store_, hash_);
  EXPECT_LE(got.size(), 65536u);
  // The store stays usable.
  EXPECT_TRUE(store_->import_bytes(pattern(1234)));
}

TEST_F(CorruptionTest, CorruptGroupIsNeverServed) {
  flip_byte(data_path_, 70000);  // group 4: chunks 64..80
  Bytes sent;
  auto st = store_->encode_bao(hash_, bao::ChunkRanges::all(), [&](ByteView p) -> Status {
    append(sent, p);
    return ok();
  });
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), ErrorCode::kCorrupt);
  // What was sent is a valid prefix: it decodes, and holds no byte of the
  // bad group.
  bao::ResponseDecoder dec(hash_, bao::ChunkRanges::all());
  uint64_t data_end = 0;
  auto used = dec.feed(sent, [&](const bao::DecodeEvent& ev) -> Status {
    if (auto* l = std::get_if<bao::LeafVerified>(&ev)) data_end = l->offset + l->data.size();
    return ok();
  });
  ASSERT_TRUE(used) << used.error().to_string();
  EXPECT_EQ(*used, sent.size());
  EXPECT_LE(data_end, 65536u);
  // A range that avoids the bad group is still served.
  EXPECT_TRUE(
      store_->encode_bao(hash_, bao::ChunkRanges::range(0, 16), [](ByteView) { return ok(); }));
}

TEST_F(CorruptionTest, TruncatedOrMissingDataFileIsCorrupt) {
  {
    auto f = env::posix_env()->open(data_path_, env::OpenMode::kReadWrite);
    ASSERT_TRUE(f);
    ASSERT_TRUE((*f)->truncate(50000));
  }
  Status st;
  export_bytes(*store_, hash_, &st);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), ErrorCode::kCorrupt);
  ASSERT_TRUE(env::posix_env()->remove(data_path_));
  export_bytes(*store_, hash_, &st);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), ErrorCode::kCorrupt);
}

TEST_F(CorruptionTest, FlippedOutboardByteIsCorrupt) {
  flip_byte(dir_.file("s/blobs/" + hash_.to_hex() + ".obao4"), 100);
  Status st;
  export_bytes(*store_, hash_, &st);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), ErrorCode::kCorrupt);
}

TEST(FileStoreVersion, NewerDatabaseIsRefusedAndUntouched) {
  TempDir dir;
  { auto store = open_store(nullptr, dir.file("s"), ""); }
  std::string db = dir.file("s/blobs.db");
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, "PRAGMA user_version=7", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(raw);
  }
  auto before = env::read_file(*env::posix_env(), db);
  ASSERT_TRUE(before);
  FileStoreOptions opt;
  opt.dir = dir.file("s");
  auto s = open_file_store(opt);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(s.error().message().find("newer"), std::string::npos) << s.error().to_string();
  auto after = env::read_file(*env::posix_env(), db);
  ASSERT_TRUE(after);
  EXPECT_EQ(*before, *after);
}

TEST(FileStoreVersion, ForeignFileIsNotADatabase) {
  TempDir dir;
  ASSERT_TRUE(env::posix_env()->mkdirs(dir.file("s")));
  ASSERT_TRUE(
      env::write_file(*env::posix_env(), dir.file("s/blobs.db"), to_bytes(std::string(4096, 'x'))));
  FileStoreOptions opt;
  opt.dir = dir.file("s");
  auto s = open_file_store(opt);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kCorrupt) << s.error().to_string();
}

}  // namespace
}  // namespace ferry::blobs
