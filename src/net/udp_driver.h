// UdpDriver: the thin I/O shell around a sans-IO Endpoint. It owns one UDP
// socket (Asio, non-blocking), the monotonic clock and one timer; it feeds
// received datagrams to the endpoint, sends what the endpoint produces
// (batched with sendmmsg; GSO batches as one UDP_SEGMENT message each when
// the kernel has it, GRO on receive), and hands connection events to protocol
// handlers (client handlers given to connect(), server ones from the ALPN
// router). Everything runs on the io_context's thread.
//
// A FaultInjector can be installed on the send path (tests only).
#pragma once

#include <asio.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <vector>

#include "net/alpn_router.h"
#include "net/endpoint.h"
#include "net/fault_injector.h"

namespace ferry::net {

// The driver's clock: steady_clock as an Instant.
Instant monotonic_now();

class UdpDriver {
 public:
  // Binds `bind` (e.g. 127.0.0.1:0). Errors: kIo if the socket cannot be
  // bound, kInternal from the endpoint.
  static Result<std::unique_ptr<UdpDriver>> create(asio::io_context& io, const SecretKey& key,
                                                   const SocketAddr& bind, AlpnRouter router,
                                                   EndpointOptions options = {});
  ~UdpDriver();
  UdpDriver(const UdpDriver&) = delete;
  UdpDriver& operator=(const UdpDriver&) = delete;

  const SocketAddr& local_addr() const { return local_; }
  NodeAddr node_addr() const;
  Endpoint& endpoint() { return *endpoint_; }
  QuicConnection* connection(uint64_t conn) { return endpoint_->connection(conn); }

  // Dials `addr` offering `alpns` in order of preference (see
  // Endpoint::connect); `handler` gets every event of the connection.
  Result<uint64_t> connect(const NodeAddr& addr, std::vector<std::string> alpns,
                           std::shared_ptr<ProtocolHandler> handler);
  Result<uint64_t> connect(const NodeAddr& addr, const std::string& alpn,
                           std::shared_ptr<ProtocolHandler> handler) {
    return connect(addr, std::vector<std::string>{alpn}, std::move(handler));
  }
  // Sends whatever is pending and re-arms the timer. Handlers need not call
  // it; code acting on a connection from outside a handler must.
  void flush();
  // Runs `fn` on the driver's thread (callable from any thread), then
  // flushes. Dropped if the driver is gone by then.
  void post(std::function<void()> fn);
  asio::io_context& io() { return io_; }
  // Installs (or removes) a fault injector on the send path.
  void set_faults(std::optional<FaultConfig> faults, uint64_t seed = 1);
  uint64_t datagrams_sent() const { return sent_; }
  uint64_t datagrams_received() const { return received_; }
  // Datagrams that arrived coalesced by GRO (several in one receive).
  uint64_t datagrams_received_coalesced() const { return received_coalesced_; }

 private:
  UdpDriver(asio::io_context& io, std::unique_ptr<Endpoint> endpoint, AlpnRouter router);
  void start_receive();
  void on_readable();
  void process();
  void send_now(std::vector<Transmit>& batch);
  void send_ready(const std::vector<Transmit*>& ready);
  void arm_timer();
  void on_timer();

  struct Delayed {
    Instant at;
    uint64_t seq;
    Transmit t;
    bool operator>(const Delayed& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };

  asio::io_context& io_;
  asio::ip::udp::socket socket_;
  asio::steady_timer timer_;
  std::unique_ptr<Endpoint> endpoint_;
  AlpnRouter router_;
  SocketAddr local_;
  std::map<uint64_t, std::shared_ptr<ProtocolHandler>> handlers_;
  std::optional<FaultInjector> faults_;
  std::priority_queue<Delayed, std::vector<Delayed>, std::greater<>> delayed_;
  uint64_t delayed_seq_ = 0;
  Instant timer_at_ = Instant::max();
  bool in_process_ = false;
  uint64_t sent_ = 0, received_ = 0, received_coalesced_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ferry::net
