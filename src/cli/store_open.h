// Opens the stores of a data directory for commands that work on them
// directly (no running node).
#pragma once

#include <memory>

#include "blobs/store.h"
#include "cli/context.h"

namespace ferry::cli {

// The blob store of `opts`' data directory (created if missing):
// <data-dir>/blobs.db and <data-dir>/blobs/.
Result<std::unique_ptr<blobs::Store>> open_blob_store(const GlobalOptions& opts);

}  // namespace ferry::cli
