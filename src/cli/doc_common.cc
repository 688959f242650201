#include "cli/doc_common.h"

#include "cli/node_client.h"
#include "core/encoding.h"
#include "core/postcard.h"

namespace ferry::cli {

Result<std::unique_ptr<docs::Store>> open_doc_store(const GlobalOptions& opts) {
  FERRY_ASSIGN(auto dir, ensure_data_dir(opts));
  auto store = docs::Store::open((dir / "docs.db").string());
  if (!store) {
    return tl::unexpected(store.error().with_context("opening document store in " + dir.string()));
  }
  return store;
}

Result<nlohmann::json> run_doc_command(
    const GlobalOptions& opts, const nlohmann::json& request,
    const std::function<Result<nlohmann::json>(docs::Store&)>& direct) {
  FERRY_ASSIGN(auto client, connect_node(opts));
  if (client) {
    FERRY_ASSIGN(auto doc, client->call(request));
    doc.erase("ok");
    return doc;
  }
  FERRY_ASSIGN(auto store, open_doc_store(opts));
  return direct(*store);
}

std::string absolute_path(const std::string& path) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.string();
}

std::string key_text(ByteView key) {
  auto s = as_string_view(key);
  if (is_valid_utf8(s)) return std::string(s);
  return "hex:" + hex_encode(key);
}

std::string key_text(const nlohmann::json& entry) {
  if (entry["key"].is_string()) return entry["key"].get<std::string>();
  return "hex:" + entry["key_hex"].get<std::string>();
}

void add_policy_filter_options(CLI::App& cmd, PolicyArgs& args) {
  cmd.add_option("--prefix", args.prefixes, "filter: keys starting with this (repeatable)");
  cmd.add_option("--exact", args.exacts, "filter: exactly this key (repeatable)");
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

Result<std::string> encode_policy(const PolicyArgs& args) {
  FERRY_ASSIGN(auto p, build_policy(args));
  PostcardWriter w;
  p.encode(w);
  return hex_encode(w.take());
}

}  // namespace ferry::cli
