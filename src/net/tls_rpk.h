// TLS 1.3 for QUIC with mutual Ed25519 raw public keys (RFC 7250), as iroh
// 0.35 does it (spec: ../shared/spec/iroh-0.35-transport.md §2 and
// ngtcp2-0.12-field-guide.md §1.7).
//
// The "certificate" is the 44-byte DER SubjectPublicKeyInfo of the node key.
// A client checks it against the node id it dialed; a server requires one
// and takes its key as the client's node id. No session tickets, no 0-RTT:
// identity always comes from a full handshake.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include "core/bytes.h"
#include "ferry/result.h"
#include "net/node_key.h"

namespace ferry::net {

inline constexpr size_t kSpkiLen = 44;

// The 44-byte SPKI of an Ed25519 key.
std::array<uint8_t, kSpkiLen> ed25519_spki(const NodeId& key);
// The key inside an SPKI. Errors: kProtocol unless exactly the Ed25519
// prefix plus a valid 32-byte point.
Result<NodeId> node_id_from_spki(ByteView spki);

// Per-connection glue between GnuTLS, ngtcp2 and the peer check. GnuTLS'
// session pointer points at `ref`; `ref.user_data` points back here.
// Requires: address-stable for the session's life (heap-allocated owner).
struct TlsBinding {
  ngtcp2_crypto_conn_ref ref{};
  ngtcp2_conn* conn = nullptr;
  std::optional<NodeId> expected_peer;  // client: the node id we dialed
  std::optional<NodeId> peer;           // set once the peer key was verified
  std::string reject_reason;            // why the peer key was refused

  TlsBinding();
};

// Our key as GnuTLS credentials; shared by every connection of an endpoint.
class TlsIdentity {
 public:
  // Errors: kInternal if GnuTLS refuses the key.
  static Result<std::shared_ptr<TlsIdentity>> create(const SecretKey& key);
  ~TlsIdentity();
  TlsIdentity(const TlsIdentity&) = delete;
  TlsIdentity& operator=(const TlsIdentity&) = delete;

  gnutls_certificate_credentials_t credentials() const { return cred_; }

 private:
  TlsIdentity() = default;
  gnutls_certificate_credentials_t cred_ = nullptr;
};

// A configured GnuTLS session for one QUIC connection. A client offers
// `alpns` (usually one) and sends the iroh SNI for binding.expected_peer;
// a server offers all `alpns` and requires a client key. ALPN is mandatory.
// Errors: kInternal (GnuTLS failure), kInvalidArgument (no ALPN, or a client
// without expected_peer).
Result<gnutls_session_t> create_tls_session(const TlsIdentity& identity, bool is_server,
                                            const std::vector<std::string>& alpns,
                                            TlsBinding& binding);

}  // namespace ferry::net
