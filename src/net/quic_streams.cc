// QuicConnection's stream API: opening, the bounded send queues, the
// receive queues credited to the peer as the application reads, reset/stop.
#include <algorithm>

#include "net/quic_connection.h"

namespace ferry::net {

QuicConnection::Stream* QuicConnection::find(int64_t id) {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : &it->second;
}

QuicConnection::Stream& QuicConnection::ensure_stream(int64_t id) {
  auto& s = streams_[id];
  s.id = id;
  return s;
}

void QuicConnection::maybe_erase(int64_t id) {
  auto* s = find(id);
  if (!s || !s->quic_closed || s->recv_buffered > 0) return;
  bool local_uni = !ngtcp2_is_bidi_stream(id) && ngtcp2_conn_is_local_stream(conn_, id);
  if (s->fin_read || s->reset_reported || local_uni) streams_.erase(id);
}

Result<int64_t> QuicConnection::open_bidi() {
  if (state_ != State::kEstablished) return make_error(ErrorCode::kProtocol, "not established");
  int64_t id = 0;
  int rv = ngtcp2_conn_open_bidi_stream(conn_, &id, nullptr);
  if (rv == NGTCP2_ERR_STREAM_ID_BLOCKED) {
    return make_error(ErrorCode::kResourceExhausted, "peer stream limit reached");
  }
  if (rv != 0) return make_error(ErrorCode::kProtocol, ngtcp2_strerror(rv));
  ensure_stream(id);
  return id;
}

Result<int64_t> QuicConnection::open_uni() {
  if (state_ != State::kEstablished) return make_error(ErrorCode::kProtocol, "not established");
  int64_t id = 0;
  int rv = ngtcp2_conn_open_uni_stream(conn_, &id, nullptr);
  if (rv == NGTCP2_ERR_STREAM_ID_BLOCKED) {
    return make_error(ErrorCode::kResourceExhausted, "peer stream limit reached");
  }
  if (rv != 0) return make_error(ErrorCode::kProtocol, ngtcp2_strerror(rv));
  auto& s = ensure_stream(id);
  s.fin_received = true;  // a local uni stream has no receive side
  s.fin_read = true;
  return id;
}

size_t QuicConnection::send_buffer_free(int64_t id) const {
  auto it = streams_.find(id);
  if (it == streams_.end()) return 0;
  uint64_t used = it->second.queued - it->second.acked;
  return used >= config_.max_send_buffer ? 0 : static_cast<size_t>(config_.max_send_buffer - used);
}

Result<size_t> QuicConnection::write(int64_t id, ByteView data, bool fin) {
  return write_impl(id, data, nullptr, fin);
}

Result<size_t> QuicConnection::write_owned(int64_t id, Bytes& data, bool fin) {
  return write_impl(id, data, &data, fin);
}

Result<size_t> QuicConnection::write_impl(int64_t id, ByteView data, Bytes* owned, bool fin) {
  auto* s = find(id);
  if (!s) return make_error(ErrorCode::kNotFound, "unknown stream");
  if (s->send_closed || s->fin_queued) {
    return make_error(ErrorCode::kProtocol, "stream write side is finished");
  }
  if (state_ != State::kEstablished) return make_error(ErrorCode::kProtocol, "not established");
  size_t take = std::min(send_buffer_free(id), data.size());
  if (take > 0 && owned != nullptr && take == owned->size()) {
    s->chunks.push_back(std::move(*owned));  // address-stable: the heap block moves
    owned->clear();
    s->queued += take;
  } else if (take > 0) {
    s->chunks.emplace_back(data.begin(), data.begin() + static_cast<long>(take));
    s->queued += take;
  }
  if (take < data.size()) {
    s->was_full = true;
  } else if (fin) {
    s->fin_queued = true;
  }
  return take;
}

Result<StreamRead> QuicConnection::read(int64_t id, size_t max) {
  StreamRead r;
  if (auto* s = find(id)) r.data.reserve(std::min(max, s->recv_buffered));
  auto v = read_each(id, max, [&](ByteView piece) -> Status {
    append(r.data, piece);
    return ok();
  });
  if (!v) return tl::unexpected(v.error());
  r.fin = v->fin;
  r.reset_code = v->reset_code;
  return r;
}

Result<StreamVisit> QuicConnection::read_each(int64_t id, size_t max,
                                              const std::function<Status(ByteView)>& sink) {
  auto* s = find(id);
  if (!s) return make_error(ErrorCode::kNotFound, "unknown stream");
  StreamVisit v;
  size_t want = std::min(max, s->recv_buffered);
  Status result = ok();
  while (v.consumed < want) {
    Bytes& front = s->recv.front();
    size_t n = std::min(want - v.consumed, front.size() - s->recv_front_pos);
    result = sink(ByteView(front).subspan(s->recv_front_pos, n));
    v.consumed += n;
    s->recv_front_pos += n;
    if (s->recv_front_pos == front.size()) {
      s->recv.pop_front();
      s->recv_front_pos = 0;
    }
    if (!result) break;
  }
  s->recv_buffered -= v.consumed;
  if (v.consumed > 0 && conn_) {
    ngtcp2_conn_extend_max_stream_offset(conn_, id, v.consumed);
    ngtcp2_conn_extend_max_offset(conn_, v.consumed);
  }
  if (!result) return tl::unexpected(result.error());
  if (s->recv_buffered == 0 && s->fin_received) {
    v.fin = true;
    s->fin_read = true;
  }
  v.reset_code = s->reset_code;
  if (v.reset_code) s->reset_reported = true;
  maybe_erase(id);
  return v;
}

void QuicConnection::reset(int64_t id, uint64_t code) {
  auto* s = find(id);
  if (!s || s->send_closed || state_ != State::kEstablished) return;
  s->send_closed = true;
  ngtcp2_conn_shutdown_stream_write(conn_, id, code);
}

void QuicConnection::stop(int64_t id, uint64_t code) {
  auto* s = find(id);
  if (!s || state_ != State::kEstablished) return;
  if (s->recv_buffered > 0) ngtcp2_conn_extend_max_offset(conn_, s->recv_buffered);
  s->recv.clear();
  s->recv_front_pos = 0;
  s->recv_buffered = 0;
  if (!s->fin_received) ngtcp2_conn_shutdown_stream_read(conn_, id, code);
  s->fin_read = true;
  maybe_erase(id);
}

}  // namespace ferry::net
