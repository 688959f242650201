// `ferry blob ...`: hash, add, ls, export on the data directory's store.
#include <cstdio>
#include <iostream>

#include "blobs/store.h"
#include "cli/commands.h"
#include "cli/file_hash.h"
#include "cli/store_open.h"
#include "crypto/hash.h"

namespace ferry::cli {
namespace {

// Named tag that keeps a blob added by `ferry blob add` from garbage
// collection.
std::string add_tag_name(const crypto::Hash& hash) {
  return "add/" + hash.to_hex();
}

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

int blob_add(const GlobalOptions& opts, const std::string& path) {
  auto store = open_blob_store(opts);
  if (!store) return report_error(opts, store.error());
  auto imported = (*store)->import_file(path);
  if (!imported) return report_error(opts, imported.error().with_context("importing " + path));
  auto tagged =
      (*store)->set_tag(add_tag_name(imported->hash), blobs::HashAndFormat::raw(imported->hash));
  if (!tagged) return report_error(opts, tagged.error());
  if (opts.json) {
    print_json({{"hash", imported->hash.to_string()},
                {"hex", imported->hash.to_hex()},
                {"size", imported->size}});
  } else {
    std::cout << "added " << path << "\n"
              << "hash: " << imported->hash.to_string() << "\n"
              << "size: " << imported->size << " bytes\n";
  }
  return 0;
}

int blob_ls(const GlobalOptions& opts) {
  auto store = open_blob_store(opts);
  if (!store) return report_error(opts, store.error());
  auto list = (*store)->list();
  if (!list) return report_error(opts, list.error());
  if (opts.json) {
    auto doc = nlohmann::json::array();
    for (const auto& b : *list) {
      doc.push_back({{"hash", b.hash.to_string()},
                     {"size", b.size},
                     {"state", std::string(blobs::blob_state_name(b.state))}});
    }
    print_json(doc);
  } else {
    for (const auto& b : *list) {
      std::cout << b.hash.to_string() << "  " << b.size << "  " << blobs::blob_state_name(b.state)
                << "\n";
    }
  }
  return 0;
}

int blob_export(const GlobalOptions& opts, const std::string& hash_text, const std::string& path) {
  auto hash = crypto::Hash::parse(hash_text);
  if (!hash) return report_error(opts, hash.error());
  auto store = open_blob_store(opts);
  if (!store) return report_error(opts, store.error());
  auto status = (*store)->status(*hash);
  if (!status) return report_error(opts, status.error());
  if (!status->is_complete()) {
    return report_error(
        opts, Error(ErrorCode::kNotFound, "blob " + hash->to_string() + " is " +
                                              std::string(blobs::blob_state_name(status->state)) +
                                              ", not complete"));
  }
  auto exported = (*store)->export_file(*hash, path);
  if (!exported) return report_error(opts, exported.error().with_context("exporting to " + path));
  if (opts.json) {
    print_json({{"hash", hash->to_string()}, {"path", path}, {"size", status->size}});
  } else {
    std::cout << "exported " << hash->to_string() << " to " << path << " (" << status->size
              << " bytes)\n";
  }
  return 0;
}

}  // namespace

void add_blob_commands(CLI::App& app, GlobalOptions& opts, int* exit_code) {
  auto* blob = app.add_subcommand("blob", "content-addressed blobs");
  blob->require_subcommand(1);

  // Parsed arguments live as long as the app (static: one parse per process).
  static std::string path, hash_text;
  static bool hex = false;

  auto* hash = blob->add_subcommand("hash", "print the BLAKE3 hash of a file (iroh base32 form)");
  hash->add_option("PATH", path, "file to hash")->required();
  hash->add_flag("--hex", hex, "print 64 hex characters, like b3sum");
  hash->callback([&opts, exit_code] { *exit_code = blob_hash(opts, path, hex); });

  auto* add = blob->add_subcommand("add", "import a file into the store");
  add->add_option("PATH", path, "file to import")->required();
  add->callback([&opts, exit_code] { *exit_code = blob_add(opts, path); });

  auto* ls = blob->add_subcommand("ls", "list the blobs in the store");
  ls->callback([&opts, exit_code] { *exit_code = blob_ls(opts); });

  auto* exp = blob->add_subcommand("export", "write a complete blob to a file");
  exp->add_option("HASH", hash_text, "blob hash (52 base32 or 64 hex characters)")->required();
  exp->add_option("PATH", path, "destination file")->required();
  exp->callback([&opts, exit_code] { *exit_code = blob_export(opts, hash_text, path); });
}

}  // namespace ferry::cli
