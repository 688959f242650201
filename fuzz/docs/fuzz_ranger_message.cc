// libFuzzer: ranger Message decoder (spec §4.3), then the Ranger processing
// the decoded message against a small store (hostile ranges, splits,
// values). Invariants: no crash; a decoded message re-encodes to bytes that
// decode to the same message; processing never fails except with kProtocol.
#include <cstdint>
#include <cstdlib>

#include "reconcile/memory_store.h"
#include "reconcile/ranger.h"
#include "reconcile/wire_entry.h"

using namespace ferry;
using namespace ferry::reconcile;

namespace {

MemoryStore<WireEntry> make_store() {
  MemoryStore<WireEntry> s(1);
  Bytes ns(32, 0);
  for (int i = 0; i < 6; ++i) {
    WireEntry e;
    e.id = ns;
    e.id.resize(64, static_cast<uint8_t>(i % 2));
    e.id.push_back(static_cast<uint8_t>('a' + i));
    e.timestamp = static_cast<uint64_t>(i);
    (void)s.put(e);
  }
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto m = decode_message<WireEntry>(ByteView(data, size));
  if (!m) return 0;
  Bytes again = encode_message(*m);
  auto m2 = decode_message<WireEntry>(ByteView(again));
  if (!m2 || !(*m2 == *m)) std::abort();
  auto store = make_store();
  for (uint32_t k : {2u, 5u}) {
    Ranger<WireEntry> r(store, Bytes(32, 0), RangerConfig{k, k - 1});
    auto out = r.process(*m);
    if (!out && out.error().code() != ErrorCode::kProtocol) std::abort();
    if (out && *out) (void)encode_message(**out);
  }
  return 0;
}
