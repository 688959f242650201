#include "docs/entry.h"

#include <algorithm>

#include "crypto/blake3.h"

namespace ferry::docs {

RecordIdentifier::RecordIdentifier(const NamespaceId& ns, const AuthorId& author, ByteView key) {
  bytes_.reserve(kPrefixSize + key.size());
  append(bytes_, ns.view());
  append(bytes_, author.view());
  append(bytes_, key);
}

Result<RecordIdentifier> RecordIdentifier::from_bytes(ByteView data) {
  if (data.size() < kPrefixSize) {
    return make_error(ErrorCode::kProtocol, "record identifier shorter than 64 bytes");
  }
  return RecordIdentifier(Bytes(data.begin(), data.end()));
}

Result<RecordIdentifier> RecordIdentifier::decode(PostcardReader& r) {
  FERRY_ASSIGN(ByteView b, r.bytes());
  return from_bytes(b);
}

void Record::encode(PostcardWriter& w) const {
  w.varint(len);
  w.raw(hash.view());
  w.varint(timestamp);
}

Result<Record> Record::decode(PostcardReader& r) {
  Record rec;
  FERRY_ASSIGN(rec.len, r.varint_u64());
  FERRY_ASSIGN(auto h, r.array<32>());
  rec.hash = crypto::Hash(h);
  FERRY_ASSIGN(rec.timestamp, r.varint_u64());
  return rec;
}

std::strong_ordering value_cmp(const Record& a, const Record& b) {
  if (auto c = a.timestamp <=> b.timestamp; c != 0) return c;
  return a.hash <=> b.hash;
}

Bytes Entry::signing_bytes() const {
  Bytes out;
  out.reserve(id.view().size() + 48);
  append(out, id.view());
  uint8_t be[8];
  put_u64_be(be, record.len);
  append(out, ByteView(be, 8));
  append(out, record.hash.view());
  put_u64_be(be, record.timestamp);
  append(out, ByteView(be, 8));
  return out;
}

crypto::Hash Entry::fingerprint() const {
  crypto::Blake3 h;
  h.update(id.view());
  uint8_t be[8];
  put_u64_be(be, record.timestamp);
  h.update(ByteView(be, 8));
  h.update(record.hash.view());
  return h.finalize();
}

Result<Entry> Entry::decode(PostcardReader& r) {
  FERRY_ASSIGN(auto id, RecordIdentifier::decode(r));
  FERRY_ASSIGN(auto rec, Record::decode(r));
  return Entry{std::move(id), rec};
}

Result<SignedEntry> SignedEntry::sign(const NamespaceSecret& ns, const Author& author,
                                      Entry entry) {
  if (entry.id.namespace_id() != ns.id()) {
    return make_error(ErrorCode::kInvalidArgument, "entry namespace does not match the secret");
  }
  if (entry.id.author() != author.id()) {
    return make_error(ErrorCode::kInvalidArgument, "entry author does not match the author key");
  }
  Bytes msg = entry.signing_bytes();
  EntrySignature sig{author.sign(msg), ns.sign(msg)};
  return SignedEntry{sig, std::move(entry)};
}

Status SignedEntry::verify() const {
  Bytes msg = entry.signing_bytes();
  auto st = crypto::verify_strict(namespace_id().public_key(), msg, signature.namespace_signature);
  if (!st) return tl::unexpected(st.error().with_context("namespace signature"));
  st = crypto::verify_strict(author().public_key(), msg, signature.author_signature);
  if (!st) return tl::unexpected(st.error().with_context("author signature"));
  return ok();
}

void SignedEntry::encode(PostcardWriter& w) const {
  w.raw(signature.author_signature.view());
  w.raw(signature.namespace_signature.view());
  entry.encode(w);
}

Bytes SignedEntry::to_bytes() const {
  Bytes out;
  PostcardWriter w(out);
  encode(w);
  return out;
}

Result<SignedEntry> SignedEntry::decode(PostcardReader& r) {
  FERRY_ASSIGN(auto a, r.array<64>());
  FERRY_ASSIGN(auto n, r.array<64>());
  FERRY_ASSIGN(auto e, Entry::decode(r));
  return SignedEntry{EntrySignature{crypto::Signature(a), crypto::Signature(n)}, std::move(e)};
}

Result<SignedEntry> SignedEntry::from_bytes(ByteView data) {
  PostcardReader r(data);
  FERRY_ASSIGN(auto e, decode(r));
  FERRY_TRY(r.expect_end());
  return e;
}

}  // namespace ferry::docs
