// QuicConnection's life cycle: creation (client and server), datagrams and
// timers in, errors, closing and draining. Streams live in quic_streams.cc,
// the send path in quic_send.cc, ngtcp2 callbacks in quic_callbacks.cc.
#include "net/quic_connection.h"

#include <ngtcp2/ngtcp2_crypto.h>
#include <sodium.h>

#include <cstring>

#include "net/quic_internal.h"

namespace ferry::net {

using quic_internal::from_ts;
using quic_internal::kMaxUdpPayload;
using quic_internal::ts;

namespace {

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

  ngtcp2_callbacks cb = quic_internal::connection_callbacks(is_server);
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
