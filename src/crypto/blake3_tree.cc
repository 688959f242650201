#include "crypto/blake3_tree.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstring>
#include <vector>

extern "C" {
#include <blake3_impl.h>
}

namespace ferry::crypto {
namespace {

constexpr size_t kCvLen = 32;

Hash hash_from_words(const uint32_t cv[8]) {
  std::array<uint8_t, 32> out;
  for (int i = 0; i < 8; ++i) {
    out[4 * i + 0] = static_cast<uint8_t>(cv[i]);
    out[4 * i + 1] = static_cast<uint8_t>(cv[i] >> 8);
    out[4 * i + 2] = static_cast<uint8_t>(cv[i] >> 16);
    out[4 * i + 3] = static_cast<uint8_t>(cv[i] >> 24);
  }
  return Hash(out);
}

// CVs of `n` full chunks starting at `data`, counters from `counter`.
void hash_full_chunks(const uint8_t* data, size_t n, uint64_t counter, uint8_t* out) {
  constexpr size_t kBatch = 256;
  const uint8_t* inputs[kBatch];
  while (n > 0) {
    size_t m = std::min(n, kBatch);
    for (size_t i = 0; i < m; ++i) inputs[i] = data + i * BLAKE3_CHUNK_LEN;
    blake3_hash_many(inputs, m, BLAKE3_CHUNK_LEN / BLAKE3_BLOCK_LEN, IV, counter, true, 0,
                     CHUNK_START, CHUNK_END, out);
    data += m * BLAKE3_CHUNK_LEN;
    counter += m;
    out += m * kCvLen;
    n -= m;
  }
}

// Parents of n/2 adjacent CV pairs in `in` (n even), non-root, into `out`.
void hash_parents(const uint8_t* in, size_t n, uint8_t* out) {
  constexpr size_t kBatch = 256;
  const uint8_t* inputs[kBatch];
  size_t pairs = n / 2;
  while (pairs > 0) {
    size_t m = std::min(pairs, kBatch);
    for (size_t i = 0; i < m; ++i) inputs[i] = in + i * 2 * kCvLen;
    blake3_hash_many(inputs, m, 1, IV, 0, false, PARENT, 0, 0, out);
    in += m * 2 * kCvLen;
    out += m * kCvLen;
    pairs -= m;
  }
}

// Reduces `n` CVs (n a power of two) in `cvs` level by level until
// `target` CVs remain; uses `scratch` (>= n/2 CVs). Result in cvs[0..target).
void reduce_levels(uint8_t* cvs, size_t n, size_t target, uint8_t* scratch) {
  while (n > target) {
    hash_parents(cvs, n, scratch);
    n /= 2;
    std::memcpy(cvs, scratch, n * kCvLen);
  }
}

// CV of the subtree over chunk CVs cvs[0..n) (BLAKE3 shape), non-root unless
// is_root. n >= 1.
Hash merge_cvs(uint8_t* cvs, size_t n, bool is_root, uint8_t* scratch) {
  if (n == 1) return Hash::from_bytes(ByteView(cvs, kCvLen));
  if (std::has_single_bit(n)) {
    // A full subtree: every level in one parallel call, then the top.
    reduce_levels(cvs, n, 2, scratch);
    return parent_cv(Hash::from_bytes(ByteView(cvs, kCvLen)),
                     Hash::from_bytes(ByteView(cvs + kCvLen, kCvLen)), is_root);
  }
  size_t left = std::bit_ceil(n) / 2;
  // Left part is a power of two: reduce it to two CVs in parallel levels.
  Hash l;
  if (left == 1) {
    l = Hash::from_bytes(ByteView(cvs, kCvLen));
  } else {
    reduce_levels(cvs, left, 2, scratch);
    l = parent_cv(Hash::from_bytes(ByteView(cvs, kCvLen)),
                  Hash::from_bytes(ByteView(cvs + kCvLen, kCvLen)), false);
  }
  Hash r = merge_cvs(cvs + left * kCvLen, n - left, false, scratch);
  return parent_cv(l, r, is_root);
}

}  // namespace

Hash chunk_cv(ByteView data, uint64_t chunk_index, bool is_root) {
  assert(data.size() <= BLAKE3_CHUNK_LEN);
  uint32_t cv[8];
  std::memcpy(cv, IV, sizeof(cv));
  size_t blocks = data.empty() ? 1 : (data.size() + BLAKE3_BLOCK_LEN - 1) / BLAKE3_BLOCK_LEN;
  for (size_t i = 0; i + 1 < blocks; ++i) {
    blake3_compress_in_place(cv, data.data() + i * BLAKE3_BLOCK_LEN, BLAKE3_BLOCK_LEN, chunk_index,
                             i == 0 ? CHUNK_START : 0);
  }
  uint8_t last[BLAKE3_BLOCK_LEN] = {0};
  size_t off = (blocks - 1) * BLAKE3_BLOCK_LEN;
  size_t len = data.size() - off;
  if (len > 0) std::memcpy(last, data.data() + off, len);
  uint8_t flags = CHUNK_END | (blocks == 1 ? CHUNK_START : 0) | (is_root ? ROOT : 0);
  blake3_compress_in_place(cv, last, static_cast<uint8_t>(len), chunk_index, flags);
  return hash_from_words(cv);
}

Hash parent_cv(const Hash& left, const Hash& right, bool is_root) {
  uint8_t block[BLAKE3_BLOCK_LEN];
  std::memcpy(block, left.data(), kCvLen);
  std::memcpy(block + kCvLen, right.data(), kCvLen);
  uint32_t cv[8];
  std::memcpy(cv, IV, sizeof(cv));
  blake3_compress_in_place(cv, block, BLAKE3_BLOCK_LEN, 0, PARENT | (is_root ? ROOT : 0));
  return hash_from_words(cv);
}

Hash subtree_cv(ByteView data, uint64_t start_chunk, bool is_root) {
  if (data.size() <= BLAKE3_CHUNK_LEN) return chunk_cv(data, start_chunk, is_root);
  size_t full = data.size() / BLAKE3_CHUNK_LEN;
  size_t n = (data.size() + BLAKE3_CHUNK_LEN - 1) / BLAKE3_CHUNK_LEN;
  // Small inputs (a group or less) use the stack.
  constexpr size_t kStackChunks = 16;
  uint8_t stack_cvs[kStackChunks * kCvLen];
  uint8_t stack_scratch[kStackChunks / 2 * kCvLen];
  std::vector<uint8_t> heap_cvs, heap_scratch;
  uint8_t* cvs = stack_cvs;
  uint8_t* scratch = stack_scratch;
  if (n > kStackChunks) {
    heap_cvs.resize(n * kCvLen);
    heap_scratch.resize((n / 2 + 1) * kCvLen);
    cvs = heap_cvs.data();
    scratch = heap_scratch.data();
  }
  hash_full_chunks(data.data(), full, start_chunk, cvs);
  if (full < n) {
    Hash last = chunk_cv(data.subspan(full * BLAKE3_CHUNK_LEN), start_chunk + full, false);
    std::memcpy(cvs + full * kCvLen, last.data(), kCvLen);
  }
  return merge_cvs(cvs, n, is_root, scratch);
}

void subtree_cvs(ByteView data, uint64_t start_chunk, unsigned log2_chunks, std::span<Hash> out) {
  assert(log2_chunks <= 16);
  const size_t per = size_t{1} << log2_chunks;
  assert(data.size() == out.size() * per * BLAKE3_CHUNK_LEN);
  // Batches of at least 256 chunks keep every SIMD lane busy at each level.
  const size_t subtrees_per_batch = std::max<size_t>(1, 256 / per);
  const size_t batch_chunks = subtrees_per_batch * per;
  std::vector<uint8_t> cvs(batch_chunks * kCvLen);
  std::vector<uint8_t> scratch(batch_chunks / 2 * kCvLen + kCvLen);
  size_t done = 0;
  while (done < out.size()) {
    size_t m = std::min(subtrees_per_batch, out.size() - done);
    size_t chunks = m * per;
    hash_full_chunks(data.data() + done * per * BLAKE3_CHUNK_LEN, chunks, start_chunk + done * per,
                     cvs.data());
    reduce_levels(cvs.data(), chunks, m, scratch.data());
    for (size_t i = 0; i < m; ++i) {
      out[done + i] = Hash::from_bytes(ByteView(cvs.data() + i * kCvLen, kCvLen));
    }
    done += m;
  }
}

}  // namespace ferry::crypto
