#include "cli/node_client.h"

namespace ferry::cli {

Result<std::optional<node::ControlClient>> connect_node(const GlobalOptions& opts) {
  auto dir = resolve_data_dir(opts);
  std::error_code ec;
  if (!std::filesystem::exists(node::control_socket_path(dir), ec)) {
    return std::optional<node::ControlClient>();
  }
  return node::ControlClient::connect(dir);
}

}  // namespace ferry::cli
