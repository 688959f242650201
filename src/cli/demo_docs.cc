#include "cli/demo_docs.h"

#include <fstream>

#include "cli/progress.h"
#include "core/prng.h"
#include "engine/doc_ticket.h"
#include "node/doc_ops.h"
#include "node/node.h"

namespace ferry::cli {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

bool run_until(asio::io_context& io, const std::function<bool()>& done, Duration limit) {
  auto end = Clock::now() + limit;
  while (!done() && Clock::now() < end) {
    io.run_for(5ms);
    if (io.stopped()) io.restart();
  }
  return done();
}

Status write_random(const fs::path& path, size_t n, uint64_t seed) {
  Prng prng(seed);
  std::string data(n, '\0');
  for (auto& ch : data) ch = static_cast<char>(prng.next());
  std::ofstream out(path, std::ios::binary);
  out << data;
  out.close();
  if (!out) return make_error(ErrorCode::kIo, "cannot write " + path.string());
  return ok();
}

struct Item {
  std::string key;
  std::string text;  // a text value, or
  size_t size = 0;   // random bytes of this size
  crypto::Hash hash;
  uint64_t len = 0;
};

// A writes `item` (value imported into its store, then a signed entry).
Status write_item(node::Node& a, const docs::NamespaceId& ns, const fs::path& dir, Item& item,
                  uint64_t seed) {
  std::string file;
  if (item.text.empty()) {
    file = (dir / ("value-" + std::to_string(seed))).string();
    FERRY_TRY(write_random(file, item.size, seed));
  }
  FERRY_ASSIGN(auto value, node::import_value(a.store(), item.text, file));
  a.content().on_blob_complete(value.hash);
  FERRY_TRY(node::doc_insert(a.docs(), ns.to_string(), item.key, "", value));
  item.hash = value.hash;
  item.len = value.size;
  return ok();
}

bool complete(node::Node& n, const crypto::Hash& hash) {
  auto st = n.store().status(hash);
  return st && st->is_complete();
}

std::string ms_since(Clock::time_point t) {
  return std::to_string(
             std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count()) +
         " ms";
}

// Joins `ticket` on `n` and narrates the per-peer results.
Status join(asio::io_context& io, node::Node& n, const engine::DocTicket& ticket,
            const std::string& name, std::ostream& log) {
  std::optional<std::vector<engine::PeerSyncResult>> results;
  FERRY_TRY(n.engine().join(
      ticket, [&](std::vector<engine::PeerSyncResult> r) { results = std::move(r); }));
  if (!run_until(
          io, [&] { return results.has_value(); }, 20s)) {
    return make_error(ErrorCode::kTimeout, name + "'s sync did not finish within 20 s");
  }
  for (const auto& r : *results) {
    if (!r.result) {
      return tl::unexpected(
          r.result.error().with_context(name + " syncing with " + r.peer.short_hex()));
    }
    log << "   " << name << " synced with " << r.peer.short_hex() << ": received "
        << r.result->received << " entries, inserted " << r.result->inserted << ", sent "
        << r.result->sent << "\n";
  }
  return ok();
}

Status check(bool ok_, const std::string& what) {
  if (ok_) return ok();
  return make_error(ErrorCode::kInternal, "check failed: " + what);
}

}  // namespace

Status run_doc_demo(const fs::path& work, std::ostream& log) {
  asio::io_context io;
  node::NodeOptions oa, ob, oc;
  oa.data_dir = work / "doc-a";
  ob.data_dir = work / "doc-b";
  oc.data_dir = work / "doc-c";
  oa.control = ob.control = oc.control = false;
  FERRY_ASSIGN(auto a, node::Node::start(io, oa));
  FERRY_ASSIGN(auto b, node::Node::start(io, ob));
  FERRY_ASSIGN(auto c, node::Node::start(io, oc));
  run_until(
      io, [] { return false; }, 20ms);  // the nodes' start tasks
  log << "1. three nodes on loopback: A " << a->node_id().short_hex() << ", B "
      << b->node_id().short_hex() << ", C " << c->node_id().short_hex() << "\n";

  FERRY_ASSIGN(auto created, node::doc_create(a->docs()));
  FERRY_ASSIGN(auto ns, docs::NamespaceId::parse(created["doc"].get<std::string>()));
  std::vector<Item> items = {
      {"readme.txt", "Ferry demo: a document replicated between three nodes.\n", 0, {}, 0},
      {"img/logo.png", "", 3 * 1024 * 1024 + 17, {}, 0},
      {"img/photo.jpg", "", 1200 * 1024, {}, 0},
      {"video/clip.mp4", "", 4 * 1024 * 1024, {}, 0},
  };
  for (size_t i = 0; i < items.size(); ++i) {
    FERRY_TRY(write_item(*a, ns, work, items[i], 10 + i));
  }
  log << "2. A creates document " << ns.to_string().substr(0, 10) << "... and writes "
      << items.size() << " entries (values are blobs in A's store):\n";
  for (const auto& it : items) {
    std::string size = format_bytes(static_cast<double>(it.len));
    log << "     " << it.key << std::string(16 - std::min<size_t>(15, it.key.size()), ' ')
        << std::string(10 - std::min<size_t>(9, size.size()), ' ') << size << "  "
        << it.hash.to_string().substr(0, 12) << "...\n";
  }
  FERRY_ASSIGN(auto ticket, a->engine().share(ns, docs::CapabilityKind::kWrite, a->addr()));
  log << "   and shares a write ticket: " << ticket.to_string().substr(0, 50) << "...\n";

  // C's policy is set before its first sync: import the capability, set it.
  docs::DownloadPolicy img_only{docs::DownloadPolicy::Kind::kNothingExcept,
                                {docs::FilterKind::prefix(to_bytes("img/"))}};
  FERRY_TRY(c->docs().import_namespace(ticket.capability));
  FERRY_TRY(c->docs().set_download_policy(ns, img_only));
  FERRY_TRY(c->content().on_policy_changed(ns));
  log << "3. B joins with download policy everything; C with nothing-except \"img/\":\n";
  auto t0 = Clock::now();
  FERRY_TRY(join(io, *b, ticket, "B", log));
  FERRY_TRY(join(io, *c, ticket, "C", log));

  auto all_at = [&](node::Node& n, const std::vector<size_t>& which) {
    for (size_t i : which) {
      if (!complete(n, items[i].hash)) return false;
    }
    return true;
  };
  log << "4. each node's downloader fetches, verified, the blobs its policy wants from the\n"
      << "   document's peers (/iroh-bytes/4 on the same endpoint):\n";
  bool b_done = run_until(
      io,
      [&] {
        return all_at(*b, {0, 1, 2, 3});
      },
      30s);
  FERRY_TRY(check(b_done, "B has every blob"));
  log << "   B: all " << items.size() << " blobs complete (" << ms_since(t0)
      << " after the joins began)\n";
  bool c_done = run_until(
      io,
      [&] {
        return all_at(*c, {1, 2});
      },
      30s);
  FERRY_TRY(check(c_done, "C has the img/ blobs"));
  FERRY_ASSIGN(auto c_entries, c->docs().entry_count(ns));
  log << "   C: " << c_entries << " entries; blobs:";
  for (const auto& it : items) {
    log << " " << it.key << (complete(*c, it.hash) ? " [fetched]" : " [not wanted]");
  }
  log << "\n";
  FERRY_TRY(check(!complete(*c, items[0].hash) && !complete(*c, items[3].hash),
                  "C did not fetch what its policy rejects"));
  // The store holds the blobs a moment before the downloader's completion
  // reaches the tracker.
  auto missing_empty = [&] {
    auto m = c->content().missing(ns);
    return m && m->empty();
  };
  run_until(io, missing_empty, 5s);
  FERRY_ASSIGN(auto c_missing, c->content().missing(ns));
  log << "   C's missing list: " << c_missing.size()
      << " (nothing it wants is missing; unwanted keys are never listed)\n";
  FERRY_TRY(check(c_missing.empty(), "C's missing list is empty"));

  log << "5. A writes img/new.png (2 MiB); live sync pushes the entry to B and C, whose\n"
      << "   downloaders fetch its blob:\n";
  Item fresh{"img/new.png", "", 2 * 1024 * 1024, {}, 0};
  auto t1 = Clock::now();
  FERRY_TRY(write_item(*a, ns, work, fresh, 99));
  bool fresh_b = false, fresh_c = false;
  std::string at_b, at_c;
  run_until(
      io,
      [&] {
        if (!fresh_b && complete(*b, fresh.hash)) fresh_b = true, at_b = ms_since(t1);
        if (!fresh_c && complete(*c, fresh.hash)) fresh_c = true, at_c = ms_since(t1);
        return fresh_b && fresh_c;
      },
      30s);
  FERRY_TRY(check(fresh_b && fresh_c, "B and C received the new blob live"));
  FERRY_TRY(check(run_until(io, missing_empty, 5s), "C's missing list is empty"));
  log << "   B has it " << at_b << " after A's write, C " << at_c << "\n";

  log << "6. C widens its policy to everything: the tracker finds the entries it skipped\n";
  FERRY_TRY(c->docs().set_download_policy(ns, docs::DownloadPolicy{}));
  FERRY_TRY(c->content().on_policy_changed(ns));
  FERRY_ASSIGN(c_missing, c->content().missing(ns));
  log << "   C's missing list right after the change:\n";
  for (const auto& m : c_missing) {
    std::string keys;
    for (const auto& [author, key] : m.refs) keys += " " + std::string(as_string_view(key));
    log << "     " << m.hash.to_string().substr(0, 12) << "..." << keys
        << (m.queued ? "  (queued)" : "") << "\n";
  }
  FERRY_TRY(check(c_missing.size() == 2, "C misses the two skipped blobs"));
  bool c_all = run_until(
      io,
      [&] {
        return all_at(*c, {0, 1, 2, 3});
      },
      30s);
  FERRY_TRY(check(c_all, "C fetched the skipped blobs"));
  FERRY_TRY(check(run_until(io, missing_empty, 5s), "C's missing list is empty again"));
  log << "   C fetched both; its missing list is empty again\n";
  return ok();
}

}  // namespace ferry::cli
