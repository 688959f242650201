#include "net/tls_rpk.h"

#include <algorithm>
#include <cstring>

#include <gnutls/abstract.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>

namespace ferry::net {
namespace {

constexpr std::array<uint8_t, 12> kSpkiPrefix = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                                 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

// One line, no spaces; the compat-mode switch keeps QUIC's ClientHello clean.
constexpr const char* kPriority =
    "%DISABLE_TLS13_COMPAT_MODE:NORMAL:-VERS-ALL:+VERS-TLS1.3:"
    "-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:"
    "-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:"
    "-CTYPE-ALL:+CTYPE-CLI-RAWPK:+CTYPE-SRV-RAWPK";

ngtcp2_conn* get_conn(ngtcp2_crypto_conn_ref* ref) {
  return static_cast<TlsBinding*>(ref->user_data)->conn;
}

// GnuTLS certificate verify hook: returns non-zero to abort the handshake.
int verify_peer(gnutls_session_t session) {
  auto* ref = static_cast<ngtcp2_crypto_conn_ref*>(gnutls_session_get_ptr(session));
  if (ref == nullptr) return -1;
  auto* binding = static_cast<TlsBinding*>(ref->user_data);
  if (gnutls_certificate_type_get2(session, GNUTLS_CTYPE_PEERS) != GNUTLS_CRT_RAWPK) {
    binding->reject_reason = "peer did not present a raw public key";
    return -1;
  }
  unsigned int n = 0;
  const gnutls_datum_t* certs = gnutls_certificate_get_peers(session, &n);
  if (certs == nullptr || n != 1) {
    binding->reject_reason = "peer must present exactly one key";
    return -1;
  }
  auto id = node_id_from_spki(ByteView(certs[0].data, certs[0].size));
  if (!id) {
    binding->reject_reason = id.error().message();
    return -1;
  }
  if (binding->expected_peer && *binding->expected_peer != *id) {
    binding->reject_reason = "peer key " + id->short_hex() + " is not the expected node " +
                             binding->expected_peer->short_hex();
    return -1;
  }
  binding->peer = *id;
  return 0;
}

Status gnutls_status(int rv, const char* what) {
  if (rv >= 0) return ok();
  return make_error(ErrorCode::kInternal, std::string(what) + ": " + gnutls_strerror(rv));
}

}  // namespace

TlsBinding::TlsBinding() {
  ref.get_conn = get_conn;
  ref.user_data = this;
}

std::array<uint8_t, kSpkiLen> ed25519_spki(const NodeId& key) {
  std::array<uint8_t, kSpkiLen> out{};
  std::copy(kSpkiPrefix.begin(), kSpkiPrefix.end(), out.begin());
  std::copy(key.bytes().begin(), key.bytes().end(), out.begin() + kSpkiPrefix.size());
  return out;
}

Result<NodeId> node_id_from_spki(ByteView spki) {
  if (spki.size() != kSpkiLen ||
      !std::equal(kSpkiPrefix.begin(), kSpkiPrefix.end(), spki.begin())) {
    return make_error(ErrorCode::kProtocol, "peer key is not an Ed25519 SubjectPublicKeyInfo");
  }
  auto id = NodeId::from_bytes(spki.subspan(kSpkiPrefix.size()));
  if (!id) return make_error(ErrorCode::kProtocol, "peer key is not a valid Ed25519 point");
  return *id;
}

Result<std::shared_ptr<TlsIdentity>> TlsIdentity::create(const SecretKey& key) {
  std::shared_ptr<TlsIdentity> id(new TlsIdentity());
  FERRY_TRY(gnutls_status(gnutls_certificate_allocate_credentials(&id->cred_), "credentials"));

  gnutls_datum_t x{const_cast<uint8_t*>(key.public_key().data()), 32};
  gnutls_datum_t k{const_cast<uint8_t*>(key.seed().data()), 32};
  gnutls_privkey_t priv = nullptr;
  FERRY_TRY(gnutls_status(gnutls_privkey_init(&priv), "privkey init"));
  int rv = gnutls_privkey_import_ecc_raw(priv, GNUTLS_ECC_CURVE_ED25519, &x, nullptr, &k);
  if (rv < 0) {
    gnutls_privkey_deinit(priv);
    return tl::unexpected(gnutls_status(rv, "import private key").error());
  }
  gnutls_pubkey_t pub = nullptr;
  if ((rv = gnutls_pubkey_init(&pub)) < 0 ||
      (rv = gnutls_pubkey_import_ecc_raw(pub, GNUTLS_ECC_CURVE_ED25519, &x, nullptr)) < 0) {
    if (pub) gnutls_pubkey_deinit(pub);
    gnutls_privkey_deinit(priv);
    return tl::unexpected(gnutls_status(rv, "import public key").error());
  }
  gnutls_pcert_st pcert{};
  // The pcert takes ownership of `pub`.
  if ((rv = gnutls_pcert_import_rawpk(&pcert, pub, 0)) < 0) {
    gnutls_pubkey_deinit(pub);
    gnutls_privkey_deinit(priv);
    return tl::unexpected(gnutls_status(rv, "rawpk pcert").error());
  }
  // The credentials take ownership of the pcert contents and the key.
  if ((rv = gnutls_certificate_set_key(id->cred_, nullptr, 0, &pcert, 1, priv)) < 0) {
    gnutls_pcert_deinit(&pcert);
    gnutls_privkey_deinit(priv);
    return tl::unexpected(gnutls_status(rv, "set key").error());
  }
  gnutls_certificate_set_verify_function(id->cred_, verify_peer);
  return id;
}

TlsIdentity::~TlsIdentity() {
  if (cred_) gnutls_certificate_free_credentials(cred_);
}

Result<gnutls_session_t> create_tls_session(const TlsIdentity& identity, bool is_server,
                                            const std::vector<std::string>& alpns,
                                            TlsBinding& binding) {
  if (alpns.empty()) return make_error(ErrorCode::kInvalidArgument, "no ALPN");
  if (!is_server && !binding.expected_peer) {
    return make_error(ErrorCode::kInvalidArgument, "a client must know the peer node id");
  }
  gnutls_session_t s = nullptr;
  unsigned flags = (is_server ? GNUTLS_SERVER : GNUTLS_CLIENT) | GNUTLS_ENABLE_RAWPK |
                   GNUTLS_NO_END_OF_EARLY_DATA;
  FERRY_TRY(gnutls_status(gnutls_init(&s, flags), "gnutls_init"));
  auto fail = [&](int rv, const char* what) -> Result<gnutls_session_t> {
    gnutls_deinit(s);
    return tl::unexpected(gnutls_status(rv, what).error());
  };
  int rv = is_server ? ngtcp2_crypto_gnutls_configure_server_session(s)
                     : ngtcp2_crypto_gnutls_configure_client_session(s);
  if (rv != 0) return fail(GNUTLS_E_INTERNAL_ERROR, "configure QUIC session");
  if ((rv = gnutls_priority_set_direct(s, kPriority, nullptr)) < 0) return fail(rv, "priority");
  if ((rv = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, identity.credentials())) < 0) {
    return fail(rv, "credentials");
  }
  if (is_server) gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUIRE);
  std::vector<gnutls_datum_t> protos;
  for (const auto& a : alpns) {
    protos.push_back({reinterpret_cast<unsigned char*>(const_cast<char*>(a.data())),
                      static_cast<unsigned>(a.size())});
  }
  if ((rv = gnutls_alpn_set_protocols(s, protos.data(), static_cast<unsigned>(protos.size()),
                                      GNUTLS_ALPN_MANDATORY)) < 0) {
    return fail(rv, "alpn");
  }
  if (!is_server) {
    std::string sni = binding.expected_peer->tls_server_name();
    if ((rv = gnutls_server_name_set(s, GNUTLS_NAME_DNS, sni.data(), sni.size())) < 0) {
      return fail(rv, "sni");
    }
  }
  gnutls_session_set_ptr(s, &binding.ref);
  return s;
}

}  // namespace ferry::net
