// Disco plaintext decoding and sealed-datagram opening on arbitrary bytes:
// never crash; anything that decodes re-encodes to something that decodes
// to the same message.
#include <cstdlib>

#include "net/disco.h"

using namespace ferry;
using namespace ferry::net;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteView in(data, size);
  auto msg = decode_disco_message(in);
  if (msg) {
    auto again = decode_disco_message(encode_disco_message(*msg));
    if (!again || !(*again == *msg)) std::abort();
  }
  static DiscoCrypto crypto(*SecretKey::from_bytes(Bytes(32, 5)));
  Bytes datagram(kDiscoMagic.begin(), kDiscoMagic.end());
  append(datagram, in);
  (void)crypto.open(datagram);
  (void)looks_like_stun(in);
  return 0;
}
