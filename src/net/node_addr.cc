#include "net/node_addr.h"

#include <algorithm>
#include <cstring>

#include <arpa/inet.h>

namespace ferry::net {
namespace {

constexpr std::array<uint8_t, 12> kV4MappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

Result<uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) {
    return make_error(ErrorCode::kInvalidArgument, "invalid port");
  }
  uint32_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return make_error(ErrorCode::kInvalidArgument, "invalid port");
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  if (v > 65535) return make_error(ErrorCode::kInvalidArgument, "port out of range");
  return static_cast<uint16_t>(v);
}

}  // namespace

SocketAddr SocketAddr::v4(std::array<uint8_t, 4> octets, uint16_t port) {
  SocketAddr a;
  std::copy(octets.begin(), octets.end(), a.ip.begin());
  a.port = port;
  return a;
}

SocketAddr SocketAddr::v6(const std::array<uint8_t, 16>& octets, uint16_t port) {
  SocketAddr a;
  a.is_v6 = true;
  a.ip = octets;
  a.port = port;
  return a;
}

Result<SocketAddr> SocketAddr::parse(std::string_view text) {
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return make_error(ErrorCode::kInvalidArgument, "invalid IPv6 socket address");
    }
    std::string host(text.substr(1, close - 1));
    std::array<uint8_t, 16> ip{};
    if (inet_pton(AF_INET6, host.c_str(), ip.data()) != 1) {
      return make_error(ErrorCode::kInvalidArgument, "invalid IPv6 address");
    }
    FERRY_ASSIGN(uint16_t port, parse_port(text.substr(close + 2)));
    return v6(ip, port);
  }
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return make_error(ErrorCode::kInvalidArgument, "socket address needs a port");
  }
  std::string host(text.substr(0, colon));
  std::array<uint8_t, 4> ip{};
  if (inet_pton(AF_INET, host.c_str(), ip.data()) != 1) {
    return make_error(ErrorCode::kInvalidArgument, "invalid IPv4 address");
  }
  FERRY_ASSIGN(uint16_t port, parse_port(text.substr(colon + 1)));
  return v4(ip, port);
}

Result<SocketAddr> SocketAddr::from_sockaddr(const sockaddr* sa, socklen_t len) {
  if (sa->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in in{};
    std::memcpy(&in, sa, sizeof(in));
    std::array<uint8_t, 4> ip{};
    std::memcpy(ip.data(), &in.sin_addr, 4);
    return v4(ip, ntohs(in.sin_port));
  }
  if (sa->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, sa, sizeof(in6));
    std::array<uint8_t, 16> ip{};
    std::memcpy(ip.data(), &in6.sin6_addr, 16);
    return v6(ip, ntohs(in6.sin6_port));
  }
  return make_error(ErrorCode::kInvalidArgument, "unsupported address family");
}

socklen_t SocketAddr::to_sockaddr(sockaddr_storage& out) const {
  std::memset(&out, 0, sizeof(out));
  if (is_v6) {
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(port);
    std::memcpy(&in6.sin6_addr, ip.data(), 16);
    std::memcpy(&out, &in6, sizeof(in6));
    return sizeof(in6);
  }
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(port);
  std::memcpy(&in.sin_addr, ip.data(), 4);
  std::memcpy(&out, &in, sizeof(in));
  return sizeof(in);
}

std::string SocketAddr::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (is_v6) {
    inet_ntop(AF_INET6, ip.data(), buf, sizeof(buf));
    return "[" + std::string(buf) + "]:" + std::to_string(port);
  }
  inet_ntop(AF_INET, ip.data(), buf, sizeof(buf));
  return std::string(buf) + ":" + std::to_string(port);
}

std::array<uint8_t, 16> SocketAddr::to_v6_mapped() const {
  if (is_v6) return ip;
  std::array<uint8_t, 16> out{};
  std::copy(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), out.begin());
  std::copy(ip.begin(), ip.begin() + 4, out.begin() + 12);
  return out;
}

SocketAddr SocketAddr::from_v6_mapped(const std::array<uint8_t, 16>& ip, uint16_t port) {
  if (std::equal(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), ip.begin())) {
    return v4({ip[12], ip[13], ip[14], ip[15]}, port);
  }
  return v6(ip, port);
}

bool SocketAddr::is_unspecified() const {
  size_t n = is_v6 ? 16 : 4;
  return std::all_of(ip.begin(), ip.begin() + static_cast<long>(n),
                     [](uint8_t b) { return b == 0; });
}

Result<RelayUrl> RelayUrl::parse(std::string_view text) {
  if (text.size() > kMaxLength) {
    return make_error(ErrorCode::kInvalidArgument, "relay URL too long");
  }
  std::string_view rest;
  if (text.starts_with("https://")) {
    rest = text.substr(8);
  } else if (text.starts_with("http://")) {
    rest = text.substr(7);
  } else {
    return make_error(ErrorCode::kInvalidArgument, "relay URL must be http(s)");
  }
  auto host_end = rest.find_first_of("/?#");
  std::string_view host = rest.substr(0, host_end);
  if (host.empty() || host.front() == ':') {
    return make_error(ErrorCode::kInvalidArgument, "relay URL has no host");
  }
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return make_error(ErrorCode::kInvalidArgument, "relay URL contains invalid characters");
    }
  }
  RelayUrl url;
  url.url_ = std::string(text);
  return url;
}

void encode_socket_addr(PostcardWriter& w, const SocketAddr& addr) {
  w.variant(addr.is_v6 ? 1 : 0);
  w.raw(ByteView(addr.ip).first(addr.is_v6 ? 16 : 4));
  w.varint(addr.port);
}

Result<SocketAddr> decode_socket_addr(PostcardReader& r) {
  FERRY_ASSIGN(uint32_t kind, r.variant(2));
  if (kind == 0) {
    FERRY_ASSIGN(auto ip, r.array<4>());
    FERRY_ASSIGN(uint16_t port, r.varint_u16());
    return SocketAddr::v4(ip, port);
  }
  FERRY_ASSIGN(auto ip, r.array<16>());
  FERRY_ASSIGN(uint16_t port, r.varint_u16());
  return SocketAddr::v6(ip, port);
}

void NodeAddr::encode(PostcardWriter& w) const {
  w.raw(node_id.view());
  if (relay_url) {
    w.option_some();
    w.string(relay_url->str());
  } else {
    w.option_none();
  }
  std::vector<SocketAddr> sorted = direct_addresses;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  w.seq_len(sorted.size());
  for (const auto& a : sorted) encode_socket_addr(w, a);
}

Result<NodeAddr> NodeAddr::decode(PostcardReader& r) {
  NodeAddr out;
  FERRY_ASSIGN(auto id_bytes, r.raw(NodeId::kSize));
  FERRY_ASSIGN(out.node_id, NodeId::from_bytes(id_bytes));
  FERRY_ASSIGN(bool has_relay, r.option());
  if (has_relay) {
    FERRY_ASSIGN(std::string url, r.string(RelayUrl::kMaxLength));
    FERRY_ASSIGN(out.relay_url, RelayUrl::parse(url));
  }
  // Smallest SocketAddr: tag + 4 octets + 1-byte port.
  FERRY_ASSIGN(size_t n, r.seq_len(6));
  out.direct_addresses.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    FERRY_ASSIGN(auto a, decode_socket_addr(r));
    out.direct_addresses.push_back(a);
  }
  // iroh decodes into a BTreeSet: sorted, duplicates dropped.
  std::sort(out.direct_addresses.begin(), out.direct_addresses.end());
  out.direct_addresses.erase(std::unique(out.direct_addresses.begin(), out.direct_addresses.end()),
                             out.direct_addresses.end());
  return out;
}

}  // namespace ferry::net
