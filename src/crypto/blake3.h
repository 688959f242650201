// BLAKE3 hashing of whole inputs, on the official C implementation.
// For bao's non-root subtree chaining values see crypto/blake3_tree.h.
#pragma once

#include <blake3.h>

#include "core/bytes.h"
#include "crypto/hash.h"

namespace ferry::crypto {

// Incremental BLAKE3 hasher (standard, unkeyed).
class Blake3 {
 public:
  Blake3() { blake3_hasher_init(&state_); }
  void update(ByteView data) { blake3_hasher_update(&state_, data.data(), data.size()); }
  Hash finalize() const;

 private:
  blake3_hasher state_;
};

Hash blake3(ByteView data);

}  // namespace ferry::crypto
