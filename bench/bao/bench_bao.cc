// bench_bao FILE: throughput of bao on a file (ideally in the page cache).
// Prints one figure per line, "name: value unit":
//   hash_outboard_1t_pread   OutboardBuilder fed 1 MiB preads, one thread
//   reference_blake3_c_1t_mmap  the official C hasher over the same mmap, the
//                            reference measured in the same run
//   hash_outboard_1t_mmap    OutboardBuilder fed the mmap in 1 MiB pieces
//   hash_outboard_mt         compute_outboard_parallel, all cores (pread)
//   encode_1t                full-blob verified encode (data+outboard in memory)
//   decode_1t                verified decode of the full stream in memory into a
//                            memory sink (64 KiB input slices)
// Each figure is the best of `--repeat` runs (default 3). GB = 1e9 bytes.
// Every figure also has a "_cpu" twin: bytes per CPU-second (user + system of
// all threads), which a loaded shared machine distorts less than wall time.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include <blake3.h>

#include "bao/decoder.h"
#include "bao/encoder.h"
#include "bao/outboard.h"
#include "blobs/parallel_outboard.h"

using namespace ferry;
using namespace ferry::bao;

namespace {

class PreadReader final : public DataReader {
 public:
  explicit PreadReader(int fd) : fd_(fd) {}
  Status read_at(uint64_t offset, MutableByteView out) const override {
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n =
          pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
      if (n <= 0) return make_error(ErrorCode::kIo, "pread failed");
      done += static_cast<size_t>(n);
    }
    return ok();
  }

 private:
  int fd_;
};

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double cpu_s() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Best wall-clock and best CPU seconds (user + system, all threads) of
// `repeat` runs. CPU time is the robust figure on a shared, loaded machine.
struct Timing {
  double wall = 1e100;
  double cpu = 1e100;
};

template <typename F>
Timing best_of(int repeat, F f) {
  Timing best;
  for (int i = 0; i < repeat; ++i) {
    double w0 = now_s(), c0 = cpu_s();
    f();
    best.wall = std::min(best.wall, now_s() - w0);
    best.cpu = std::min(best.cpu, cpu_s() - c0);
  }
  return best;
}

void print(const char* name, double gb, Timing t, const char* extra = "") {
  std::printf("%s: %.3f GB/s%s\n", name, gb / t.wall, extra);
  std::printf("%s_cpu: %.3f GB/cpu-s\n", name, gb / t.cpu);
}

void die(const char* what) {
  std::fprintf(stderr, "bench_bao: %s\n", what);
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) die("usage: bench_bao FILE [--repeat N] [--threads N]");
  int repeat = 3;
  unsigned threads = 0;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--repeat") repeat = std::atoi(argv[i + 1]);
    if (std::string(argv[i]) == "--threads")
      threads = static_cast<unsigned>(std::atoi(argv[i + 1]));
  }
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0) die("cannot open file");
  struct stat st;
  if (fstat(fd, &st) != 0) die("fstat failed");
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  const double gb = static_cast<double>(size) / 1e9;
  PreadReader reader(fd);
  constexpr size_t kRead = 1 << 20;

  Outboard ob;
  Bytes buf(kRead);
  Timing t = best_of(repeat, [&] {
    OutboardBuilder b(size);
    for (uint64_t off = 0; off < size; off += kRead) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(kRead, size - off));
      if (!reader.read_at(off, MutableByteView(buf.data(), n))) die("read failed");
      if (!b.update(ByteView(buf.data(), n))) die("update failed");
    }
    ob = std::move(*b.finish());
  });
  print("hash_outboard_1t_pread", gb, t);

  // Each run maps the file afresh, so page faults are paid as b3sum pays them.
  auto map_file = [&]() -> const uint8_t* {
    if (size == 0) return nullptr;
    void* m = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) die("mmap failed");
    return static_cast<const uint8_t*>(m);
  };
  auto unmap = [&](const uint8_t* m) {
    if (m) munmap(const_cast<uint8_t*>(m), size);
  };
  t = best_of(repeat, [&] {
    const uint8_t* m = map_file();
    blake3_hasher h;
    blake3_hasher_init(&h);
    for (uint64_t off = 0; off < size; off += kRead) {
      blake3_hasher_update(&h, m + off, static_cast<size_t>(std::min<uint64_t>(kRead, size - off)));
    }
    uint8_t out[32];
    blake3_hasher_finalize(&h, out, 32);
    if (std::memcmp(out, ob.root.data(), 32) != 0) die("reference hash differs");
    unmap(m);
  });
  print("reference_blake3_c_1t_mmap", gb, t);
  t = best_of(repeat, [&] {
    const uint8_t* m = map_file();
    ByteView data(m, size);
    OutboardBuilder b(size);
    for (uint64_t off = 0; off < size; off += kRead) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(kRead, size - off));
      if (!b.update(data.subspan(off, n))) die("update failed");
    }
    Outboard o = std::move(*b.finish());
    if (o.root != ob.root) die("mmap root differs");
    unmap(m);
  });
  print("hash_outboard_1t_mmap", gb, t);
  const uint8_t* map = map_file();
  ByteView data(map, size);

  unsigned n_threads = threads ? threads : std::max(1u, std::thread::hardware_concurrency());
  t = best_of(repeat, [&] {
    auto o = blobs::compute_outboard_parallel(reader, size, n_threads);
    if (!o || o->root != ob.root || o->pairs != ob.pairs) die("parallel outboard differs");
  });
  std::string th = " (" + std::to_string(n_threads) + " threads)";
  print("hash_outboard_mt", gb, t, th.c_str());
  std::fprintf(stderr, "root: %s\n", ob.root.to_hex().c_str());

  Bytes stream;
  stream.reserve(BaoTree(size).full_response_size());
  t = best_of(repeat, [&] {
    stream.clear();
    MemoryReader d(data);
    MemoryReader o(ob.pairs);
    ResponseEncoder enc(ob.root, size, ChunkRanges::all(), d, o);
    while (true) {
      auto more = enc.next(stream, 1 << 20);
      if (!more) die("encode failed");
      if (!*more) break;
    }
  });
  print("encode_1t", gb, t);

  Bytes sink(size);
  t = best_of(repeat, [&] {
    ResponseDecoder dec(ob.root, ChunkRanges::all());
    auto handler = [&](const DecodeEvent& ev) -> Status {
      if (auto* leaf = std::get_if<LeafVerified>(&ev)) {
        std::memcpy(sink.data() + leaf->offset, leaf->data.data(), leaf->data.size());
      }
      return ok();
    };
    constexpr size_t kSlice = 64 * 1024;
    for (size_t off = 0; off < stream.size(); off += kSlice) {
      auto used =
          dec.feed(ByteView(stream).subspan(off, std::min(kSlice, stream.size() - off)), handler);
      if (!used) die("decode failed");
    }
    if (!dec.finish()) die("decode incomplete");
  });
  if (std::memcmp(sink.data(), map, size) != 0) die("decoded data differs");
  print("decode_1t", gb, t);
  std::printf("size: %llu bytes\n", static_cast<unsigned long long>(size));
  return 0;
}
