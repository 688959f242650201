// `ferry start`: runs a node in the foreground on the data directory until
// SIGINT/SIGTERM or `ferry node stop`. `ferry node addr`: the running node's
// ticket.
//
// --bind defaults to 127.0.0.1:0 (loopback, a free port): nothing is
// reachable from other machines unless asked for, e.g. --bind 0.0.0.0:4433,
// which advertises every local IPv4 address.
#include <csignal>
#include <iostream>

#include "cli/commands.h"
#include "cli/node_client.h"
#include "node/node.h"

namespace ferry::cli {
namespace {

Status node_start(const GlobalOptions& opts, const std::string& bind_text) {
  FERRY_ASSIGN(auto bind, net::SocketAddr::parse(bind_text));
  FERRY_ASSIGN(auto dir, ensure_data_dir(opts));
  asio::io_context io;
  node::NodeOptions options;
  options.data_dir = dir;
  options.bind = bind;
  FERRY_ASSIGN(auto node, node::Node::start(io, options));
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](const std::error_code& ec, int) {
    if (!ec) io.stop();
  });
  auto addrs = nlohmann::json::array();
  for (const auto& a : node->addr().direct_addresses) addrs.push_back(a.to_string());
  std::string ticket = net::NodeTicket{node->addr()}.to_string();
  std::error_code ec;
  std::string control = std::filesystem::absolute(node::control_socket_path(dir), ec).string();
  if (opts.json) {
    print_json({{"event", "started"},
                {"node_id", node->node_id().to_string()},
                {"addrs", addrs},
                {"ticket", ticket},
                {"control", control}});
  } else {
    std::cout << "node id: " << node->node_id().to_string() << "\n";
    for (const auto& a : addrs) std::cout << "address: " << a.get<std::string>() << "\n";
    std::cout << "ticket: " << ticket << "\n"
              << "control socket: " << control << "\n"
              << "node running; Ctrl-C stops it\n";
  }
  std::cout.flush();
  io.run();
  node->shutdown();
  if (opts.json) {
    print_json({{"event", "stopped"}});
  } else {
    std::cout << "node stopped\n";
  }
  return ok();
}

Status node_addr(const GlobalOptions& opts) {
  FERRY_ASSIGN(auto client, connect_node(opts));
  if (!client) {
    return make_error(ErrorCode::kNotFound, "no node is running on " +
                                                resolve_data_dir(opts).string() +
                                                " (start one with `ferry start`)");
  }
  FERRY_ASSIGN(auto doc, client->call({{"cmd", "node_addr"}}));
  if (opts.json) {
    doc.erase("ok");
    print_json(doc);
  } else {
    std::cout << doc["ticket"].get<std::string>() << "\n";
  }
  return ok();
}

Status node_stop(const GlobalOptions& opts) {
  FERRY_ASSIGN(auto client, connect_node(opts));
  if (!client) {
    return make_error(ErrorCode::kNotFound,
                      "no node is running on " + resolve_data_dir(opts).string());
  }
  FERRY_TRY(client->call({{"cmd", "stop"}}));
  if (opts.json) {
    print_json({{"stopped", true}});
  } else {
    std::cout << "node stopping\n";
  }
  return ok();
}

}  // namespace

void add_node_commands(CLI::App& app, GlobalOptions& opts, int* exit_code_out) {
  static std::string bind = "127.0.0.1:0";
  auto* start = app.add_subcommand("start", "run a node in the foreground on the data directory");
  start->add_option("--bind", bind, "UDP address to bind (ADDR:PORT)")->capture_default_str();
  start->callback(
      [&opts, exit_code_out] { *exit_code_out = exit_code(opts, node_start(opts, bind)); });

  auto* node = app.add_subcommand("node", "the running node");
  node->require_subcommand(1);
  node->add_subcommand("addr", "print the running node's ticket")->callback([&opts, exit_code_out] {
    *exit_code_out = exit_code(opts, node_addr(opts));
  });
  node->add_subcommand("stop", "stop the running node")->callback([&opts, exit_code_out] {
    *exit_code_out = exit_code(opts, node_stop(opts));
  });
}

}  // namespace ferry::cli
