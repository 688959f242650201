#include "cli/doc_common.h"

#include <chrono>

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

Result<docs::AuthorId> resolve_author(docs::Store& store, const std::string& text) {
  if (!text.empty()) {
    FERRY_ASSIGN(auto id, docs::AuthorId::parse(text));
    FERRY_TRY(store.author(id));  // kNotFound if this store lacks its secret
    return id;
  }
  FERRY_ASSIGN(auto current, store.default_author());
  if (current) return *current;
  auto author = docs::Author::generate();
  FERRY_TRY(store.import_author(author));
  FERRY_TRY(store.set_default_author(author.id()));
  return author.id();
}

Result<docs::NamespaceId> resolve_doc(docs::Store& store, const std::string& text) {
  auto id = docs::NamespaceId::parse(text);
  if (!id) return tl::unexpected(id.error().with_context("invalid document id"));
  auto cap = store.capability(*id);
  if (!cap) return make_error(ErrorCode::kNotFound, "unknown document " + text);
  return *id;
}

Result<OpenDoc> open_doc(const GlobalOptions& opts, const std::string& doc_text) {
  FERRY_ASSIGN(auto store, open_doc_store(opts));
  FERRY_ASSIGN(auto ns, resolve_doc(*store, doc_text));
  return OpenDoc{std::move(store), ns};
}

uint64_t now_micros() {
  using namespace std::chrono;
  return static_cast<uint64_t>(
      duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
}

std::string key_text(ByteView key) {
  auto s = as_string_view(key);
  if (is_valid_utf8(s)) return std::string(s);
  return "hex:" + hex_encode(key);
}

nlohmann::json entry_json(const docs::SignedEntry& entry) {
  auto s = as_string_view(entry.key());
  nlohmann::json key = is_valid_utf8(s) ? nlohmann::json(std::string(s)) : nlohmann::json(nullptr);
  return {{"key", key},
          {"key_hex", hex_encode(entry.key())},
          {"author", entry.author().to_string()},
          {"hash", entry.record().hash.to_string()},
          {"len", entry.record().len},
          {"timestamp", entry.record().timestamp}};
}

}  // namespace ferry::cli
