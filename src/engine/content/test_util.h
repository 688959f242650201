// Helpers shared by the content tests: ids, unsigned entries, and a Fetcher
// that records every call.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "crypto/blake3.h"
#include "docs/entry.h"
#include "engine/content/fetcher.h"

namespace ferry::engine::content::testing {

inline NamespaceId doc_id(uint8_t n) {
  std::array<uint8_t, 32> b{};
  b[0] = 0xd0;
  b[1] = n;
  return NamespaceId(b);
}
inline AuthorId author_id(uint8_t n) {
  std::array<uint8_t, 32> b{};
  b[0] = 0xa0;
  b[1] = n;
  return AuthorId(b);
}
inline dl::NodeId node_id(uint8_t n) {
  dl::NodeId id;
  id.bytes[0] = 0x70;
  id.bytes[1] = n;
  return id;
}
inline crypto::Hash content(std::string_view s) {
  return crypto::blake3(as_bytes(s));
}
// An entry without signatures (the tracker never checks them).
inline docs::SignedEntry entry(const NamespaceId& ns, const AuthorId& author, std::string_view key,
                               const crypto::Hash& hash, uint64_t len = 10, uint64_t ts = 1) {
  return docs::SignedEntry{
      {},
      docs::Entry{docs::RecordIdentifier(ns, author, as_bytes(key)), docs::Record{len, hash, ts}}};
}

class RecordingFetcher final : public Fetcher {
 public:
  struct Added {
    dl::IntentId intent;
    dl::Resource resource;
    dl::IntentOptions options;
    dl::ResourceHints hints;
  };
  dl::IntentId add_resource(const dl::Resource& resource, const dl::IntentOptions& options,
                            const dl::ResourceHints& hints, Instant) override {
    dl::IntentId id{++next_};
    added.push_back({id, resource, options, hints});
    live[id.value] = resource.hash;
    return id;
  }
  bool cancel_intent(dl::IntentId intent, Instant) override {
    cancelled.push_back(intent);
    return live.erase(intent.value) > 0;
  }
  void add_node(const dl::NodeId& node, const dl::NodeHints& hints, Instant) override {
    nodes.emplace_back(node, hints);
  }
  // The live intent for `hash` (the last one added), or a zero id.
  dl::IntentId intent_for(const crypto::Hash& hash) const {
    for (auto it = added.rbegin(); it != added.rend(); ++it) {
      if (it->resource.hash == hash && live.count(it->intent.value)) return it->intent;
    }
    return {};
  }

  std::vector<Added> added;
  std::vector<dl::IntentId> cancelled;
  std::vector<std::pair<dl::NodeId, dl::NodeHints>> nodes;
  std::map<uint64_t, crypto::Hash> live;

 private:
  uint64_t next_ = 0;
};

}  // namespace ferry::engine::content::testing
