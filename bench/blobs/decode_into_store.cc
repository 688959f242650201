// Benchmark: verified decode of an in-memory bao stream into the stores,
// against the single-thread hash + outboard figure measured in the same run.
//
// Prints (one figure per line):
//   blob_size                     MiB
//   hash_outboard_1t              MB/s, bao::compute_outboard on one thread
//                                 (the reference)
//   decode_only                   MB/s, ResponseDecoder with a no-op handler
//   decode_into_mem_store         MB/s, download_from_response -> memory store
//   decode_into_file_store        MB/s, -> file store (written, fsynced,
//                                 marked complete: disk-bound)
//   decode_into_mem_store_ratio   decode_into_mem_store / hash_outboard_1t
// Usage: bench_blobs_decode [size-MiB] [scratch-dir-base]
#include <cstdio>
#include <cstdlib>

#include "bao/decoder.h"
#include "bao/encoder.h"
#include "bao/outboard.h"
#include "bench/blobs/bench_util.h"
#include "blobs/download.h"
#include "blobs/file_store.h"
#include "blobs/mem_store.h"
#include "core/prng.h"

using namespace ferry;
using namespace ferry::blobs;

namespace {

double decode_into(Store& store, const Hash& hash, ByteView response, uint64_t size) {
  double t0 = bench::now_seconds();
  auto st = download_from_response(store, hash, bao::ChunkRanges::all(), response);
  double dt = bench::now_seconds() - t0;
  if (!st || !st->is_complete()) {
    std::fprintf(stderr, "decode: %s\n", st ? "not complete" : st.error().to_string().c_str());
    std::exit(1);
  }
  return size / dt / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t mib = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 256;
  const char* base = argc > 2 ? argv[2] : "/tmp";
  uint64_t size = mib << 20;
  Bytes data(size);
  Prng rng(9);
  for (size_t i = 0; i + 8 <= data.size(); i += 8) put_u64_le(data.data() + i, rng.next());

  double t0 = bench::now_seconds();
  auto ob = bao::compute_outboard(data);
  double hash_mbps = size / (bench::now_seconds() - t0) / 1e6;
  auto response = bao::encode_response(ob.root, data, ob.pairs, bao::ChunkRanges::all());
  if (!response) return 1;

  t0 = bench::now_seconds();
  bao::ResponseDecoder dec(ob.root, bao::ChunkRanges::all());
  auto used = dec.feed(*response, [](const bao::DecodeEvent&) { return ok(); });
  if (!used || !dec.finish()) return 1;
  double decode_mbps = size / (bench::now_seconds() - t0) / 1e6;

  auto mem = make_mem_store();
  double mem_mbps = decode_into(*mem, ob.root, *response, size);
  mem.reset();

  bench::ScratchDir scratch(base);
  FileStoreOptions opt;
  opt.dir = scratch.file("store");
  auto file = open_file_store(opt);
  if (!file) return 1;
  double file_mbps = decode_into(**file, ob.root, *response, size);

  std::printf("blob_size: %llu MiB\n", static_cast<unsigned long long>(mib));
  std::printf("hash_outboard_1t: %.0f MB/s\n", hash_mbps);
  std::printf("decode_only: %.0f MB/s\n", decode_mbps);
  std::printf("decode_into_mem_store: %.0f MB/s\n", mem_mbps);
  std::printf("decode_into_file_store: %.0f MB/s\n", file_mbps);
  std::printf("decode_into_mem_store_ratio: %.2f x\n", mem_mbps / hash_mbps);
  return 0;
}
