// Protector: the in-process protection set behind TempTag (imports and
// downloads in flight, explicit temp tags), consulted by gc().
// Thread-safe. Shared by both stores.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "blobs/store.h"

namespace ferry::blobs {

class Protector {
 public:
  Protector();

  // Protects `value` until the returned tag is dropped. Counted: the same
  // value may be protected several times.
  TempTag protect(const HashAndFormat& value);
  // Everything protected right now.
  std::vector<HashAndFormat> snapshot() const;
  bool is_protected(const Hash& hash) const;

 private:
  struct State {
    mutable std::mutex mu;
    std::map<std::pair<Hash, int>, uint64_t> counts;
  };
  std::shared_ptr<State> state_;
};

// Roots that gc() keeps: named tags plus temp tags. For each root with
// format kHashSeq, `read_hash_seq(hash)` returns the HashSeq's bytes if the
// blob is complete (nullopt otherwise) and its children are kept too.
// Returns the set of hashes to keep. Errors: those of read_hash_seq. A
// malformed HashSeq keeps only its root (it is still a blob).
[[nodiscard]] Result<std::vector<Hash>> live_hashes(
    const std::vector<HashAndFormat>& roots,
    const std::function<Result<std::optional<Bytes>>(const Hash&)>& read_hash_seq);

}  // namespace ferry::blobs
