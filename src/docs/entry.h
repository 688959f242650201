// Document entries (spec iroh-0.35-wire.md §3): RecordIdentifier, Record,
// Entry, SignedEntry, their postcard forms, the signed bytes, signatures,
// entry fingerprints and the value order used for last-writer-wins.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

#include "core/bytes.h"
#include "core/postcard.h"
#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "docs/keys.h"
#include "ferry/result.h"

namespace ferry::docs {

// namespace(32) ‖ author(32) ‖ key. Invariant: at least 64 bytes.
// Totally ordered by the raw bytes (the ranger's order): by namespace, then
// author, then key bytewise, a prefix before its extensions.
class RecordIdentifier {
 public:
  static constexpr size_t kPrefixSize = 64;

  // The default: 64 zero bytes and an empty key.
  RecordIdentifier() : bytes_(kPrefixSize, 0) {}
  RecordIdentifier(const NamespaceId& ns, const AuthorId& author, ByteView key);
  // kProtocol if data is shorter than 64 bytes.
  static Result<RecordIdentifier> from_bytes(ByteView data);

  NamespaceId namespace_id() const { return NamespaceId::from_bytes(bytes_); }
  AuthorId author() const { return AuthorId::from_bytes(ByteView(bytes_).subspan(32, 32)); }
  ByteView key() const { return ByteView(bytes_).subspan(kPrefixSize); }
  ByteView view() const { return bytes_; }
  const Bytes& bytes() const { return bytes_; }

  // Postcard: varint(64 + len(key)) ‖ namespace ‖ author ‖ key.
  void encode(PostcardWriter& w) const { w.bytes(bytes_); }
  // kProtocol on truncation or an identifier under 64 bytes.
  static Result<RecordIdentifier> decode(PostcardReader& r);

  auto operator<=>(const RecordIdentifier& o) const {
    return std::lexicographical_compare_three_way(bytes_.begin(), bytes_.end(), o.bytes_.begin(),
                                                  o.bytes_.end());
  }
  bool operator==(const RecordIdentifier& o) const = default;

 private:
  explicit RecordIdentifier(Bytes b) : bytes_(std::move(b)) {}
  Bytes bytes_;
};

// The value of an entry: content length, BLAKE3 hash, timestamp (µs since
// the Unix epoch). "Empty" (a tombstone) means hash == Hash::empty(),
// whatever len is (the query layer's and the parent check's definition).
struct Record {
  uint64_t len = 0;
  crypto::Hash hash;
  uint64_t timestamp = 0;

  // A deletion marker: len 0, the empty hash.
  static Record tombstone(uint64_t timestamp) {
    return Record{0, crypto::Hash::empty(), timestamp};
  }
  bool is_empty() const { return hash == crypto::Hash::empty(); }
  // len == 0 ⟺ hash == EMPTY (checked for gossip and local inserts only).
  bool is_empty_consistent() const { return (len == 0) == is_empty(); }

  // Postcard: varint(len) ‖ hash[32] ‖ varint(timestamp).
  void encode(PostcardWriter& w) const;
  static Result<Record> decode(PostcardReader& r);

  bool operator==(const Record&) const = default;
};

// Value order for last-writer-wins: timestamp, then hash bytewise; len is
// ignored (so two records can compare equal with different len).
std::strong_ordering value_cmp(const Record& a, const Record& b);

struct Entry {
  RecordIdentifier id;
  Record record;

  // The bytes both signatures cover (Entry::encode, not postcard):
  // namespace ‖ author ‖ key ‖ len u64 BE ‖ hash ‖ timestamp u64 BE.
  Bytes signing_bytes() const;
  // BLAKE3(namespace ‖ author ‖ key ‖ timestamp u64 BE ‖ hash) (§4.1).
  crypto::Hash fingerprint() const;

  void encode(PostcardWriter& w) const {
    id.encode(w);
    record.encode(w);
  }
  static Result<Entry> decode(PostcardReader& r);

  bool operator==(const Entry&) const = default;
};

struct EntrySignature {
  crypto::Signature author_signature;
  crypto::Signature namespace_signature;

  bool operator==(const EntrySignature&) const = default;
};

struct SignedEntry {
  EntrySignature signature;
  Entry entry;

  // Signs `entry` with both keys. kInvalidArgument if the entry's namespace
  // or author does not match the keys.
  static Result<SignedEntry> sign(const NamespaceSecret& ns, const Author& author, Entry entry);

  // Both signatures verify_strict against the entry's own NamespaceId and
  // AuthorId. kCorrupt naming the failing signature.
  Status verify() const;

  const RecordIdentifier& id() const { return entry.id; }
  const Record& record() const { return entry.record; }
  NamespaceId namespace_id() const { return entry.id.namespace_id(); }
  AuthorId author() const { return entry.id.author(); }
  ByteView key() const { return entry.id.key(); }

  // Postcard: author_sig[64] ‖ namespace_sig[64] ‖ Entry.
  void encode(PostcardWriter& w) const;
  Bytes to_bytes() const;
  static Result<SignedEntry> decode(PostcardReader& r);
  // Decodes one SignedEntry that must span all of `data` (kProtocol on
  // trailing bytes).
  static Result<SignedEntry> from_bytes(ByteView data);

  bool operator==(const SignedEntry&) const = default;
};

}  // namespace ferry::docs
