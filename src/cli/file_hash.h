// Streaming BLAKE3 of a file, for `ferry blob hash`.
#pragma once

#include <cstdint>
#include <string>

#include "crypto/hash.h"
#include "ferry/result.h"

namespace ferry::cli {

struct FileHash {
  crypto::Hash hash;
  uint64_t size = 0;
};

// Errors: kNotFound if the file does not exist, kIo if it cannot be read.
Result<FileHash> hash_file(const std::string& path);

}  // namespace ferry::cli
