// Arbitrary datagrams into a QUIC endpoint that accepts connections: the
// demux (disco / STUN / QUIC), ngtcp2's packet parsing and connection
// creation must never crash, and the endpoint keeps working.
#include "net/endpoint.h"

using namespace ferry;
using namespace ferry::net;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::unique_ptr<Endpoint> ep = [] {
    EndpointOptions opt;
    opt.server_alpns = {"/iroh-bytes/4"};
    opt.max_connections = 64;
    return std::move(*Endpoint::create(*SecretKey::from_bytes(Bytes(32, 9)), opt));
  }();
  static int64_t t = 1'000'000'000;
  t += 1'000'000;
  Instant now = Instant::from_nanos(t);
  SocketAddr from = SocketAddr::v4({10, 0, 0, static_cast<uint8_t>(size & 3)}, 4000);
  ep->on_datagram(from, ByteView(data, size), now);
  std::vector<Transmit> out;
  ep->poll_transmit(now, out);
  (void)ep->take_events();
  // Let handshakes time out so connection state stays bounded.
  if (ep->connection_count() >= 32) {
    Instant later = now + std::chrono::seconds(60);
    ep->on_deadline(later);
    ep->on_deadline(later + std::chrono::seconds(60));
    out.clear();
    ep->poll_transmit(later, out);
    (void)ep->take_events();
  }
  return 0;
}
