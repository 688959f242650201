// Benchmark: import 10,000 files of 4 KiB into the file store.
//
// Prints (one figure per line):
//   import_4k_files_per_s        file store, default options (each import
//                                durable: SQLite WAL commit with fsync)
//   import_4k_files_batch100_per_s  durable, in batches of 100 files
//                                (Store::import_files: one commit each)
//   import_4k_files_nosync_per_s same as the first without per-commit fsync (reference:
//                                the cost of durability on this disk)
//   hash_4k_files_per_s          reference: open + read + hash each file,
//                                no store, same files, same run
// Usage: bench_blobs_import_small [count] [scratch-dir-base]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "bench/blobs/bench_util.h"
#include "blobs/file_store.h"
#include "core/prng.h"
#include "crypto/blake3.h"
#include "env/env.h"

using namespace ferry;
using namespace ferry::blobs;

namespace {

// Imports `files` one by one (batch == 0) or in batches of `batch` files
// (Store::import_files: one transaction per batch); returns files/s.
double run_store(const std::vector<std::string>& files, const std::string& dir, bool sync,
                 size_t batch = 0) {
  FileStoreOptions opt;
  opt.dir = dir;
  opt.sync_commits = sync;
  auto store = open_file_store(opt);
  if (!store) {
    std::fprintf(stderr, "open: %s\n", store.error().to_string().c_str());
    std::exit(1);
  }
  double t0 = bench::now_seconds();
  if (batch == 0) {
    for (const auto& f : files) {
      auto r = (*store)->import_file(f);
      if (!r) {
        std::fprintf(stderr, "import %s: %s\n", f.c_str(), r.error().to_string().c_str());
        std::exit(1);
      }
    }
  } else {
    for (size_t i = 0; i < files.size(); i += batch) {
      std::vector<std::string> part(files.begin() + i,
                                    files.begin() + std::min(files.size(), i + batch));
      auto r = (*store)->import_files(part);
      if (!r) {
        std::fprintf(stderr, "import batch: %s\n", r.error().to_string().c_str());
        std::exit(1);
      }
    }
  }
  double dt = bench::now_seconds() - t0;
  auto list = (*store)->list();
  if (!list || list->size() != files.size()) {
    std::fprintf(stderr, "store lists %zu blobs, expected %zu\n", list ? list->size() : 0,
                 files.size());
    std::exit(1);
  }
  return files.size() / dt;
}

}  // namespace

int main(int argc, char** argv) {
  size_t count = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 10000;
  const char* base = argc > 2 ? argv[2] : "/tmp";
  bench::ScratchDir scratch(base);
  env::Env& env = *env::posix_env();
  if (!env.mkdirs(scratch.file("src"))) return 1;
  Prng rng(42);
  std::vector<std::string> files;
  Bytes buf(4096);
  for (size_t i = 0; i < count; ++i) {
    for (auto& b : buf) b = static_cast<uint8_t>(rng.next());
    files.push_back(scratch.file("src/f" + std::to_string(i)));
    if (!env::write_file(env, files.back(), buf)) return 1;
  }
  // Reference: read and hash every file (page cache), no store.
  double t0 = bench::now_seconds();
  uint8_t sink = 0;
  for (const auto& f : files) {
    auto data = env::read_file(env, f);
    if (!data) return 1;
    sink ^= crypto::blake3(*data).bytes()[0];
  }
  double hash_rate = files.size() / (bench::now_seconds() - t0);
  double durable = run_store(files, scratch.file("store-sync"), true);
  double nosync = run_store(files, scratch.file("store-nosync"), false);
  double batched = run_store(files, scratch.file("store-batch"), true, 100);
  std::printf("files: %zu\n", count);
  std::printf("import_4k_files_per_s: %.0f files/s\n", durable);
  std::printf("import_4k_files_batch100_per_s: %.0f files/s\n", batched);
  std::printf("import_4k_files_nosync_per_s: %.0f files/s\n", nosync);
  std::printf("hash_4k_files_per_s: %.0f files/s\n", hash_rate);
  std::printf("peak_rss: %.1f MiB\n", bench::peak_rss_kib() / 1024.0);
  return sink == 0xff ? 0 : 0;
}
