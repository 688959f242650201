// MemStore: a blob store in memory, with the same behaviour as the file
// store (same typed test suite), for tests and simulations. Nothing survives
// the object.
#pragma once

#include <memory>

#include "blobs/store.h"
#include "env/env.h"

namespace ferry::blobs {

// `source_env` is used for import_file / export_file paths;
// nullptr = env::posix_env().
std::unique_ptr<Store> make_mem_store(env::Env* source_env = nullptr);

}  // namespace ferry::blobs
