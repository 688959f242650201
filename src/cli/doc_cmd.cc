// `ferry doc create|set|get|ls|del|policy` on the data directory's stores.
#include <iostream>

#include "cli/commands.h"
#include "cli/doc_common.h"
#include "cli/store_open.h"

namespace ferry::cli {
namespace {

struct DocArgs {
  std::string doc, key, value, file, author, prefix, kind;
  std::vector<std::string> prefixes, exacts;
};

int doc_create(const GlobalOptions& opts) {
  auto store = open_doc_store(opts);
  if (!store) return report_error(opts, store.error());
  auto secret = docs::NamespaceSecret::generate();
  auto id = secret.id();
  if (auto s = (*store)->import_namespace(docs::Capability(std::move(secret))); !s) {
    return report_error(opts, s.error());
  }
  if (opts.json) {
    print_json({{"doc", id.to_string()}});
  } else {
    std::cout << id.to_string() << "\n";
  }
  return 0;
}

// Imports the value into the blob store (tagged so GC keeps it), then
// inserts the entry, signed by the author, stamped now.
int doc_set(const GlobalOptions& opts, const DocArgs& a) {
  auto docs_store = open_doc_store(opts);
  if (!docs_store) return report_error(opts, docs_store.error());
  auto ns = resolve_doc(**docs_store, a.doc);
  if (!ns) return report_error(opts, ns.error());
  auto author = resolve_author(**docs_store, a.author);
  if (!author) return report_error(opts, author.error());
  auto blob_store = open_blob_store(opts);
  if (!blob_store) return report_error(opts, blob_store.error());
  auto imported = a.file.empty() ? (*blob_store)->import_bytes(as_bytes(a.value))
                                 : (*blob_store)->import_file(a.file);
  if (!imported) return report_error(opts, imported.error());
  if (imported->size == 0) {
    return report_error(opts, Error(ErrorCode::kInvalidArgument,
                                    "empty values are not allowed (use `doc del` to delete)"));
  }
  auto tagged =
      (*blob_store)
          ->set_tag("doc/" + imported->hash.to_hex(), blobs::HashAndFormat::raw(imported->hash));
  if (!tagged) return report_error(opts, tagged.error());
  auto entry = (*docs_store)
                   ->insert_local(*ns, *author, as_bytes(a.key), imported->hash, imported->size,
                                  now_micros());
  if (!entry) return report_error(opts, entry.error());
  if (opts.json) {
    print_json(entry_json(*entry));
  } else {
    std::cout << "set " << a.key << " = " << imported->hash.to_string() << " (" << imported->size
              << " bytes)\n";
  }
  return 0;
}

int doc_get(const GlobalOptions& opts, const DocArgs& a) {
  auto docs_store = open_doc_store(opts);
  if (!docs_store) return report_error(opts, docs_store.error());
  auto ns = resolve_doc(**docs_store, a.doc);
  if (!ns) return report_error(opts, ns.error());
  docs::Query q;
  q.key_exact = to_bytes(a.key);
  q.latest_per_key = true;
  if (!a.author.empty()) {
    auto author = docs::AuthorId::parse(a.author);
    if (!author) return report_error(opts, author.error());
    q.author = *author;
  }
  auto entries = (*docs_store)->query(*ns, q);
  if (!entries) return report_error(opts, entries.error());
  if (entries->empty()) {
    return report_error(opts, Error(ErrorCode::kNotFound, "no entry for key " + a.key));
  }
  const auto& entry = entries->front();
  if (opts.json) {
    print_json(entry_json(entry));
    return 0;
  }
  auto blob_store = open_blob_store(opts);
  if (!blob_store) return report_error(opts, blob_store.error());
  auto written = (*blob_store)->export_to(entry.record().hash, [](ByteView piece) {
    std::cout.write(reinterpret_cast<const char*>(piece.data()),
                    static_cast<std::streamsize>(piece.size()));
    return ok();
  });
  if (!written) {
    return report_error(
        opts, written.error().with_context("content of " + a.key + " is not available locally"));
  }
  return 0;
}

int doc_ls(const GlobalOptions& opts, const DocArgs& a) {
  auto docs_store = open_doc_store(opts);
  if (!docs_store) return report_error(opts, docs_store.error());
  auto ns = resolve_doc(**docs_store, a.doc);
  if (!ns) return report_error(opts, ns.error());
  docs::Query q;
  if (!a.prefix.empty()) q.key_prefix = to_bytes(a.prefix);
  if (!a.author.empty()) {
    auto author = docs::AuthorId::parse(a.author);
    if (!author) return report_error(opts, author.error());
    q.author = *author;
  }
  auto entries = (*docs_store)->query(*ns, q);
  if (!entries) return report_error(opts, entries.error());
  auto doc = nlohmann::json::array();
  for (const auto& e : *entries) {
    if (opts.json) {
      doc.push_back(entry_json(e));
    } else {
      std::cout << key_text(e.key()) << "  " << e.author().fmt_short() << "  "
                << e.record().hash.to_string() << "  " << e.record().len << "\n";
    }
  }
  if (opts.json) print_json(doc);
  return 0;
}

int doc_del(const GlobalOptions& opts, const DocArgs& a) {
  auto docs_store = open_doc_store(opts);
  if (!docs_store) return report_error(opts, docs_store.error());
  auto ns = resolve_doc(**docs_store, a.doc);
  if (!ns) return report_error(opts, ns.error());
  auto author = resolve_author(**docs_store, a.author);
  if (!author) return report_error(opts, author.error());
  auto removed = (*docs_store)->delete_prefix(*ns, *author, as_bytes(a.prefix), now_micros());
  if (!removed) return report_error(opts, removed.error());
  if (opts.json) {
    print_json({{"prefix", a.prefix}, {"removed", *removed}});
  } else {
    std::cout << "deleted " << *removed << " entries under \"" << a.prefix << "\"\n";
  }
  return 0;
}

}  // namespace

void add_doc_commands(CLI::App& app, GlobalOptions& opts, int* exit_code) {
  auto* doc = app.add_subcommand("doc", "replicated documents");
  doc->require_subcommand(1);
  static DocArgs a;

  auto* create = doc->add_subcommand("create", "create a document (you hold its write secret)");
  create->callback([&opts, exit_code] { *exit_code = doc_create(opts); });

  auto* set = doc->add_subcommand("set", "set KEY to VALUE (or to the content of --file)");
  set->add_option("DOC", a.doc, "document id")->required();
  set->add_option("KEY", a.key, "key")->required();
  auto* value = set->add_option("VALUE", a.value, "value");
  auto* file = set->add_option("--file", a.file, "take the value from this file");
  value->excludes(file);
  set->add_option("--author", a.author, "author id (default: the default author)");
  set->callback([&opts, exit_code, value, file] {
    if (value->count() == 0 && file->count() == 0) {
      *exit_code = report_error(opts, Error(ErrorCode::kInvalidArgument, "give VALUE or --file"));
      return;
    }
    *exit_code = doc_set(opts, a);
  });

  auto* get = doc->add_subcommand("get", "print the content of the latest entry for KEY");
  get->add_option("DOC", a.doc, "document id")->required();
  get->add_option("KEY", a.key, "key")->required();
  get->add_option("--author", a.author, "only this author's entry");
  get->callback([&opts, exit_code] { *exit_code = doc_get(opts, a); });

  auto* ls = doc->add_subcommand("ls", "list entries, one a line, key first");
  ls->add_option("DOC", a.doc, "document id")->required();
  ls->add_option("--prefix", a.prefix, "only keys starting with this");
  ls->add_option("--author", a.author, "only this author's entries");
  ls->callback([&opts, exit_code] { *exit_code = doc_ls(opts, a); });

  auto* del = doc->add_subcommand("del", "delete every entry of the author under PREFIX");
  del->add_option("DOC", a.doc, "document id")->required();
  del->add_option("PREFIX", a.prefix, "key prefix")->required();
  del->add_option("--author", a.author, "author id (default: the default author)");
  del->callback([&opts, exit_code] { *exit_code = doc_del(opts, a); });

  add_doc_policy_command(*doc, opts, exit_code);
}

}  // namespace ferry::cli
