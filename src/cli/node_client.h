// How CLI commands reach a running node: through its control socket in the
// data directory (node/control.h). Without a running node (no socket, or a
// stale one) commands open the stores directly instead.
#pragma once

#include <optional>

#include "cli/context.h"
#include "node/control.h"

namespace ferry::cli {

// The running node of `opts`' data directory, or nullopt if none runs.
// Errors: kIo when the socket exists but cannot be used (e.g. permissions).
Result<std::optional<node::ControlClient>> connect_node(const GlobalOptions& opts);

}  // namespace ferry::cli
