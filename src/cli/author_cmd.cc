// `ferry author new|list|default`.
#include <iostream>

#include "cli/commands.h"
#include "cli/doc_common.h"
#include "node/doc_ops.h"

namespace ferry::cli {
namespace {

void print_author(const GlobalOptions& opts, const nlohmann::json& item, nlohmann::json* list) {
  if (opts.json) {
    if (list) {
      list->push_back(item);
    } else {
      print_json(item);
    }
  } else {
    std::cout << item["author"].get<std::string>()
              << (item.value("default", false) ? " (default)" : "") << "\n";
  }
}

// Each runs through the running node, or on the store without one.
Status author_new(const GlobalOptions& opts, bool make_default) {
  FERRY_ASSIGN(auto out,
               run_doc_command(opts, {{"cmd", "author_new"}, {"default", make_default}},
                               [&](docs::Store& s) { return node::author_new(s, make_default); }));
  print_author(opts, out, nullptr);
  return ok();
}

Status author_list(const GlobalOptions& opts) {
  FERRY_ASSIGN(auto out, run_doc_command(opts, {{"cmd", "author_list"}},
                                         [](docs::Store& s) { return node::author_list(s); }));
  auto list = nlohmann::json::array();
  for (const auto& a : out["authors"]) print_author(opts, a, &list);
  if (opts.json) print_json(list);
  return ok();
}

Status author_default(const GlobalOptions& opts, const std::string& text) {
  FERRY_ASSIGN(auto out,
               run_doc_command(opts, {{"cmd", "author_default"}, {"author", text}},
                               [&](docs::Store& s) { return node::author_default(s, text); }));
  if (opts.json) {
    print_json(out);
  } else {
    std::cout << out["author"].get<std::string>() << "\n";
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
