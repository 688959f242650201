// The node's persistent identity: <data-dir>/node.key holds the 32-byte
// Ed25519 seed (iroh's SecretKey) as 64 hex characters, mode 0600, so the
// node id survives restarts.
#pragma once

#include <filesystem>

#include "ferry/result.h"
#include "net/node_key.h"

namespace ferry::node {

// Reads the key at `path`, or creates one (0600, written atomically) if the
// file does not exist. Errors: kIo (cannot read/write), kCorrupt (the file
// is not 64 hex characters).
Result<net::SecretKey> load_or_create_secret_key(const std::filesystem::path& path);

}  // namespace ferry::node
