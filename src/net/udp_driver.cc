#include "net/udp_driver.h"

#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <cstring>

namespace ferry::net {
namespace {

constexpr size_t kRecvBatch = 32;
constexpr size_t kSendBatch = 64;
constexpr size_t kMaxDatagram = 65536;
// Datagrams per GSO batch when the kernel offers UDP_SEGMENT (its limit).
constexpr size_t kGsoSegments = 64;

}  // namespace

Instant monotonic_now() {
  return Instant::from_nanos(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::steady_clock::now().time_since_epoch())
                                 .count());
}

Result<std::unique_ptr<UdpDriver>> UdpDriver::create(asio::io_context& io, const SecretKey& key,
                                                     const SocketAddr& bind, AlpnRouter router,
                                                     EndpointOptions options) {
  options.server_alpns = router.alpns();
  std::unique_ptr<UdpDriver> d(new UdpDriver(io, nullptr, std::move(router)));
  sockaddr_storage ss{};
  socklen_t len = bind.to_sockaddr(ss);
  asio::error_code ec;
  auto proto = bind.is_v6 ? asio::ip::udp::v6() : asio::ip::udp::v4();
  d->socket_.open(proto, ec);
  if (!ec) d->socket_.non_blocking(true, ec);
  if (!ec) {
    // Big buffers so bursts are not dropped by the kernel on loopback.
    d->socket_.set_option(asio::socket_base::receive_buffer_size(8 << 20), ec);
    d->socket_.set_option(asio::socket_base::send_buffer_size(8 << 20), ec);
    ec.clear();
    // Don't-Fragment, so ngtcp2's path MTU probes tell the truth.
    int df = bind.is_v6 ? IPV6_PMTUDISC_DO : IP_PMTUDISC_DO;
    int rv = bind.is_v6 ? setsockopt(d->socket_.native_handle(), IPPROTO_IPV6, IPV6_MTU_DISCOVER,
                                     &df, sizeof(df))
                        : setsockopt(d->socket_.native_handle(), IPPROTO_IP, IP_MTU_DISCOVER, &df,
                                     sizeof(df));
    options.quic.enable_pmtud = rv == 0;
    int fd = d->socket_.native_handle();
    if (options.max_segments == 0) {
      // GSO: the kernel knows UDP_SEGMENT (Linux >= 4.18).
      int gso = 0;
      socklen_t gso_len = sizeof(gso);
      bool has_gso = getsockopt(fd, SOL_UDP, UDP_SEGMENT, &gso, &gso_len) == 0;
      options.max_segments = has_gso ? kGsoSegments : 1;
    }
    // GRO: the kernel may hand us several same-size datagrams at once; the
    // receive path splits them (on_readable).
    int on = 1;
    setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof(on));
    if (::bind(d->socket_.native_handle(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
      return make_error(ErrorCode::kIo,
                        std::string("bind ") + bind.to_string() + ": " + std::strerror(errno));
    }
  }
  if (ec) return make_error(ErrorCode::kIo, "udp socket: " + ec.message());
  FERRY_ASSIGN(d->endpoint_, Endpoint::create(key, std::move(options)));
  sockaddr_storage local{};
  socklen_t local_len = sizeof(local);
  getsockname(d->socket_.native_handle(), reinterpret_cast<sockaddr*>(&local), &local_len);
  FERRY_ASSIGN(d->local_,
               SocketAddr::from_sockaddr(reinterpret_cast<sockaddr*>(&local), local_len));
  d->start_receive();
  return d;
}

UdpDriver::UdpDriver(asio::io_context& io, std::unique_ptr<Endpoint> endpoint, AlpnRouter router)
    : io_(io),
      socket_(io),
      timer_(io),
      endpoint_(std::move(endpoint)),
      router_(std::move(router)) {}

UdpDriver::~UdpDriver() {
  *alive_ = false;
  asio::error_code ec;
  timer_.cancel();
  socket_.close(ec);
}

NodeAddr UdpDriver::node_addr() const {
  return NodeAddr{endpoint_->node_id(), std::nullopt, {local_}};
}

Result<uint64_t> UdpDriver::connect(const NodeAddr& addr, std::vector<std::string> alpns,
                                    std::shared_ptr<ProtocolHandler> handler) {
  FERRY_ASSIGN(uint64_t h, endpoint_->connect(addr, std::move(alpns), monotonic_now()));
  handlers_[h] = std::move(handler);
  flush();
  return h;
}

void UdpDriver::post(std::function<void()> fn) {
  std::weak_ptr<bool> alive = alive_;
  asio::post(io_, [this, alive, fn = std::move(fn)] {
    if (alive.expired()) return;
    fn();
    process();
  });
}

void UdpDriver::set_faults(std::optional<FaultConfig> faults, uint64_t seed) {
  if (faults) {
    faults_.emplace(*faults, seed);
  } else {
    faults_.reset();
  }
}

void UdpDriver::start_receive() {
  std::weak_ptr<bool> alive = alive_;
  socket_.async_wait(asio::ip::udp::socket::wait_read, [this, alive](const asio::error_code& ec) {
    if (ec || alive.expired()) return;
    on_readable();
    start_receive();
  });
}

void UdpDriver::on_readable() {
  // recvmmsg in batches of kRecvBatch slots of up to kMaxDatagram bytes; a
  // slot holds one datagram, or with GRO several of the size the UDP_GRO
  // control message gives (the last may be shorter).
  static thread_local std::vector<uint8_t> buf(kRecvBatch * kMaxDatagram);
  mmsghdr msgs[kRecvBatch];
  iovec iov[kRecvBatch];
  sockaddr_storage from[kRecvBatch];
  alignas(cmsghdr) uint8_t ctrl[kRecvBatch][CMSG_SPACE(sizeof(int))];
  for (int round = 0; round < 4; ++round) {
    std::memset(msgs, 0, sizeof(msgs));
    for (size_t i = 0; i < kRecvBatch; ++i) {
      iov[i].iov_base = buf.data() + i * kMaxDatagram;
      iov[i].iov_len = kMaxDatagram;
      msgs[i].msg_hdr.msg_name = &from[i];
      msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_control = ctrl[i];
      msgs[i].msg_hdr.msg_controllen = sizeof(ctrl[i]);
    }
    int n = ::recvmmsg(socket_.native_handle(), msgs, kRecvBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) break;
    Instant now = monotonic_now();
    for (int i = 0; i < n; ++i) {
      auto src = SocketAddr::from_sockaddr(reinterpret_cast<sockaddr*>(&from[i]),
                                           msgs[i].msg_hdr.msg_namelen);
      if (!src) continue;
      size_t len = msgs[i].msg_len;
      size_t segment = len;
      for (cmsghdr* c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c != nullptr;
           c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
        if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
          int gso = 0;
          std::memcpy(&gso, CMSG_DATA(c), sizeof(gso));
          if (gso > 0) segment = static_cast<size_t>(gso);
        }
      }
      const uint8_t* base = buf.data() + i * kMaxDatagram;
      if (segment < len) received_coalesced_ += (len + segment - 1) / segment;
      for (size_t off = 0; off < len; off += segment) {
        ++received_;
        endpoint_->on_datagram(*src, ByteView(base + off, std::min(segment, len - off)), now);
      }
    }
    if (static_cast<size_t>(n) < kRecvBatch) break;
  }
  process();
}

void UdpDriver::flush() {
  process();
}

void UdpDriver::process() {
  if (in_process_) return;  // a handler called flush(); the outer loop continues
  in_process_ = true;
  std::vector<Transmit> out;
  for (int round = 0; round < 64; ++round) {
    Instant now = monotonic_now();
    auto events = endpoint_->take_events();
    for (const auto& e : events) {
      std::shared_ptr<ProtocolHandler> h;
      auto it = handlers_.find(e.conn);
      if (it != handlers_.end()) {
        h = it->second;
      } else if (e.event.kind == ConnectionEvent::Kind::kHandshakeCompleted) {
        if (auto* c = endpoint_->connection(e.conn)) {
          h = router_.find(c->alpn());
          if (h) handlers_[e.conn] = h;
        }
      }
      if (e.event.kind == ConnectionEvent::Kind::kClosed) handlers_.erase(e.conn);
      if (h) h->on_event(*this, e.conn, e.event);
    }
    out.clear();
    endpoint_->poll_transmit(now, out);
    if (!out.empty()) send_now(out);
    if (events.empty() && out.empty()) break;
  }
  in_process_ = false;
  arm_timer();
}

void UdpDriver::send_now(std::vector<Transmit>& batch) {
  Instant now = monotonic_now();
  std::vector<Transmit> split;  // segments of batches that must go one by one
  std::vector<Transmit*> ready;
  if (faults_) {
    // Faults apply per datagram, as on a real network.
    for (auto& t : batch) {
      for (size_t i = 0; i < t.segments(); ++i) {
        ByteView seg = t.segment(i);
        split.push_back({t.to, Bytes(seg.begin(), seg.end()), 0});
      }
    }
    std::vector<Instant> releases;
    for (auto& t : split) {
      releases.clear();
      faults_->apply(now, releases);
      for (Instant at : releases) {
        if (at <= now) {
          ready.push_back(&t);
        } else {
          delayed_.push({at, delayed_seq_++, t});
        }
      }
    }
  } else {
    for (auto& t : batch) ready.push_back(&t);
  }
  send_ready(ready);
}

void UdpDriver::send_ready(const std::vector<Transmit*>& ready) {
  // sendmmsg in batches; a full socket buffer drops the rest (QUIC recovers).
  // A GSO batch goes as one message with a UDP_SEGMENT control message,
  // unless GSO is off (then segment by segment).
  const bool gso = endpoint_->max_segments() > 1;
  struct Piece {
    const Transmit* t;
    ByteView data;
    size_t segment_size;  // 0: one datagram
  };
  std::vector<Piece> pieces;
  pieces.reserve(ready.size());
  for (const Transmit* t : ready) {
    if (t->segments() > 1 && gso) {
      pieces.push_back({t, t->data, t->segment_size});
    } else {
      for (size_t i = 0; i < t->segments(); ++i) pieces.push_back({t, t->segment(i), 0});
    }
  }
  mmsghdr msgs[kSendBatch];
  iovec iov[kSendBatch];
  sockaddr_storage addrs[kSendBatch];
  alignas(cmsghdr) uint8_t ctrl[kSendBatch][CMSG_SPACE(sizeof(uint16_t))];
  for (size_t start = 0; start < pieces.size(); start += kSendBatch) {
    size_t n = std::min(kSendBatch, pieces.size() - start);
    std::memset(msgs, 0, sizeof(mmsghdr) * n);
    for (size_t i = 0; i < n; ++i) {
      const Piece& p = pieces[start + i];
      socklen_t len = p.t->to.to_sockaddr(addrs[i]);
      iov[i].iov_base = const_cast<uint8_t*>(p.data.data());
      iov[i].iov_len = p.data.size();
      msgs[i].msg_hdr.msg_name = &addrs[i];
      msgs[i].msg_hdr.msg_namelen = len;
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      if (p.segment_size > 0) {
        msgs[i].msg_hdr.msg_control = ctrl[i];
        msgs[i].msg_hdr.msg_controllen = sizeof(ctrl[i]);
        cmsghdr* c = CMSG_FIRSTHDR(&msgs[i].msg_hdr);
        c->cmsg_level = SOL_UDP;
        c->cmsg_type = UDP_SEGMENT;
        c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
        uint16_t seg = static_cast<uint16_t>(p.segment_size);
        std::memcpy(CMSG_DATA(c), &seg, sizeof(seg));
      }
    }
    size_t done = 0;
    while (done < n) {
      int rv = ::sendmmsg(socket_.native_handle(), msgs + done, static_cast<unsigned>(n - done),
                          MSG_DONTWAIT);
      if (rv > 0) {
        for (size_t i = done; i < done + static_cast<size_t>(rv); ++i) {
          sent_ += pieces[start + i].segment_size > 0 ? pieces[start + i].t->segments() : 1;
        }
        done += static_cast<size_t>(rv);
        continue;
      }
      const Piece& p = pieces[start + done];
      if (p.segment_size > 0 && (errno == EIO || errno == EINVAL)) {
        // The device cannot segment (EIO: no checksum offload) or this path
        // refuses the batch: send its datagrams one by one; after EIO, stop
        // batching on this socket.
        if (errno == EIO) endpoint_->set_max_segments(1);
        for (size_t i = 0; i < p.t->segments(); ++i) {
          ByteView seg = p.t->segment(i);
          sockaddr_storage ss{};
          socklen_t len = p.t->to.to_sockaddr(ss);
          if (::sendto(socket_.native_handle(), seg.data(), seg.size(), MSG_DONTWAIT,
                       reinterpret_cast<sockaddr*>(&ss), len) >= 0) {
            ++sent_;
          }
        }
        ++done;
        continue;
      }
      if (errno == EINTR) continue;
      if (rv < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        ++done;  // this datagram cannot go (e.g. EMSGSIZE): skip it, send the rest
        continue;
      }
      break;
    }
  }
}

void UdpDriver::arm_timer() {
  Instant at = endpoint_->next_deadline();
  if (!delayed_.empty()) at = std::min(at, delayed_.top().at);
  // Re-arm only for an earlier deadline: a later one is picked up when the
  // armed timer fires (on_timer re-arms). ngtcp2's expiry moves with nearly
  // every packet; re-arming the timerfd each time cost a fifth of a
  // receiver's CPU.
  if (at >= timer_at_) return;
  timer_at_ = at;
  Duration wait = std::max(Duration(0), at - monotonic_now());
  timer_.expires_after(wait);
  std::weak_ptr<bool> alive = alive_;
  timer_.async_wait([this, alive](const asio::error_code& ec) {
    if (ec || alive.expired()) return;
    on_timer();
  });
}

void UdpDriver::on_timer() {
  timer_at_ = Instant::max();
  Instant now = monotonic_now();
  std::vector<Transmit> due;
  while (!delayed_.empty() && delayed_.top().at <= now) {
    due.push_back(delayed_.top().t);
    delayed_.pop();
  }
  if (!due.empty()) {
    std::vector<Transmit*> ready;
    for (auto& t : due) ready.push_back(&t);
    send_ready(ready);  // already faulted once
  }
  if (endpoint_->next_deadline() <= now) endpoint_->on_deadline(now);
  process();
}

}  // namespace ferry::net
