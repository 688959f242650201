// `ferry blob ...`: hash, add, ls, export on the data directory's store.
#include <iostream>

#include "blobs/store.h"
#include "cli/commands.h"
#include "cli/file_hash.h"
#include "cli/store_open.h"
#include "crypto/hash.h"

namespace ferry::cli {
namespace {

struct BlobArgs {
  std::string path, hash;
  bool hex = false;
};

// Named tag that keeps a blob added by `ferry blob add` from garbage
// collection.
std::string add_tag_name(const crypto::Hash& hash) {
  return "add/" + hash.to_hex();
}

Status blob_hash(const GlobalOptions& opts, const BlobArgs& a) {
  FERRY_ASSIGN(auto r, hash_file(a.path));
  if (opts.json) {
    print_json({{"hash", r.hash.to_string()}, {"hex", r.hash.to_hex()}, {"size", r.size}});
  } else {
    std::cout << (a.hex ? r.hash.to_hex() : r.hash.to_string()) << "\n";
  }
  return ok();
}

Status blob_add(const GlobalOptions& opts, const BlobArgs& a) {
  FERRY_ASSIGN(auto store, open_blob_store(opts));
  auto imported = store->import_file(a.path);
  if (!imported) return tl::unexpected(imported.error().with_context("importing " + a.path));
  FERRY_TRY(
      store->set_tag(add_tag_name(imported->hash), blobs::HashAndFormat::raw(imported->hash)));
  if (opts.json) {
    print_json({{"hash", imported->hash.to_string()},
                {"hex", imported->hash.to_hex()},
                {"size", imported->size}});
  } else {
    std::cout << "added " << a.path << "\n"
              << "hash: " << imported->hash.to_string() << "\n"
              << "size: " << imported->size << " bytes\n";
  }
  return ok();
}

Status blob_ls(const GlobalOptions& opts, const BlobArgs&) {
  FERRY_ASSIGN(auto store, open_blob_store(opts));
  FERRY_ASSIGN(auto list, store->list());
  auto out = nlohmann::json::array();
  for (const auto& b : list) {
    auto state = std::string(blobs::blob_state_name(b.state));
    if (opts.json) {
      out.push_back({{"hash", b.hash.to_string()}, {"size", b.size}, {"state", state}});
    } else {
      std::cout << b.hash.to_string() << "  " << b.size << "  " << state << "\n";
    }
  }
  if (opts.json) print_json(out);
  return ok();
}

Status blob_export(const GlobalOptions& opts, const BlobArgs& a) {
  FERRY_ASSIGN(auto hash, crypto::Hash::parse(a.hash));
  FERRY_ASSIGN(auto store, open_blob_store(opts));
  FERRY_ASSIGN(auto status, store->status(hash));
  if (!status.is_complete()) {
    return make_error(ErrorCode::kNotFound, "blob " + hash.to_string() + " is " +
                                                std::string(blobs::blob_state_name(status.state)) +
                                                ", not complete");
  }
  auto exported = store->export_file(hash, a.path);
  if (!exported) return tl::unexpected(exported.error().with_context("exporting to " + a.path));
  if (opts.json) {
    print_json({{"hash", hash.to_string()}, {"path", a.path}, {"size", status.size}});
  } else {
    std::cout << "exported " << hash.to_string() << " to " << a.path << " (" << status.size
              << " bytes)\n";
  }
  return ok();
}

}  // namespace

void add_blob_commands(CLI::App& app, GlobalOptions& opts, int* exit_code_out) {
  auto* blob = app.add_subcommand("blob", "content-addressed blobs");
  blob->require_subcommand(1);
  static BlobArgs a;  // one parse per process
  auto run = [&opts, exit_code_out](auto fn) {
    return [&opts, exit_code_out, fn] { *exit_code_out = exit_code(opts, fn(opts, a)); };
  };

  auto* hash = blob->add_subcommand("hash", "print the BLAKE3 hash of a file (iroh base32 form)");
  hash->add_option("PATH", a.path, "file to hash")->required();
  hash->add_flag("--hex", a.hex, "print 64 hex characters, like b3sum");
  hash->callback(run(blob_hash));

  auto* add = blob->add_subcommand("add", "import a file into the store");
  add->add_option("PATH", a.path, "file to import")->required();
  add->callback(run(blob_add));

  blob->add_subcommand("ls", "list the blobs in the store")->callback(run(blob_ls));

  auto* exp = blob->add_subcommand("export", "write a complete blob to a file");
  exp->add_option("HASH", a.hash, "blob hash (52 base32 or 64 hex characters)")->required();
  exp->add_option("PATH", a.path, "destination file")->required();
  exp->callback(run(blob_export));
}

}  // namespace ferry::cli
