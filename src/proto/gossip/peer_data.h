// PeerData on /iroh-gossip/0 (spec iroh-0.35-gossip.md §2.4): the opaque
// bytes inside Join / Neighbor / PeerInfo hold a postcard AddrInfo,
//   AddrInfo = Option<RelayUrl> ‖ varint n ‖ n × SocketAddr,
// i.e. a NodeAddr without its node id (the id comes from the enclosing
// message). A driver decodes it to seed the endpoint's address book; the
// gossip core never looks inside.
#pragma once

#include <optional>
#include <vector>

#include "core/bytes.h"
#include "ferry/result.h"
#include "net/node_addr.h"

namespace ferry::proto::gossip {

struct AddrInfo {
  std::optional<net::RelayUrl> relay_url;
  std::vector<net::SocketAddr> direct_addresses;  // sorted, de-duplicated
  bool operator==(const AddrInfo&) const = default;
};

// Addresses written sorted and de-duplicated (iroh's BTreeSet order).
Bytes encode_peer_data(const AddrInfo& info);

// Empty bytes decode as "no info" (an empty AddrInfo), as in iroh. Addresses
// come back sorted whatever the wire order; trailing bytes are ignored.
// Errors: kProtocol for malformed bytes, kInvalidArgument for a bad relay URL
// (iroh only logs either: the caller should ignore the data, not the peer).
Result<AddrInfo> decode_peer_data(ByteView data);

}  // namespace ferry::proto::gossip
