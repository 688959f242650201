// libFuzzer: SignedEntry decoders: reconcile::WireEntry and, when built with
// the docs model, docs::SignedEntry (plus signature verification of what
// decodes). Invariants: no crash; decode(encode(x)) == x; both decoders
// accept the same inputs, consume the same bytes and encode alike.
#include <cstdint>
#include <cstdlib>

#include "reconcile/wire_entry.h"
#ifdef FERRY_FUZZ_WITH_DOCS
#include "docs/entry.h"
#endif

using namespace ferry;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteView in(data, size);
  PostcardReader r(in);
  auto w = reconcile::WireEntry::decode(r);
  if (w) {
    PostcardWriter out;
    w->encode(out);
    PostcardReader back(out.data());
    auto again = reconcile::WireEntry::decode(back);
    if (!again || !(*again == *w) || !back.at_end()) std::abort();
    (void)w->fingerprint();
  }
#ifdef FERRY_FUZZ_WITH_DOCS
  PostcardReader r2(in);
  auto d = docs::SignedEntry::decode(r2);
  if (d.has_value() != w.has_value()) std::abort();
  if (d) {
    if (r2.position() != r.position()) std::abort();
    PostcardWriter out;
    w->encode(out);
    if (d->to_bytes() != out.data()) std::abort();
    (void)d->verify();
  }
#endif
  return 0;
}
