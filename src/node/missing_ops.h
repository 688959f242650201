// `doc missing DOC` as JSON, shared by the control API (the running node's
// tracker) and the CLI's direct path (the persisted rows, no node):
//   {"doc", "missing": [{"hash", "size" (null if unknown), "have" (verified
//    bytes held), "queued", "refs": [{"author", "key", "key_hex"}]}]}
// The size is the entry's declared length (or the partial blob's size).
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "blobs/store.h"
#include "docs/store.h"
#include "engine/content/tracker.h"

namespace ferry::node {

// The document's missing content from its persisted rows (none queued).
Result<std::vector<engine::content::MissingContent>> missing_from_store(
    docs::Store& docs, const docs::NamespaceId& ns);

Result<nlohmann::json> missing_json(docs::Store& docs, blobs::Store& blobs,
                                    const docs::NamespaceId& ns,
                                    const std::vector<engine::content::MissingContent>& missing);

}  // namespace ferry::node
