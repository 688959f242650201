#include "net/quic_connection.h"

#include <algorithm>
#include <cstring>

#include <ngtcp2/ngtcp2_crypto.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>
#include <sodium.h>

namespace ferry::net {
namespace {

constexpr size_t kMaxUdpPayload = 1472;
constexpr size_t kMaxVecs = 16;
constexpr size_t kMaxBytesPerOffer = 64 * 1024;

ngtcp2_tstamp ts(Instant now) {
  return static_cast<ngtcp2_tstamp>(now.nanos());
}

Instant from_ts(ngtcp2_tstamp t) {
  if (t == UINT64_MAX || t > static_cast<uint64_t>(INT64_MAX)) return Instant::max();
  return Instant::from_nanos(static_cast<int64_t>(t));
}

// A synthetic address inside iroh's fd15:070a:510b::/48 style range: ngtcp2
// only ever sees this stable path, never the real UDP address.
sockaddr_in6 virtual_addr(uint64_t id, uint16_t port) {
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_port = htons(port);
  uint8_t* b = sa.sin6_addr.s6_addr;
  b[0] = 0xfd, b[1] = 0x15, b[2] = 0x07, b[3] = 0x0a, b[4] = 0x51, b[5] = 0x0b;
  for (int i = 0; i < 8; ++i) b[8 + i] = static_cast<uint8_t>(id >> (56 - 8 * i));
  return sa;
}

}  // namespace

// ngtcp2 callbacks. They only mutate connection state and queue events;
// none re-enters ngtcp2's read/write functions.
struct QuicCallbacks {
  static QuicConnection* self(void* user_data) { return static_cast<QuicConnection*>(user_data); }

  static void rand(uint8_t* dest, size_t len, const ngtcp2_rand_ctx*) {
    randombytes_buf(dest, len);
  }

  static int get_new_connection_id(ngtcp2_conn*, ngtcp2_cid* cid, uint8_t* token, size_t cidlen,
                                   void* user_data) {
    auto* c = self(user_data);
    randombytes_buf(cid->data, cidlen);
    cid->datalen = cidlen;
    if (ngtcp2_crypto_generate_stateless_reset_token(token, c->reset_secret_->data(), 32, cid) !=
        0) {
      return NGTCP2_ERR_CALLBACK_FAILURE;
    }
    c->cids_->register_cid(ByteView(cid->data, cid->datalen), c->handle_);
    return 0;
  }

  static int remove_connection_id(ngtcp2_conn*, const ngtcp2_cid* cid, void* user_data) {
    self(user_data)->cids_->unregister_cid(ByteView(cid->data, cid->datalen));
    return 0;
  }

  static int handshake_completed(ngtcp2_conn*, void* user_data) {
    auto* c = self(user_data);
    if (!c->binding_.peer) return NGTCP2_ERR_CALLBACK_FAILURE;  // no verified key
    gnutls_datum_t proto{};
    if (gnutls_alpn_get_selected_protocol(c->tls_, &proto) != 0) {
      return NGTCP2_ERR_CALLBACK_FAILURE;
    }
    c->alpn_.assign(reinterpret_cast<const char*>(proto.data), proto.size);
    c->state_ = QuicConnection::State::kEstablished;
    c->push(ConnectionEvent::Kind::kHandshakeCompleted);
    return 0;
  }

  static int recv_stream_data(ngtcp2_conn*, uint32_t flags, int64_t id, uint64_t,
                              const uint8_t* data, size_t len, void* user_data, void*) {
    auto* c = self(user_data);
    auto& s = c->ensure_stream(id);
    if (len > 0 && !s.fin_read) {
      s.recv.emplace_back(data, data + len);
      s.recv_buffered += len;
    } else if (len > 0) {
      // We stopped reading; credit what we drop so the window stays open.
      ngtcp2_conn_extend_max_offset(c->conn_, len);
    }
    if (flags & NGTCP2_STREAM_DATA_FLAG_FIN) s.fin_received = true;
    c->push(ConnectionEvent::Kind::kStreamReadable, id);
    return 0;
  }

  static int stream_open(ngtcp2_conn*, int64_t id, void* user_data) {
    auto* c = self(user_data);
    c->ensure_stream(id);
    c->push(ConnectionEvent::Kind::kStreamOpened, id);
    return 0;
  }

  static int acked_stream_data_offset(ngtcp2_conn*, int64_t id, uint64_t offset, uint64_t len,
                                      void* user_data, void*) {
    auto* c = self(user_data);
    auto* s = c->find(id);
    if (!s) return 0;
    s->acked = std::max(s->acked, offset + len);
    while (!s->chunks.empty() && s->send_base + s->chunks.front().size() <= s->acked) {
      s->send_base += s->chunks.front().size();
      s->chunks.pop_front();
    }
    if (s->was_full && c->send_buffer_free(id) > 0) {
      s->was_full = false;
      c->push(ConnectionEvent::Kind::kStreamWritable, id);
    }
    return 0;
  }

  static int stream_close(ngtcp2_conn* conn, uint32_t flags, int64_t id, uint64_t code,
                          void* user_data, void*) {
    auto* c = self(user_data);
    if (!ngtcp2_conn_is_local_stream(conn, id)) {
      if (ngtcp2_is_bidi_stream(id)) {
        ngtcp2_conn_extend_max_streams_bidi(conn, 1);
      } else {
        ngtcp2_conn_extend_max_streams_uni(conn, 1);
      }
    }
    if (auto* s = c->find(id)) {
      s->quic_closed = true;
      s->chunks.clear();
      s->send_closed = true;
      if ((flags & NGTCP2_STREAM_CLOSE_FLAG_APP_ERROR_CODE_SET) && !s->fin_received &&
          !s->reset_code) {
        s->reset_code = code;
      }
      c->push(ConnectionEvent::Kind::kStreamReadable, id);
      c->maybe_erase(id);
    }
    return 0;
  }

  static int stream_reset(ngtcp2_conn*, int64_t id, uint64_t, uint64_t code, void* user_data,
                          void*) {
    auto* c = self(user_data);
    auto& s = c->ensure_stream(id);
    s.reset_code = code;
    c->push(ConnectionEvent::Kind::kStreamReadable, id);
    return 0;
  }

  static int extend_max_stream_data(ngtcp2_conn*, int64_t id, uint64_t, void* user_data, void*) {
    auto* c = self(user_data);
    if (auto* s = c->find(id)) {
      s->blocked = false;
      c->push(ConnectionEvent::Kind::kStreamWritable, id);
    }
    return 0;
  }

  static int extend_max_local_streams(ngtcp2_conn*, uint64_t, void* user_data) {
    self(user_data)->push(ConnectionEvent::Kind::kStreamsAvailable);
    return 0;
  }

  static ngtcp2_callbacks make(bool is_server) {
    ngtcp2_callbacks cb{};
    if (is_server) {
      cb.recv_client_initial = ngtcp2_crypto_recv_client_initial_cb;
    } else {
      cb.client_initial = ngtcp2_crypto_client_initial_cb;
      cb.recv_retry = ngtcp2_crypto_recv_retry_cb;
    }
    cb.recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb;
    cb.encrypt = ngtcp2_crypto_encrypt_cb;
    cb.decrypt = ngtcp2_crypto_decrypt_cb;
    cb.hp_mask = ngtcp2_crypto_hp_mask_cb;
    cb.update_key = ngtcp2_crypto_update_key_cb;
    cb.delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb;
    cb.delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
    cb.get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb;
    cb.version_negotiation = ngtcp2_crypto_version_negotiation_cb;
    cb.rand = rand;
    cb.get_new_connection_id = get_new_connection_id;
    cb.remove_connection_id = remove_connection_id;
    cb.handshake_completed = handshake_completed;
    cb.recv_stream_data = recv_stream_data;
    cb.stream_open = stream_open;
    cb.acked_stream_data_offset = acked_stream_data_offset;
    cb.stream_close = stream_close;
    cb.stream_reset = stream_reset;
    cb.extend_max_stream_data = extend_max_stream_data;
    cb.extend_max_local_streams_bidi = extend_max_local_streams;
    cb.extend_max_local_streams_uni = extend_max_local_streams;
    return cb;
  }
};

QuicConnection::QuicConnection(Params params, bool is_server)
    : handle_(params.handle),
      config_(params.config),
      is_server_(is_server),
      identity_(std::move(params.identity)),
      cids_(params.cids),
      alpns_(std::move(params.alpns)),
      remote_(params.remote),
      reset_secret_(params.reset_secret) {
  binding_.expected_peer = params.expected_peer;
  local_sa_ = virtual_addr(0, 1);
  remote_sa_ = virtual_addr(handle_ + 1, 12345);
  path_.local.addr = reinterpret_cast<ngtcp2_sockaddr*>(&local_sa_);
  path_.local.addrlen = sizeof(local_sa_);
  path_.remote.addr = reinterpret_cast<ngtcp2_sockaddr*>(&remote_sa_);
  path_.remote.addrlen = sizeof(remote_sa_);
}

QuicConnection::~QuicConnection() {
  if (conn_) {
    // Sweep every CID still routed to us.
    std::vector<ngtcp2_cid> scids(ngtcp2_conn_get_num_scid(conn_));
    ngtcp2_conn_get_scid(conn_, scids.data());
    for (const auto& cid : scids) cids_->unregister_cid(ByteView(cid.data, cid.datalen));
    if (is_server_) {
      const ngtcp2_cid* odcid = ngtcp2_conn_get_client_initial_dcid(conn_);
      cids_->unregister_cid(ByteView(odcid->data, odcid->datalen));
    }
    ngtcp2_conn_del(conn_);
  }
  if (tls_) gnutls_deinit(tls_);
}

Status QuicConnection::init_ngtcp2(bool is_server, const ngtcp2_cid* dcid, const ngtcp2_cid* scid,
                                   const ngtcp2_cid* original_dcid, uint32_t version, Instant now) {
  ngtcp2_settings settings;
  ngtcp2_settings_default(&settings);
  settings.initial_ts = ts(now);
  settings.handshake_timeout = static_cast<ngtcp2_duration>(config_.handshake_timeout.count());
  settings.no_pmtud = config_.enable_pmtud ? 0 : 1;
  settings.max_tx_udp_payload_size = kMaxUdpPayload;

  ngtcp2_transport_params tp;
  ngtcp2_transport_params_default(&tp);
  tp.initial_max_stream_data_bidi_local = config_.stream_window;
  tp.initial_max_stream_data_bidi_remote = config_.stream_window;
  tp.initial_max_stream_data_uni = config_.stream_window;
  tp.initial_max_data = config_.connection_window;
  tp.initial_max_streams_bidi = config_.max_streams_bidi;
  tp.initial_max_streams_uni = config_.max_streams_uni;
  tp.max_idle_timeout = static_cast<ngtcp2_duration>(config_.max_idle_timeout.count());
  tp.active_connection_id_limit = 4;
  tp.max_udp_payload_size = 65527;
  if (is_server) {
    tp.original_dcid = *original_dcid;
    tp.stateless_reset_token_present = 1;
    if (ngtcp2_crypto_generate_stateless_reset_token(tp.stateless_reset_token,
                                                     reset_secret_->data(), 32, scid) != 0) {
      return make_error(ErrorCode::kInternal, "stateless reset token");
    }
  }

  ngtcp2_callbacks cb = QuicCallbacks::make(is_server);
  int rv = is_server ? ngtcp2_conn_server_new(&conn_, dcid, scid, &path_, version, &cb, &settings,
                                              &tp, nullptr, this)
                     : ngtcp2_conn_client_new(&conn_, dcid, scid, &path_, version, &cb, &settings,
                                              &tp, nullptr, this);
  if (rv != 0) {
    conn_ = nullptr;
    return make_error(ErrorCode::kInternal, std::string("ngtcp2 conn: ") + ngtcp2_strerror(rv));
  }
  binding_.conn = conn_;
  FERRY_ASSIGN(tls_, create_tls_session(*identity_, is_server, alpns_, binding_));
  ngtcp2_conn_set_tls_native_handle(conn_, tls_);
  ngtcp2_conn_set_keep_alive_timeout(conn_,
                                     static_cast<ngtcp2_duration>(config_.keep_alive.count()));
  cids_->register_cid(ByteView(scid->data, scid->datalen), handle_);
  if (is_server)
    cids_->register_cid(ByteView(original_dcid->data, original_dcid->datalen), handle_);
  return ok();
}

Result<std::unique_ptr<QuicConnection>> QuicConnection::connect(Params params, Instant now) {
  std::unique_ptr<QuicConnection> c(new QuicConnection(std::move(params), false));
  ngtcp2_cid dcid{}, scid{};
  dcid.datalen = 18;
  randombytes_buf(dcid.data, dcid.datalen);
  scid.datalen = kCidLen;
  randombytes_buf(scid.data, scid.datalen);
  FERRY_TRY(c->init_ngtcp2(false, &dcid, &scid, nullptr, NGTCP2_PROTO_VER_V1, now));
  return c;
}

Result<std::unique_ptr<QuicConnection>> QuicConnection::accept(Params params, ByteView initial,
                                                               Instant now) {
  ngtcp2_pkt_hd hd{};
  if (ngtcp2_accept(&hd, initial.data(), initial.size()) != 0) {
    return make_error(ErrorCode::kProtocol, "not an acceptable Initial packet");
  }
  std::unique_ptr<QuicConnection> c(new QuicConnection(std::move(params), true));
  ngtcp2_cid scid{};
  scid.datalen = kCidLen;
  randombytes_buf(scid.data, scid.datalen);
  // dcid = the client's SCID; scid = ours; original_dcid = what the client chose.
  FERRY_TRY(c->init_ngtcp2(true, &hd.scid, &scid, &hd.dcid, hd.version, now));
  c->on_datagram(initial, now);
  if (c->state_ == State::kClosed && c->close_error_) return tl::unexpected(*c->close_error_);
  return c;
}

void QuicConnection::push(ConnectionEvent::Kind kind, int64_t stream) {
  events_.push_back(ConnectionEvent{kind, stream, std::nullopt});
}

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

void QuicConnection::on_datagram(ByteView data, Instant now) {
  if (state_ == State::kClosing) {
    if (!close_packet_.empty()) pending_out_.push_back(close_packet_);
    return;
  }
  if (state_ == State::kDraining || state_ == State::kClosed) return;
  ngtcp2_pkt_info pi{};
  int rv = ngtcp2_conn_read_pkt(conn_, &path_, &pi, data.data(), data.size(), ts(now));
  if (rv != 0) handle_error(rv, now);
}

void QuicConnection::handle_error(int rv, Instant now) {
  ngtcp2_connection_close_error ccerr;
  ngtcp2_connection_close_error_default(&ccerr);
  switch (rv) {
    case NGTCP2_ERR_DRAINING: {
      ngtcp2_connection_close_error peer;
      ngtcp2_conn_get_connection_close_error(conn_, &peer);
      std::optional<Error> why;
      std::string reason(reinterpret_cast<const char*>(peer.reason), peer.reasonlen);
      if (peer.error_code != 0) {
        why = Error(ErrorCode::kProtocol, "peer closed the connection with code " +
                                              std::to_string(peer.error_code) +
                                              (reason.empty() ? "" : ": " + reason));
      }
      state_ = State::kDraining;
      close_deadline_ = now + Duration(3 * ngtcp2_conn_get_pto(conn_));
      close_error_ = why;
      if (!closed_event_sent_) {
        closed_event_sent_ = true;
        events_.push_back({ConnectionEvent::Kind::kClosed, -1, why});
      }
      return;
    }
    case NGTCP2_ERR_CLOSING:
      if (!close_packet_.empty()) pending_out_.push_back(close_packet_);
      return;
    case NGTCP2_ERR_DROP_CONN:
    case NGTCP2_ERR_RETRY: finish(Error(ErrorCode::kProtocol, "connection dropped")); return;
    case NGTCP2_ERR_CRYPTO: {
      ngtcp2_connection_close_error_set_transport_error_tls_alert(
          &ccerr, ngtcp2_conn_get_tls_alert(conn_), nullptr, 0);
      std::string msg = binding_.reject_reason.empty()
                            ? "TLS handshake failed (alert " +
                                  std::to_string(ngtcp2_conn_get_tls_alert(conn_)) + ")"
                            : "peer key refused: " + binding_.reject_reason;
      enter_closing(ccerr, now, Error(ErrorCode::kProtocol, msg));
      return;
    }
    case NGTCP2_ERR_IDLE_CLOSE: finish(Error(ErrorCode::kTimeout, "idle timeout")); return;
    case NGTCP2_ERR_HANDSHAKE_TIMEOUT:
      finish(Error(ErrorCode::kTimeout, "handshake timeout"));
      return;
    default:
      ngtcp2_connection_close_error_set_transport_error_liberr(&ccerr, rv, nullptr, 0);
      enter_closing(ccerr, now,
                    Error(ErrorCode::kProtocol, std::string("QUIC error: ") + ngtcp2_strerror(rv)));
      return;
  }
}

void QuicConnection::enter_closing(ngtcp2_connection_close_error& ccerr, Instant now,
                                   std::optional<Error> why) {
  if (state_ == State::kClosing || state_ == State::kDraining || state_ == State::kClosed) return;
  Bytes buf(kMaxUdpPayload);
  ngtcp2_path_storage ps;
  ngtcp2_path_storage_zero(&ps);
  ngtcp2_pkt_info pi{};
  ngtcp2_ssize n = ngtcp2_conn_write_connection_close(conn_, &ps.path, &pi, buf.data(), buf.size(),
                                                      &ccerr, ts(now));
  if (n <= 0) {
    finish(std::move(why));
    return;
  }
  buf.resize(static_cast<size_t>(n));
  close_packet_ = buf;
  pending_out_.push_back(std::move(buf));
  state_ = State::kClosing;
  close_deadline_ = now + Duration(3 * ngtcp2_conn_get_pto(conn_));
  close_error_ = why;
  if (!closed_event_sent_) {
    closed_event_sent_ = true;
    events_.push_back({ConnectionEvent::Kind::kClosed, -1, std::move(why)});
  }
}

void QuicConnection::finish(std::optional<Error> why) {
  state_ = State::kClosed;
  if (!close_error_) close_error_ = why;
  if (!closed_event_sent_) {
    closed_event_sent_ = true;
    events_.push_back({ConnectionEvent::Kind::kClosed, -1, std::move(why)});
  }
}

Instant QuicConnection::next_deadline() const {
  switch (state_) {
    case State::kClosed: return Instant::max();
    case State::kClosing:
    case State::kDraining: return close_deadline_;
    default: return from_ts(ngtcp2_conn_get_expiry(conn_));
  }
}

void QuicConnection::on_deadline(Instant now) {
  if (state_ == State::kClosed) return;
  if (state_ == State::kClosing || state_ == State::kDraining) {
    if (now >= close_deadline_) state_ = State::kClosed;
    return;
  }
  int rv = ngtcp2_conn_handle_expiry(conn_, ts(now));
  if (rv != 0) handle_error(rv, now);
}

bool QuicConnection::has_pending(const Stream& s, bool conn_blocked) const {
  if (s.send_closed || s.blocked) return false;
  if (s.sent < s.queued) return !conn_blocked;
  return s.fin_queued && !s.fin_sent;
}

void QuicConnection::advance_sent(Stream& s, ngtcp2_ssize n, bool fin_offered, uint64_t offered) {
  if (n < 0) return;
  s.sent += static_cast<uint64_t>(n);
  if (fin_offered && static_cast<uint64_t>(n) == offered) s.fin_sent = true;
}

void QuicConnection::write_datagrams(Instant now, std::vector<Bytes>& out, size_t max) {
  auto flush_pending = [&] {
    for (auto& p : pending_out_) out.push_back(std::move(p));
    pending_out_.clear();
  };
  flush_pending();
  if (state_ != State::kHandshaking && state_ != State::kEstablished) return;

  uint8_t buf[kMaxUdpPayload];
  size_t produced = 0;
  while (produced < max) {
    ngtcp2_path_storage ps;
    ngtcp2_path_storage_zero(&ps);
    ngtcp2_pkt_info pi{};
    bool conn_blocked = ngtcp2_conn_get_max_data_left(conn_) == 0;
    std::vector<int64_t> tried;
    ngtcp2_ssize nwrite = 0;
    for (;;) {
      Stream* s = nullptr;
      if (state_ == State::kEstablished && !streams_.empty()) {
        // Round robin: first stream after the cursor with something to send.
        auto it = streams_.upper_bound(rr_cursor_);
        for (size_t k = 0; k < streams_.size(); ++k, ++it) {
          if (it == streams_.end()) it = streams_.begin();
          if (std::find(tried.begin(), tried.end(), it->first) != tried.end()) continue;
          if (has_pending(it->second, conn_blocked)) {
            s = &it->second;
            break;
          }
        }
      }
      ngtcp2_vec vecs[kMaxVecs];
      size_t nvec = 0;
      uint64_t offered = 0;
      uint32_t flags = 0;
      int64_t sid = -1;
      bool fin_offered = false;
      if (s) {
        tried.push_back(s->id);
        rr_cursor_ = s->id;
        sid = s->id;
        flags = NGTCP2_WRITE_STREAM_FLAG_MORE;
        if (!conn_blocked) {
          uint64_t pos = s->send_base;
          for (const auto& chunk : s->chunks) {
            uint64_t end = pos + chunk.size();
            if (end > s->sent && nvec < kMaxVecs && offered < kMaxBytesPerOffer) {
              uint64_t skip = s->sent > pos ? s->sent - pos : 0;
              vecs[nvec].base = const_cast<uint8_t*>(chunk.data()) + skip;
              vecs[nvec].len = static_cast<size_t>(chunk.size() - skip);
              offered += vecs[nvec].len;
              ++nvec;
            }
            pos = end;
          }
        }
        if (s->fin_queued && s->sent + offered == s->queued) {
          flags |= NGTCP2_WRITE_STREAM_FLAG_FIN;
          fin_offered = true;
        }
      }
      ngtcp2_ssize ndatalen = -1;
      nwrite = ngtcp2_conn_writev_stream(conn_, &ps.path, &pi, buf, sizeof(buf), &ndatalen, flags,
                                         sid, vecs, nvec, ts(now));
      if (s) advance_sent(*s, ndatalen, fin_offered, offered);
      if (nwrite == NGTCP2_ERR_WRITE_MORE) continue;
      if (nwrite == NGTCP2_ERR_STREAM_DATA_BLOCKED && s) {
        s->blocked = true;
        continue;
      }
      if ((nwrite == NGTCP2_ERR_STREAM_SHUT_WR || nwrite == NGTCP2_ERR_STREAM_NOT_FOUND) && s) {
        s->send_closed = true;
        continue;
      }
      break;
    }
    if (nwrite < 0) {
      handle_error(static_cast<int>(nwrite), now);
      flush_pending();
      return;
    }
    if (nwrite == 0) break;
    out.emplace_back(buf, buf + nwrite);
    ++produced;
  }
  ngtcp2_conn_update_pkt_tx_time(conn_, ts(now));
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
  auto* s = find(id);
  if (!s) return make_error(ErrorCode::kNotFound, "unknown stream");
  if (s->send_closed || s->fin_queued) {
    return make_error(ErrorCode::kProtocol, "stream write side is finished");
  }
  if (state_ != State::kEstablished) return make_error(ErrorCode::kProtocol, "not established");
  size_t take = std::min(send_buffer_free(id), data.size());
  if (take > 0) {
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
  auto* s = find(id);
  if (!s) return make_error(ErrorCode::kNotFound, "unknown stream");
  StreamRead r;
  size_t want = std::min(max, s->recv_buffered);
  r.data.reserve(want);
  while (r.data.size() < want) {
    Bytes& front = s->recv.front();
    size_t n = std::min(want - r.data.size(), front.size() - s->recv_front_pos);
    r.data.insert(r.data.end(), front.begin() + static_cast<long>(s->recv_front_pos),
                  front.begin() + static_cast<long>(s->recv_front_pos + n));
    s->recv_front_pos += n;
    if (s->recv_front_pos == front.size()) {
      s->recv.pop_front();
      s->recv_front_pos = 0;
    }
  }
  s->recv_buffered -= want;
  if (want > 0 && conn_) {
    ngtcp2_conn_extend_max_stream_offset(conn_, id, want);
    ngtcp2_conn_extend_max_offset(conn_, want);
  }
  if (s->recv_buffered == 0 && s->fin_received) {
    r.fin = true;
    s->fin_read = true;
  }
  r.reset_code = s->reset_code;
  if (r.reset_code) s->reset_reported = true;
  maybe_erase(id);
  return r;
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

void QuicConnection::close(uint64_t app_code, std::string reason, Instant now) {
  if (state_ == State::kClosing || state_ == State::kDraining || state_ == State::kClosed) return;
  close_reason_ = std::move(reason);
  ngtcp2_connection_close_error ccerr;
  ngtcp2_connection_close_error_default(&ccerr);
  ngtcp2_connection_close_error_set_application_error(
      &ccerr, app_code, reinterpret_cast<const uint8_t*>(close_reason_.data()),
      close_reason_.size());
  enter_closing(ccerr, now, std::nullopt);
}

}  // namespace ferry::net
