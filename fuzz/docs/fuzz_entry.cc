// libFuzzer: Entry decoder (RecordIdentifier ‖ Record, spec §3) of the docs
// model, and the ranger Range decoder. Invariants: no crash; a decoded value
// re-encodes to bytes that decode to the same value (not necessarily the
// input bytes: postcard accepts overlong varints, as Rust's does).
#include <cstdint>
#include <cstdlib>

#include "reconcile/message.h"
#ifdef FERRY_FUZZ_WITH_DOCS
#include "docs/entry.h"
#endif

using namespace ferry;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteView in(data, size);
  {
    PostcardReader r(in);
    auto range = reconcile::decode_range(r);
    if (range) {
      PostcardWriter w;
      reconcile::encode_range(*range, w);
      PostcardReader back(w.data());
      auto again = reconcile::decode_range(back);
      if (!again || !(*again == *range) || !back.at_end()) std::abort();
      (void)range->contains(range->x);
    }
  }
#ifdef FERRY_FUZZ_WITH_DOCS
  PostcardReader r(in);
  auto e = docs::Entry::decode(r);
  if (e) {
    PostcardWriter w;
    e->encode(w);
    PostcardReader back(w.data());
    auto again = docs::Entry::decode(back);
    if (!again || !(*again == *e) || !back.at_end()) std::abort();
    (void)e->signing_bytes();
    (void)e->fingerprint();
  }
#endif
  return 0;
}
