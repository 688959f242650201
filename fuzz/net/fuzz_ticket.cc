// Node and blob ticket parsing (strings and raw payloads): never crash;
// a parsed ticket prints to a string that parses back to it.
#include <cstdlib>
#include <string>

#include "net/ticket.h"

using namespace ferry;
using namespace ferry::net;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteView in(data, size);
  std::string text(reinterpret_cast<const char*>(data), size);
  if (auto t = BlobTicket::parse(text)) {
    auto back = BlobTicket::parse(t->to_string());
    if (!back || !(*back == *t)) std::abort();
  }
  (void)NodeTicket::parse(text);
  if (auto t = BlobTicket::decode_payload(in)) {
    auto back = BlobTicket::decode_payload(t->encode_payload());
    if (!back || !(*back == *t)) std::abort();
  }
  if (auto n = NodeTicket::decode_payload(in)) {
    auto back = NodeTicket::decode_payload(n->encode_payload());
    if (!back || !(*back == *n)) std::abort();
  }
  return 0;
}
