// `ferry doc create|set|get|ls|del` (and `doc policy`, doc_policy_cmd.cc;
// `doc share|join|sync`, doc_sync_cmd.cc) through the running node, or on
// the data directory's stores when no node runs (doc_common.h).
#include <unistd.h>

#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/doc_common.h"
#include "cli/node_client.h"
#include "cli/store_open.h"
#include "node/doc_ops.h"

namespace ferry::cli {
namespace {

struct DocArgs {
  std::string doc, key, value, file, author, prefix;
};

Status doc_create(const GlobalOptions& opts, const DocArgs&) {
  FERRY_ASSIGN(auto out, run_doc_command(opts, {{"cmd", "doc_create"}},
                                         [](docs::Store& s) { return node::doc_create(s); }));
  if (opts.json) {
    print_json(out);
  } else {
    std::cout << out["doc"].get<std::string>() << "\n";
  }
  return ok();
}

// Stores the value as a blob (tagged so GC keeps it), then inserts the
// entry, signed by the author, stamped now.
Status doc_set(const GlobalOptions& opts, const DocArgs& a) {
  nlohmann::json request = {
      {"cmd", "doc_set"}, {"doc", a.doc}, {"key", a.key}, {"author", a.author}};
  if (a.file.empty()) {
    request["value"] = a.value;
  } else {
    request["file"] = absolute_path(a.file);
  }
  FERRY_ASSIGN(auto out,
               run_doc_command(opts, request, [&](docs::Store& s) -> Result<nlohmann::json> {
                 FERRY_ASSIGN(auto blobs, open_blob_store(opts));
                 FERRY_ASSIGN(auto value, node::import_value(*blobs, a.value, a.file));
                 return node::doc_insert(s, a.doc, a.key, a.author, value);
               }));
  if (opts.json) {
    print_json(out);
  } else {
    std::cout << "set " << a.key << " = " << out["hash"].get<std::string>() << " ("
              << out["len"].get<uint64_t>() << " bytes)\n";
  }
  return ok();
}

Status copy_to_stdout(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kIo, "cannot read " + path);
  std::cout << in.rdbuf();
  return ok();
}

Status doc_get(const GlobalOptions& opts, const DocArgs& a) {
  FERRY_ASSIGN(auto client, connect_node(opts));
  if (client) {
    nlohmann::json request = {
        {"cmd", "doc_get"}, {"doc", a.doc}, {"key", a.key}, {"author", a.author}};
    // The node writes the content to a private temporary file.
    std::string tmp;
    if (!opts.json) {
      FERRY_ASSIGN(auto dir, ensure_data_dir(opts));
      tmp = absolute_path((dir / ("get-" + std::to_string(::getpid()) + ".tmp")).string());
      request["out"] = tmp;
    }
    auto out = client->call(request);
    Status st = ok();
    if (!out) {
      st = tl::unexpected(out.error());
    } else if (opts.json) {
      out->erase("ok");
      print_json(*out);
    } else {
      st = copy_to_stdout(tmp);
    }
    if (!tmp.empty()) std::filesystem::remove(tmp);
    return st;
  }
  FERRY_ASSIGN(auto store, open_doc_store(opts));
  FERRY_ASSIGN(auto entry, node::doc_get(*store, a.doc, a.key, a.author));
  if (opts.json) {
    print_json(entry);
    return ok();
  }
  FERRY_ASSIGN(auto blobs, open_blob_store(opts));
  FERRY_ASSIGN(auto hash, crypto::Hash::parse(entry["hash"].get<std::string>()));
  auto written = blobs->export_to(hash, [](ByteView piece) {
    std::cout.write(reinterpret_cast<const char*>(piece.data()),
                    static_cast<std::streamsize>(piece.size()));
    return ok();
  });
  if (!written) {
    return tl::unexpected(
        written.error().with_context("content of " + a.key + " is not available locally"));
  }
  return ok();
}

Status doc_ls(const GlobalOptions& opts, const DocArgs& a) {
  FERRY_ASSIGN(
      auto out,
      run_doc_command(
          opts, {{"cmd", "doc_ls"}, {"doc", a.doc}, {"prefix", a.prefix}, {"author", a.author}},
          [&](docs::Store& s) { return node::doc_ls(s, a.doc, a.prefix, a.author); }));
  if (opts.json) {
    print_json(out["entries"]);
    return ok();
  }
  for (const auto& e : out["entries"]) {
    std::cout << key_text(e) << "  " << e["author"].get<std::string>().substr(0, 10) << "  "
              << e["hash"].get<std::string>() << "  " << e["len"].get<uint64_t>() << "\n";
  }
  return ok();
}

Status doc_del(const GlobalOptions& opts, const DocArgs& a) {
  FERRY_ASSIGN(
      auto out,
      run_doc_command(
          opts, {{"cmd", "doc_del"}, {"doc", a.doc}, {"prefix", a.prefix}, {"author", a.author}},
          [&](docs::Store& s) { return node::doc_del(s, a.doc, a.prefix, a.author); }));
  if (opts.json) {
    print_json(out);
  } else {
    std::cout << "deleted " << out["removed"].get<uint64_t>() << " entries under \"" << a.prefix
              << "\"\n";
  }
  return ok();
}

}  // namespace

void add_doc_commands(CLI::App& app, GlobalOptions& opts, int* exit_code_out) {
  auto* doc = app.add_subcommand("doc", "replicated documents");
  doc->require_subcommand(1);
  static DocArgs a;
  auto run = [&opts, exit_code_out](auto fn) {
    return [&opts, exit_code_out, fn] { *exit_code_out = exit_code(opts, fn(opts, a)); };
  };

  doc->add_subcommand("create", "create a document (you hold its write secret)")
      ->callback(run(doc_create));

  auto* set = doc->add_subcommand("set", "set KEY to VALUE (or to the content of --file)");
  set->add_option("DOC", a.doc, "document id")->required();
  set->add_option("KEY", a.key, "key")->required();
  auto* value = set->add_option("VALUE", a.value, "value");
  set->add_option("--file", a.file, "take the value from this file")->excludes(value);
  set->add_option("--author", a.author, "author id (default: the default author)");
  set->callback(run([](const GlobalOptions& o, const DocArgs& args) -> Status {
    if (args.value.empty() && args.file.empty()) {
      return make_error(ErrorCode::kInvalidArgument, "give VALUE or --file");
    }
    return doc_set(o, args);
  }));

  auto* get = doc->add_subcommand("get", "print the content of the latest entry for KEY");
  get->add_option("DOC", a.doc, "document id")->required();
  get->add_option("KEY", a.key, "key")->required();
  get->add_option("--author", a.author, "only this author's entry");
  get->callback(run(doc_get));

  auto* ls = doc->add_subcommand("ls", "list entries, one a line, key first");
  ls->add_option("DOC", a.doc, "document id")->required();
  ls->add_option("--prefix", a.prefix, "only keys starting with this");
  ls->add_option("--author", a.author, "only this author's entries");
  ls->callback(run(doc_ls));

  auto* del = doc->add_subcommand("del", "delete every entry of the author under PREFIX");
  del->add_option("DOC", a.doc, "document id")->required();
  del->add_option("PREFIX", a.prefix, "key prefix")->required();
  del->add_option("--author", a.author, "author id (default: the default author)");
  del->callback(run(doc_del));

  add_doc_policy_command(*doc, opts, exit_code_out);
  add_doc_missing_command(*doc, opts, exit_code_out);
  add_doc_sync_commands(*doc, opts, exit_code_out);
}

}  // namespace ferry::cli
