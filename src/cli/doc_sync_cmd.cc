// `ferry doc share DOC [read|write]`: a DocTicket naming the running node
// (the document is then served to peers); `ferry doc join TICKET`: import
// the capability and sync with every node of the ticket; `ferry doc sync
// DOC`: sync again with the document's known peers. `join --policy KIND
// [--prefix P]... [--exact K]...` sets the download policy before the first
// sync, so nothing the policy rejects is fetched. join and sync run
// through the running node, or a transient node on this process when none
// runs (its peers and the document's state are kept in the data directory).
#include <csignal>
#include <iostream>

#include "cli/commands.h"
#include "cli/doc_common.h"
#include "cli/node_client.h"
#include "engine/doc_ticket.h"
#include "node/node.h"

namespace ferry::cli {
namespace {

struct SyncArgs {
  std::string doc, mode = "write", ticket;
  PolicyArgs policy;  // join: set before the first sync when kind is given
};

Status doc_share(const GlobalOptions& opts, const SyncArgs& a) {
  FERRY_ASSIGN(auto client, connect_node(opts));
  if (!client) {
    return make_error(ErrorCode::kNotFound,
                      "sharing needs a running node (the ticket names its addresses): start one "
                      "with `ferry start`");
  }
  FERRY_ASSIGN(auto out, client->call({{"cmd", "doc_share"}, {"doc", a.doc}, {"mode", a.mode}}));
  out.erase("ok");
  if (opts.json) {
    print_json(out);
  } else {
    std::cout << out["ticket"].get<std::string>() << "\n";
  }
  return ok();
}

// Without a running node: a transient one (fresh key, no control API) on the
// data directory, running until `start` reports.
Result<nlohmann::json> run_transient(
    const GlobalOptions& opts,
    const std::function<void(node::Node&, node::Node::JsonDone)>& start) {
  FERRY_ASSIGN(auto dir, ensure_data_dir(opts));
  asio::io_context io;
  node::NodeOptions options;
  options.data_dir = dir;
  options.control = false;
  options.ephemeral_key = true;
  FERRY_ASSIGN(auto n, node::Node::start(io, options));
  std::optional<Result<nlohmann::json>> result;
  start(*n, [&](Result<nlohmann::json> r) {
    result = std::move(r);
    io.stop();
  });
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](const std::error_code& ec, int) {
    if (!ec) io.stop();
  });
  io.run();
  n->shutdown();
  if (!result) return make_error(ErrorCode::kCancelled, "interrupted");
  return std::move(*result);
}

void print_results(const GlobalOptions& opts, const nlohmann::json& out) {
  if (opts.json) {
    print_json(out);
    return;
  }
  std::cout << "doc " << out["doc"].get<std::string>() << "\n";
  for (const auto& p : out["peers"]) {
    std::string node = p["node"].get<std::string>().substr(0, 10);
    if (p["ok"].get<bool>()) {
      std::cout << "synced with " << node << ": received " << p["received"].get<uint64_t>()
                << ", inserted " << p["inserted"].get<uint64_t>() << ", sent "
                << p["sent"].get<uint64_t>();
      for (const auto& [reason, n] : p["rejected"].items()) {
        std::cout << ", rejected " << n.get<uint64_t>() << " (" << reason << ")";
      }
      std::cout << "\n";
    } else {
      std::cout << "failed with " << node << ": " << p["error"].get<std::string>() << "\n";
    }
  }
  std::cout << "entries: " << out["entries"].get<uint64_t>() << "\n";
}

// Succeeds when at least one peer synced (or there was none to sync with).
Status finish(const GlobalOptions& opts, const nlohmann::json& out) {
  print_results(opts, out);
  bool any_ok = out["peers"].empty();
  for (const auto& p : out["peers"]) any_ok = any_ok || p["ok"].get<bool>();
  if (!any_ok) return make_error(ErrorCode::kProtocol, "no peer could be synced with");
  return ok();
}

Status doc_join(const GlobalOptions& opts, const SyncArgs& a) {
  auto ticket = engine::DocTicket::parse(a.ticket);
  if (!ticket) return tl::unexpected(ticket.error().with_context("reading the ticket"));
  std::optional<std::string> policy_hex;
  if (!a.policy.kind.empty()) {
    FERRY_ASSIGN(policy_hex, encode_policy(a.policy));
  } else if (!a.policy.prefixes.empty() || !a.policy.exacts.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "--prefix and --exact need --policy");
  }
  FERRY_ASSIGN(auto client, connect_node(opts));
  nlohmann::json out;
  if (client) {
    nlohmann::json request = {{"cmd", "doc_join"}, {"ticket", a.ticket}};
    if (policy_hex) request["policy_hex"] = *policy_hex;
    FERRY_ASSIGN(out, client->call(request));
  } else {
    FERRY_ASSIGN(out, run_transient(opts, [&](node::Node& n, node::Node::JsonDone done) {
                   n.doc_join(a.ticket, policy_hex, std::move(done));
                 }));
  }
  out.erase("ok");
  return finish(opts, out);
}

Status doc_sync(const GlobalOptions& opts, const SyncArgs& a) {
  FERRY_ASSIGN(auto client, connect_node(opts));
  nlohmann::json out;
  if (client) {
    FERRY_ASSIGN(out, client->call({{"cmd", "doc_sync"}, {"doc", a.doc}}));
  } else {
    FERRY_ASSIGN(out, run_transient(opts, [&](node::Node& n, node::Node::JsonDone done) {
                   n.doc_sync(a.doc, std::move(done));
                 }));
  }
  out.erase("ok");
  return finish(opts, out);
}

}  // namespace

void add_doc_sync_commands(CLI::App& doc, GlobalOptions& opts, int* exit_code_out) {
  static SyncArgs a;
  auto run = [&opts, exit_code_out](auto fn) {
    return [&opts, exit_code_out, fn] { *exit_code_out = exit_code(opts, fn(opts, a)); };
  };
  auto* share = doc.add_subcommand("share", "print a ticket for DOC naming the running node");
  share->add_option("DOC", a.doc, "document id")->required();
  share->add_option("MODE", a.mode, "write (default) or read")
      ->check(CLI::IsMember({"read", "write"}));
  share->callback(run(doc_share));

  auto* join = doc.add_subcommand("join", "import a doc ticket and sync with its nodes");
  join->add_option("TICKET", a.ticket, "doc ticket (doc...)")->required();
  join->add_option("--policy", a.policy.kind,
                   "download policy to set before the first sync: everything | nothing | "
                   "nothing-except | everything-except");
  add_policy_filter_options(*join, a.policy);
  join->callback(run(doc_join));

  auto* sync = doc.add_subcommand("sync", "sync DOC again with its known peers");
  sync->add_option("DOC", a.doc, "document id")->required();
  sync->callback(run(doc_sync));
}

}  // namespace ferry::cli
