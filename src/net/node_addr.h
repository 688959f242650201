// Addresses of a node: SocketAddr (a UDP address), RelayUrl and NodeAddr,
// with iroh's postcard wire form (spec: ../shared/spec/iroh-0.35-wire.md §1
// "std::net::SocketAddr", §9 "NodeAddr").
//
// Relay URLs are parsed and kept byte for byte but never used: Ferry only
// talks over direct UDP paths.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <netinet/in.h>
#include <sys/socket.h>

#include "core/bytes.h"
#include "core/postcard.h"
#include "ferry/result.h"
#include "net/node_key.h"

namespace ferry::net {

// An IPv4 or IPv6 address and port. IPv4 addresses are stored in the first
// four bytes of `ip`. Ordering matches Rust's SocketAddr (V4 before V6, then
// IP bytes, then port), which is the order of iroh's BTreeSet.
struct SocketAddr {
  bool is_v6 = false;
  std::array<uint8_t, 16> ip{};
  uint16_t port = 0;

  static SocketAddr v4(std::array<uint8_t, 4> octets, uint16_t port);
  static SocketAddr v6(const std::array<uint8_t, 16>& octets, uint16_t port);
  // "1.2.3.4:5" or "[::1]:5". Errors: kInvalidArgument.
  static Result<SocketAddr> parse(std::string_view text);
  // From a sockaddr_in / sockaddr_in6. Errors: kInvalidArgument for other
  // families.
  static Result<SocketAddr> from_sockaddr(const sockaddr* sa, socklen_t len);

  // Fills `out`; returns the length to pass to sendto/bind.
  socklen_t to_sockaddr(sockaddr_storage& out) const;
  std::string to_string() const;
  // The 16-byte form used by disco: IPv4 as ::ffff:a.b.c.d.
  std::array<uint8_t, 16> to_v6_mapped() const;
  // Inverse of to_v6_mapped: v4-mapped addresses become IPv4 again.
  static SocketAddr from_v6_mapped(const std::array<uint8_t, 16>& ip, uint16_t port);
  bool is_unspecified() const;

  auto operator<=>(const SocketAddr&) const = default;
};

// A relay server URL such as "https://use1-1.relay.iroh.network./". Kept as
// the exact string that came off the wire so tickets re-encode identically.
class RelayUrl {
 public:
  static constexpr size_t kMaxLength = 2048;
  // Requires an http:// or https:// scheme and a non-empty host.
  // Errors: kInvalidArgument.
  static Result<RelayUrl> parse(std::string_view text);
  const std::string& str() const { return url_; }
  bool operator==(const RelayUrl&) const = default;

 private:
  std::string url_;
};

struct NodeAddr {
  NodeId node_id;
  std::optional<RelayUrl> relay_url;
  // Direct UDP addresses. encode() writes them sorted and de-duplicated;
  // decode() returns them so (iroh's BTreeSet), whatever the wire order.
  std::vector<SocketAddr> direct_addresses;

  // postcard: node_id[32] ‖ Option<RelayUrl> ‖ varint n ‖ n × SocketAddr.
  void encode(PostcardWriter& w) const;
  // Errors: kProtocol on malformed input, kInvalidArgument on an invalid
  // node id point or relay URL.
  static Result<NodeAddr> decode(PostcardReader& r);

  bool operator==(const NodeAddr&) const = default;
};

void encode_socket_addr(PostcardWriter& w, const SocketAddr& addr);
Result<SocketAddr> decode_socket_addr(PostcardReader& r);

}  // namespace ferry::net
