// `ferry doc policy DOC` (show) and
// `ferry doc policy DOC set everything|nothing|nothing-except|everything-except
//  [--prefix P]... [--exact K]...`.
#include <iostream>

#include "cli/commands.h"
#include "cli/doc_common.h"
#include "core/encoding.h"
#include "core/postcard.h"
#include "node/doc_ops.h"

namespace ferry::cli {
namespace {

struct PolicyArgs {
  std::string doc, kind;
  std::vector<std::string> prefixes, exacts;
};

// `out`: {"policy", "filters"} (node::doc_policy).
void print_policy(const GlobalOptions& opts, const nlohmann::json& out) {
  if (opts.json) {
    print_json(out);
    return;
  }
  std::cout << out["policy"].get<std::string>() << "\n";
  for (const auto& f : out["filters"]) std::cout << "  " << f.get<std::string>() << "\n";
}

Result<docs::DownloadPolicy> build_policy(const PolicyArgs& a) {
  docs::DownloadPolicy p;
  bool allow_filters = true;
  if (a.kind == "everything") {
    p.kind = docs::DownloadPolicy::Kind::kEverythingExcept;
    allow_filters = false;
  } else if (a.kind == "nothing") {
    p.kind = docs::DownloadPolicy::Kind::kNothingExcept;
    allow_filters = false;
  } else if (a.kind == "everything-except") {
    p.kind = docs::DownloadPolicy::Kind::kEverythingExcept;
  } else if (a.kind == "nothing-except") {
    p.kind = docs::DownloadPolicy::Kind::kNothingExcept;
  } else {
    return make_error(
        ErrorCode::kInvalidArgument,
        "unknown policy '" + a.kind + "' (everything, nothing, nothing-except, everything-except)");
  }
  if (!allow_filters && (!a.prefixes.empty() || !a.exacts.empty())) {
    return make_error(ErrorCode::kInvalidArgument,
                      "'" + a.kind + "' takes no filters; use '" + a.kind + "-except'");
  }
  for (const auto& s : a.prefixes) p.filters.push_back(docs::FilterKind::prefix(as_bytes(s)));
  for (const auto& s : a.exacts) p.filters.push_back(docs::FilterKind::exact(as_bytes(s)));
  return p;
}

Status policy_run(const GlobalOptions& opts, const PolicyArgs& a, bool set) {
  nlohmann::json request = {{"cmd", "doc_policy"}, {"doc", a.doc}};
  std::optional<std::string> policy_hex;
  if (set) {
    FERRY_ASSIGN(auto p, build_policy(a));
    PostcardWriter w;
    p.encode(w);
    policy_hex = hex_encode(w.take());
    request["policy_hex"] = *policy_hex;
  }
  FERRY_ASSIGN(auto out, run_doc_command(opts, request, [&](docs::Store& s) {
                 return node::doc_policy(s, a.doc, policy_hex);
               }));
  print_policy(opts, out);
  return ok();
}

}  // namespace

void add_doc_policy_command(CLI::App& doc, GlobalOptions& opts, int* exit_code) {
  static PolicyArgs a;
  auto* policy = doc.add_subcommand("policy", "show or set the document's download policy");
  policy->add_option("DOC", a.doc, "document id")->required();
  auto* set = policy->add_subcommand("set", "set the download policy");
  set->add_option("KIND", a.kind, "everything | nothing | nothing-except | everything-except")
      ->required();
  set->add_option("--prefix", a.prefixes, "filter: keys starting with this (repeatable)");
  set->add_option("--exact", a.exacts, "filter: exactly this key (repeatable)");
  set->callback(
      [&opts, exit_code] { *exit_code = cli::exit_code(opts, policy_run(opts, a, true)); });
  policy->callback([&opts, exit_code, set] {
    if (set->parsed()) return;  // handled by `set`
    *exit_code = cli::exit_code(opts, policy_run(opts, a, false));
  });
}

}  // namespace ferry::cli
