// Reconciliation benchmark: two in-memory stores (reconcile::MemoryStore)
// of N entries that differ in a fraction of entries, reconciled in-process
// by two Rangers exchanging encoded messages (reconcile/local_sync.h).
//
// Entries are iroh-shaped WireEntries (4 authors, 20-byte keys) and count
// as pre-verified: their signatures are fixed filler bytes, no Ed25519 work
// is done and the validate hook is empty, so signature checks are not
// counted (as the task specifies). The difference is symmetric: of a
// universe of N entries, d/2 random ones are missing from A and another d/2
// from B, so d entries must cross.
//
// Prints one figure per line: "<case> <figure>: <value> <unit>".
//   wall      time of the whole exchange (encode, decode, process, store)
//   cpu       process CPU time of the same (robust against a busy machine)
//   rounds    round trips (ceil(messages/2))
//   bytes     total /iroh-sync/1 bytes (messages + 5-byte frame headers
//             + 32-byte Init namespace)
//   overhead  bytes minus the encoded values that had to cross anyway
//   largest   largest single message
//   vs_negentropy_*  ratio to the reference figures for negentropy
//             (C++, 32-byte ids, same machine kind; constants below): wall
//             time, overhead against negentropy's total bytes, round trips
// Cases: 100k/1%, 100k/0.01%, 1M/1%, 1M/0.01% (uncapped) and 1M/1% with
// messages capped at 60 KB; each with the compact Ferry-to-Ferry dialect
// (reconcile/compact_ranger.h) and the iroh dialect with iroh's split
// (factor 2), labelled "compact" and "iroh_k2".
// Usage: reconcile_bench [N ...]   (default: 100000 1000000)
//   FERRY_BENCH_CONFIGS="name=k,m[,cap];..." adds iroh-dialect ranger
//   configurations (split factor, max_set_size, message cap in bytes).
//   FERRY_COMPACT="k,threshold,sub_max" tunes the compact dialect.
//   FERRY_BENCH_ONLY=compact|iroh runs one dialect only (profiling).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include "core/prng.h"
#include "reconcile/compact_local_sync.h"
#include "reconcile/local_sync.h"
#include "reconcile/memory_store.h"
#include "reconcile/wire_entry.h"

namespace ferry::reconcile {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<WireEntry> make_universe(size_t n, Prng& prng) {
  std::vector<WireEntry> out;
  out.reserve(n);
  Bytes ns(32, 0x5a);
  const size_t authors = 4;
  for (size_t i = 0; i < n; ++i) {
    WireEntry e;
    e.id = ns;
    e.id.resize(kMinIdSize, static_cast<uint8_t>(0x10 + i * authors / n));
    char key[32];
    std::snprintf(key, sizeof key, "bench/key/%010zu", i);
    append(e.id, as_bytes(key));
    e.len = 1000 + prng.below(100000);
    std::array<uint8_t, 32> h;
    for (auto& b : h) b = static_cast<uint8_t>(prng.next());
    e.hash = crypto::Hash(h);
    e.timestamp = 1795694588134242ULL + prng.below(1000000000);
    e.author_signature.fill(0xa5);
    e.namespace_signature.fill(0x5a);
    out.push_back(std::move(e));
  }
  return out;  // sorted: author byte grows with i, keys are zero-padded
}

size_t encoded_size(const WireEntry& e) {
  PostcardWriter w;
  e.encode(w);
  return w.data().size() + 1;  // + ContentStatus
}

struct Case {
  size_t n;
  double diff;  // fraction of the universe in the symmetric difference
  uint64_t cap = 0;
};

// The negentropy reference (in-process, 32-byte ids): wall ms,
// round trips, total bytes. Zero where the issue gives no figure.
struct Reference {
  double ms = 0;
  double rounds = 0;
  double bytes = 0;
};
Reference reference(const Case& c) {
  if (c.n == 1000000 && c.diff == 0.01 && c.cap == 60000) return {6000, 129, 0};
  if (c.cap != 0) return {};
  if (c.n == 1000000 && c.diff == 0.01) return {427, 3, 10.4e6};
  if (c.n == 1000000 && c.diff == 0.0001) return {158, 0, 163e3};
  if (c.n == 100000 && c.diff == 0.01) return {45, 0, 791e3};
  return {};
}

using SyncFn = std::function<Result<LocalSyncResult>(MemoryStore<WireEntry>&,
                                                     MemoryStore<WireEntry>&, ByteView)>;

void run(const std::vector<WireEntry>& universe, const Case& c, const char* cfg_name,
         const SyncFn& sync, Prng& prng) {
  size_t n = c.n;
  size_t d = static_cast<size_t>(static_cast<double>(n) * c.diff);
  std::vector<uint8_t> where(n, 3);  // bit 0: in A, bit 1: in B
  for (size_t k = 0; k < d;) {
    size_t i = prng.below(n);
    if (where[i] != 3) continue;
    where[i] = (k % 2) ? 1 : 2;
    ++k;
  }
  std::vector<WireEntry> va, vb;
  size_t must_cross = 0;
  for (size_t i = 0; i < n; ++i) {
    if (where[i] & 1) va.push_back(universe[i]);
    if (where[i] & 2) vb.push_back(universe[i]);
    if (where[i] != 3) must_cross += encoded_size(universe[i]);
  }
  MemoryStore<WireEntry> a(1), b(2);
  a.assign_sorted(std::move(va));
  b.assign_sorted(std::move(vb));
  Bytes ns(32, 0x5a);
  auto t0 = Clock::now();
  std::clock_t c0 = std::clock();
  auto res = sync(a, b, ns);
  std::clock_t c1 = std::clock();
  auto t1 = Clock::now();
  if (!res) {
    std::printf("error: %s\n", res.error().to_string().c_str());
    std::exit(1);
  }
  bool ok = a.size() == n && b.size() == n;
  char label[128];
  std::snprintf(label, sizeof label, "%zuk/%g%%%s/%s", n / 1000, c.diff * 100,
                c.cap ? "/cap60k" : "", cfg_name);
  double ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
  std::printf("%s wall: %.1f ms\n", label, ms);
  std::printf("%s cpu: %.1f ms\n", label, 1000.0 * static_cast<double>(c1 - c0) / CLOCKS_PER_SEC);
  std::printf("%s rounds: %llu round trips\n", label,
              static_cast<unsigned long long>(res->round_trips()));
  std::printf("%s bytes: %llu B\n", label, static_cast<unsigned long long>(res->wire_bytes));
  std::printf("%s overhead: %lld B\n", label,
              static_cast<long long>(res->wire_bytes) - static_cast<long long>(must_cross));
  std::printf("%s crossed_values: %zu B\n", label, must_cross);
  std::printf("%s largest: %llu B\n", label, static_cast<unsigned long long>(res->largest_message));
  std::printf("%s converged: %d bool\n", label, ok ? 1 : 0);
  Reference ref = reference(c);
  long long overhead = static_cast<long long>(res->wire_bytes) - static_cast<long long>(must_cross);
  if (ref.ms > 0) std::printf("%s vs_negentropy_wall: %.2f x\n", label, ms / ref.ms);
  if (ref.bytes > 0) {
    std::printf("%s vs_negentropy_overhead: %.2f x\n", label,
                static_cast<double>(overhead) / ref.bytes);
  }
  if (ref.rounds > 0) {
    std::printf("%s vs_negentropy_rounds: %.2f x\n", label,
                static_cast<double>(res->round_trips()) / ref.rounds);
  }
  std::fflush(stdout);
}

void range_fingerprint_bench(const std::vector<WireEntry>& universe, Prng& prng) {
  MemoryStore<WireEntry> s(3);
  s.assign_sorted(universe);
  const int q = 100000;
  std::vector<Range> ranges;
  for (int i = 0; i < q; ++i) {
    Bytes x = universe[prng.below(universe.size())].id;
    Bytes y = universe[prng.below(universe.size())].id;
    ranges.push_back(Range{x, y});
  }
  Fingerprint acc;
  auto t0 = Clock::now();
  for (const auto& r : ranges) acc ^= *s.fingerprint(r);
  auto t1 = Clock::now();
  std::printf("range_fingerprint_%zuk: %.3f us/query (xor %02x)\n", universe.size() / 1000,
              std::chrono::duration<double, std::micro>(t1 - t0).count() / q, acc.bytes()[0]);
}

}  // namespace
}  // namespace ferry::reconcile

// Extra iroh-dialect configurations: name=k,m[,cap] separated by ';' in
// FERRY_BENCH_CONFIGS (none by default).
std::vector<std::pair<std::string, ferry::reconcile::RangerConfig>> configs() {
  const char* env = std::getenv("FERRY_BENCH_CONFIGS");
  std::string spec = env ? env : "";
  std::vector<std::pair<std::string, ferry::reconcile::RangerConfig>> out;
  size_t pos = 0;
  while (pos < spec.size()) {
    size_t end = spec.find(';', pos);
    if (end == std::string::npos) end = spec.size();
    std::string item = spec.substr(pos, end - pos);
    pos = end + 1;
    size_t eq = item.find('=');
    if (eq == std::string::npos) continue;
    unsigned k = 2, cap = 0;
    unsigned long long m = 1;
    if (std::sscanf(item.c_str() + eq + 1, "%u,%llu,%u", &k, &m, &cap) < 2) continue;
    out.emplace_back(item.substr(0, eq), ferry::reconcile::RangerConfig{k, m, cap});
  }
  return out;
}

ferry::reconcile::compact::CompactConfig compact_config(uint64_t cap) {
  ferry::reconcile::compact::CompactConfig c;
  if (const char* env = std::getenv("FERRY_COMPACT")) {
    unsigned k = c.split_factor;
    unsigned long long t = c.idlist_threshold, m = c.sub_idlist_max;
    if (std::sscanf(env, "%u,%llu,%llu", &k, &t, &m) >= 1) {
      c.split_factor = k;
      c.idlist_threshold = t;
      c.sub_idlist_max = m;
    }
  }
  c.max_message_bytes = cap;
  return c;
}

int main(int argc, char** argv) {
  using namespace ferry::reconcile;
  std::vector<size_t> sizes;
  for (int i = 1; i < argc; ++i) sizes.push_back(std::strtoull(argv[i], nullptr, 10));
  if (sizes.empty()) sizes = {100000, 1000000};
  auto extra = configs();
  ferry::Prng prng(20261126);
  for (size_t n : sizes) {
    auto universe = make_universe(n, prng);
    std::vector<Case> cases = {{n, 0.01}, {n, 0.0001}};
    if (n >= 1000000) cases.push_back({n, 0.01, 60000});
    for (const auto& c : cases) {
      const char* only = std::getenv("FERRY_BENCH_ONLY");
      std::string only_s = only ? only : "";
      auto compact = compact_config(c.cap);
      if (only_s != "iroh")
        run(
            universe, c, "compact",
            [&](auto& a, auto& b, ferry::ByteView ns) {
              return compact::run_compact_local_sync<WireEntry>(a, b, ns, compact, compact);
            },
            prng);
      RangerConfig iroh{2, 1, c.cap};
      if (only_s != "compact")
        run(
            universe, c, "iroh_k2",
            [&](auto& a, auto& b, ferry::ByteView ns) {
              return run_local_sync<WireEntry>(a, b, ns, iroh, iroh);
            },
            prng);
      if (c.cap != 0) continue;
      for (const auto& [name, cfg] : extra) {
        run(
            universe, c, name.c_str(),
            [&](auto& a, auto& b, ferry::ByteView ns) {
              return run_local_sync<WireEntry>(a, b, ns, cfg, cfg);
            },
            prng);
      }
    }
    range_fingerprint_bench(universe, prng);
  }
  return 0;
}
