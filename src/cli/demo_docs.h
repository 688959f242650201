// The document part of `ferry demo`: nodes A, B and C on 127.0.0.1 in this
// process. A writes a document (text and a few MiB of blobs) and shares it;
// B (download policy everything) and C (nothing-except "img/") join by
// ticket; each fetches the blobs its policy wants from the document's peers;
// A writes again and live sync brings the entry and its blob to B and C;
// C widens its policy and fetches what it skipped.
#pragma once

#include <filesystem>
#include <ostream>

#include "ferry/result.h"

namespace ferry::cli {

// Runs the story in `work` (doc-a/, doc-b/, doc-c/). Every wait has a
// deadline; any check that fails is an error.
Status run_doc_demo(const std::filesystem::path& work, std::ostream& log);

}  // namespace ferry::cli
