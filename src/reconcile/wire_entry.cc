#include "reconcile/wire_entry.h"

#include "crypto/blake3.h"

namespace ferry::reconcile {

Bytes WireEntry::signed_bytes() const {
  Bytes out;
  out.reserve(id.size() + 8 + 32 + 8);
  append(out, id);
  uint8_t buf[8];
  put_u64_be(buf, len);
  append(out, ByteView(buf, 8));
  append(out, hash.view());
  put_u64_be(buf, timestamp);
  append(out, ByteView(buf, 8));
  return out;
}

Fingerprint WireEntry::fingerprint() const {
  crypto::Blake3 h;
  h.update(id);
  uint8_t ts[8];
  put_u64_be(ts, timestamp);
  h.update(ByteView(ts, 8));
  h.update(hash.view());
  return Fingerprint(h.finalize().bytes());
}

void WireEntry::encode(PostcardWriter& w) const {
  w.raw(author_signature);
  w.raw(namespace_signature);
  w.bytes(id);
  w.varint(len);
  w.raw(hash.view());
  w.varint(timestamp);
}

Result<Bytes> decode_record_id(PostcardReader& r) {
  FERRY_ASSIGN(ByteView id, r.bytes());
  if (id.size() < kMinIdSize) {
    return make_error(ErrorCode::kProtocol,
                      "RecordIdentifier of " + std::to_string(id.size()) + " bytes (< 64)");
  }
  return Bytes(id.begin(), id.end());
}

Result<WireEntry> WireEntry::decode(PostcardReader& r) {
  WireEntry e;
  FERRY_ASSIGN(e.author_signature, r.array<64>());
  FERRY_ASSIGN(e.namespace_signature, r.array<64>());
  FERRY_ASSIGN(e.id, decode_record_id(r));
  FERRY_ASSIGN(e.len, r.varint_u64());
  FERRY_ASSIGN(auto hash, r.array<32>());
  e.hash = crypto::Hash(hash);
  FERRY_ASSIGN(e.timestamp, r.varint_u64());
  return e;
}

}  // namespace ferry::reconcile
