// Shared by the `ferry author` and `ferry doc` commands: opening the
// document store of a data directory, resolving authors and documents from
// arguments, and printing entries.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/context.h"
#include "docs/store.h"

namespace ferry::cli {

// <data-dir>/docs.db (created if missing).
Result<std::unique_ptr<docs::Store>> open_doc_store(const GlobalOptions& opts);

// The author named by `text` (64 hex), or the default author; if the store
// has no author yet, creates one and makes it the default (as iroh does on
// first start). Errors: kInvalidArgument, kNotFound (unknown author).
Result<docs::AuthorId> resolve_author(docs::Store& store, const std::string& text);

// A document id given as 64 hex characters that the store knows.
// Errors: kInvalidArgument, kNotFound.
Result<docs::NamespaceId> resolve_doc(docs::Store& store, const std::string& text);

// The document store and a document of it named on the command line.
struct OpenDoc {
  std::unique_ptr<docs::Store> store;
  docs::NamespaceId ns;
};
Result<OpenDoc> open_doc(const GlobalOptions& opts, const std::string& doc_text);

// Current wall-clock time in microseconds since the Unix epoch (the stamp of
// local inserts; drivers own clocks, so it lives here).
uint64_t now_micros();

// {"key", "key_hex", "author", "hash", "len", "timestamp"}; "key" is the key
// as UTF-8 text, or null when it is not valid UTF-8.
nlohmann::json entry_json(const docs::SignedEntry& entry);

// The key for people: UTF-8 text as is, otherwise "hex:<hex>".
std::string key_text(ByteView key);

}  // namespace ferry::cli
