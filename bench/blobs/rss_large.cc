// Benchmark: peak RSS (and throughput) while importing and exporting a large
// file with the file store. Goal: peak RSS <= 64 MiB for 1 GiB.
//
// Prints (one figure per line):
//   file_size                the blob size
//   import_throughput        MB/s (file in page cache -> store, hash + outboard)
//   export_throughput        MB/s (verified export to a new file)
//   peak_rss_after_setup     MiB before any store work (baseline)
//   peak_rss_after_import    MiB
//   peak_rss_after_export    MiB (the figure compared with the 64 MiB goal)
// Usage: bench_blobs_rss_large [size-MiB] [scratch-dir-base]
#include <cstdio>
#include <cstdlib>

#include "bench/blobs/bench_util.h"
#include "blobs/file_store.h"
#include "core/prng.h"
#include "env/env.h"

using namespace ferry;
using namespace ferry::blobs;

int main(int argc, char** argv) {
  uint64_t mib = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1024;
  const char* base = argc > 2 ? argv[2] : "/tmp";
  uint64_t size = mib << 20;
  bench::ScratchDir scratch(base);
  env::Env& env = *env::posix_env();
  std::string src = scratch.file("big.src");
  {
    auto f = env.open(src, env::OpenMode::kCreateTruncate);
    if (!f) return 1;
    Prng rng(7);
    Bytes buf(1 << 20);
    for (uint64_t off = 0; off < size; off += buf.size()) {
      for (size_t i = 0; i < buf.size(); i += 8) put_u64_le(buf.data() + i, rng.next());
      if (!(*f)->write_at(off, ByteView(buf).first(std::min<uint64_t>(buf.size(), size - off)))) {
        return 1;
      }
    }
  }
  long base_rss = bench::peak_rss_kib();
  FileStoreOptions opt;
  opt.dir = scratch.file("store");
  auto store = open_file_store(opt);
  if (!store) return 1;
  double t0 = bench::now_seconds();
  auto r = (*store)->import_file(src);
  double t_import = bench::now_seconds() - t0;
  if (!r) {
    std::fprintf(stderr, "import: %s\n", r.error().to_string().c_str());
    return 1;
  }
  long import_rss = bench::peak_rss_kib();
  t0 = bench::now_seconds();
  auto ex = (*store)->export_file(r->hash, scratch.file("big.out"));
  double t_export = bench::now_seconds() - t0;
  if (!ex) {
    std::fprintf(stderr, "export: %s\n", ex.error().to_string().c_str());
    return 1;
  }
  long export_rss = bench::peak_rss_kib();
  auto out_size = env.file_size(scratch.file("big.out"));
  if (!out_size || *out_size != size) return 1;
  std::printf("file_size: %llu MiB\n", static_cast<unsigned long long>(mib));
  std::printf("import_throughput: %.0f MB/s\n", size / t_import / 1e6);
  std::printf("export_throughput: %.0f MB/s\n", size / t_export / 1e6);
  std::printf("peak_rss_after_setup: %.1f MiB\n", base_rss / 1024.0);
  std::printf("peak_rss_after_import: %.1f MiB\n", import_rss / 1024.0);
  std::printf("peak_rss_after_export: %.1f MiB\n", export_rss / 1024.0);
  return 0;
}
