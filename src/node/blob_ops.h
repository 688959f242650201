// Blob commands as JSON-returning operations on a store, shared by the
// node's control API (node running) and the CLI's direct path (no node), so
// both give the same fields.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "blobs/store.h"
#include "net/node_addr.h"

namespace ferry::node {

// Imports the file at `path` and protects it with the tag "add/<hex>".
// Returns {"hash", "hex", "size"} plus "ticket" (a blob ticket) when `addr`
// is given. Errors: as Store::import_file, with the path as context.
Result<nlohmann::json> blob_add(blobs::Store& store, const std::string& path,
                                const std::optional<net::NodeAddr>& addr);
// {"blobs": [{"hash", "size", "state"}, ...]}.
Result<nlohmann::json> blob_ls(blobs::Store& store);
// Writes the complete blob `hash_text` (base32 or hex) to `path`.
// Returns {"hash", "path", "size"}. Errors: kInvalidArgument (bad hash),
// kNotFound (not complete here), export errors.
Result<nlohmann::json> blob_export(blobs::Store& store, const std::string& hash_text,
                                   const std::string& path);

}  // namespace ferry::node
