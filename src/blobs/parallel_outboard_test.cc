// The threaded outboard builder must produce exactly the serial outboard.
#include "blobs/parallel_outboard.h"

#include <gtest/gtest.h>

#include "bao/data_reader.h"
#include "core/prng.h"

namespace ferry::blobs {
namespace {

using bao::compute_outboard;
using bao::MemoryReader;
using bao::Outboard;

Bytes spec_blob(size_t n) {
  Bytes d(n);
  for (size_t i = 0; i < n; ++i) d[i] = static_cast<uint8_t>((i * 7) % 251);
  return d;
}

TEST(Outboard, ParallelMatchesSerial) {
  for (size_t n : {size_t{0}, size_t{5}, size_t{16384}, size_t{16385}, size_t{100000},
                   size_t{3 * 1024 * 1024 + 77}}) {
    Bytes d = spec_blob(n);
    Outboard serial = compute_outboard(d);
    for (unsigned threads : {1u, 2u, 3u}) {
      Outboard par = compute_outboard_parallel(d, threads);
      EXPECT_EQ(par.root, serial.root) << n << " " << threads;
      EXPECT_EQ(par.pairs, serial.pairs) << n << " " << threads;
      MemoryReader reader(d);
      auto viar = compute_outboard_parallel(reader, n, threads);
      ASSERT_TRUE(viar.has_value());
      EXPECT_EQ(viar->root, serial.root);
      EXPECT_EQ(viar->pairs, serial.pairs);
    }
  }
}

}  // namespace
}  // namespace ferry::blobs
