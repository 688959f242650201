// `ferry author new|list|default`.
#include <iostream>

#include "cli/commands.h"
#include "cli/doc_common.h"

namespace ferry::cli {
namespace {

int author_new(const GlobalOptions& opts, bool make_default) {
  auto store = open_doc_store(opts);
  if (!store) return report_error(opts, store.error());
  auto author = docs::Author::generate();
  if (auto s = (*store)->import_author(author); !s) return report_error(opts, s.error());
  auto current = (*store)->default_author();
  if (!current) return report_error(opts, current.error());
  bool is_default = make_default || !current->has_value();
  if (is_default) {
    if (auto s = (*store)->set_default_author(author.id()); !s) {
      return report_error(opts, s.error());
    }
  }
  if (opts.json) {
    print_json({{"author", author.id().to_string()}, {"default", is_default}});
  } else {
    std::cout << author.id().to_string() << (is_default ? " (default)" : "") << "\n";
  }
  return 0;
}

int author_list(const GlobalOptions& opts) {
  auto store = open_doc_store(opts);
  if (!store) return report_error(opts, store.error());
  auto authors = (*store)->list_authors();
  if (!authors) return report_error(opts, authors.error());
  auto current = (*store)->default_author();
  if (!current) return report_error(opts, current.error());
  auto doc = nlohmann::json::array();
  for (const auto& a : *authors) {
    bool is_default = *current && **current == a;
    if (opts.json) {
      doc.push_back({{"author", a.to_string()}, {"default", is_default}});
    } else {
      std::cout << a.to_string() << (is_default ? " (default)" : "") << "\n";
    }
  }
  if (opts.json) print_json(doc);
  return 0;
}

int author_default(const GlobalOptions& opts, const std::string& text) {
  auto store = open_doc_store(opts);
  if (!store) return report_error(opts, store.error());
  if (!text.empty()) {
    auto id = docs::AuthorId::parse(text);
    if (!id) return report_error(opts, id.error());
    if (auto s = (*store)->set_default_author(*id); !s) return report_error(opts, s.error());
  }
  auto id = resolve_author(**store, "");
  if (!id) return report_error(opts, id.error());
  if (opts.json) {
    print_json({{"author", id->to_string()}});
  } else {
    std::cout << id->to_string() << "\n";
  }
  return 0;
}

}  // namespace

void add_author_commands(CLI::App& app, GlobalOptions& opts, int* exit_code) {
  auto* author = app.add_subcommand("author", "document authors (signing keys)");
  author->require_subcommand(1);
  static bool make_default = false;
  static std::string id_text;

  auto* create = author->add_subcommand("new", "create an author");
  create->add_flag("--default", make_default, "make it the default author");
  create->callback([&opts, exit_code] { *exit_code = author_new(opts, make_default); });

  auto* list = author->add_subcommand("list", "list authors");
  list->callback([&opts, exit_code] { *exit_code = author_list(opts); });

  auto* def = author->add_subcommand("default", "show the default author, or set it");
  def->add_option("AUTHOR", id_text, "author id to make the default");
  def->callback([&opts, exit_code] { *exit_code = author_default(opts, id_text); });
}

}  // namespace ferry::cli
