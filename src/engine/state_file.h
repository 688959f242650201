// The engine's persisted state: which documents sync and their useful
// peers, as JSON in one file, replaced atomically (write, fsync, rename):
//   {"docs": [{"ns": hex, "syncing": bool, "peers": ["node..." tickets]}]}
// Peers are listed most recent first.
#pragma once

#include <filesystem>

#include "engine/live_state.h"

namespace ferry::engine {

// Errors: kIo.
Status save_live_state(const std::filesystem::path& path, const LiveState& state);
// A missing file is an empty state. Errors: kIo, kCorrupt (not our JSON).
Status load_live_state(const std::filesystem::path& path, LiveState& state);

}  // namespace ferry::engine
