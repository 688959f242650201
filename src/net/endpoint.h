// Endpoint: every QUIC connection and the disco traffic of one node on one
// UDP socket, sans-IO (datagrams, `now` and commands in; datagrams with real
// destinations and events out). The UDP driver (udp_driver.h) owns the
// socket and the clock.
//
// Receive classification (never by the QUIC fixed bit, which ngtcp2 peers
// may grease): disco magic → disco; STUN cookie → ignored; anything else →
// QUIC, routed by destination connection id; an unroutable Initial creates a
// server connection when server ALPNs are set.
//
// Disco: every Ping is answered with a Pong; dialing sends Pings to all of
// the peer's direct addresses before the first Initial and repeats them
// every second until the handshake completes (iroh drops QUIC from
// addresses it has not seen a Ping from; transport spec §4.3). QUIC starts
// on the first direct address and moves to the first address that answers
// with a Pong, so a dead address in a ticket only costs a retransmission.
//
// Stateless reset: tokens derive from a secret that derives from the node
// key, so a restarted node can reset its peers' stale connections; a
// short-header packet for no known connection is answered with a (smaller,
// rate-limited) reset, unless we have a connection to that address, in
// which case the packet is offered to it (it may be the peer's reset).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/bytes.h"
#include "core/instant.h"
#include "ferry/result.h"
#include "net/disco.h"
#include "net/node_addr.h"
#include "net/node_key.h"
#include "net/quic_connection.h"
#include "net/tls_rpk.h"
#include "net/transmit.h"

namespace ferry::net {

struct EndpointEvent {
  uint64_t conn = 0;
  ConnectionEvent event;
};

struct EndpointOptions {
  QuicConfig quic;
  // Most datagrams per GSO batch (Transmit::segment_size) of one connection;
  // 1 = one datagram per Transmit. 0 = decided by the UDP driver: GSO
  // batches when the kernel supports UDP_SEGMENT, else 1.
  size_t max_segments = 0;
  // ALPNs accepted from incoming connections; empty = refuse all incoming.
  std::vector<std::string> server_alpns;
  size_t max_connections = 4096;
  Duration ping_interval = std::chrono::seconds(1);
};

struct EndpointStats {
  uint64_t disco_pings_received = 0;
  uint64_t disco_pongs_received = 0;
  uint64_t disco_dropped = 0;
  uint64_t quic_unroutable = 0;
  uint64_t stateless_resets_sent = 0;
};

class Endpoint : public CidRegistry {
 public:
  // Errors: kInternal if the TLS identity cannot be built.
  static Result<std::unique_ptr<Endpoint>> create(const SecretKey& key, EndpointOptions options);
  ~Endpoint() override;

  const NodeId& node_id() const { return disco_.our_id(); }
  void set_server_alpns(std::vector<std::string> alpns) {
    options_.server_alpns = std::move(alpns);
  }
  // GSO batch size for transmits from now on (see EndpointOptions).
  void set_max_segments(size_t n) { options_.max_segments = n; }
  size_t max_segments() const { return options_.max_segments; }

  void on_datagram(const SocketAddr& from, ByteView data, Instant now);
  // Appends every datagram ready now (disco first, then QUIC).
  void poll_transmit(Instant now, std::vector<Transmit>& out);
  Instant next_deadline() const;
  void on_deadline(Instant now);
  std::vector<EndpointEvent> take_events();

  // Starts a client connection to `addr.node_id` over its first direct
  // address, offering `alpns` in order of preference (the server picks one;
  // the connection's alpn() names it after the handshake). Errors:
  // kInvalidArgument (no direct address or no ALPN), kResourceExhausted (too
  // many connections), kInternal.
  Result<uint64_t> connect(const NodeAddr& addr, std::vector<std::string> alpns, Instant now);
  Result<uint64_t> connect(const NodeAddr& addr, const std::string& alpn, Instant now) {
    return connect(addr, std::vector<std::string>{alpn}, now);
  }
  // nullptr once the connection is gone (after its kClosed event).
  QuicConnection* connection(uint64_t handle);
  size_t connection_count() const { return conns_.size(); }
  const EndpointStats& stats() const { return stats_; }

  // CidRegistry
  void register_cid(ByteView cid, uint64_t handle) override;
  void unregister_cid(ByteView cid) override;

 private:
  struct Dial {
    NodeId peer;
    std::vector<SocketAddr> addrs;
    Instant next_ping;
    bool ponged = false;  // the first Pong picked the address QUIC uses
  };
  Endpoint(const SecretKey& key, EndpointOptions options, std::shared_ptr<TlsIdentity> identity);
  void on_disco(const SocketAddr& from, ByteView data);
  void send_ping(const NodeId& peer, const SocketAddr& to);
  void on_quic(const SocketAddr& from, ByteView data, Instant now);
  void send_stateless_reset(const SocketAddr& to, ByteView dcid, size_t trigger_len, Instant now);
  void collect_events();
  QuicConnection::Params params_for(const SocketAddr& remote);

  EndpointOptions options_;
  DiscoCrypto disco_;
  std::shared_ptr<TlsIdentity> identity_;
  std::array<uint8_t, 32> reset_secret_{};
  uint64_t next_handle_ = 1;
  std::map<uint64_t, std::unique_ptr<QuicConnection>> conns_;
  std::unordered_map<std::string, uint64_t> cid_map_;
  std::map<uint64_t, Dial> dials_;
  std::vector<Transmit> disco_out_;  // disco and stateless resets
  Instant reset_window_start_;
  uint32_t resets_in_window_ = 0;
  std::vector<EndpointEvent> events_;
  EndpointStats stats_;
};

}  // namespace ferry::net
