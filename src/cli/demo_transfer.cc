#include "cli/demo_transfer.h"

#include "blobs/download.h"

namespace ferry::cli {

Result<Bytes> serve_request(blobs::Store& store, const bao::GetRequest& request) {
  Bytes out;
  FERRY_TRY(store.encode_bao(request.hash, request.ranges.ranges_at(0), [&out](ByteView piece) {
    append(out, piece);
    return ok();
  }));
  return out;
}

Result<blobs::BlobStatus> receive_stream(blobs::Store& store, const bao::GetRequest& request,
                                         ByteView stream) {
  return blobs::download_from_response(store, request.hash, request.ranges.ranges_at(0), stream);
}

}  // namespace ferry::cli
