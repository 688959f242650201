// One QUIC v1 connection over ngtcp2 0.12 + GnuTLS, sans-IO: datagrams and
// `now` go in, datagrams and events come out; no sockets, clocks or threads
// (design: ../shared/spec/ngtcp2-0.12-field-guide.md §6). All ngtcp2 calls
// for connections live in the quic_*.cc files (life cycle, callbacks,
// streams, send path) and endpoint.cc.
//
// Streams: bounded, address-stable send queues (ngtcp2 keeps pointers into
// them until acked) and receive queues credited to the peer only when the
// application reads, so a slow reader slows the sender (backpressure end to
// end) and no buffer grows beyond the windows below.
//
// Not thread-safe: one connection is driven from one thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2.h>

#include "core/bytes.h"
#include "core/instant.h"
#include "ferry/result.h"
#include "net/node_addr.h"
#include "net/node_key.h"
#include "net/tls_rpk.h"
#include "net/transmit.h"

namespace ferry::net {

// Transport limits; defaults chosen to be accepted by iroh 0.35 (quinn).
struct QuicConfig {
  Duration max_idle_timeout = std::chrono::seconds(30);
  Duration keep_alive = std::chrono::seconds(5);
  Duration handshake_timeout = std::chrono::seconds(15);
  uint64_t max_streams_bidi = 100;
  uint64_t max_streams_uni = 100;
  uint64_t stream_window = 1 << 20;          // receive window per stream
  uint64_t connection_window = 16ull << 20;  // receive window per connection
  size_t max_send_buffer = 1 << 20;          // unacked + unsent bytes per stream
  // Path MTU discovery (packets up to 1452 bytes instead of 1200). Only
  // sound when the socket sets Don't-Fragment; the UDP driver enables it
  // when it could set DF.
  bool enable_pmtud = false;
};

// What a connection reports; drained with take_events().
struct ConnectionEvent {
  enum class Kind {
    kHandshakeCompleted,  // peer verified; peer_id() and alpn() are set
    kStreamOpened,        // the peer opened `stream`
    kStreamReadable,      // data, FIN or a reset arrived on `stream`
    kStreamWritable,      // `stream` has send-buffer room again
    kStreamsAvailable,    // the peer granted more stream ids (open may succeed)
    kClosed,              // the connection is finished; `error` says why
  };
  Kind kind;
  int64_t stream = -1;
  std::optional<Error> error;  // kClosed: nullopt for a clean local/peer close
};

// A read result: data (possibly empty) and whether the stream ended.
struct StreamRead {
  Bytes data;
  bool fin = false;
  std::optional<uint64_t> reset_code;  // the peer reset the stream
};

// What read_each() did: bytes handed to the sink, and the stream's end.
struct StreamVisit {
  size_t consumed = 0;
  bool fin = false;
  std::optional<uint64_t> reset_code;
};

class CidRegistry {
 public:
  virtual ~CidRegistry() = default;
  virtual void register_cid(ByteView cid, uint64_t handle) = 0;
  virtual void unregister_cid(ByteView cid) = 0;
};

// Fixed source connection id length for every connection of an endpoint.
inline constexpr size_t kCidLen = 16;

class QuicConnection {
 public:
  enum class State { kHandshaking, kEstablished, kClosing, kDraining, kClosed };

  struct Params {
    uint64_t handle = 0;
    QuicConfig config;
    std::shared_ptr<TlsIdentity> identity;
    CidRegistry* cids = nullptr;                            // must outlive the connection
    std::vector<std::string> alpns;                         // client: wanted; server: offered
    std::optional<NodeId> expected_peer;                    // client only
    SocketAddr remote;                                      // real UDP address
    const std::array<uint8_t, 32>* reset_secret = nullptr;  // stateless-reset key
  };

  // A client connection; its first datagram comes from write_datagrams().
  static Result<std::unique_ptr<QuicConnection>> connect(Params params, Instant now);
  // A server connection for an Initial accepted by ngtcp2_accept; feeds it.
  static Result<std::unique_ptr<QuicConnection>> accept(Params params, ByteView initial,
                                                        Instant now);
  ~QuicConnection();
  QuicConnection(const QuicConnection&) = delete;
  QuicConnection& operator=(const QuicConnection&) = delete;

  // --- driving ---
  void on_datagram(ByteView data, Instant now);
  // Appends up to `max_datagrams` datagrams ready to send to `remote()`,
  // grouped into GSO batches of up to `max_segments` same-size datagrams
  // (1 = one datagram per Transmit).
  void write_datagrams(Instant now, std::vector<Transmit>& out, size_t max_datagrams = 64,
                       size_t max_segments = 1);
  Instant next_deadline() const;
  void on_deadline(Instant now);
  std::vector<ConnectionEvent> take_events() { return std::exchange(events_, {}); }

  // --- identity ---
  uint64_t handle() const { return handle_; }
  State state() const { return state_; }
  bool is_server() const { return is_server_; }
  const SocketAddr& remote() const { return remote_; }
  // Moves the real UDP destination (ngtcp2 keeps its virtual path).
  void set_remote(const SocketAddr& remote) { remote_ = remote; }
  // Valid after kHandshakeCompleted.
  const std::optional<NodeId>& peer_id() const { return binding_.peer; }
  const std::string& alpn() const { return alpn_; }

  // --- streams ---
  // Errors: kResourceExhausted when the peer's stream limit is reached (wait
  // for kStreamsAvailable); kProtocol if not established.
  Result<int64_t> open_bidi();
  Result<int64_t> open_uni();
  // Queues up to the free send-buffer space; returns how many bytes were
  // taken (0 = wait for kStreamWritable). fin is applied only when all of
  // `data` was taken. Errors: kNotFound (unknown/closed stream), kProtocol
  // (write side finished or reset).
  Result<size_t> write(int64_t stream, ByteView data, bool fin = false);
  // write() of a buffer the caller can give away: when all of it fits it is
  // moved into the send queue (no copy) and `data` is left empty; otherwise
  // exactly as write(stream, data, fin), `data` untouched.
  Result<size_t> write_owned(int64_t stream, Bytes& data, bool fin = false);
  // Takes up to `max` buffered bytes and credits the peer's window.
  // Errors: kNotFound.
  Result<StreamRead> read(int64_t stream, size_t max = SIZE_MAX);
  // read() without the copy: hands up to `max` buffered bytes to `sink` in
  // the pieces they arrived in (views valid only during the call) and
  // credits the peer for them. If the sink fails, reading stops there (what
  // it was given counts as read) and its error is returned; fin and reset
  // are then not reported. `sink` must not call into this connection.
  // Errors: kNotFound, the sink's.
  Result<StreamVisit> read_each(int64_t stream, size_t max,
                                const std::function<Status(ByteView)>& sink);
  // RESET_STREAM / STOP_SENDING with an application code.
  void reset(int64_t stream, uint64_t code);
  void stop(int64_t stream, uint64_t code);
  size_t send_buffer_free(int64_t stream) const;
  // Closes with an application error code (0 = normal).
  void close(uint64_t app_code, std::string reason, Instant now);

 private:
  struct Stream {
    int64_t id = 0;
    // send side: chunks hold bytes [send_base, send_base + sum(chunk sizes))
    std::deque<Bytes> chunks;
    uint64_t send_base = 0;  // stream offset of chunks.front()[0]
    uint64_t acked = 0, sent = 0, queued = 0;
    bool fin_queued = false, fin_sent = false, send_closed = false, blocked = false;
    bool was_full = false;
    // receive side
    std::deque<Bytes> recv;
    size_t recv_front_pos = 0;
    size_t recv_buffered = 0;
    bool fin_received = false, fin_read = false;
    std::optional<uint64_t> reset_code;
    bool reset_reported = false;  // the app has seen reset_code
    bool quic_closed = false;
  };

  QuicConnection(Params params, bool is_server);
  Status init_ngtcp2(bool is_server, const ngtcp2_cid* dcid, const ngtcp2_cid* scid,
                     const ngtcp2_cid* original_dcid, uint32_t version, Instant now);
  void handle_error(int rv, Instant now);
  void enter_closing(ngtcp2_connection_close_error& ccerr, Instant now, std::optional<Error> why);
  void finish(std::optional<Error> why);
  void push(ConnectionEvent::Kind kind, int64_t stream = -1);
  Stream* find(int64_t id);
  Stream& ensure_stream(int64_t id);
  void maybe_erase(int64_t id);
  bool has_pending(const Stream& s, bool conn_blocked) const;
  Result<size_t> write_impl(int64_t stream, ByteView data, Bytes* owned, bool fin);
  void advance_sent(Stream& s, ngtcp2_ssize n, bool fin_offered, uint64_t offered);
  // Writes one packet (stream data round robin, plus whatever ngtcp2 has
  // pending) into dest: its length, 0 if nothing to send, or an ngtcp2 error.
  ngtcp2_ssize write_packet(Instant now, uint8_t* dest, size_t destlen);

  // ngtcp2 callbacks (static trampolines in the .cc).
  friend struct QuicCallbacks;

  uint64_t handle_;
  QuicConfig config_;
  bool is_server_;
  std::shared_ptr<TlsIdentity> identity_;
  CidRegistry* cids_;
  std::vector<std::string> alpns_;
  SocketAddr remote_;
  const std::array<uint8_t, 32>* reset_secret_;
  TlsBinding binding_;
  // Virtual path given to ngtcp2 for the connection's whole life: the real
  // address may change below QUIC, as in iroh's magicsock.
  sockaddr_in6 local_sa_{}, remote_sa_{};
  ngtcp2_path path_{};
  ngtcp2_conn* conn_ = nullptr;
  gnutls_session_t tls_ = nullptr;
  State state_ = State::kHandshaking;
  std::string alpn_;
  std::map<int64_t, Stream> streams_;
  int64_t rr_cursor_ = -1;      // round-robin position among streams
  std::vector<int64_t> tried_;  // write_packet's scratch: streams offered in this packet
  std::vector<ConnectionEvent> events_;
  std::vector<Bytes> pending_out_;  // close packets
  Bytes close_packet_;
  std::string close_reason_;
  Instant close_deadline_ = Instant::max();
  std::optional<Error> close_error_;
  bool closed_event_sent_ = false;
};

}  // namespace ferry::net
