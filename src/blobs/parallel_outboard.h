// Parallel outboard creation with N threads over disjoint ranges of chunk
// groups, then the tree above the groups on the calling thread. It lives in
// blobs/ (a driver layer that owns files and threads), not in the sans-IO
// bao/ core, which never starts threads.
#pragma once

#include <cstdint>

#include "bao/data_reader.h"
#include "bao/outboard.h"
#include "core/bytes.h"
#include "ferry/result.h"

namespace ferry::blobs {

// Outboard of a blob of `size` bytes read through `reader`, which must be
// safe to call from several threads at once (pread-like). `threads` = 0 means
// std::thread::hardware_concurrency(). Reads are large (1 MiB).
// Errors: the first error of any reader call.
[[nodiscard]] Result<bao::Outboard> compute_outboard_parallel(const bao::DataReader& reader,
                                                              uint64_t size, unsigned threads);

// Same for data in memory (e.g. an mmap).
bao::Outboard compute_outboard_parallel(ByteView data, unsigned threads);

}  // namespace ferry::blobs
