#include "net/endpoint.h"

#include <ngtcp2/ngtcp2_crypto.h>
#include <sodium.h>

#include "crypto/blake3.h"

#include <algorithm>

namespace ferry::net {
namespace {

// Datagrams one connection may produce per poll_transmit (fairness among
// connections; the driver polls again while there is more).
constexpr size_t kMaxDatagramsPerPoll = 64;

std::string cid_key(ByteView cid) {
  return std::string(reinterpret_cast<const char*>(cid.data()), cid.size());
}

}  // namespace

Result<std::unique_ptr<Endpoint>> Endpoint::create(const SecretKey& key, EndpointOptions options) {
  FERRY_ASSIGN(auto identity, TlsIdentity::create(key));
  return std::unique_ptr<Endpoint>(new Endpoint(key, std::move(options), std::move(identity)));
}

Endpoint::Endpoint(const SecretKey& key, EndpointOptions options,
                   std::shared_ptr<TlsIdentity> identity)
    : options_(std::move(options)), disco_(key), identity_(std::move(identity)) {
  // Derived from the node key: the same after a restart.
  crypto::Blake3 h;
  h.update(as_bytes("ferry/net stateless-reset secret v1"));
  h.update(key.seed());
  reset_secret_ = h.finalize().bytes();
}

Endpoint::~Endpoint() {
  conns_.clear();  // connections unregister their CIDs from cid_map_
}

void Endpoint::register_cid(ByteView cid, uint64_t handle) {
  cid_map_[cid_key(cid)] = handle;
}

void Endpoint::unregister_cid(ByteView cid) {
  cid_map_.erase(cid_key(cid));
}

QuicConnection::Params Endpoint::params_for(const SocketAddr& remote) {
  QuicConnection::Params p;
  p.handle = next_handle_++;
  p.config = options_.quic;
  p.identity = identity_;
  p.cids = this;
  p.remote = remote;
  p.reset_secret = &reset_secret_;
  return p;
}

void Endpoint::on_datagram(const SocketAddr& from, ByteView data, Instant now) {
  if (data.empty()) return;  // ngtcp2 asserts on empty input (found by fuzz_endpoint_datagram)
  if (looks_like_disco(data)) {
    on_disco(from, data);
  } else if (looks_like_stun(data)) {
    // Only relays and STUN servers send these; Ferry uses neither.
  } else {
    on_quic(from, data, now);
  }
}

void Endpoint::send_ping(const NodeId& peer, const SocketAddr& to) {
  DiscoPing ping;
  randombytes_buf(ping.tx_id.data(), ping.tx_id.size());
  ping.node_key = node_id();
  auto sealed = disco_.seal(peer, ping);
  if (sealed) disco_out_.push_back({to, std::move(*sealed)});
}

void Endpoint::on_disco(const SocketAddr& from, ByteView data) {
  auto opened = disco_.open(data);
  if (!opened) {
    ++stats_.disco_dropped;
    return;
  }
  if (const auto* ping = std::get_if<DiscoPing>(&opened->message)) {
    ++stats_.disco_pings_received;
    auto pong = disco_.seal(opened->sender, DiscoPong{ping->tx_id, from});
    if (pong) disco_out_.push_back({from, std::move(*pong)});
  } else if (std::holds_alternative<DiscoPong>(opened->message)) {
    ++stats_.disco_pongs_received;
    for (auto& [handle, dial] : dials_) {
      if (dial.ponged || dial.peer != opened->sender) continue;
      if (std::find(dial.addrs.begin(), dial.addrs.end(), from) == dial.addrs.end()) continue;
      dial.ponged = true;
      if (auto* c = connection(handle)) c->set_remote(from);
    }
  }
  // CallMeMaybe over UDP is ignored, as iroh does.
}

void Endpoint::on_quic(const SocketAddr& from, ByteView data, Instant now) {
  ngtcp2_version_cid vc{};
  int rv = ngtcp2_pkt_decode_version_cid(&vc, data.data(), data.size(), kCidLen);
  if (rv != 0) {
    ++stats_.quic_unroutable;
    return;
  }
  auto it = cid_map_.find(cid_key(ByteView(vc.dcid, vc.dcidlen)));
  if (it != cid_map_.end()) {
    auto c = conns_.find(it->second);
    if (c != conns_.end()) c->second->on_datagram(data, now);
    return;
  }
  bool long_header = (data[0] & 0x80) != 0;
  if (!long_header) {
    bool offered = false;
    for (auto& [handle, conn] : conns_) {
      if (conn->remote() != from) continue;
      conn->on_datagram(data, now);  // ngtcp2 checks it for a stateless reset
      offered = true;
    }
    if (!offered) send_stateless_reset(from, ByteView(vc.dcid, vc.dcidlen), data.size(), now);
    ++stats_.quic_unroutable;
    return;
  }
  if (options_.server_alpns.empty() || conns_.size() >= options_.max_connections) {
    ++stats_.quic_unroutable;
    return;
  }
  auto p = params_for(from);
  p.alpns = options_.server_alpns;
  uint64_t handle = p.handle;
  auto conn = QuicConnection::accept(std::move(p), data, now);
  if (!conn) {
    ++stats_.quic_unroutable;
    return;
  }
  conns_.emplace(handle, std::move(*conn));
}

void Endpoint::send_stateless_reset(const SocketAddr& to, ByteView dcid, size_t trigger_len,
                                    Instant now) {
  // Strictly smaller than the trigger (so two endpoints cannot loop), at
  // least 22 bytes (1 + 5 random + 16 token), at most 64 per second.
  constexpr size_t kMinTrigger = 23;
  constexpr uint32_t kPerSecond = 64;
  if (trigger_len < kMinTrigger || dcid.size() != kCidLen) return;
  if (now - reset_window_start_ >= std::chrono::seconds(1)) {
    reset_window_start_ = now;
    resets_in_window_ = 0;
  }
  if (resets_in_window_ >= kPerSecond) return;
  ++resets_in_window_;
  ngtcp2_cid cid{};
  cid.datalen = dcid.size();
  std::copy(dcid.begin(), dcid.end(), cid.data);
  uint8_t token[NGTCP2_STATELESS_RESET_TOKENLEN];
  if (ngtcp2_crypto_generate_stateless_reset_token(token, reset_secret_.data(),
                                                   reset_secret_.size(), &cid) != 0) {
    return;
  }
  size_t len = std::min<size_t>(trigger_len - 1, 64);
  uint8_t rand[64];
  size_t randlen = len - 1 - NGTCP2_STATELESS_RESET_TOKENLEN;
  randombytes_buf(rand, randlen);
  Bytes out(len);
  auto n = ngtcp2_pkt_write_stateless_reset(out.data(), out.size(), token, rand, randlen);
  if (n <= 0) return;
  out.resize(static_cast<size_t>(n));
  disco_out_.push_back({to, std::move(out)});
  ++stats_.stateless_resets_sent;
}

Result<uint64_t> Endpoint::connect(const NodeAddr& addr, std::vector<std::string> alpns,
                                   Instant now) {
  if (addr.direct_addresses.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "node address has no direct address");
  }
  if (alpns.empty()) return make_error(ErrorCode::kInvalidArgument, "no ALPN to offer");
  if (conns_.size() >= options_.max_connections) {
    return make_error(ErrorCode::kResourceExhausted, "too many connections");
  }
  auto p = params_for(addr.direct_addresses.front());
  p.alpns = std::move(alpns);
  p.expected_peer = addr.node_id;
  uint64_t handle = p.handle;
  FERRY_ASSIGN(auto conn, QuicConnection::connect(std::move(p), now));
  conns_.emplace(handle, std::move(conn));
  // Ping first: iroh drops QUIC from addresses it has not seen a Ping from.
  for (const auto& a : addr.direct_addresses) send_ping(addr.node_id, a);
  dials_[handle] = Dial{addr.node_id, addr.direct_addresses, now + options_.ping_interval};
  return handle;
}

QuicConnection* Endpoint::connection(uint64_t handle) {
  auto it = conns_.find(handle);
  return it == conns_.end() ? nullptr : it->second.get();
}

void Endpoint::poll_transmit(Instant now, std::vector<Transmit>& out) {
  for (auto& t : disco_out_) out.push_back(std::move(t));
  disco_out_.clear();
  for (auto& [handle, conn] : conns_) {
    conn->write_datagrams(now, out, kMaxDatagramsPerPoll,
                          std::max<size_t>(1, options_.max_segments));
  }
  collect_events();
}

Instant Endpoint::next_deadline() const {
  Instant t = Instant::max();
  for (const auto& [handle, conn] : conns_) t = std::min(t, conn->next_deadline());
  for (const auto& [handle, dial] : dials_) t = std::min(t, dial.next_ping);
  return t;
}

void Endpoint::on_deadline(Instant now) {
  for (auto& [handle, conn] : conns_) {
    if (conn->next_deadline() <= now) conn->on_deadline(now);
  }
  for (auto& [handle, dial] : dials_) {
    if (dial.next_ping > now) continue;
    for (const auto& a : dial.addrs) send_ping(dial.peer, a);
    dial.next_ping = now + options_.ping_interval;
  }
  collect_events();
}

void Endpoint::collect_events() {
  for (auto it = conns_.begin(); it != conns_.end();) {
    auto& conn = it->second;
    for (auto& e : conn->take_events()) {
      if (e.kind == ConnectionEvent::Kind::kHandshakeCompleted ||
          e.kind == ConnectionEvent::Kind::kClosed) {
        dials_.erase(it->first);
      }
      events_.push_back({it->first, std::move(e)});
    }
    if (conn->state() == QuicConnection::State::kClosed) {
      dials_.erase(it->first);
      it = conns_.erase(it);
    } else {
      ++it;
    }
  }
}

std::vector<EndpointEvent> Endpoint::take_events() {
  collect_events();
  return std::exchange(events_, {});
}

}  // namespace ferry::net
