// /iroh-gossip/0 messages (spec iroh-0.35-gossip.md §1.3, §2.1, §3.1):
//   Message      = topic[32] ‖ TopicMessage
//   TopicMessage = 0 ‖ HyParView message (Swarm) | 1 ‖ PlumTree message (Gossip)
// Both inner enums are flattened into one std::variant, `Body`: the first six
// alternatives are the HyParView variants 0..5 in order, the last four the
// PlumTree variants 0..3. PeerData is opaque here (postcard Bytes; see
// peer_data.h for the AddrInfo inside).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/bytes.h"
#include "ferry/result.h"

namespace ferry::proto::gossip {

using PeerId = std::array<uint8_t, 32>;     // iroh NodeId (Ed25519 public key)
using TopicId = std::array<uint8_t, 32>;    // for docs: the NamespaceId
using MessageId = std::array<uint8_t, 32>;  // BLAKE3 of the content

// ---- HyParView (Swarm) ----------------------------------------------------

struct PeerInfo {
  PeerId id{};
  std::optional<Bytes> data;
  bool operator==(const PeerInfo&) const = default;
};

struct Join {
  std::optional<Bytes> data;
  bool operator==(const Join&) const = default;
};
struct ForwardJoin {
  PeerInfo peer;
  uint16_t ttl = 0;
  bool operator==(const ForwardJoin&) const = default;
};
struct Shuffle {
  PeerId origin{};
  std::vector<PeerInfo> nodes;
  uint16_t ttl = 0;
  bool operator==(const Shuffle&) const = default;
};
struct ShuffleReply {
  std::vector<PeerInfo> nodes;
  bool operator==(const ShuffleReply&) const = default;
};
enum class Priority : uint8_t { kHigh = 0, kLow = 1 };
struct Neighbor {
  Priority priority = Priority::kHigh;
  std::optional<Bytes> data;
  bool operator==(const Neighbor&) const = default;
};
struct Disconnect {
  bool alive = true;
  bool respond = false;
  bool operator==(const Disconnect&) const = default;
};

// ---- PlumTree (Gossip) ----------------------------------------------------

// Swarm(round): flooded along the tree; Neighbors: to direct neighbours only.
struct DeliveryScope {
  enum class Kind : uint8_t { kSwarm = 0, kNeighbors = 1 };
  Kind kind = Kind::kSwarm;
  uint16_t round = 0;  // meaningful for kSwarm only (encoded only there)
  static DeliveryScope swarm(uint16_t round) { return {Kind::kSwarm, round}; }
  static DeliveryScope neighbors() { return {Kind::kNeighbors, 0}; }
  bool is_swarm() const { return kind == Kind::kSwarm; }
  bool operator==(const DeliveryScope&) const = default;
};

struct Gossip {
  MessageId id{};  // must equal BLAKE3(content); the receiver checks it
  Bytes content;
  DeliveryScope scope;
  bool operator==(const Gossip&) const = default;
};
struct Prune {
  bool operator==(const Prune&) const = default;
};
struct Graft {
  std::optional<MessageId> id;
  uint16_t round = 0;
  bool operator==(const Graft&) const = default;
};
struct IHaveEntry {
  MessageId id{};
  uint16_t round = 0;
  bool operator==(const IHaveEntry&) const = default;
};
struct IHave {
  std::vector<IHaveEntry> entries;
  bool operator==(const IHave&) const = default;
};

using Body = std::variant<Join, ForwardJoin, Shuffle, ShuffleReply, Neighbor, Disconnect,  //
                          Gossip, Prune, Graft, IHave>;
inline constexpr size_t kSwarmVariants = 6;

// True for the HyParView alternatives.
inline bool is_swarm(const Body& b) {
  return b.index() < kSwarmVariants;
}

struct Message {
  TopicId topic{};
  Body body;
  bool operator==(const Message&) const = default;
};

// Short name of a body's kind ("join", "gossip", ...), for logs and tests.
std::string_view body_name(const Body& b);

// The postcard body of a frame (no length prefix). Never fails: size limits
// are enforced by encode_frame.
Bytes encode_message(const Message& m);

// Optional check applied to every PeerId inside a message (ForwardJoin peer,
// Shuffle origin and nodes, ShuffleReply nodes). iroh rejects ids that are
// not valid Ed25519 points at decode time; a driver passes such a check
// (crypto::PublicKey::from_bytes) to match. nullptr accepts any 32 bytes.
using PeerIdCheck = bool (*)(const PeerId&);

// Decodes one frame body. Like postcard::from_bytes, trailing bytes after the
// message are ignored. Errors: kProtocol for any malformed input (truncated,
// unknown variant, bad option/bool tag, overlong varint, an id refused by
// `check`). Never crashes; allocation is bounded by the input size.
Result<Message> decode_message(ByteView body, PeerIdCheck check = nullptr);

}  // namespace ferry::proto::gossip
