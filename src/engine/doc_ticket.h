// DocTicket: a document capability plus the nodes to sync it with
// (spec iroh-0.35-wire.md §9, vectors §11). String form "doc" + lowercase
// unpadded base32 of the postcard payload:
//   00 (variant 0) ‖ Capability (00 ‖ 20 ‖ secret[32] | 01 ‖ id[32])
//   ‖ varint n ‖ n × NodeAddr            (n == 0 is rejected, as in iroh)
// Like iroh, parsing ignores trailing payload bytes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "docs/keys.h"
#include "net/node_addr.h"

namespace ferry::engine {

struct DocTicket {
  docs::Capability capability;
  std::vector<net::NodeAddr> nodes;

  Bytes encode_payload() const;
  std::string to_string() const;
  // Errors: kInvalidArgument on a wrong prefix, bad base32, invalid node
  // id or URL; kProtocol on a malformed payload or an empty node list.
  static Result<DocTicket> decode_payload(ByteView payload);
  static Result<DocTicket> parse(std::string_view text);

  bool operator==(const DocTicket&) const = default;
};

}  // namespace ferry::engine
