// MissingRef: one row of a document's missing content, kept apart from the
// SQLite store so sans-IO code (engine/content's tracker) can share the type.
#pragma once

#include <compare>

#include "core/bytes.h"
#include "crypto/hash.h"
#include "docs/keys.h"

namespace ferry::docs {

// One row of a document's missing content: its entry (author, key) points to
// `hash`, which the download policy wants and the blob store lacks.
struct MissingRef {
  crypto::Hash hash;
  AuthorId author;
  Bytes key;
  bool operator==(const MissingRef&) const = default;
  auto operator<=>(const MissingRef&) const = default;
};

}  // namespace ferry::docs
