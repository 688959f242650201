// Decoder -> writer glue: see download.h.
#include "blobs/download.h"

#include <variant>

namespace ferry::blobs {

Status write_decoded(BlobWriter& writer, const bao::DecodeEvent& event) {
  if (const auto* p = std::get_if<bao::ParentVerified>(&event)) {
    uint8_t pair[64];
    std::copy(p->left.bytes().begin(), p->left.bytes().end(), pair);
    std::copy(p->right.bytes().begin(), p->right.bytes().end(), pair + 32);
    return writer.write_parent(p->node, ByteView(pair, 64));
  }
  if (const auto* l = std::get_if<bao::LeafVerified>(&event)) {
    return writer.write_leaf(l->offset, l->data);
  }
  return ok();
}

Result<BlobStatus> download_from_response(Store& store, const Hash& hash,
                                          const bao::ChunkRanges& ranges, ByteView response) {
  bao::ResponseDecoder decoder(hash, ranges);
  std::unique_ptr<BlobWriter> writer;
  // The writer can only be opened once the size header is known.
  auto handler = [&](const bao::DecodeEvent& ev) -> Status {
    if (const auto* s = std::get_if<bao::SizeReceived>(&ev)) {
      FERRY_ASSIGN(writer, store.open_writer(hash, s->size));
      return ok();
    }
    if (!writer) return make_error(ErrorCode::kInternal, "decoder event before size");
    return write_decoded(*writer, ev);
  };
  auto used = decoder.feed(response, handler);
  Status decoded = used ? decoder.finish() : Status(tl::unexpected(used.error()));
  if (decoded && *used != response.size()) {
    decoded = make_error(ErrorCode::kProtocol, "extra bytes after the blob's response");
  }
  if (!writer) {
    if (!decoded) return tl::unexpected(decoded.error());
    return store.status(hash);
  }
  // Keep whatever was verified, even when the stream failed later on.
  FERRY_ASSIGN(auto status, writer->finish());
  if (!decoded) return tl::unexpected(decoded.error());
  return status;
}

}  // namespace ferry::blobs
