// bench_docs [--max-size N] [--inserts N] [--verify N] [--queries N]
// Prints one figure per line, "name: value unit":
//   local_insert_signed_tx1      insert_local (2 Ed25519 signatures + SQLite
//                                WAL, synchronous=NORMAL), one transaction each
//   local_insert_signed_batch    the same, 1000 inserts per transaction
//   bulk_put_<n>                 put() of pre-built entries while building the
//                                n-entry store (batched)
//   index_load_<n>               building the fingerprint index from SQLite
//   index_memory_<n>             approximate heap bytes per entry of the index
//   range_fp_<n>                 fingerprint of a random range (random ids as
//                                endpoints, regular and wrap) from the index
//   range_fp_cpu_<n>, range_fp_scan_cpu_<n>  the same in thread CPU time
//   range_fp_nodes_<n>           tree nodes visited per query (grows with log n)
//   range_fp_scan_<n>            reference: the same kind of query answered by
//                                scanning the range (what iroh does), same run
//   *_cpu                        the same per CPU-second (shared machine)
//   verify_1t / verify_2t        check_remote_entry (two verify_strict) of
//                                received entries on one / two threads
#include <unistd.h>

#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/encoding.h"
#include "crypto/blake3.h"
#include "docs/store.h"
#include "docs/validation.h"

using namespace ferry;
using namespace ferry::docs;
using Clock = std::chrono::steady_clock;

namespace {

// CPU time of the calling thread: robust against other processes sharing
// the cores (the wall-clock figure is printed too).
double thread_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void die(const Error& e) {
  std::fprintf(stderr, "error: %s\n", e.to_string().c_str());
  std::exit(1);
}

template <typename T>
T must(Result<T> r) {
  if (!r) die(r.error());
  return std::move(*r);
}
void must(Status s) {
  if (!s) die(s.error());
}

std::string temp_db(const std::string& name) {
  auto p = std::filesystem::temp_directory_path() /
           ("ferry-bench-docs-" + std::to_string(getpid()) + "-" + name + ".db");
  return p.string();
}

void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}

void bench_local_inserts(uint64_t n) {
  Prng prng(1);
  auto ns = NamespaceSecret::generate(prng);
  auto author = Author::generate(prng);
  std::string path = temp_db("inserts");
  {
    auto store = must(Store::open(path));
    must(store->import_namespace(Capability(ns)));
    must(store->import_author(author));
    auto t0 = Clock::now();
    double c0 = thread_cpu_seconds();
    for (uint64_t i = 0; i < n; ++i) {
      std::string key = "key/" + std::to_string(i);
      must(store->insert_local(ns.id(), author.id(), as_bytes(key), crypto::blake3(as_bytes(key)),
                               100, 1000 + i));
    }
    std::printf("local_insert_signed_tx1: %.0f entries/s\n", n / seconds_since(t0));
    std::printf("local_insert_signed_tx1_cpu: %.0f entries/cpu-s\n",
                n / (thread_cpu_seconds() - c0));
    t0 = Clock::now();
    c0 = thread_cpu_seconds();
    for (uint64_t i = 0; i < n; ++i) {
      if (i % 1000 == 0) must(store->begin_batch());
      std::string key = "batch/" + std::to_string(i);
      must(store->insert_local(ns.id(), author.id(), as_bytes(key), crypto::blake3(as_bytes(key)),
                               100, 1000 + i));
      if (i % 1000 == 999 || i + 1 == n) must(store->commit_batch());
    }
    std::printf("local_insert_signed_batch: %.0f entries/s\n", n / seconds_since(t0));
    std::printf("local_insert_signed_batch_cpu: %.0f entries/cpu-s\n",
                n / (thread_cpu_seconds() - c0));
  }
  remove_db(path);
}

// Grows one store to each size in `sizes` and measures range fingerprints.
void bench_fingerprints(const std::vector<uint64_t>& sizes, uint64_t queries) {
  Prng prng(2);
  auto ns = NamespaceSecret::generate(prng);
  std::vector<AuthorId> authors;
  for (int i = 0; i < 8; ++i) authors.push_back(Author::generate(prng).id());
  auto store = must(Store::open(":memory:"));
  must(store->import_namespace(Capability(ns.id())));
  std::vector<Bytes> ids;
  uint64_t have = 0;
  for (uint64_t size : sizes) {
    store->drop_indexes();
    const uint64_t start = have;
    auto t0 = Clock::now();
    must(store->begin_batch());
    for (; have < size; ++have) {
      // 12-char random keys: no key is a prefix of another, so every put is
      // stored (the prefix rules still run their lookups).
      uint8_t raw[6];
      uint64_t r = prng.next();
      std::memcpy(raw, &r, 6);
      std::string key = hex_encode(ByteView(raw, 6));
      const AuthorId& a = authors[prng.below(authors.size())];
      SignedEntry e{{},
                    Entry{RecordIdentifier(ns.id(), a, as_bytes(key)),
                          Record{10, crypto::blake3(as_bytes(key)), 1000 + have}}};
      must(store->put(e));
      ids.push_back(e.id().bytes());
      if (have % 10000 == 9999) {
        must(store->commit_batch());
        must(store->begin_batch());
      }
    }
    must(store->commit_batch());
    double build = seconds_since(t0);
    std::printf("bulk_put_to_%llu: %.0f entries/s\n", (unsigned long long)size,
                (size - start) / build);
    t0 = Clock::now();
    uint64_t count = must(store->range_count(ns.id(), reconcile::Range{}));
    std::printf("index_load_%llu: %.3f s\n", (unsigned long long)count, seconds_since(t0));
    const FingerprintIndex* idx = must(store->index_for_test(ns.id()));
    std::printf("index_memory_%llu: %.0f bytes/entry\n", (unsigned long long)count,
                static_cast<double>(idx->memory_bytes()) / count);

    auto random_range = [&] {
      return reconcile::Range{ids[prng.below(ids.size())], ids[prng.below(ids.size())]};
    };
    uint8_t sink = 0;
    const uint64_t visited0 = idx->nodes_visited();
    t0 = Clock::now();
    double c0 = thread_cpu_seconds();
    for (uint64_t q = 0; q < queries; ++q) {
      auto fp = must(store->range_fingerprint(ns.id(), random_range()));
      sink ^= fp.bytes()[0];
    }
    std::printf("range_fp_%llu: %.2f us/query\n", (unsigned long long)count,
                seconds_since(t0) * 1e6 / queries);
    std::printf("range_fp_cpu_%llu: %.2f us/query\n", (unsigned long long)count,
                (thread_cpu_seconds() - c0) * 1e6 / queries);
    std::printf("range_fp_nodes_%llu: %.1f nodes/query\n", (unsigned long long)count,
                static_cast<double>(idx->nodes_visited() - visited0) / queries);
    // Reference: scan the range and XOR entry fingerprints (iroh's method).
    uint64_t scans = size >= 1000000 ? 5 : (size >= 100000 ? 20 : 100);
    t0 = Clock::now();
    c0 = thread_cpu_seconds();
    for (uint64_t q = 0; q < scans; ++q) {
      reconcile::Fingerprint acc = reconcile::Fingerprint::empty();
      must(store->range_for_each(ns.id(), random_range(), [&](const SignedEntry& e) {
        acc ^= reconcile::Fingerprint(e.entry.fingerprint().bytes());
        return true;
      }));
      sink ^= acc.bytes()[0];
    }
    std::printf("range_fp_scan_%llu: %.2f us/query\n", (unsigned long long)count,
                seconds_since(t0) * 1e6 / scans);
    std::printf("range_fp_scan_cpu_%llu: %.2f us/query\n", (unsigned long long)count,
                (thread_cpu_seconds() - c0) * 1e6 / scans);
    if (sink == 0x5a) std::printf("# (ignore) %d\n", sink);
  }
}

void bench_verify(uint64_t n) {
  Prng prng(3);
  auto ns = NamespaceSecret::generate(prng);
  std::vector<Author> authors;
  for (int i = 0; i < 16; ++i) authors.push_back(Author::generate(prng));
  std::vector<SignedEntry> entries;
  entries.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    const Author& a = authors[i % authors.size()];
    std::string key = "k" + std::to_string(i);
    entries.push_back(
        must(SignedEntry::sign(ns, a,
                               Entry{RecordIdentifier(ns.id(), a.id(), as_bytes(key)),
                                     Record{5, crypto::blake3(as_bytes(key)), 1000 + i}})));
  }
  auto verify_slice = [&](size_t lo, size_t hi, uint64_t* bad) {
    for (size_t i = lo; i < hi; ++i) {
      if (check_remote_entry(entries[i], ns.id(), 2000000, RemotePath::kSync, {})) ++*bad;
    }
  };
  for (unsigned threads : {1u, 2u}) {
    std::vector<uint64_t> bad(threads, 0);
    auto t0 = Clock::now();
    timespec p0;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &p0);
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) {
      pool.emplace_back(verify_slice, n * t / threads, n * (t + 1) / threads, &bad[t]);
    }
    for (auto& th : pool) th.join();
    double s = seconds_since(t0);
    uint64_t total_bad = 0;
    for (auto b : bad) total_bad += b;
    if (total_bad != 0)
      std::fprintf(stderr, "unexpected: %llu entries failed\n", (unsigned long long)total_bad);
    timespec p1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &p1);
    double cpu = (p1.tv_sec - p0.tv_sec) + (p1.tv_nsec - p0.tv_nsec) * 1e-9;
    std::printf("verify_%ut: %.0f entries/s\n", threads, n / s);
    // Per core, independent of other load: the 2-core capacity is twice this.
    std::printf("verify_%ut_cpu: %.0f entries/cpu-s\n", threads, n / cpu);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures appear as they are measured
  uint64_t max_size = 1000000, inserts = 5000, verify = 20000, queries = 20000;
  for (int i = 1; i + 1 < argc; i += 2) {
    uint64_t v = std::strtoull(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--max-size"))
      max_size = v;
    else if (!std::strcmp(argv[i], "--inserts"))
      inserts = v;
    else if (!std::strcmp(argv[i], "--verify"))
      verify = v;
    else if (!std::strcmp(argv[i], "--queries"))
      queries = v;
  }
  bench_local_inserts(inserts);
  std::vector<uint64_t> sizes;
  for (uint64_t s = 10000; s <= max_size; s *= 10) sizes.push_back(s);
  bench_fingerprints(sizes, queries);
  bench_verify(verify);
  return 0;
}
