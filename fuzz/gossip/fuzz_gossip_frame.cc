// libFuzzer: /iroh-gossip/0 frames. The input is fed to a FrameDecoder in two
// chunks (split at a point the first byte picks) and the body decoder is run
// on the raw input too.
// Invariants: no crash; every decoded message re-encodes to a body that
// decodes to the same message, within the frame limit of the reader.
#include <cstdint>
#include <cstdlib>

#include "proto/gossip/frame.h"

using namespace ferry;
using namespace ferry::proto::gossip;

namespace {
void check_canonical(const Message& m) {
  auto again = decode_message(encode_message(m));
  if (!again || !(*again == m)) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteView in(data, size);
  if (auto m = decode_message(in)) check_canonical(*m);

  FrameDecoder dec;
  size_t cut = size ? data[0] % (size + 1) : 0;
  for (ByteView part : {in.first(cut), in.subspan(cut)}) {
    dec.push(part);
    for (;;) {
      auto m = dec.next();
      if (!m || !*m) break;
      check_canonical(**m);
    }
  }
  if (dec.buffered() > size) std::abort();
  return 0;
}
