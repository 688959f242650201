// Disco: iroh's path-discovery messages (Ping, Pong, CallMeMaybe) carried
// in UDP datagrams beside QUIC, sealed with a NaCl box over
// XChaCha20-Poly1305 (spec: ../shared/spec/iroh-0.35-transport.md §4.2).
//
// Datagram: magic[6] ‖ sender node id[32] ‖ tag[16] ‖ ciphertext ‖ nonce[24]
// Plaintext: type u8 ‖ version u8 (0) ‖ payload
//   Ping (1):        tx_id[12] ‖ sender node id[32]   (trailing bytes tolerated)
//   Pong (2):        tx_id[12] ‖ 00 ‖ ip[16] ‖ port u16 LE   (UDP source, exact)
//                               01 ‖ relay URL (UTF-8, rest of the message)
//   CallMeMaybe (3): n × (ip[16] ‖ port u16 LE)
// IPv4 addresses travel v4-mapped (::ffff:a.b.c.d).
//
// The codec is pure; DiscoCrypto holds our key and a bounded cache of
// per-peer shared keys.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <variant>
#include <vector>

#include "core/bytes.h"
#include "ferry/result.h"
#include "net/node_addr.h"
#include "net/node_key.h"

namespace ferry::net {

inline constexpr std::array<uint8_t, 6> kDiscoMagic = {0x54, 0x53, 0xf0, 0x9f, 0x92, 0xac};
inline constexpr size_t kDiscoHeaderLen = 6 + 32;
inline constexpr size_t kDiscoTagLen = 16;
inline constexpr size_t kDiscoNonceLen = 24;
inline constexpr size_t kDiscoOverhead = kDiscoHeaderLen + kDiscoTagLen + kDiscoNonceLen;
// Bound on an accepted disco datagram (CallMeMaybe lists stay far below it).
inline constexpr size_t kDiscoMaxDatagram = 4096;

using TransactionId = std::array<uint8_t, 12>;

struct DiscoPing {
  TransactionId tx_id{};
  NodeId node_key;  // the sender's node id
  bool operator==(const DiscoPing&) const = default;
};

struct DiscoPong {
  TransactionId tx_id{};
  // Where the answered Ping came from: a UDP address or a relay URL.
  std::variant<SocketAddr, RelayUrl> ping_src;
  bool operator==(const DiscoPong&) const = default;
};

struct DiscoCallMeMaybe {
  std::vector<SocketAddr> my_numbers;
  bool operator==(const DiscoCallMeMaybe&) const = default;
};

using DiscoMessage = std::variant<DiscoPing, DiscoPong, DiscoCallMeMaybe>;

Bytes encode_disco_message(const DiscoMessage& msg);
// Errors: kProtocol on an unknown type, a non-zero version, a truncated
// payload, trailing bytes after a Pong, or an invalid Ping key.
Result<DiscoMessage> decode_disco_message(ByteView plaintext);

// Classification of a received datagram. Disco is tested before QUIC, and
// neither test relies on the QUIC fixed bit (ngtcp2 may grease it).
bool looks_like_disco(ByteView datagram);
// STUN: top two bits 00 and the magic cookie 0x2112A442 at offset 4.
bool looks_like_stun(ByteView datagram);

struct OpenedDisco {
  NodeId sender;
  DiscoMessage message;
};

class DiscoCrypto {
 public:
  explicit DiscoCrypto(const SecretKey& key);
  ~DiscoCrypto();
  DiscoCrypto(const DiscoCrypto&) = delete;
  DiscoCrypto& operator=(const DiscoCrypto&) = delete;

  // A sealed datagram for `peer`, with a random nonce.
  // Errors: kInvalidArgument if `peer` is not a usable public key.
  Result<Bytes> seal(const NodeId& peer, const DiscoMessage& msg);
  // Same with a caller-chosen nonce (tests).
  Result<Bytes> seal_with_nonce(const NodeId& peer, const DiscoMessage& msg,
                                const std::array<uint8_t, kDiscoNonceLen>& nonce);
  // Opens a datagram for which looks_like_disco() holds.
  // Errors: kProtocol if malformed or too large, kCorrupt if authentication
  // fails, kInvalidArgument for an unusable sender key.
  Result<OpenedDisco> open(ByteView datagram);

  const NodeId& our_id() const { return our_id_; }

 private:
  static constexpr size_t kMaxCachedKeys = 1024;
  Result<const std::array<uint8_t, 32>*> shared_key(const NodeId& peer);

  NodeId our_id_;
  std::array<uint8_t, 32> x25519_secret_{};
  std::unordered_map<NodeId, std::array<uint8_t, 32>> shared_keys_;
};

}  // namespace ferry::net
