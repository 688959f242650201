// `ferry author new|list|default`.
#include <iostream>

#include "cli/commands.h"
#include "cli/doc_common.h"

namespace ferry::cli {
namespace {

void print_author(const GlobalOptions& opts, const docs::AuthorId& id, bool is_default,
                  nlohmann::json* list) {
  if (opts.json) {
    nlohmann::json item = {{"author", id.to_string()}, {"default", is_default}};
    if (list) {
      list->push_back(item);
    } else {
      print_json(item);
    }
  } else {
    std::cout << id.to_string() << (is_default ? " (default)" : "") << "\n";
  }
}

Status author_new(const GlobalOptions& opts, bool make_default) {
  FERRY_ASSIGN(auto store, open_doc_store(opts));
  auto author = docs::Author::generate();
  FERRY_TRY(store->import_author(author));
  FERRY_ASSIGN(auto current, store->default_author());
  bool is_default = make_default || !current.has_value();
  if (is_default) FERRY_TRY(store->set_default_author(author.id()));
  print_author(opts, author.id(), is_default, nullptr);
  return ok();
}

Status author_list(const GlobalOptions& opts) {
  FERRY_ASSIGN(auto store, open_doc_store(opts));
  FERRY_ASSIGN(auto authors, store->list_authors());
  FERRY_ASSIGN(auto current, store->default_author());
  auto list = nlohmann::json::array();
  for (const auto& a : authors) print_author(opts, a, current && *current == a, &list);
  if (opts.json) print_json(list);
  return ok();
}

Status author_default(const GlobalOptions& opts, const std::string& text) {
  FERRY_ASSIGN(auto store, open_doc_store(opts));
  if (!text.empty()) {
    FERRY_ASSIGN(auto id, docs::AuthorId::parse(text));
    FERRY_TRY(store->set_default_author(id));
  }
  FERRY_ASSIGN(auto id, resolve_author(*store, ""));
  if (opts.json) {
    print_json({{"author", id.to_string()}});
  } else {
    std::cout << id.to_string() << "\n";
  }
  return ok();
}

}  // namespace

void add_author_commands(CLI::App& app, GlobalOptions& opts, int* exit_code_out) {
  auto* author = app.add_subcommand("author", "document authors (signing keys)");
  author->require_subcommand(1);
  static bool make_default = false;
  static std::string id_text;

  auto* create = author->add_subcommand("new", "create an author");
  create->add_flag("--default", make_default, "make it the default author");
  create->callback(
      [&opts, exit_code_out] { *exit_code_out = exit_code(opts, author_new(opts, make_default)); });

  author->add_subcommand("list", "list authors")->callback([&opts, exit_code_out] {
    *exit_code_out = exit_code(opts, author_list(opts));
  });

  auto* def = author->add_subcommand("default", "show the default author, or set it");
  def->add_option("AUTHOR", id_text, "author id to make the default");
  def->callback(
      [&opts, exit_code_out] { *exit_code_out = exit_code(opts, author_default(opts, id_text)); });
}

}  // namespace ferry::cli
