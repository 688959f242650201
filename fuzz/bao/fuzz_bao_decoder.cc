// libFuzzer target (built with -DFERRY_FUZZ=ON and clang): the verifying
// decoder on mutated valid streams and on raw input. Invariant checked: no
// crash, no leaf whose bytes differ from the real blob, every single-blob
// decode either fails or yields exactly the requested data.
#include <cstdint>
#include <cstdlib>

#include "bao/decoder.h"
#include "bao/encoder.h"
#include "bao/outboard.h"
#include "bao/range_spec.h"

using namespace ferry;
using namespace ferry::bao;

namespace {

struct Fixture {
  Bytes data;
  Outboard ob;
  Fixture() : data(70000) {
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>((i * 31) % 253);
    ob = compute_outboard(data);
  }
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

void decode_checked(const ChunkRanges& ranges, ByteView stream, size_t slice) {
  const Fixture& f = fixture();
  ResponseDecoder dec(f.ob.root, ranges);
  auto handler = [&](const DecodeEvent& ev) -> Status {
    if (auto* leaf = std::get_if<LeafVerified>(&ev)) {
      if (leaf->offset > f.data.size() || leaf->data.size() > f.data.size() - leaf->offset ||
          !std::equal(leaf->data.begin(), leaf->data.end(), f.data.begin() + leaf->offset)) {
        std::abort();  // unverified or wrong data emitted
      }
    }
    return ok();
  };
  size_t pos = 0;
  while (pos < stream.size() && !dec.done()) {
    size_t n = std::min(slice, stream.size() - pos);
    auto used = dec.feed(stream.subspan(pos, n), handler);
    if (!dec.check_invariants()) std::abort();
    if (!used) return;
    pos += *used;
  }
  (void)dec.finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* in, size_t len) {
  if (len < 2) return 0;
  const Fixture& f = fixture();
  // Byte 0 picks the ranges, byte 1 the slice size; the rest mutates.
  uint64_t chunks = BaoTree(f.data.size()).chunks();
  uint64_t a = in[0] % (chunks + 2);
  uint64_t b = a + 1 + (in[0] >> 5);
  ChunkRanges ranges = (in[0] & 1) ? ChunkRanges::all() : ChunkRanges::range(a, b);
  size_t slice = 1 + in[1] * 97;
  ByteView rest(in + 2, len - 2);

  // Raw input as a stream.
  decode_checked(ranges, rest, slice);

  // A valid stream with (offset, xor) edits taken from the input.
  Bytes stream = encode_response(f.ob.root, f.data, f.ob.pairs, ranges).value();
  for (size_t i = 0; i + 3 <= rest.size(); i += 3) {
    size_t off = (static_cast<size_t>(rest[i]) << 8 | rest[i + 1]) * 7 % stream.size();
    stream[off] ^= rest[i + 2];
  }
  decode_checked(ranges, stream, slice);

  // The request codec on raw input.
  (void)GetRequest::decode(rest);
  return 0;
}
