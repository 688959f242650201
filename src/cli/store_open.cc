#include "cli/store_open.h"

#include <filesystem>
#include <system_error>

#include "blobs/file_store.h"

namespace ferry::cli {

Result<std::unique_ptr<blobs::Store>> open_blob_store(const GlobalOptions& opts) {
  auto dir = resolve_data_dir(opts);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return make_error(ErrorCode::kIo,
                      "cannot create data directory " + dir.string() + ": " + ec.message());
  }
  blobs::FileStoreOptions options;
  options.dir = dir.string();
  auto store = blobs::open_file_store(options);
  if (!store)
    return tl::unexpected(store.error().with_context("opening blob store in " + dir.string()));
  return store;
}

}  // namespace ferry::cli
