// libFuzzer: /iroh-sync/1 frames: the FrameDecoder, the SyncMessage decoder
// and an acceptor SyncSession fed the input in two chunks, then EOF.
// Invariants: no crash; the session's invariants hold after every input.
#include <cstdint>
#include <cstdlib>

#include "proto/sync/session.h"
#include "reconcile/memory_store.h"
#include "reconcile/wire_entry.h"

using namespace ferry;
using namespace ferry::proto::sync;
using reconcile::WireEntry;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteView in(data, size);
  (void)decode_sync_message<WireEntry>(in);

  reconcile::MemoryStore<WireEntry> store(1);
  WireEntry e;
  e.id = Bytes(64, 0);
  e.id.push_back('k');
  (void)store.put(e);
  SessionConfig cfg;
  cfg.max_frame = 1 << 20;
  using Session = SyncSession<WireEntry>;
  Session s = Session::acceptor(
      [&](const NamespaceId&) -> std::variant<Session::Accepted, AbortReason> {
        return Session::Accepted{&store, {}};
      },
      cfg);
  size_t cut = size ? data[0] % (size + 1) : 0;
  s.on_data(in.first(cut));
  while (s.poll_action()) {
  }
  if (!s.check_invariants()) std::abort();
  s.on_data(in.subspan(cut));
  while (s.poll_action()) {
  }
  s.on_eof();
  while (s.poll_action()) {
  }
  if (!s.check_invariants()) std::abort();
  return 0;
}
