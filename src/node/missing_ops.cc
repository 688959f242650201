#include "node/missing_ops.h"

#include <map>

#include "core/encoding.h"
#include "core/postcard.h"

namespace ferry::node {

Result<std::vector<engine::content::MissingContent>> missing_from_store(
    docs::Store& docs, const docs::NamespaceId& ns) {
  FERRY_ASSIGN(auto refs, docs.missing_refs(ns));
  std::map<crypto::Hash, engine::content::MissingContent> by_hash;
  for (auto& r : refs) {
    auto& m = by_hash[r.hash];
    m.hash = r.hash;
    m.refs.emplace_back(r.author, r.key);
  }
  std::vector<engine::content::MissingContent> out;
  for (auto& [hash, m] : by_hash) {
    std::sort(m.refs.begin(), m.refs.end());
    out.push_back(std::move(m));
  }
  return out;
}

Result<nlohmann::json> missing_json(docs::Store& docs, blobs::Store& blobs,
                                    const docs::NamespaceId& ns,
                                    const std::vector<engine::content::MissingContent>& missing) {
  auto list = nlohmann::json::array();
  for (const auto& m : missing) {
    nlohmann::json size = nullptr;
    uint64_t have = 0;
    auto refs = nlohmann::json::array();
    for (const auto& [author, key] : m.refs) {
      auto s = as_string_view(key);
      refs.push_back({{"author", author.to_string()},
                      {"key", is_valid_utf8(s) ? nlohmann::json(std::string(s)) : nullptr},
                      {"key_hex", hex_encode(key)}});
      if (size.is_null()) {
        FERRY_ASSIGN(auto entry, docs.get_exact(ns, author, key));
        if (entry && entry->record().hash == m.hash) size = entry->record().len;
      }
    }
    auto st = blobs.status(m.hash);
    if (st) {
      for (const auto& r : st->verified.ranges()) {
        uint64_t end = std::min<uint64_t>(r.end * 1024, st->size);
        have += end - std::min<uint64_t>(r.start * 1024, end);
      }
      if (size.is_null() && st->size > 0) size = st->size;
    }
    list.push_back({{"hash", m.hash.to_string()},
                    {"size", size},
                    {"have", have},
                    {"queued", m.queued},
                    {"refs", refs}});
  }
  return nlohmann::json{{"doc", ns.to_string()}, {"missing", list}};
}

}  // namespace ferry::node
