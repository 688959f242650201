// `ferry blob ...`: hash, add, ls, export (and get, blob_get_cmd.cc) on the
// data directory's store, through the running node when there is one.
#include <iostream>

#include "blobs/store.h"
#include "cli/commands.h"
#include "cli/file_hash.h"
#include "cli/node_client.h"
#include "cli/store_open.h"
#include "crypto/hash.h"
#include "node/blob_ops.h"

namespace ferry::cli {
namespace {

struct BlobArgs {
  std::string path, hash;
  bool hex = false;
};

Status blob_hash(const GlobalOptions& opts, const BlobArgs& a) {
  FERRY_ASSIGN(auto r, hash_file(a.path));
  if (opts.json) {
    print_json({{"hash", r.hash.to_string()}, {"hex", r.hash.to_hex()}, {"size", r.size}});
  } else {
    std::cout << (a.hex ? r.hash.to_hex() : r.hash.to_string()) << "\n";
  }
  return ok();
}

// An absolute form of `path`: the running node may have another working
// directory.
std::string absolute_path(const std::string& path) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.string();
}

// With a running node the request goes to it (it holds the store, and what
// is added is served at once); otherwise the store is opened here.
Status blob_add(const GlobalOptions& opts, const BlobArgs& a) {
  FERRY_ASSIGN(auto client, connect_node(opts));
  nlohmann::json doc;
  if (client) {
    FERRY_ASSIGN(doc, client->call({{"cmd", "blob_add"}, {"path", absolute_path(a.path)}}));
    doc.erase("ok");
  } else {
    FERRY_ASSIGN(auto store, open_blob_store(opts));
    FERRY_ASSIGN(doc, node::blob_add(*store, a.path, std::nullopt));
  }
  if (opts.json) {
    print_json(doc);
  } else {
    std::cout << "added " << a.path << "\n"
              << "hash: " << doc["hash"].get<std::string>() << "\n"
              << "size: " << doc["size"].get<uint64_t>() << " bytes\n";
    if (doc.contains("ticket")) std::cout << "ticket: " << doc["ticket"].get<std::string>() << "\n";
  }
  return ok();
}

Status blob_ls(const GlobalOptions& opts, const BlobArgs&) {
  FERRY_ASSIGN(auto client, connect_node(opts));
  nlohmann::json doc;
  if (client) {
    FERRY_ASSIGN(doc, client->call({{"cmd", "blob_ls"}}));
  } else {
    FERRY_ASSIGN(auto store, open_blob_store(opts));
    FERRY_ASSIGN(doc, node::blob_ls(*store));
  }
  if (opts.json) {
    print_json(doc["blobs"]);
    return ok();
  }
  for (const auto& b : doc["blobs"]) {
    std::cout << b["hash"].get<std::string>() << "  " << b["size"].get<uint64_t>() << "  "
              << b["state"].get<std::string>() << "\n";
  }
  return ok();
}

Status blob_export(const GlobalOptions& opts, const BlobArgs& a) {
  FERRY_TRY(crypto::Hash::parse(a.hash));  // a bad hash fails before anything else
  FERRY_ASSIGN(auto client, connect_node(opts));
  nlohmann::json doc;
  if (client) {
    FERRY_ASSIGN(
        doc,
        client->call({{"cmd", "blob_export"}, {"hash", a.hash}, {"path", absolute_path(a.path)}}));
    doc.erase("ok");
    doc["path"] = a.path;
  } else {
    FERRY_ASSIGN(auto store, open_blob_store(opts));
    FERRY_ASSIGN(doc, node::blob_export(*store, a.hash, a.path));
  }
  if (opts.json) {
    print_json(doc);
  } else {
    std::cout << "exported " << doc["hash"].get<std::string>() << " to " << a.path << " ("
              << doc["size"].get<uint64_t>() << " bytes)\n";
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

  add_blob_get_command(*blob, opts, exit_code_out);
}

}  // namespace ferry::cli
