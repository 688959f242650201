#include "cli/store_open.h"

#include "blobs/file_store.h"

namespace ferry::cli {

Result<std::unique_ptr<blobs::Store>> open_blob_store(const GlobalOptions& opts) {
  FERRY_ASSIGN(auto dir, ensure_data_dir(opts));
  blobs::FileStoreOptions options;
  options.dir = dir.string();
  auto store = blobs::open_file_store(options);
  if (!store) {
    return tl::unexpected(store.error().with_context("opening blob store in " + dir.string()));
  }
  return store;
}

}  // namespace ferry::cli
