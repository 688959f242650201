// MemStore: a blob store in memory, with the same behaviour as the file
// store (same typed test suite), for tests and simulations. Nothing survives
// the object.
#pragma once

#include <cstdint>
#include <memory>

#include "blobs/store.h"
#include "env/env.h"

namespace ferry::blobs {

struct MemStoreOptions {
  // Most a partial blob's buffer reserves ahead of the data it holds on the
  // strength of the (unproven) size claimed in a stream header. Past it, the
  // buffer grows geometrically with the data actually written.
  uint64_t reserve_cap = uint64_t{256} << 20;
};

// `source_env` is used for import_file / export_file paths;
// nullptr = env::posix_env().
std::unique_ptr<Store> make_mem_store(env::Env* source_env = nullptr, MemStoreOptions options = {});

// The capacity a partial blob's buffer of capacity `capacity` grows to when
// a write needs `needed` bytes (> capacity) of a blob that claims `claimed`
// bytes: at least `needed`; up to min(claimed, reserve_cap) at once; beyond
// that doubling (never past `claimed`, unless `needed` is), so appending n
// bytes costs O(log n) reallocations and O(n) copied bytes, and the buffer
// never holds more than twice the data written plus the cap. Exposed for
// tests.
uint64_t grown_capacity(uint64_t capacity, uint64_t needed, uint64_t claimed, uint64_t reserve_cap);

}  // namespace ferry::blobs
