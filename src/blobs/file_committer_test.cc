// Group commit of small downloads (file_committer.cc): many finished blobs
// share a transaction, each is acknowledged only once it is durable, a
// failed transaction fails every blob of its group, and a crash before the
// commit leaves none of them claiming to be complete. The typed test at the
// end runs finish_async on every store.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <map>
#include <mutex>

#include "blobs/file_store_impl.h"
#include "blobs/test_util.h"
#include "crypto/blake3.h"

namespace ferry::blobs {
namespace {

using testing::TempDir;

std::unique_ptr<Store> open_store(const TempDir& dir) {
  FileStoreOptions opt;
  opt.dir = dir.file("store");
  auto s = open_file_store(opt);
  EXPECT_TRUE(s) << s.error().to_string();
  return s ? std::move(*s) : nullptr;
}

std::map<Hash, Bytes> small_blobs(size_t n) {
  Prng prng(testing::test_seed());
  std::map<Hash, Bytes> out;
  while (out.size() < n) {
    Bytes b = testing::random_bytes(prng, 1 + prng.below(16384));
    out.emplace(crypto::blake3(b), std::move(b));
  }
  return out;
}

// Collects finish_async answers from the committer thread.
class Answers {
 public:
  BlobWriter::FinishCallback callback(const Hash& h) {
    return [this, h](Result<BlobStatus> r) {
      std::lock_guard lock(mu_);
      got_.emplace(h, std::move(r));
      cv_.notify_all();
    };
  }
  // Waits for n answers (no timeout: a lost answer hangs the test, which
  // ctest reports).
  std::map<Hash, Result<BlobStatus>> wait(size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return got_.size() >= n; });
    return got_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<Hash, Result<BlobStatus>> got_;
};

// Opens a writer per blob and writes all of its data (nothing finished).
std::vector<std::unique_ptr<BlobWriter>> write_all(Store& store, const std::map<Hash, Bytes>& b) {
  std::vector<std::unique_ptr<BlobWriter>> writers;
  for (const auto& [h, data] : b) {
    auto w = store.open_writer(h, data.size());
    EXPECT_TRUE(w) << w.error().to_string();
    if (!w) return {};
    EXPECT_TRUE((*w)->write_leaf(0, data));
    writers.push_back(std::move(*w));
  }
  return writers;
}

// finish_async for every writer while the store's mutex is held: the
// committer may commit what it took first, but then waits for the mutex
// (to unregister the writers) until all are queued, so the rest is one
// group: at most two transactions.
void finish_all_grouped(FileStore& fs, std::vector<std::unique_ptr<BlobWriter>>& writers,
                        Answers& answers) {
  std::lock_guard lock(fs.mu());
  for (auto& w : writers) {
    Hash h = w->hash();
    w->finish_async(answers.callback(h));
    w.reset();
  }
}

TEST(GroupCommit, ManySmallDownloadsShareTransactionsAndSurviveReopen) {
  TempDir dir;
  auto blobs = small_blobs(300);
  {
    auto store = open_store(dir);
    auto& fs = dynamic_cast<FileStore&>(*store);
    auto writers = write_all(*store, blobs);
    ASSERT_EQ(writers.size(), blobs.size());
    Answers answers;
    finish_all_grouped(fs, writers, answers);
    auto got = answers.wait(blobs.size());
    for (const auto& [h, r] : got) {
      ASSERT_TRUE(r) << r.error().to_string();
      EXPECT_TRUE(r->is_complete());
      EXPECT_EQ(r->size, blobs.at(h).size());
      auto st = store->status(h);  // visible once acknowledged
      ASSERT_TRUE(st);
      EXPECT_TRUE(st->is_complete());
    }
    auto counters = file_store_counters(*store);
    EXPECT_EQ(counters.grouped_blobs, blobs.size());
    EXPECT_LE(counters.group_commits, 2u);
  }
  auto store = open_store(dir);
  for (const auto& [h, data] : blobs) {
    auto got = store->read(h, 0, data.size());
    ASSERT_TRUE(got) << got.error().to_string();
    EXPECT_EQ(*got, data);
  }
}

TEST(GroupCommit, FailedCommitFailsEveryBlobOfTheGroup) {
  TempDir dir;
  auto blobs = small_blobs(40);
  auto store = open_store(dir);
  auto& fs = dynamic_cast<FileStore&>(*store);
  // Another connection makes every insert into `blobs` fail.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(dir.file("store/blobs.db").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other,
                         "CREATE TRIGGER fail_inserts BEFORE INSERT ON blobs "
                         "BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  auto writers = write_all(*store, blobs);
  Answers answers;
  finish_all_grouped(fs, writers, answers);
  auto got = answers.wait(blobs.size());
  for (const auto& [h, r] : got) {
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("group commit"), std::string::npos) << r.error().to_string();
    EXPECT_EQ(store->status(h)->state, BlobState::kAbsent);
  }
  ASSERT_EQ(sqlite3_exec(other, "DROP TRIGGER fail_inserts", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  // The failed writers released their blobs: a new download succeeds.
  const auto& [h, data] = *blobs.begin();
  auto w = store->open_writer(h, data.size());
  ASSERT_TRUE(w) << w.error().to_string();
  ASSERT_TRUE((*w)->write_leaf(0, data));
  Answers again;
  (*w)->finish_async(again.callback(h));
  auto r = again.wait(1).at(h);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_TRUE(store->status(h)->is_complete());
}

// The process dies (fork + _exit) after a first group committed and while
// a second is queued: after reopening, exactly the first group is complete,
// the second is absent (not partial, not complete) and can be downloaded.
TEST(GroupCommit, CrashBeforeTheCommitLeavesNoneOfTheGroupComplete) {
  TempDir dir;
  auto blobs = small_blobs(60);
  std::map<Hash, Bytes> first, second;
  for (const auto& [h, d] : blobs) (first.size() < 20 ? first : second).emplace(h, d);
  { auto store = open_store(dir); }  // created before the fork
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto store = open_store(dir);
    auto w1 = write_all(*store, first);
    Answers a1;
    for (auto& w : w1) w->finish_async(a1.callback(w->hash()));
    auto got = a1.wait(first.size());
    for (const auto& [h, r] : got) {
      if (!r) ::_exit(2);
    }
    auto w2 = write_all(*store, second);
    Answers a2;
    // Another connection holds the database's write lock: the committer's
    // transaction waits for it (SQLite's busy timeout) and never commits.
    sqlite3* other = nullptr;
    if (sqlite3_open(dir.file("store/blobs.db").c_str(), &other) != SQLITE_OK) ::_exit(3);
    if (sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) ::_exit(4);
    for (auto& w : w2) w->finish_async(a2.callback(w->hash()));
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  auto store = open_store(dir);
  auto list = store->list();
  ASSERT_TRUE(list);
  EXPECT_EQ(list->size(), first.size());
  for (const auto& [h, data] : first) {
    auto got = store->read(h, 0, data.size());
    ASSERT_TRUE(got) << got.error().to_string();
    EXPECT_EQ(*got, data);
  }
  for (const auto& [h, data] : second) {
    EXPECT_EQ(store->status(h)->state, BlobState::kAbsent);
  }
  const auto& [h, data] = *second.begin();
  auto w = store->open_writer(h, data.size());
  ASSERT_TRUE(w);
  ASSERT_TRUE((*w)->write_leaf(0, data));
  auto fin = (*w)->finish();
  ASSERT_TRUE(fin);
  EXPECT_TRUE(fin->is_complete());
}

// Every store: finish_async answers once, with the blob complete and
// readable by then, for small and large blobs alike.
template <typename F>
class FinishAsyncTest : public ::testing::Test {};
TYPED_TEST_SUITE(FinishAsyncTest, testing::StoreFactories);

TYPED_TEST(FinishAsyncTest, AnswersOnceWithTheBlobComplete) {
  TempDir dir;
  auto store = TypeParam::make(dir);
  ASSERT_NE(store, nullptr);
  for (size_t size : {1u, 4096u, 16384u, 16385u, 100000u}) {
    Bytes data = testing::pattern(size);
    Hash h = crypto::blake3(data);
    auto w = store->open_writer(h, size);
    ASSERT_TRUE(w);
    std::vector<uint64_t> groups;
    for (uint64_t g = 0; g * 16384 < std::max<size_t>(size, 1); ++g) groups.push_back(g);
    ASSERT_TRUE(testing::feed_groups(**w, data, groups));
    Answers answers;
    (*w)->finish_async(answers.callback(h));
    w->reset();
    auto got = answers.wait(1);
    ASSERT_EQ(got.size(), 1u);
    ASSERT_TRUE(got.at(h)) << got.at(h).error().to_string();
    EXPECT_TRUE(got.at(h)->is_complete());
    auto read = store->read(h, 0, size);
    ASSERT_TRUE(read) << size << ": " << read.error().to_string();
    EXPECT_EQ(*read, data);
  }
}

}  // namespace
}  // namespace ferry::blobs
