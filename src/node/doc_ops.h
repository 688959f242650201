// Document and author commands as JSON-returning operations on the stores,
// shared by the node's control API (node running: the node's io thread
// calls them) and the CLI's direct path (no node), so both give the same
// fields. Requires: the docs::Store is used from one thread at a time.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "blobs/store.h"
#include "docs/store.h"
#include "engine/engine.h"

namespace ferry::node {

// Wall-clock time in µs since the Unix epoch (the stamp of local inserts).
uint64_t now_micros();

// {"key", "key_hex", "author", "hash", "len", "timestamp"}; "key" is the key
// as UTF-8 text, or null when it is not valid UTF-8.
nlohmann::json entry_json(const docs::SignedEntry& entry);

// The author named by `text` (64 hex), or the default author; if the store
// has no author yet, creates one and makes it the default (as iroh does).
// Errors: kInvalidArgument, kNotFound (unknown author).
Result<docs::AuthorId> resolve_author(docs::Store& store, const std::string& text);
// A document id (64 hex) the store knows. Errors: kInvalidArgument, kNotFound.
Result<docs::NamespaceId> resolve_doc(docs::Store& store, const std::string& text);

// --- Values (blob store; any thread) ---
struct ImportedValue {
  crypto::Hash hash;
  uint64_t size = 0;
};
// Imports `value`, or the file at `file` when non-empty, tagged "doc/<hex>"
// so GC keeps it. Errors: kInvalidArgument for an empty value (deleting is
// `doc del`), import errors.
Result<ImportedValue> import_value(blobs::Store& blobs, const std::string& value,
                                   const std::string& file);

// --- Documents (docs store) ---
Result<nlohmann::json> doc_create(docs::Store& store);  // {"doc"}
Result<nlohmann::json> doc_insert(docs::Store& store, const std::string& doc,
                                  const std::string& key, const std::string& author,
                                  const ImportedValue& value);  // entry_json
// The latest entry for `key` (entry_json). kNotFound if none.
Result<nlohmann::json> doc_get(docs::Store& store, const std::string& doc, const std::string& key,
                               const std::string& author);
Result<nlohmann::json> doc_ls(docs::Store& store, const std::string& doc, const std::string& prefix,
                              const std::string& author);  // {"entries"}
Result<nlohmann::json> doc_del(docs::Store& store, const std::string& doc,
                               const std::string& prefix,
                               const std::string& author);  // {"prefix", "removed"}
// Sets the policy when given (postcard hex, docs::DownloadPolicy), then
// returns {"policy": "nothing-except"|"everything-except", "filters": [...]}.
Result<nlohmann::json> doc_policy(docs::Store& store, const std::string& doc,
                                  const std::optional<std::string>& set_policy_hex);

// --- Authors ---
Result<nlohmann::json> author_new(docs::Store& store, bool make_default);  // {"author","default"}
Result<nlohmann::json> author_list(docs::Store& store);  // {"authors": [{"author","default"}]}
// Sets the default when `text` is non-empty; returns {"author"}.
Result<nlohmann::json> author_default(docs::Store& store, const std::string& text);

// --- Sync results ---
// {"doc", "peers": [{"node", "ok", "sent", "received", "inserted",
//  "rejected": {reason: n}} | {"node", "ok": false, "error", "code"}],
//  "entries": n (entries of the document now)}.
nlohmann::json sync_results_json(docs::Store& store, const docs::NamespaceId& ns,
                                 const std::vector<engine::PeerSyncResult>& results);

}  // namespace ferry::node
