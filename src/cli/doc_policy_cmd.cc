// `ferry doc policy DOC` (show) and
// `ferry doc policy DOC set everything|nothing|nothing-except|everything-except
//  [--prefix P]... [--exact K]...`.
#include <iostream>

#include "cli/commands.h"
#include "cli/doc_common.h"
#include "node/doc_ops.h"

namespace ferry::cli {
namespace {

struct PolicyCmdArgs {
  std::string doc;
  PolicyArgs policy;
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

Status policy_run(const GlobalOptions& opts, const PolicyCmdArgs& a, bool set) {
  nlohmann::json request = {{"cmd", "doc_policy"}, {"doc", a.doc}};
  std::optional<std::string> policy_hex;
  if (set) {
    FERRY_ASSIGN(policy_hex, encode_policy(a.policy));
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
  static PolicyCmdArgs a;
  auto* policy = doc.add_subcommand("policy", "show or set the document's download policy");
  policy->add_option("DOC", a.doc, "document id")->required();
  auto* set = policy->add_subcommand("set", "set the download policy");
  set->add_option("KIND", a.policy.kind,
                  "everything | nothing | nothing-except | everything-except")
      ->required();
  add_policy_filter_options(*set, a.policy);
  set->callback(
      [&opts, exit_code] { *exit_code = cli::exit_code(opts, policy_run(opts, a, true)); });
  policy->callback([&opts, exit_code, set] {
    if (set->parsed()) return;  // handled by `set`
    *exit_code = cli::exit_code(opts, policy_run(opts, a, false));
  });
}

}  // namespace ferry::cli
