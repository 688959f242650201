// /iroh-bytes/4 decoding of peer input: a provider decoding a request and
// serving it from a small store, and a getter verifying an arbitrary
// response for a known blob. Never crash; a decoded request re-encodes to
// one that decodes the same; a getter never completes a blob from bytes
// that are not the blob.
#include <cstdlib>

#include "blobs/mem_store.h"
#include "proto/blobs/get_session.h"
#include "proto/blobs/provider.h"

using namespace ferry;
using namespace ferry::proto::blobs;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteView in(data, size);
  static auto store = [] {
    auto s = ferry::blobs::make_mem_store();
    Bytes blob(40000);
    for (size_t i = 0; i < blob.size(); ++i) blob[i] = static_cast<uint8_t>(i * 7 % 251);
    auto r = s->import_bytes(blob);
    static auto tag = std::move(r->tag);
    return s;
  }();
  static const crypto::Hash known = store->list()->front().hash;

  // Provider side. Point requests at the known hash half the time so the
  // encoder runs on real data.
  Bytes req(in.begin(), in.end());
  if (size > 33 && (data[0] & 1) == 0)
    std::copy(known.bytes().begin(), known.bytes().end(), req.begin() + 1);
  if (auto get = decode_request(req)) {
    auto again = bao::GetRequest::decode(get->encode());
    if (!again || !(*again == *get)) std::abort();
    size_t produced = 0;
    (void)serve_request(*store, *get, [&](ByteView b) -> Status {
      produced += b.size();
      if (produced > (4u << 20)) return make_error(ErrorCode::kCancelled, "enough");
      return ok();
    });
  }

  // Getter side: an arbitrary response for the known blob into a fresh store.
  auto fresh = ferry::blobs::make_mem_store();
  GetSession session(*fresh,
                     bao::GetRequest{known, bao::RangeSpecSeq::single(bao::ChunkRanges::all())});
  if (session.on_data(in) && session.on_finish()) {
    auto st = fresh->status(known);
    if (!st || !st->is_complete()) std::abort();
  }
  return 0;
}
