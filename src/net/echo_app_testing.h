// Test-only echo protocol on an Endpoint: EchoServer writes back every byte
// it reads on each stream, then finishes it; EchoClient opens `streams`
// bidirectional streams on one connection, sends `bytes_per_stream` bytes
// of a per-stream pattern on each, and checks what comes back. Both work
// through events, so they run on the simulator and on real UDP alike, and
// both respect backpressure (partial writes resume on kStreamWritable).
#pragma once

#include <map>
#include <string>

#include "net/endpoint.h"

namespace ferry::net::testing {

inline uint8_t pattern_byte(int64_t stream, uint64_t offset) {
  return static_cast<uint8_t>((offset * 31 + static_cast<uint64_t>(stream) * 7 + (offset >> 9)) &
                              0xff);
}

class EchoServer {
 public:
  void on_event(Endpoint& ep, const EndpointEvent& e, Instant now) {
    QuicConnection* c = ep.connection(e.conn);
    if (!c) return;
    using K = ConnectionEvent::Kind;
    if (e.event.kind == K::kHandshakeCompleted) {
      peers_[e.conn] = c->peer_id() ? c->peer_id()->to_string() : "";
      return;
    }
    if (e.event.kind != K::kStreamReadable && e.event.kind != K::kStreamWritable &&
        e.event.kind != K::kStreamOpened) {
      return;
    }
    auto& st = streams_[{e.conn, e.event.stream}];
    pump(*c, e.event.stream, st, now);
  }
  std::map<uint64_t, std::string> peers_;

 private:
  struct State {
    Bytes pending;
    bool fin_read = false, fin_written = false;
  };
  void pump(QuicConnection& c, int64_t id, State& st, Instant) {
    for (;;) {
      if (!st.pending.empty()) {
        auto n = c.write(id, st.pending, false);
        if (!n) return;
        st.pending.erase(st.pending.begin(), st.pending.begin() + static_cast<long>(*n));
        if (!st.pending.empty()) return;  // wait for kStreamWritable
      }
      if (st.fin_read) {
        if (!st.fin_written && c.write(id, {}, true)) st.fin_written = true;
        return;
      }
      auto r = c.read(id, 256 * 1024);
      if (!r) return;
      append(st.pending, r->data);
      if (r->fin) st.fin_read = true;
      if (r->data.empty() && !r->fin) return;
    }
  }
  std::map<std::pair<uint64_t, int64_t>, State> streams_;
};

class EchoClient {
 public:
  EchoClient(int streams, uint64_t bytes_per_stream)
      : streams_wanted_(streams), bytes_(bytes_per_stream) {}

  void on_event(Endpoint& ep, const EndpointEvent& e, Instant) {
    if (e.conn != conn_) return;
    QuicConnection* c = ep.connection(e.conn);
    using K = ConnectionEvent::Kind;
    if (e.event.kind == K::kClosed) {
      closed_ = true;
      if (e.event.error) error_ = e.event.error->to_string();
      return;
    }
    if (!c) return;
    if (e.event.kind == K::kHandshakeCompleted) {
      handshake_done_ = true;
      peer_ = c->peer_id() ? c->peer_id()->to_string() : "";
    }
    if (e.event.kind == K::kHandshakeCompleted || e.event.kind == K::kStreamsAvailable) {
      while (static_cast<int>(streams_.size()) < streams_wanted_) {
        auto id = c->open_bidi();
        if (!id) break;
        streams_[*id] = {};
      }
    }
    for (auto& [id, st] : streams_) pump(*c, id, st);
  }

  bool done() const {
    if (streams_.size() < static_cast<size_t>(streams_wanted_)) return false;
    for (const auto& [id, st] : streams_) {
      if (!st.fin_received) return false;
    }
    return true;
  }
  bool all_correct() const {
    for (const auto& [id, st] : streams_) {
      if (st.received != bytes_ || st.mismatch) return false;
    }
    return done();
  }

  uint64_t conn_ = 0;
  bool handshake_done_ = false, closed_ = false;
  std::string error_, peer_;

 private:
  struct State {
    uint64_t sent = 0, received = 0;
    bool fin_sent = false, fin_received = false, mismatch = false;
  };
  void pump(QuicConnection& c, int64_t id, State& st) {
    while (st.sent < bytes_) {
      Bytes chunk(std::min<uint64_t>(bytes_ - st.sent, 32 * 1024));
      for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = pattern_byte(id, st.sent + i);
      auto n = c.write(id, chunk, st.sent + chunk.size() == bytes_);
      if (!n || *n == 0) break;
      st.sent += *n;
      if (st.sent == bytes_ && *n == chunk.size()) st.fin_sent = true;
      if (*n < chunk.size()) break;
    }
    if (st.sent == bytes_ && !st.fin_sent && c.write(id, {}, true)) st.fin_sent = true;
    for (;;) {
      auto r = c.read(id, 256 * 1024);
      if (!r) return;
      for (size_t i = 0; i < r->data.size(); ++i) {
        if (r->data[i] != pattern_byte(id, st.received + i)) st.mismatch = true;
      }
      st.received += r->data.size();
      if (r->fin) st.fin_received = true;
      if (r->data.empty()) return;
    }
  }
  int streams_wanted_;
  uint64_t bytes_;
  std::map<int64_t, State> streams_;
};

}  // namespace ferry::net::testing
