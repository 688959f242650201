// The two-node part of `ferry demo`: nodes A and B on 127.0.0.1, two
// UdpDrivers on one io_context in this process, talking QUIC with
// /iroh-bytes/4. A provides a blob, B fetches it verified, the transfer is
// interrupted and resumed from what B verified, then a collection is
// fetched.
#pragma once

#include <filesystem>
#include <ostream>

#include "ferry/result.h"

namespace ferry::cli {

// Runs the story in `work` (node-a/, node-b/) with `source` as the blob to
// send. Narrates on `log`; draws progress bars on it if `bars`. Every wait
// has a deadline. Errors: any failed step.
Status run_two_node_demo(const std::filesystem::path& work, const std::filesystem::path& source,
                         std::ostream& log, bool bars);

}  // namespace ferry::cli
