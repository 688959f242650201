#include "cli/doc_common.h"

#include "cli/node_client.h"
#include "core/encoding.h"

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

}  // namespace ferry::cli
