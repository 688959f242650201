// `ferry doc missing DOC`: the document's missing content (blobs its entries
// name that the download policy wants and the store lacks), through the
// running node (its tracker, with "queued") or from the persisted rows.
// Text: one line per hash: hash, size (or "?"), verified bytes held when
// some, keys. `--json`: node::missing_json.
#include <iostream>

#include "cli/commands.h"
#include "cli/doc_common.h"
#include "cli/store_open.h"
#include "node/doc_ops.h"
#include "node/missing_ops.h"

namespace ferry::cli {
namespace {

Status missing_run(const GlobalOptions& opts, const std::string& doc) {
  FERRY_ASSIGN(auto out, run_doc_command(opts, {{"cmd", "doc_missing"}, {"doc", doc}},
                                         [&](docs::Store& s) -> Result<nlohmann::json> {
                                           FERRY_ASSIGN(auto ns, node::resolve_doc(s, doc));
                                           FERRY_ASSIGN(auto blobs, open_blob_store(opts));
                                           FERRY_ASSIGN(auto m, node::missing_from_store(s, ns));
                                           return node::missing_json(s, *blobs, ns, m);
                                         }));
  if (opts.json) {
    print_json(out);
    return ok();
  }
  if (out["missing"].empty()) {
    std::cout << "nothing missing\n";
    return ok();
  }
  for (const auto& m : out["missing"]) {
    std::cout << m["hash"].get<std::string>() << "  ";
    if (m["size"].is_null()) {
      std::cout << "? bytes";
    } else {
      std::cout << m["size"].get<uint64_t>() << " bytes";
    }
    if (m["have"].get<uint64_t>() > 0) std::cout << " (" << m["have"].get<uint64_t>() << " held)";
    std::string sep = "  ";
    for (const auto& r : m["refs"]) {
      std::cout << sep
                << (r["key"].is_null() ? "hex:" + r["key_hex"].get<std::string>()
                                       : r["key"].get<std::string>());
      sep = ", ";
    }
    std::cout << "\n";
  }
  return ok();
}

}  // namespace

void add_doc_missing_command(CLI::App& doc, GlobalOptions& opts, int* exit_code) {
  static std::string doc_id;
  auto* missing =
      doc.add_subcommand("missing", "content the document's policy wants that is not here yet");
  missing->add_option("DOC", doc_id, "document id")->required();
  missing->callback(
      [&opts, exit_code] { *exit_code = cli::exit_code(opts, missing_run(opts, doc_id)); });
}

}  // namespace ferry::cli
