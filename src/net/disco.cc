#include "net/disco.h"

#include <algorithm>
#include <cstring>

#include <sodium.h>

namespace ferry::net {
namespace {

constexpr uint8_t kTypePing = 1;
constexpr uint8_t kTypePong = 2;
constexpr uint8_t kTypeCallMeMaybe = 3;
constexpr uint8_t kVersion = 0;
constexpr size_t kEndpointLen = 18;
constexpr std::array<uint8_t, 4> kStunCookie = {0x21, 0x12, 0xa4, 0x42};

void put_endpoint(Bytes& out, const SocketAddr& a) {
  auto ip = a.to_v6_mapped();
  out.insert(out.end(), ip.begin(), ip.end());
  out.push_back(static_cast<uint8_t>(a.port & 0xff));
  out.push_back(static_cast<uint8_t>(a.port >> 8));
}

SocketAddr get_endpoint(const uint8_t* p) {
  std::array<uint8_t, 16> ip{};
  std::memcpy(ip.data(), p, 16);
  uint16_t port = static_cast<uint16_t>(p[16] | (p[17] << 8));
  return SocketAddr::from_v6_mapped(ip, port);
}

Status protocol_error(const char* what) {
  return make_error(ErrorCode::kProtocol, std::string("disco: ") + what);
}

}  // namespace

Bytes encode_disco_message(const DiscoMessage& msg) {
  Bytes out;
  if (const auto* ping = std::get_if<DiscoPing>(&msg)) {
    out = {kTypePing, kVersion};
    append(out, ping->tx_id);
    append(out, ping->node_key.view());
  } else if (const auto* pong = std::get_if<DiscoPong>(&msg)) {
    out = {kTypePong, kVersion};
    append(out, pong->tx_id);
    if (const auto* udp = std::get_if<SocketAddr>(&pong->ping_src)) {
      out.push_back(0);
      put_endpoint(out, *udp);
    } else {
      out.push_back(1);
      append(out, as_bytes(std::get<RelayUrl>(pong->ping_src).str()));
    }
  } else {
    out = {kTypeCallMeMaybe, kVersion};
    for (const auto& a : std::get<DiscoCallMeMaybe>(msg).my_numbers) put_endpoint(out, a);
  }
  return out;
}

Result<DiscoMessage> decode_disco_message(ByteView p) {
  if (p.size() < 2) return tl::unexpected(protocol_error("message too short").error());
  if (p[1] != kVersion) return tl::unexpected(protocol_error("unsupported version").error());
  ByteView body = p.subspan(2);
  switch (p[0]) {
    case kTypePing: {
      if (body.size() < 12 + 32) return tl::unexpected(protocol_error("short ping").error());
      DiscoPing ping;
      std::memcpy(ping.tx_id.data(), body.data(), 12);
      auto key = NodeId::from_bytes(body.subspan(12, 32));
      if (!key) return tl::unexpected(protocol_error("ping key is not a valid point").error());
      ping.node_key = *key;
      return ping;
    }
    case kTypePong: {
      if (body.size() < 13) return tl::unexpected(protocol_error("short pong").error());
      DiscoPong pong;
      std::memcpy(pong.tx_id.data(), body.data(), 12);
      ByteView addr = body.subspan(13);
      if (body[12] == 0) {
        if (addr.size() != kEndpointLen) {
          return tl::unexpected(protocol_error("pong address must be 18 bytes").error());
        }
        pong.ping_src = get_endpoint(addr.data());
      } else if (body[12] == 1) {
        std::string url(as_string_view(addr));
        if (!is_valid_utf8(url)) return tl::unexpected(protocol_error("pong relay URL").error());
        auto relay = RelayUrl::parse(url);
        if (!relay) return tl::unexpected(protocol_error("pong relay URL").error());
        pong.ping_src = *relay;
      } else {
        return tl::unexpected(protocol_error("unknown pong address type").error());
      }
      return pong;
    }
    case kTypeCallMeMaybe: {
      if (body.size() % kEndpointLen != 0) {
        return tl::unexpected(protocol_error("call-me-maybe length").error());
      }
      DiscoCallMeMaybe cmm;
      for (size_t i = 0; i < body.size(); i += kEndpointLen) {
        cmm.my_numbers.push_back(get_endpoint(body.data() + i));
      }
      return cmm;
    }
    default: return tl::unexpected(protocol_error("unknown message type").error());
  }
}

bool looks_like_disco(ByteView d) {
  return d.size() >= kDiscoHeaderLen &&
         std::equal(kDiscoMagic.begin(), kDiscoMagic.end(), d.begin());
}

bool looks_like_stun(ByteView d) {
  return d.size() >= 20 && (d[0] & 0xc0) == 0 &&
         std::equal(kStunCookie.begin(), kStunCookie.end(), d.begin() + 4);
}

DiscoCrypto::DiscoCrypto(const SecretKey& key) : our_id_(key.public_key()) {
  std::array<uint8_t, crypto_sign_PUBLICKEYBYTES> pk{};
  std::array<uint8_t, crypto_sign_SECRETKEYBYTES> sk{};
  crypto_sign_seed_keypair(pk.data(), sk.data(), key.seed().data());
  crypto_sign_ed25519_sk_to_curve25519(x25519_secret_.data(), sk.data());
  sodium_memzero(sk.data(), sk.size());
}

DiscoCrypto::~DiscoCrypto() {
  sodium_memzero(x25519_secret_.data(), x25519_secret_.size());
}

Result<const std::array<uint8_t, 32>*> DiscoCrypto::shared_key(const NodeId& peer) {
  auto it = shared_keys_.find(peer);
  if (it != shared_keys_.end()) return &it->second;
  std::array<uint8_t, 32> peer_x{};
  if (crypto_sign_ed25519_pk_to_curve25519(peer_x.data(), peer.data()) != 0) {
    return make_error(ErrorCode::kInvalidArgument, "disco: peer key not convertible");
  }
  std::array<uint8_t, 32> k{};
  if (crypto_box_curve25519xchacha20poly1305_beforenm(k.data(), peer_x.data(),
                                                      x25519_secret_.data()) != 0) {
    return make_error(ErrorCode::kInvalidArgument, "disco: weak peer key");
  }
  if (shared_keys_.size() >= kMaxCachedKeys) shared_keys_.clear();
  return &shared_keys_.emplace(peer, k).first->second;
}

Result<Bytes> DiscoCrypto::seal(const NodeId& peer, const DiscoMessage& msg) {
  std::array<uint8_t, kDiscoNonceLen> nonce{};
  randombytes_buf(nonce.data(), nonce.size());
  return seal_with_nonce(peer, msg, nonce);
}

Result<Bytes> DiscoCrypto::seal_with_nonce(const NodeId& peer, const DiscoMessage& msg,
                                           const std::array<uint8_t, kDiscoNonceLen>& nonce) {
  FERRY_ASSIGN(const auto* key, shared_key(peer));
  Bytes plain = encode_disco_message(msg);
  Bytes out(kDiscoHeaderLen + kDiscoTagLen + plain.size() + kDiscoNonceLen);
  std::copy(kDiscoMagic.begin(), kDiscoMagic.end(), out.begin());
  std::memcpy(out.data() + 6, our_id_.data(), 32);
  crypto_box_curve25519xchacha20poly1305_easy_afternm(out.data() + kDiscoHeaderLen, plain.data(),
                                                      plain.size(), nonce.data(), key->data());
  std::memcpy(out.data() + out.size() - kDiscoNonceLen, nonce.data(), kDiscoNonceLen);
  return out;
}

Result<OpenedDisco> DiscoCrypto::open(ByteView d) {
  if (!looks_like_disco(d)) return make_error(ErrorCode::kProtocol, "disco: no magic");
  if (d.size() > kDiscoMaxDatagram) return make_error(ErrorCode::kProtocol, "disco: too large");
  if (d.size() < kDiscoOverhead + 2) return make_error(ErrorCode::kProtocol, "disco: too short");
  FERRY_ASSIGN(NodeId sender, NodeId::from_bytes(d.subspan(6, 32)));
  FERRY_ASSIGN(const auto* key, shared_key(sender));
  ByteView sealed = d.subspan(kDiscoHeaderLen, d.size() - kDiscoHeaderLen - kDiscoNonceLen);
  const uint8_t* nonce = d.data() + d.size() - kDiscoNonceLen;
  Bytes plain(sealed.size() - kDiscoTagLen);
  if (crypto_box_curve25519xchacha20poly1305_open_easy_afternm(
          plain.data(), sealed.data(), sealed.size(), nonce, key->data()) != 0) {
    return make_error(ErrorCode::kCorrupt, "disco: authentication failed");
  }
  FERRY_ASSIGN(DiscoMessage msg, decode_disco_message(plain));
  return OpenedDisco{sender, std::move(msg)};
}

}  // namespace ferry::net
