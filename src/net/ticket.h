// Node and blob tickets: a kind prefix ("node", "blob") followed by the
// lowercase, unpadded RFC 4648 base32 of a postcard payload
// (spec: ../shared/spec/iroh-0.35-wire.md §9, vectors in §11).
//
//   NodeTicket payload: 00 ‖ NodeAddr
//   BlobTicket payload: 00 ‖ NodeAddr ‖ BlobFormat (varint 0 Raw, 1 HashSeq) ‖ hash[32]
//
// Like iroh's postcard::from_bytes, parsing ignores trailing payload bytes.
#pragma once

#include <string>
#include <string_view>

#include "core/bytes.h"
#include "crypto/hash.h"
#include "ferry/result.h"
#include "net/node_addr.h"

namespace ferry::net {

enum class BlobFormat : uint8_t { kRaw = 0, kHashSeq = 1 };

// Longest ticket string we accept; a ticket is short, a megabyte is hostile.
inline constexpr size_t kMaxTicketLength = 64 * 1024;

struct NodeTicket {
  NodeAddr node;

  Bytes encode_payload() const;
  std::string to_string() const;
  // Errors: kInvalidArgument on a wrong prefix, bad base32 or an invalid key
  // or URL; kProtocol on a malformed payload.
  static Result<NodeTicket> decode_payload(ByteView payload);
  static Result<NodeTicket> parse(std::string_view text);

  bool operator==(const NodeTicket&) const = default;
};

struct BlobTicket {
  NodeAddr node;
  BlobFormat format = BlobFormat::kRaw;
  crypto::Hash hash;

  Bytes encode_payload() const;
  std::string to_string() const;
  // Errors as NodeTicket's.
  static Result<BlobTicket> decode_payload(ByteView payload);
  static Result<BlobTicket> parse(std::string_view text);

  bool operator==(const BlobTicket&) const = default;
};

}  // namespace ferry::net
