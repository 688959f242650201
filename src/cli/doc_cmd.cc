// `ferry doc create|set|get|ls|del` (and `doc policy`, doc_policy_cmd.cc)
// on the data directory's stores.
#include <iostream>

#include "cli/commands.h"
#include "cli/doc_common.h"
#include "cli/store_open.h"

namespace ferry::cli {
namespace {

struct DocArgs {
  std::string doc, key, value, file, author, prefix;
};

Status doc_create(const GlobalOptions& opts, const DocArgs&) {
  FERRY_ASSIGN(auto store, open_doc_store(opts));
  auto secret = docs::NamespaceSecret::generate();
  auto id = secret.id();
  FERRY_TRY(store->import_namespace(docs::Capability(std::move(secret))));
  if (opts.json) {
    print_json({{"doc", id.to_string()}});
  } else {
    std::cout << id.to_string() << "\n";
  }
  return ok();
}

// Imports the value into the blob store (tagged so GC keeps it), then
// inserts the entry, signed by the author, stamped now.
Status doc_set(const GlobalOptions& opts, const DocArgs& a) {
  FERRY_ASSIGN(auto doc, open_doc(opts, a.doc));
  FERRY_ASSIGN(auto author, resolve_author(*doc.store, a.author));
  FERRY_ASSIGN(auto blob_store, open_blob_store(opts));
  FERRY_ASSIGN(auto imported, a.file.empty() ? blob_store->import_bytes(as_bytes(a.value))
                                             : blob_store->import_file(a.file));
  if (imported.size == 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "empty values are not allowed (use `doc del` to delete)");
  }
  FERRY_TRY(blob_store->set_tag("doc/" + imported.hash.to_hex(),
                                blobs::HashAndFormat::raw(imported.hash)));
  FERRY_ASSIGN(auto entry, doc.store->insert_local(doc.ns, author, as_bytes(a.key), imported.hash,
                                                   imported.size, now_micros()));
  if (opts.json) {
    print_json(entry_json(entry));
  } else {
    std::cout << "set " << a.key << " = " << imported.hash.to_string() << " (" << imported.size
              << " bytes)\n";
  }
  return ok();
}

Status add_author_filter(docs::Query& q, const std::string& author) {
  if (author.empty()) return ok();
  FERRY_ASSIGN(q.author, docs::AuthorId::parse(author));
  return ok();
}

Status doc_get(const GlobalOptions& opts, const DocArgs& a) {
  FERRY_ASSIGN(auto doc, open_doc(opts, a.doc));
  docs::Query q;
  q.key_exact = to_bytes(a.key);
  q.latest_per_key = true;
  FERRY_TRY(add_author_filter(q, a.author));
  FERRY_ASSIGN(auto entries, doc.store->query(doc.ns, q));
  if (entries.empty()) return make_error(ErrorCode::kNotFound, "no entry for key " + a.key);
  const auto& entry = entries.front();
  if (opts.json) {
    print_json(entry_json(entry));
    return ok();
  }
  FERRY_ASSIGN(auto blob_store, open_blob_store(opts));
  auto written = blob_store->export_to(entry.record().hash, [](ByteView piece) {
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
  FERRY_ASSIGN(auto doc, open_doc(opts, a.doc));
  docs::Query q;
  if (!a.prefix.empty()) q.key_prefix = to_bytes(a.prefix);
  FERRY_TRY(add_author_filter(q, a.author));
  FERRY_ASSIGN(auto entries, doc.store->query(doc.ns, q));
  auto out = nlohmann::json::array();
  for (const auto& e : entries) {
    if (opts.json) {
      out.push_back(entry_json(e));
    } else {
      std::cout << key_text(e.key()) << "  " << e.author().fmt_short() << "  "
                << e.record().hash.to_string() << "  " << e.record().len << "\n";
    }
  }
  if (opts.json) print_json(out);
  return ok();
}

Status doc_del(const GlobalOptions& opts, const DocArgs& a) {
  FERRY_ASSIGN(auto doc, open_doc(opts, a.doc));
  FERRY_ASSIGN(auto author, resolve_author(*doc.store, a.author));
  FERRY_ASSIGN(auto removed,
               doc.store->delete_prefix(doc.ns, author, as_bytes(a.prefix), now_micros()));
  if (opts.json) {
    print_json({{"prefix", a.prefix}, {"removed", removed}});
  } else {
    std::cout << "deleted " << removed << " entries under \"" << a.prefix << "\"\n";
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
}

}  // namespace ferry::cli
