#include "node/blob_ops.h"

#include "net/ticket.h"

namespace ferry::node {

Result<nlohmann::json> blob_add(blobs::Store& store, const std::string& path,
                                const std::optional<net::NodeAddr>& addr) {
  auto imported = store.import_file(path);
  if (!imported) return tl::unexpected(imported.error().with_context("importing " + path));
  FERRY_TRY(
      store.set_tag("add/" + imported->hash.to_hex(), blobs::HashAndFormat::raw(imported->hash)));
  nlohmann::json out = {{"hash", imported->hash.to_string()},
                        {"hex", imported->hash.to_hex()},
                        {"size", imported->size}};
  if (addr) {
    net::BlobTicket ticket{*addr, net::BlobFormat::kRaw, imported->hash};
    out["ticket"] = ticket.to_string();
  }
  return out;
}

Result<nlohmann::json> blob_ls(blobs::Store& store) {
  FERRY_ASSIGN(auto list, store.list());
  auto arr = nlohmann::json::array();
  for (const auto& b : list) {
    arr.push_back({{"hash", b.hash.to_string()},
                   {"size", b.size},
                   {"state", std::string(blobs::blob_state_name(b.state))}});
  }
  return nlohmann::json{{"blobs", arr}};
}

Result<nlohmann::json> blob_export(blobs::Store& store, const std::string& hash_text,
                                   const std::string& path) {
  FERRY_ASSIGN(auto hash, crypto::Hash::parse(hash_text));
  FERRY_ASSIGN(auto status, store.status(hash));
  if (!status.is_complete()) {
    return make_error(ErrorCode::kNotFound, "blob " + hash.to_string() + " is " +
                                                std::string(blobs::blob_state_name(status.state)) +
                                                ", not complete");
  }
  auto exported = store.export_file(hash, path);
  if (!exported) return tl::unexpected(exported.error().with_context("exporting to " + path));
  return nlohmann::json{{"hash", hash.to_string()}, {"path", path}, {"size", status.size}};
}

}  // namespace ferry::node
