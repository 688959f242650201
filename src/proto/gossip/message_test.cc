// The /iroh-gossip/0 codec: the spec's captured frames (iroh-0.35-gossip.md
// §8) byte for byte, round trips of random messages, decoding arbitrary and
// mutated input, and the frame limits of §1.2.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>

#include "core/encoding.h"
#include "core/prng.h"
#include "proto/gossip/frame.h"
#include "proto/gossip/message.h"
#include "proto/gossip/peer_data.h"
#include "testing/seed.h"

namespace ferry::proto::gossip {
namespace {

const std::string kTopic = "2711b83bbf146d0b86d73b81c135d8e592d641d19b4adb4b1098baedd1ac148e";
const std::string kNodeA = "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664";
const std::string kNodeB = "e7f162a10bec559afea195e4dce84b69568d5d2cb0963eb446c0685e2b17f2f0";
const std::string kNodeC = "adc14011f82d1c56d956aa4f9d73d8858361a606048525e0d08c638dc75dd8c7";
// AddrInfo of C (no relay, 127.0.0.1:57775) and of A (relay + 127.0.0.1:39978).
const std::string kDataC = "0001007f000001afc303";
const std::string kDataA =
    "012368747470733a2f2f757365312d312e72656c61792e69726f682e6e6574776f726b2e2f01007f000001aab80"
    "2";
const std::string kDataB =
    "012368747470733a2f2f757365312d312e72656c61792e69726f682e6e6574776f726b2e2f01007f000001eca20"
    "2";
const std::string kMsgId = "9e93986d586a7b976f3eb608a877642407cb43d4d481603b276cb6f6b4cc317d";

Bytes unhex(const std::string& s) {
  return *hex_decode(s);
}
template <size_t N = 32>
std::array<uint8_t, N> arr(const std::string& s) {
  auto b = unhex(s);
  std::array<uint8_t, N> a{};
  std::copy(b.begin(), b.end(), a.begin());
  return a;
}

void expect_wire(const Message& m, const std::string& hex_body) {
  EXPECT_EQ(hex_encode(encode_message(m)), hex_body) << body_name(m.body);
  auto back = decode_message(unhex(hex_body));
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(*back, m);
}

TEST(GossipMessage, CapturedHyParViewFrames) {
  const TopicId t = arr(kTopic);
  expect_wire({t, Join{unhex(kDataC)}}, kTopic + "0000010a" + kDataC);
  EXPECT_EQ(encode_message({t, Join{unhex(kDataC)}}).size(), 46u);
  expect_wire({t, Neighbor{Priority::kHigh, unhex(kDataA)}}, kTopic + "0004" + "00012e" + kDataA);
  EXPECT_EQ(encode_message({t, Neighbor{Priority::kHigh, unhex(kDataA)}}).size(), 83u);
  expect_wire({t, Neighbor{Priority::kHigh, unhex(kDataC)}}, kTopic + "0004" + "00010a" + kDataC);
  ForwardJoin fj{PeerInfo{arr(kNodeB), unhex(kDataB)}, 6};
  expect_wire({t, fj}, kTopic + "0001" + kNodeB + "012e" + kDataB + "06");
  EXPECT_EQ(encode_message({t, fj}).size(), 115u);
  Shuffle sh{arr(kNodeA), {PeerInfo{arr(kNodeC), unhex(kDataC)}}, 5};
  expect_wire({t, sh}, kTopic + "0002" + kNodeA + "01" + kNodeC + "010a" + kDataC + "05");
  expect_wire({t, Disconnect{true, true}}, kTopic + "00050101");
  expect_wire({t, Disconnect{true, false}}, kTopic + "00050100");
  EXPECT_EQ(encode_message({t, Disconnect{true, false}}).size(), 36u);
  expect_wire({t, Join{}}, kTopic + "000000");
  expect_wire({t, ShuffleReply{{PeerInfo{arr(kNodeC), std::nullopt}}}},
              kTopic + "000301" + kNodeC + "00");
  expect_wire({t, Neighbor{Priority::kLow, std::nullopt}}, kTopic + "00040100");
}

TEST(GossipMessage, CapturedPlumTreeFrames) {
  const TopicId t = arr(kTopic);
  expect_wire({t, Prune{}}, kTopic + "0101");
  EXPECT_EQ(encode_message({t, Prune{}}).size(), 34u);
  expect_wire({t, IHave{{IHaveEntry{arr(kMsgId), 0}}}}, kTopic + "010301" + kMsgId + "00");
  EXPECT_EQ(encode_message({t, IHave{{IHaveEntry{arr(kMsgId), 0}}}}).size(), 68u);
  expect_wire({t, Graft{arr(kMsgId), 0}}, kTopic + "010201" + kMsgId + "00");
  expect_wire({t, Graft{std::nullopt, 300}}, kTopic + "010200ac02");
  // A Swarm(0) Gossip of 237 bytes of content is a 307-byte body (len ed01).
  Gossip g{arr(kMsgId), Bytes(237, 0x42), DeliveryScope::swarm(0)};
  auto body = encode_message({t, g});
  EXPECT_EQ(body.size(), 307u);
  EXPECT_EQ(hex_encode(ByteView(body).subspan(66, 2)), "ed01");
  EXPECT_EQ(hex_encode(ByteView(body).last(2)), "0000");
  // Neighbors scope: one byte, no round (ContentReady: 33 bytes -> 101).
  Gossip cr{arr(kMsgId), Bytes(33, 1), DeliveryScope::neighbors()};
  body = encode_message({t, cr});
  EXPECT_EQ(body.size(), 101u);
  EXPECT_EQ(hex_encode(ByteView(body).last(1)), "01");
  EXPECT_EQ(*decode_message(body), (Message{t, cr}));
  // Swarm(1), as the forwarded copy of §8 ends.
  g.scope = DeliveryScope::swarm(1);
  EXPECT_EQ(hex_encode(ByteView(encode_message({t, g})).last(2)), "0001");
}

TEST(GossipMessage, PeerDataVectors) {
  auto c = decode_peer_data(unhex(kDataC));
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->relay_url);
  ASSERT_EQ(c->direct_addresses.size(), 1u);
  EXPECT_EQ(c->direct_addresses[0].to_string(), "127.0.0.1:57775");
  EXPECT_EQ(hex_encode(encode_peer_data(*c)), kDataC);
  auto a = decode_peer_data(unhex(kDataA));
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->relay_url);
  EXPECT_EQ(a->relay_url->str(), "https://use1-1.relay.iroh.network./");
  EXPECT_EQ(a->direct_addresses[0].to_string(), "127.0.0.1:39978");
  EXPECT_EQ(hex_encode(encode_peer_data(*a)), kDataA);
  // Empty bytes: no info. Garbage: an error the caller ignores.
  auto empty = decode_peer_data({});
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->direct_addresses.empty());
  EXPECT_FALSE(decode_peer_data(unhex("0105")));
}

TEST(GossipMessage, RejectsMalformed) {
  const std::string t = kTopic;
  for (const std::string& bad :
       {std::string(""), t.substr(0, 62), t, t + "02", t + "0006", t + "0104", t + "000002",
        t + "0004020a", t + "000502", t + "00050001" /*ok*/ + "", t + "000100",
        t + "0100" + kMsgId + "00" + "02", t + "010203", t + "0103ff", t + "0102" + "01ab",
        t + "0002" + kNodeA + "ffffffff0f", t + "00000105aabb"}) {
    auto m = decode_message(unhex(bad));
    if (bad == t + "00050001") {
      EXPECT_TRUE(m);
      continue;
    }
    EXPECT_FALSE(m) << bad;
    if (!m) {
      EXPECT_EQ(m.error().code(), ErrorCode::kProtocol) << bad;
    }
  }
  // Trailing bytes are ignored, as postcard::from_bytes does.
  EXPECT_TRUE(decode_message(unhex(t + "0101" + "deadbeef")));
  // An id check refuses the ForwardJoin's peer.
  auto refuse = [](const PeerId&) { return false; };
  EXPECT_FALSE(decode_message(unhex(t + "0001" + kNodeB + "0006"), +refuse));
  EXPECT_TRUE(decode_message(unhex(t + "0001" + kNodeB + "0006")));
}

// ---- random messages ----

Bytes random_bytes(Prng& rng, size_t max_len) {
  Bytes b(rng.below(max_len + 1));
  for (auto& x : b) x = static_cast<uint8_t>(rng.next());
  return b;
}
template <size_t N = 32>
std::array<uint8_t, N> random_array(Prng& rng) {
  std::array<uint8_t, N> a{};
  for (auto& x : a) x = static_cast<uint8_t>(rng.next());
  return a;
}
std::optional<Bytes> random_data(Prng& rng) {
  if (rng.chance(0.3)) return std::nullopt;
  return random_bytes(rng, 60);
}
uint16_t random_u16(Prng& rng) {
  return static_cast<uint16_t>(rng.chance(0.5) ? rng.below(8) : rng.next());
}
std::vector<PeerInfo> random_peers(Prng& rng) {
  std::vector<PeerInfo> v(rng.below(6));
  for (auto& p : v) p = PeerInfo{random_array(rng), random_data(rng)};
  return v;
}

Message random_message(Prng& rng) {
  Message m;
  m.topic = random_array(rng);
  switch (rng.below(10)) {
    case 0: m.body = Join{random_data(rng)}; break;
    case 1: m.body = ForwardJoin{{random_array(rng), random_data(rng)}, random_u16(rng)}; break;
    case 2: m.body = Shuffle{random_array(rng), random_peers(rng), random_u16(rng)}; break;
    case 3: m.body = ShuffleReply{random_peers(rng)}; break;
    case 4:
      m.body = Neighbor{rng.chance(0.5) ? Priority::kHigh : Priority::kLow, random_data(rng)};
      break;
    case 5: m.body = Disconnect{rng.chance(0.5), rng.chance(0.5)}; break;
    case 6: {
      Gossip g{random_array(rng), random_bytes(rng, 300), DeliveryScope::neighbors()};
      if (rng.chance(0.7)) g.scope = DeliveryScope::swarm(random_u16(rng));
      m.body = std::move(g);
      break;
    }
    case 7: m.body = Prune{}; break;
    case 8: {
      Graft g;
      if (rng.chance(0.8)) g.id = random_array(rng);
      g.round = random_u16(rng);
      m.body = g;
      break;
    }
    default: {
      IHave h;
      h.entries.resize(rng.below(5));
      for (auto& e : h.entries) e = IHaveEntry{random_array(rng), random_u16(rng)};
      m.body = std::move(h);
    }
  }
  return m;
}

RC_GTEST_PROP(GossipMessageProp, RoundTrips, (uint64_t seed)) {
  Prng rng(seed);
  Message m = random_message(rng);
  auto body = encode_message(m);
  auto back = decode_message(body);
  RC_ASSERT(back.has_value());
  RC_ASSERT(*back == m);
  // Every proper prefix is truncated input, never a different message.
  size_t cut = rng.below(body.size());
  auto prefix = decode_message(ByteView(body).first(cut));
  RC_ASSERT(!prefix.has_value());
}

RC_GTEST_PROP(GossipMessageProp, MutatedInputDecodesCanonicallyOrFails, (uint64_t seed)) {
  Prng rng(seed);
  Bytes body = encode_message(random_message(rng));
  size_t flips = 1 + rng.below(4);
  for (size_t i = 0; i < flips; ++i) body[rng.below(body.size())] ^= uint8_t(1 + rng.below(255));
  if (rng.chance(0.3)) body.resize(rng.below(body.size() + 1));
  auto m = decode_message(body);
  if (m) {
    // Whatever decodes re-encodes to something that decodes to the same.
    auto again = decode_message(encode_message(*m));
    RC_ASSERT(again.has_value());
    RC_ASSERT(*again == *m);
  } else {
    RC_ASSERT(m.error().code() == ErrorCode::kProtocol);
  }
}

RC_GTEST_PROP(GossipFrameProp, SplitStreamYieldsTheSameMessages, (uint64_t seed)) {
  Prng rng(seed);
  std::vector<Message> sent(1 + rng.below(8));
  Bytes stream;
  for (auto& m : sent) {
    m = random_message(rng);
    auto f = encode_frame(m);
    RC_ASSERT(f.has_value());
    append(stream, *f);
  }
  FrameDecoder dec;
  std::vector<Message> got;
  size_t pos = 0;
  while (pos < stream.size()) {
    size_t n = std::min<size_t>(stream.size() - pos, 1 + rng.below(64));
    dec.push(ByteView(stream).subspan(pos, n));
    pos += n;
    for (;;) {
      auto m = dec.next();
      RC_ASSERT(m.has_value());
      if (!*m) break;
      got.push_back(std::move(**m));
    }
  }
  RC_ASSERT(got == sent);
  RC_ASSERT(dec.buffered() == 0u);
}

// The limits of §1.2: we send bodies up to 4095 and accept up to 4096.
TEST(GossipFrame, SizeLimits) {
  Message m{arr(kTopic), Gossip{arr(kMsgId), Bytes(4025, 7), DeliveryScope::swarm(0)}};
  auto f = encode_frame(m);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->size(), 4u + 4095u);
  EXPECT_EQ(hex_encode(ByteView(*f).first(4)), "00000fff");
  std::get<Gossip>(m.body).content.push_back(7);
  auto big = encode_frame(m);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code(), ErrorCode::kResourceExhausted);

  // A 4096-byte body is accepted (the trailing byte after the message is
  // ignored); a 4097 length is refused before its body arrives, for good.
  Bytes body = encode_message({arr(kTopic), Prune{}});
  body.resize(4096, 0);
  Bytes frame(4, 0);
  put_u32_be(frame.data(), 4096);
  append(frame, body);
  FrameDecoder dec;
  dec.push(frame);
  auto got = dec.next();
  ASSERT_TRUE(got && *got);
  EXPECT_TRUE(std::holds_alternative<Prune>((*got)->body));
  dec.push(unhex("00001001"));
  auto over = dec.next();
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code(), ErrorCode::kResourceExhausted);
  dec.push(*encode_frame({arr(kTopic), Prune{}}));
  EXPECT_FALSE(dec.next());
  EXPECT_TRUE(dec.failed());

  // A frame whose body does not decode poisons the decoder too.
  FrameDecoder dec2;
  dec2.push(unhex("00000002abcd"));
  auto bad = dec2.next();
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kProtocol);
}

TEST(GossipFrame, RandomBytesNeverCrash) {
  Prng rng(ferry::testing::test_seed());
  for (int i = 0; i < 20000; ++i) {
    Bytes in = random_bytes(rng, 200);
    if (in.size() >= 4 && rng.chance(0.8)) {
      put_u32_be(in.data(), static_cast<uint32_t>(rng.below(in.size())));
    }
    FrameDecoder dec;
    dec.push(in);
    for (int k = 0; k < 8; ++k) {
      auto m = dec.next();
      if (!m || !*m) break;
    }
    (void)decode_message(in);
    (void)decode_peer_data(in);
  }
}

}  // namespace
}  // namespace ferry::proto::gossip
