#include "proto/gossip/peer_data.h"

#include <algorithm>

#include "core/postcard.h"

namespace ferry::proto::gossip {

Bytes encode_peer_data(const AddrInfo& info) {
  PostcardWriter w;
  if (info.relay_url) {
    w.option_some();
    w.string(info.relay_url->str());
  } else {
    w.option_none();
  }
  auto addrs = info.direct_addresses;
  std::sort(addrs.begin(), addrs.end());
  addrs.erase(std::unique(addrs.begin(), addrs.end()), addrs.end());
  w.seq_len(addrs.size());
  for (const auto& a : addrs) net::encode_socket_addr(w, a);
  return w.take();
}

Result<AddrInfo> decode_peer_data(ByteView data) {
  AddrInfo info;
  if (data.empty()) return info;
  PostcardReader r(data);
  FERRY_ASSIGN(bool has_relay, r.option());
  if (has_relay) {
    FERRY_ASSIGN(std::string url, r.string(net::RelayUrl::kMaxLength));
    FERRY_ASSIGN(info.relay_url, net::RelayUrl::parse(url));
  }
  FERRY_ASSIGN(size_t n, r.seq_len(6));  // tag + 4 address bytes + port at least
  info.direct_addresses.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    FERRY_ASSIGN(auto a, net::decode_socket_addr(r));
    info.direct_addresses.push_back(a);
  }
  std::sort(info.direct_addresses.begin(), info.direct_addresses.end());
  info.direct_addresses.erase(
      std::unique(info.direct_addresses.begin(), info.direct_addresses.end()),
      info.direct_addresses.end());
  return info;
}

}  // namespace ferry::proto::gossip
