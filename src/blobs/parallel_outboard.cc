#include "blobs/parallel_outboard.h"

#include <algorithm>
#include <mutex>
#include <thread>
#include <vector>

#include "crypto/blake3_tree.h"

namespace ferry::blobs {
using namespace ferry::bao;  // tree geometry and outboard types

namespace {

constexpr uint64_t kReadGroups = 64;  // 1 MiB reads

unsigned thread_count(unsigned threads, uint64_t groups) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  return static_cast<unsigned>(std::min<uint64_t>(threads, std::max<uint64_t>(1, groups)));
}

// Runs work(first_group, end_group) on `threads` threads over disjoint,
// contiguous ranges of the groups [0, full_groups).
template <typename Work>
void run_split(uint64_t full_groups, unsigned threads, Work work) {
  std::vector<std::thread> pool;
  uint64_t per = (full_groups + threads - 1) / threads;
  for (unsigned t = 0; t < threads; ++t) {
    uint64_t a = std::min(full_groups, t * per);
    uint64_t b = std::min(full_groups, a + per);
    if (a >= b) continue;
    pool.emplace_back([=, &work] { work(a, b); });
  }
  for (auto& th : pool) th.join();
}

}  // namespace

Result<Outboard> compute_outboard_parallel(const DataReader& reader, uint64_t size,
                                           unsigned threads) {
  BaoTree tree(size);
  uint64_t groups = tree.groups();
  // All groups but the last are full and non-root; the last is hashed here.
  uint64_t eager = groups - 1;
  std::vector<crypto::Hash> cvs(groups);
  std::mutex mu;
  std::optional<Error> first_error;
  run_split(eager, thread_count(threads, eager), [&](uint64_t a, uint64_t b) {
    Bytes buf(kReadGroups * kGroupSize);
    for (uint64_t g = a; g < b; g += kReadGroups) {
      uint64_t n = std::min(kReadGroups, b - g);
      MutableByteView view(buf.data(), n * kGroupSize);
      auto st = reader.read_at(g * kGroupSize, view);
      if (!st) {
        std::lock_guard lock(mu);
        if (!first_error) first_error = st.error();
        return;
      }
      crypto::subtree_cvs(view, g * kGroupChunks, kGroupChunksLog,
                          std::span<crypto::Hash>(cvs.data() + g, n));
    }
  });
  if (first_error) return tl::unexpected(*first_error);
  uint64_t last_start = eager * kGroupSize;
  Bytes last(size - last_start);
  FERRY_TRY(reader.read_at(last_start, last));
  cvs.back() = crypto::subtree_cv(last, eager * kGroupChunks, groups == 1);
  return outboard_from_group_cvs(size, cvs);
}

Outboard compute_outboard_parallel(ByteView data, unsigned threads) {
  BaoTree tree(data.size());
  uint64_t groups = tree.groups();
  uint64_t eager = groups - 1;
  std::vector<crypto::Hash> cvs(groups);
  run_split(eager, thread_count(threads, eager), [&](uint64_t a, uint64_t b) {
    for (uint64_t g = a; g < b; g += kReadGroups) {
      uint64_t n = std::min(kReadGroups, b - g);
      crypto::subtree_cvs(data.subspan(g * kGroupSize, n * kGroupSize), g * kGroupChunks,
                          kGroupChunksLog, std::span<crypto::Hash>(cvs.data() + g, n));
    }
  });
  uint64_t last_start = eager * kGroupSize;
  cvs.back() = crypto::subtree_cv(data.subspan(last_start), eager * kGroupChunks, groups == 1);
  return outboard_from_group_cvs(data.size(), cvs);
}

}  // namespace ferry::blobs
