#include "cli/demo_nodes.h"

#include "blobs/hash_seq.h"
#include "cli/file_hash.h"
#include "cli/progress.h"
#include "core/prng.h"
#include "node/blob_ops.h"
#include "node/node.h"

namespace ferry::cli {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Runs `io` on this thread until `done()` or `limit` passes.
bool run_until(asio::io_context& io, const std::function<bool()>& done, Duration limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < end) {
    io.run_for(10ms);
    if (io.stopped()) io.restart();
  }
  return done();
}

// Fetches `ticket` into `b`, drawing a bar; cancels once `cancel_at` wire
// bytes arrived (0: never). `seconds` gets the time it took.
Result<node::FetchResult> fetch(asio::io_context& io, node::Node& b, const net::BlobTicket& ticket,
                                std::ostream& log, bool bars, uint64_t cancel_at,
                                double* seconds = nullptr) {
  ProgressBar bar(log, bars);
  Result<node::FetchResult> result = make_error(ErrorCode::kInternal, "pending");
  bool finished = false;
  node::FetchOptions options;
  options.progress_interval = 2ms;
  options.idle_timeout = 10s;
  std::shared_ptr<node::BlobFetch> f;
  f = node::BlobFetch::start(
      b.driver(), b.store(), ticket, options,
      [&](const node::FetchProgress& p) {
        bar.update(p.received, p.expected);
        if (cancel_at > 0 && p.received >= cancel_at && f) {
          f->cancel();
          cancel_at = 0;
        }
      },
      [&](Result<node::FetchResult> r) {
        result = std::move(r);
        finished = true;
      });
  if (!run_until(
          io, [&] { return finished; }, 30s)) {
    f->cancel();
    run_until(
        io, [&] { return finished; }, 2s);
    bar.finish();
    return make_error(ErrorCode::kTimeout, "the download did not finish within 30 s");
  }
  bar.finish();
  if (seconds) *seconds = bar.elapsed_seconds();
  return result;
}

uint64_t verified_bytes(const blobs::BlobStatus& st) {
  uint64_t total = 0;
  for (const auto& r : st.verified.ranges()) {
    uint64_t end = std::min<uint64_t>(r.end * 1024, st.size);
    total += end - std::min<uint64_t>(r.start * 1024, end);
  }
  return total;
}

std::string rate(uint64_t bytes, double seconds) {
  return format_bytes(seconds > 0 ? static_cast<double>(bytes) / seconds : 0) + "/s";
}

}  // namespace

Status run_two_node_demo(const fs::path& work, const fs::path& source, std::ostream& log,
                         bool bars) {
  asio::io_context io;
  node::NodeOptions oa, ob;
  oa.data_dir = work / "node-a";
  ob.data_dir = work / "node-b";
  oa.control = ob.control = false;
  FERRY_ASSIGN(auto a, node::Node::start(io, oa));
  FERRY_ASSIGN(auto b, node::Node::start(io, ob));
  log << "1. two nodes on loopback, each with its own store and Ed25519 identity:\n"
      << "   A " << a->node_id().short_hex() << " at " << a->addr().direct_addresses[0].to_string()
      << "\n   B " << b->node_id().short_hex() << " at "
      << b->addr().direct_addresses[0].to_string() << "\n";

  FERRY_ASSIGN(auto added, node::blob_add(a->store(), source.string(), a->addr()));
  FERRY_ASSIGN(auto ticket, net::BlobTicket::parse(added["ticket"].get<std::string>()));
  uint64_t size = added["size"].get<uint64_t>();
  log << "2. A adds " << source.filename().string() << " ("
      << format_bytes(static_cast<double>(size)) << ") and hands out a blob ticket:\n   "
      << ticket.to_string().substr(0, 60) << "...\n";

  // Latency on A's link (the driver's fault injector) so the transfer lasts
  // long enough to be interrupted; the QUIC windows bound the rate.
  a->driver().set_faults(net::FaultConfig{.delay = 10ms});
  log << "3. B dials A over QUIC (TLS 1.3, raw public keys) and fetches it; A's link gets\n"
      << "   10 ms of added latency, and the transfer is cut off after a third:\n";
  auto first = fetch(io, *b, ticket, log, bars, size / 3);
  if (first) {
    return make_error(ErrorCode::kInternal, "the transfer finished before it could be interrupted");
  }
  FERRY_ASSIGN(auto partial, b->store().status(ticket.hash));
  log << "   interrupted (" << first.error().message()
      << "); B kept what it verified: " << blobs::blob_state_name(partial.state) << ", "
      << format_bytes(static_cast<double>(verified_bytes(partial))) << " in chunks "
      << partial.verified.to_string() << "\n";

  log << "4. B fetches again with the same ticket; it asks only for the missing chunks:\n";
  double took = 0;
  FERRY_ASSIGN(auto r, fetch(io, *b, ticket, log, bars, 0, &took));
  log << "   resumed: " << format_bytes(static_cast<double>(r.had_before))
      << " were already verified, " << format_bytes(static_cast<double>(r.received))
      << " received in " << static_cast<int>(took * 1000) << " ms (" << rate(r.received, took)
      << "), every chunk verified against the hash\n";
  fs::path exported = work / "b-exported.bin";
  FERRY_TRY(b->store().export_file(ticket.hash, exported.string()));
  FERRY_ASSIGN(auto ha, hash_file(source.string()));
  FERRY_ASSIGN(auto hb, hash_file(exported.string()));
  bool same = ha.hash == hb.hash && ha.size == hb.size;
  log << "   B exports it: " << (same ? "identical to A's file" : "DIFFERENT (bug!)") << "\n";
  if (!same) return make_error(ErrorCode::kInternal, "exported file differs");

  a->driver().set_faults(std::nullopt);
  Prng prng(7);
  std::vector<std::pair<std::string, Bytes>> files;
  for (const char* name : {"photos/cat.jpg", "notes.txt", "data/table.csv"}) {
    Bytes data(20000 + prng.below(200000));
    for (auto& x : data) x = static_cast<uint8_t>(prng.next());
    files.emplace_back(name, std::move(data));
  }
  FERRY_ASSIGN(auto col, blobs::import_collection(a->store(), files));
  FERRY_TRY(a->store().set_tag("demo/collection", blobs::HashAndFormat::hash_seq(col.hash)));
  net::BlobTicket col_ticket{a->addr(), net::BlobFormat::kHashSeq, col.hash};
  log << "5. A builds a collection of " << files.size() << " files; B fetches it by ticket "
      << "(root HashSeq, names, children, one request):\n";
  FERRY_ASSIGN(auto third, fetch(io, *b, col_ticket, log, bars, 0));
  FERRY_ASSIGN(auto cs, blobs::collection_status(b->store(), col.hash));
  for (const auto& e : cs.children) {
    if (e.name.empty()) continue;
    log << "   " << e.name << "  " << e.status.size << " bytes  "
        << blobs::blob_state_name(e.status.state) << "\n";
  }
  if (!cs.is_complete()) return make_error(ErrorCode::kInternal, "collection incomplete at B");
  log << "   collection complete at B (" << format_bytes(static_cast<double>(third.received))
      << " received)\n";
  return ok();  // the collection's temp tag goes before the nodes (and stores)
}

}  // namespace ferry::cli
