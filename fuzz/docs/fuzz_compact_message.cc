// libFuzzer: the compact dialect's message decoder (reconcile/
// compact_message.h), then CompactRanger processing the decoded message
// against a small store, fresh and after sending its initial message, with
// and without a message cap. Invariants: no crash; a decoded message
// re-encodes to at most the input's size and decodes back to itself; processing fails only with
// kProtocol; a reply encodes and decodes back to itself.
#include <cstdint>
#include <cstdlib>

#include "reconcile/compact_ranger.h"
#include "reconcile/memory_store.h"
#include "reconcile/wire_entry.h"

using namespace ferry;
using namespace ferry::reconcile;
using namespace ferry::reconcile::compact;

namespace {

MemoryStore<WireEntry> make_store() {
  MemoryStore<WireEntry> s(1);
  Bytes ns(32, 0);
  for (int i = 0; i < 40; ++i) {
    WireEntry e;
    e.id = ns;
    e.id.resize(64, static_cast<uint8_t>(i % 3));
    e.id.push_back(static_cast<uint8_t>('a' + i));
    e.timestamp = static_cast<uint64_t>(i);
    (void)s.put(e);
  }
  return s;
}

void check_reply(const Result<std::optional<CompactMessage<WireEntry>>>& out) {
  if (!out) {
    if (out.error().code() != ErrorCode::kProtocol) std::abort();
    return;
  }
  if (!*out) return;
  Bytes wire = encode_compact(**out);
  auto back = decode_compact<WireEntry>(ByteView(wire));
  if (!back || !(*back == **out)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto m = decode_compact<WireEntry>(ByteView(data, size));
  if (!m) {
    if (m.error().code() != ErrorCode::kProtocol) std::abort();
    return 0;
  }
  // Varints may arrive non-canonical, so compare messages, not bytes.
  Bytes again = encode_compact(*m);
  auto m2 = decode_compact<WireEntry>(ByteView(again));
  if (!m2 || !(*m2 == *m) || again.size() > size) std::abort();
  for (uint64_t cap : {uint64_t{0}, uint64_t{300}}) {
    auto store = make_store();
    CompactConfig cfg{4, 3, 1, cap};
    CompactRanger<WireEntry> fresh(store, Bytes(32, 0), cfg);
    check_reply(fresh.process(*m));
    CompactRanger<WireEntry> dialer(store, Bytes(32, 0), cfg);
    if (!dialer.initial_message()) std::abort();
    check_reply(dialer.process(*m));
  }
  return 0;
}
