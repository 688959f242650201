// `ferry blob get TICKET [--out PATH]`: downloads a blob (or collection)
// named by a blob ticket into the data directory's store, verified, through
// the running node or, without one, a transient node on this process. A
// partial blob already in the store is resumed. Progress: a bar on a
// terminal; with --json, JSON lines {"event":"progress",...} then one final
// result object.
#include <unistd.h>

#include <csignal>

#include <iostream>

#include "cli/commands.h"
#include "cli/node_client.h"
#include "cli/progress.h"
#include "node/blob_ops.h"
#include "node/node.h"

namespace ferry::cli {
namespace {

namespace fs = std::filesystem;

// Binds loopback when every address of the ticket is loopback (tests and
// demos stay on 127.0.0.1), else all interfaces.
net::SocketAddr transient_bind(const net::NodeAddr& addr) {
  bool all_loopback = !addr.direct_addresses.empty();
  for (const auto& a : addr.direct_addresses) {
    if (a.is_v6 || a.ip[0] != 127) all_loopback = false;
  }
  return all_loopback ? net::SocketAddr::v4({127, 0, 0, 1}, 0)
                      : net::SocketAddr::v4({0, 0, 0, 0}, 0);
}

// Without a running node: a transient node (fresh key, no control API) on
// the data directory's store.
Result<nlohmann::json> get_transient(const GlobalOptions& opts, const net::BlobTicket& ticket,
                                     const std::string& out, double timeout_s,
                                     const std::function<void(const nlohmann::json&)>& on_event) {
  FERRY_ASSIGN(auto dir, ensure_data_dir(opts));
  asio::io_context io;
  node::NodeOptions options;
  options.data_dir = dir;
  options.control = false;
  options.ephemeral_key = true;
  options.bind = transient_bind(ticket.node);
  options.fetch.idle_timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000));
  FERRY_ASSIGN(auto n, node::Node::start(io, options));
  bool finished = false;
  Result<node::FetchResult> result = make_error(ErrorCode::kInternal, "no result");
  // io runs on this thread, so the fetch can be started here directly.
  auto fetch = node::BlobFetch::start(
      n->driver(), n->store(), ticket, options.fetch,
      [&](const node::FetchProgress& p) { on_event(node::progress_json(p)); },
      [&](Result<node::FetchResult> r) {
        result = std::move(r);
        finished = true;
        io.stop();
      });
  // Ctrl-C cancels: what was verified stays in the store, and running the
  // command again resumes from there.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([fetch](const std::error_code& ec, int) {
    if (!ec) fetch->cancel();
  });
  io.run();
  if (!finished) return make_error(ErrorCode::kInternal, "download ended without a result");
  if (!result) {
    if (result.error().code() == ErrorCode::kCancelled) {
      return make_error(ErrorCode::kCancelled,
                        "download interrupted; run it again to resume from what was verified");
    }
    return tl::unexpected(result.error());
  }
  auto doc = node::fetch_result_json(*result);

  if (!out.empty()) {
    FERRY_ASSIGN(auto exported, node::blob_export(n->store(), result->hash.to_string(), out));
    doc["path"] = exported["path"];
  }
  n->shutdown();
  return doc;
}

Status blob_get(const GlobalOptions& opts, const std::string& ticket_text, const std::string& out,
                double timeout_s) {
  if (!(timeout_s > 0 && timeout_s < 1e6)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "--timeout must be a positive number of seconds");
  }
  auto ticket = net::BlobTicket::parse(ticket_text);
  if (!ticket) return tl::unexpected(ticket.error().with_context("reading the ticket"));
  std::string out_path;
  if (!out.empty()) {
    std::error_code ec;
    out_path = fs::absolute(out, ec).string();
    if (ec) return make_error(ErrorCode::kInvalidArgument, "bad output path " + out);
    if (ticket->format != net::BlobFormat::kRaw) {
      return make_error(ErrorCode::kUnsupported, "--out needs a raw blob ticket");
    }
  }
  ProgressBar bar(std::cout, !opts.json && ::isatty(STDOUT_FILENO));
  auto on_event = [&](const nlohmann::json& e) {
    if (opts.json) {
      print_json(e);
      std::cout.flush();
    } else {
      bar.update(e.value("received", uint64_t{0}), e.value("expected", uint64_t{0}));
    }
  };
  FERRY_ASSIGN(auto client, connect_node(opts));
  Result<nlohmann::json> result = make_error(ErrorCode::kInternal, "unreachable");
  if (client) {
    nlohmann::json request = {{"cmd", "blob_get"},
                              {"ticket", ticket->to_string()},
                              {"timeout_ms", static_cast<uint64_t>(timeout_s * 1000)}};
    if (!out_path.empty()) request["out"] = out_path;
    result = client->call(request, on_event);
  } else {
    result = get_transient(opts, *ticket, out_path, timeout_s, on_event);
  }
  bar.finish();
  if (!result) return tl::unexpected(result.error());
  auto& doc = *result;
  doc.erase("ok");
  double seconds = bar.elapsed_seconds();
  if (opts.json) {
    doc["event"] = "done";
    doc["seconds"] = seconds;
    print_json(doc);
    return ok();
  }
  uint64_t received = doc.value("received", uint64_t{0});
  uint64_t had = doc.value("had_before", uint64_t{0});
  if (doc.value("already_complete", false)) {
    std::cout << "already complete: " << doc["hash"].get<std::string>() << "\n";
  } else {
    std::cout << "fetched " << doc["hash"].get<std::string>() << " (" << doc["size"].get<uint64_t>()
              << " bytes, verified)\n"
              << "received " << format_bytes(static_cast<double>(received)) << " in "
              << std::to_string(seconds).substr(0, 4) << " s ("
              << format_bytes(seconds > 0 ? static_cast<double>(received) / seconds : 0) << "/s)\n";
    if (had > 0) std::cout << "resumed: " << had << " bytes were already verified here\n";
  }
  if (doc.contains("path")) std::cout << "saved to " << doc["path"].get<std::string>() << "\n";
  return ok();
}

}  // namespace

void add_blob_get_command(CLI::App& blob, GlobalOptions& opts, int* exit_code_out) {
  static std::string ticket, out;
  static double timeout_s = 20;
  auto* get = blob.add_subcommand("get", "download a blob by ticket (verified, resumable)");
  get->add_option("TICKET", ticket, "blob ticket (blob...)")->required();
  get->add_option("--out", out, "also write the blob to this file");
  get->add_option("--timeout", timeout_s, "give up after this many seconds without data")
      ->capture_default_str();
  get->callback([&opts, exit_code_out] {
    *exit_code_out = exit_code(opts, blob_get(opts, ticket, out, timeout_s));
  });
}

}  // namespace ferry::cli
