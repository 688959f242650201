#include "node/doc_ops.h"

#include <chrono>

#include "core/encoding.h"
#include "node/control.h"

namespace ferry::node {

uint64_t now_micros() {
  using namespace std::chrono;
  return static_cast<uint64_t>(
      duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
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
  if (!store.capability(*id)) return make_error(ErrorCode::kNotFound, "unknown document " + text);
  return *id;
}

Result<ImportedValue> import_value(blobs::Store& blobs, const std::string& value,
                                   const std::string& file) {
  FERRY_ASSIGN(auto imported,
               file.empty() ? blobs.import_bytes(as_bytes(value)) : blobs.import_file(file));
  if (imported.size == 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "empty values are not allowed (use `doc del` to delete)");
  }
  FERRY_TRY(
      blobs.set_tag("doc/" + imported.hash.to_hex(), blobs::HashAndFormat::raw(imported.hash)));
  return ImportedValue{imported.hash, imported.size};
}

Result<nlohmann::json> doc_create(docs::Store& store) {
  auto secret = docs::NamespaceSecret::generate();
  auto id = secret.id();
  FERRY_TRY(store.import_namespace(docs::Capability(std::move(secret))));
  return nlohmann::json{{"doc", id.to_string()}};
}

Result<nlohmann::json> doc_insert(docs::Store& store, const std::string& doc,
                                  const std::string& key, const std::string& author,
                                  const ImportedValue& value) {
  FERRY_ASSIGN(auto ns, resolve_doc(store, doc));
  FERRY_ASSIGN(auto author_id, resolve_author(store, author));
  FERRY_ASSIGN(auto entry, store.insert_local(ns, author_id, as_bytes(key), value.hash, value.size,
                                              now_micros()));
  return entry_json(entry);
}

namespace {
Status add_author_filter(docs::Query& q, const std::string& author) {
  if (author.empty()) return ok();
  FERRY_ASSIGN(q.author, docs::AuthorId::parse(author));
  return ok();
}
}  // namespace

Result<nlohmann::json> doc_get(docs::Store& store, const std::string& doc, const std::string& key,
                               const std::string& author) {
  FERRY_ASSIGN(auto ns, resolve_doc(store, doc));
  docs::Query q;
  q.key_exact = to_bytes(key);
  q.latest_per_key = true;
  FERRY_TRY(add_author_filter(q, author));
  FERRY_ASSIGN(auto entries, store.query(ns, q));
  if (entries.empty()) return make_error(ErrorCode::kNotFound, "no entry for key " + key);
  return entry_json(entries.front());
}

Result<nlohmann::json> doc_ls(docs::Store& store, const std::string& doc, const std::string& prefix,
                              const std::string& author) {
  FERRY_ASSIGN(auto ns, resolve_doc(store, doc));
  docs::Query q;
  if (!prefix.empty()) q.key_prefix = to_bytes(prefix);
  FERRY_TRY(add_author_filter(q, author));
  FERRY_ASSIGN(auto entries, store.query(ns, q));
  auto out = nlohmann::json::array();
  for (const auto& e : entries) out.push_back(entry_json(e));
  return nlohmann::json{{"entries", out}};
}

Result<nlohmann::json> doc_del(docs::Store& store, const std::string& doc,
                               const std::string& prefix, const std::string& author) {
  FERRY_ASSIGN(auto ns, resolve_doc(store, doc));
  FERRY_ASSIGN(auto author_id, resolve_author(store, author));
  FERRY_ASSIGN(auto removed, store.delete_prefix(ns, author_id, as_bytes(prefix), now_micros()));
  return nlohmann::json{{"prefix", prefix}, {"removed", removed}};
}

Result<nlohmann::json> doc_policy(docs::Store& store, const std::string& doc,
                                  const std::optional<std::string>& set_policy_hex) {
  FERRY_ASSIGN(auto ns, resolve_doc(store, doc));
  if (set_policy_hex) {
    FERRY_ASSIGN(auto bytes, hex_decode(*set_policy_hex));
    FERRY_ASSIGN(auto p, docs::DownloadPolicy::from_bytes(bytes));
    FERRY_TRY(store.set_download_policy(ns, p));
  }
  FERRY_ASSIGN(auto p, store.download_policy(ns));
  std::vector<std::string> filters;
  for (const auto& f : p.filters) filters.push_back(f.to_string());
  bool nothing = p.kind == docs::DownloadPolicy::Kind::kNothingExcept;
  return nlohmann::json{{"policy", nothing ? "nothing-except" : "everything-except"},
                        {"filters", filters}};
}

Result<nlohmann::json> author_new(docs::Store& store, bool make_default) {
  auto author = docs::Author::generate();
  FERRY_TRY(store.import_author(author));
  FERRY_ASSIGN(auto current, store.default_author());
  bool is_default = make_default || !current.has_value();
  if (is_default) FERRY_TRY(store.set_default_author(author.id()));
  return nlohmann::json{{"author", author.id().to_string()}, {"default", is_default}};
}

Result<nlohmann::json> author_list(docs::Store& store) {
  FERRY_ASSIGN(auto authors, store.list_authors());
  FERRY_ASSIGN(auto current, store.default_author());
  auto list = nlohmann::json::array();
  for (const auto& a : authors) {
    list.push_back({{"author", a.to_string()}, {"default", current && *current == a}});
  }
  return nlohmann::json{{"authors", list}};
}

Result<nlohmann::json> author_default(docs::Store& store, const std::string& text) {
  if (!text.empty()) {
    FERRY_ASSIGN(auto id, docs::AuthorId::parse(text));
    FERRY_TRY(store.set_default_author(id));
  }
  FERRY_ASSIGN(auto id, resolve_author(store, ""));
  return nlohmann::json{{"author", id.to_string()}};
}

nlohmann::json sync_results_json(docs::Store& store, const docs::NamespaceId& ns,
                                 const std::vector<engine::PeerSyncResult>& results) {
  auto peers = nlohmann::json::array();
  for (const auto& r : results) {
    nlohmann::json p = {{"node", r.peer.to_string()}, {"ok", r.result.has_value()}};
    if (r.result) {
      nlohmann::json rejected = nlohmann::json::object();
      for (size_t i = 0; i < r.result->rejected.size(); ++i) {
        if (r.result->rejected[i] == 0) continue;
        rejected[std::string(reconcile::reject_reason_name(
            static_cast<reconcile::RejectReason>(i)))] = r.result->rejected[i];
      }
      p["sent"] = r.result->sent;
      p["received"] = r.result->received;
      p["inserted"] = r.result->inserted;
      p["rejected"] = rejected;
    } else {
      auto e = error_to_json(r.result.error());
      p["error"] = e["error"];
      p["code"] = e["code"];
    }
    peers.push_back(p);
  }
  auto count = store.entry_count(ns);
  return nlohmann::json{{"doc", ns.to_string()}, {"peers", peers}, {"entries", count ? *count : 0}};
}

}  // namespace ferry::node
