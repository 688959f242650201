#include "cli/demo_transfer.h"

#include "bao/decoder.h"

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
  bao::ResponseDecoder decoder(request.hash, request.ranges.ranges_at(0));
  std::unique_ptr<blobs::BlobWriter> writer;
  auto handler = [&](const bao::DecodeEvent& event) -> Status {
    if (auto* s = std::get_if<bao::SizeReceived>(&event)) {
      FERRY_ASSIGN(writer, store.open_writer(request.hash, s->size));
    } else if (auto* p = std::get_if<bao::ParentVerified>(&event)) {
      uint8_t pair[64];
      std::copy_n(p->left.data(), 32, pair);
      std::copy_n(p->right.data(), 32, pair + 32);
      return writer->write_parent(p->node, ByteView(pair, 64));
    } else if (auto* l = std::get_if<bao::LeafVerified>(&event)) {
      return writer->write_leaf(l->offset, l->data);
    }
    return ok();
  };
  FERRY_TRY(decoder.feed(stream, handler));
  FERRY_TRY(decoder.finish());
  if (!writer) return make_error(ErrorCode::kProtocol, "empty response");
  return writer->finish();
}

}  // namespace ferry::cli
