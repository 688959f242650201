// `ferry blob ...`: hash, add, ls, export on the data directory's store.
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "cli/file_hash.h"
#include "crypto/hash.h"

namespace ferry::cli {
namespace {

int blob_hash(const GlobalOptions& opts, const std::string& path, bool hex) {
  auto r = hash_file(path);
  if (!r) return report_error(opts, r.error());
  if (opts.json) {
    print_json({{"hash", r->hash.to_string()}, {"hex", r->hash.to_hex()}, {"size", r->size}});
  } else {
    std::cout << (hex ? r->hash.to_hex() : r->hash.to_string()) << "\n";
  }
  return 0;
}

}  // namespace

void add_blob_commands(CLI::App& app, GlobalOptions& opts, int* exit_code) {
  auto* blob = app.add_subcommand("blob", "content-addressed blobs");
  blob->require_subcommand(1);

  auto* hash = blob->add_subcommand("hash", "print the BLAKE3 hash of a file (iroh base32 form)");
  static std::string hash_path;
  static bool hash_hex = false;
  hash->add_option("PATH", hash_path, "file to hash")->required();
  hash->add_flag("--hex", hash_hex, "print 64 hex characters, like b3sum");
  hash->callback([&opts, exit_code] { *exit_code = blob_hash(opts, hash_path, hash_hex); });
}

}  // namespace ferry::cli
