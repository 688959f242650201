// Scheduler at scale: 1,000,000 resources in 100 groups x 10,000 nodes.
//
// Each node joins one group (node i -> group i % 100); each resource is
// wanted with hints {nodes: one member of its group, groups: its group}, as
// the engine does after a remote insert. A fake driver answers at once: every
// Connect with Connected, every StartTransfer with TransferFinished (FIFO).
// Virtual time advances 1 us per event.
//
// Figures:
//  - events handled per second: every scheduler call (add_node,
//    add_resource, handle) over wall time, for the add phase, the transfer
//    phase (until every resource completed) and both together;
//    Rates are given against wall time and against process CPU time
//    (getrusage), since the machine may be shared;
//  - reference, same run and workload shape: the founding design's fill loop
//    (each node rescans its whole candidate list on every fill), stripped to
//    its core (no hints, limits or timers), on the same 1,000,000 resources,
//    100 groups, 1,024 concurrent transfers;
//  - bytes of memory per resource: heap in use (glibc mallinfo2(): uordblks
//    for arena allocations plus hblkhd for large mmap'ed blocks such as big
//    vectors; this counts every live allocation including container slack
//    and malloc headers) after all resources were added, minus before,
//    divided by the number of resources. Node records and groups are
//    included; the benchmark's own inbox of pending driver answers is not
//    (it is measured after being emptied... see heap figure below).
#include <malloc.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>

#include "downloader/scheduler.h"

using namespace ferry;
using namespace ferry::downloader;

namespace {

NodeId node(uint32_t n) {
  NodeId id;
  std::memcpy(id.bytes.data(), &n, sizeof(n));
  id.bytes[8] = 0x4e;
  return id;
}
GroupId group(uint32_t g) {
  std::array<uint8_t, 32> b{};
  std::memcpy(b.data(), &g, sizeof(g));
  return GroupId::doc(b);
}
Resource resource(uint32_t r) {
  std::array<uint8_t, 32> b{};
  // Spread the bits like a real hash would.
  uint64_t x = r * 0x9e3779b97f4a7c15ULL;
  x ^= x >> 29;
  std::memcpy(b.data(), &x, sizeof(x));
  std::memcpy(b.data() + 8, &r, sizeof(r));
  return Resource{crypto::Hash(b), ResourceKind::kBlob};
}

size_t heap_in_use() {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

double cpu_seconds() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The founding design's core: per group a candidate list; a node with a free
// slot rescans its list from the front for the first resource not yet
// started. Returns events (adds + completions) per wall second.
double naive_rescan_events_per_second(uint32_t resources, uint32_t groups, uint32_t slots) {
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::vector<uint32_t>> candidates(groups);
  std::vector<uint8_t> started(resources, 0);
  uint64_t events = 0;
  for (uint32_t r = 0; r < resources; ++r) {
    candidates[r % groups].push_back(r);
    ++events;
  }
  std::deque<std::pair<uint32_t, uint32_t>> running;  // (group, resource)
  auto fill = [&](uint32_t g) {
    for (uint32_t r : candidates[g]) {
      if (!started[r]) {
        started[r] = 1;
        running.emplace_back(g, r);
        return;
      }
    }
  };
  for (uint32_t k = 0; k < slots; ++k) fill(k % groups);
  while (!running.empty()) {
    auto [g, r] = running.front();
    running.pop_front();
    ++events;  // TransferFinished
    fill(g);
  }
  return static_cast<double>(events) / seconds_since(t0);
}

}  // namespace

int main(int argc, char** argv) {
  // --hint-outside-group: hint a node of another group, so every resource
  // also sits in that node's direct set (the costlier layout).
  // --no-reference: skip the reference loop (for profiling).
  bool outside = false, reference = true;
  for (int i = 1; i < argc; ++i) {
    outside |= std::strcmp(argv[i], "--hint-outside-group") == 0;
    reference &= std::strcmp(argv[i], "--no-reference") != 0;
  }
  constexpr uint32_t kResources = 1'000'000, kGroups = 100, kNodes = 10'000;
  Config config;
  config.max_transfers = 1024;
  config.max_transfers_per_node = 4;
  config.max_connections = 512;
  config.max_dials = 64;

  size_t heap0 = heap_in_use();
  Scheduler s(config, 1);
  int64_t t_us = 0;
  auto now = [&] { return Instant::from_nanos(++t_us * 1000); };
  std::deque<Event> inbox;
  uint64_t completed = 0, events = 0;
  auto drain = [&] {
    while (auto a = s.poll_action()) {
      if (auto* c = std::get_if<Connect>(&*a))
        inbox.push_back(Connected{c->node});
      else if (auto* st = std::get_if<StartTransfer>(&*a))
        inbox.push_back(TransferFinished{st->transfer});
      else if (std::holds_alternative<IntentCompleted>(*a))
        ++completed;
    }
  };

  auto t0 = std::chrono::steady_clock::now();
  double c0 = cpu_seconds();
  for (uint32_t n = 0; n < kNodes; ++n) {
    s.add_node(node(n), {.groups = {group(n % kGroups)}}, now());
    ++events;
    drain();
  }
  // Hold the driver's answers back during the add phase, so the memory
  // figure sees all resources wanted at once.
  for (uint32_t r = 0; r < kResources; ++r) {
    uint32_t g = r % kGroups;
    uint32_t hinted = g + kGroups * ((r / kGroups) % (kNodes / kGroups));
    if (outside) hinted = (hinted + 1) % kNodes;  // a member of group g + 1
    s.add_resource(resource(r), {}, {.nodes = {node(hinted)}, .groups = {group(g)}}, now());
    ++events;
    drain();
  }
  double add_s = seconds_since(t0);
  double add_cpu = cpu_seconds() - c0;
  uint64_t add_events = events;
  // The inbox holds the fake driver's pending answers (Connected events);
  // it belongs to the benchmark, not to the scheduler.
  size_t inbox_bytes = 0;
  {
    std::deque<Event> copy(inbox);
    size_t before = heap_in_use();
    copy.clear();
    copy.shrink_to_fit();
    inbox_bytes = before - heap_in_use();
  }
  size_t heap1 = heap_in_use() - inbox_bytes;
  std::printf("resources: %u\n", kResources);
  std::printf("hint: %s\n", outside ? "node outside the group" : "node of the group");
  std::printf("memory per resource: %.1f bytes\n", static_cast<double>(heap1 - heap0) / kResources);
  std::printf("add phase events per second: %.0f /s\n", static_cast<double>(add_events) / add_s);
  std::printf("add phase events per cpu second: %.0f /s\n",
              static_cast<double>(add_events) / add_cpu);

  auto t1 = std::chrono::steady_clock::now();
  double c1 = cpu_seconds();
  while (!inbox.empty()) {
    Event e = inbox.front();
    inbox.pop_front();
    s.handle(e, now());
    ++events;
    drain();
    if (std::holds_alternative<TransferFinished>(e) && inbox.empty() && s.next_deadline()) {
      s.handle(DeadlineReached{}, *s.next_deadline());
      ++events;
      drain();
    }
  }
  double transfer_s = seconds_since(t1);
  double transfer_cpu = cpu_seconds() - c1;
  std::printf("transfer phase events per second: %.0f /s\n",
              static_cast<double>(events - add_events) / transfer_s);
  std::printf("transfer phase events per cpu second: %.0f /s\n",
              static_cast<double>(events - add_events) / transfer_cpu);
  std::printf("events per second: %.0f /s\n", static_cast<double>(events) / (add_s + transfer_s));
  std::printf("events per cpu second: %.0f /s\n",
              static_cast<double>(events) / (add_cpu + transfer_cpu));
  std::printf("events handled: %llu\n", static_cast<unsigned long long>(events));
  std::printf("resources completed: %llu\n", static_cast<unsigned long long>(completed));
  if (reference)
    std::printf("reference naive rescan events per second: %.0f /s\n",
                naive_rescan_events_per_second(kResources, kGroups, config.max_transfers));
  return completed == kResources ? 0 : 1;
}
