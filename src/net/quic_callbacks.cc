// ngtcp2 callbacks of QuicConnection. They only mutate connection state and
// queue events; none re-enters ngtcp2's read/write functions (field guide §0).
#include <ngtcp2/ngtcp2_crypto.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>
#include <sodium.h>

#include <algorithm>

#include "net/quic_connection.h"
#include "net/quic_internal.h"

namespace ferry::net {

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

namespace quic_internal {

ngtcp2_callbacks connection_callbacks(bool is_server) {
  return QuicCallbacks::make(is_server);
}

}  // namespace quic_internal
}  // namespace ferry::net
