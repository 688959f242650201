#include "net/ticket.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "core/encoding.h"

namespace ferry::net {
namespace {

Bytes hex(std::string_view s) {
  auto r = hex_decode(s);
  EXPECT_TRUE(r.has_value());
  return r.value_or(Bytes{});
}

constexpr std::string_view kNodeA =
    "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664";
constexpr std::string_view kHiThere =
    "0b84d358e4c8be6c38626b2182ff575818ba6bd3f4b90464994be14cb354a072";
// spec §11: BlobTicket (Raw, hash("hi there")) from a real iroh 0.35 node.
constexpr std::string_view kBlobTicket =
    "blobab43kvror7tfj6kapcyrf2fjrotzah4fhltjlpwx4drzcc5naslgiaabab7qaaab42dqeaalqtjvrzgixzwdqytleg"
    "bp6v2ydc5gxu7uxecgjgkl4fglgvfaoi";

TEST(NodeKey, PublicKeyFromSeedMatchesIroh) {
  auto sk = SecretKey::from_bytes(
      hex("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"));
  ASSERT_TRUE(sk);
  EXPECT_EQ(sk->public_key().to_string(), kNodeA);
  auto sk_b = SecretKey::from_bytes(
      hex("2122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f40"));
  ASSERT_TRUE(sk_b);
  EXPECT_EQ(sk_b->public_key().to_string(),
            "e7f162a10bec559afea195e4dce84b69568d5d2cb0963eb446c0685e2b17f2f0");
}

TEST(NodeKey, TlsServerNameMatchesIroh) {
  auto zero = SecretKey::from_bytes(Bytes(32, 0));
  ASSERT_TRUE(zero);
  EXPECT_EQ(zero->public_key().tls_server_name(),
            "7dl2ff6emqi2qol3l382krodedij45bn3nh479hqo14a32qpr8kg.iroh.invalid");
  auto ones = SecretKey::from_bytes(Bytes(32, 1));
  ASSERT_TRUE(ones);
  EXPECT_EQ(ones->public_key().to_string().substr(0, 8), "8a88e3dd");
  EXPECT_EQ(ones->public_key().tls_server_name(),
            "ha4e7nbk17opbvaircmjpeiteb56e2dv3ma146vjei403d0fdte0.iroh.invalid");
}

TEST(NodeKey, ParsesHexAndBase32AndRejectsInvalidPoints) {
  auto id = NodeId::parse(kNodeA);
  ASSERT_TRUE(id);
  auto b32 = NodeId::parse(base32_encode(id->view()));
  ASSERT_TRUE(b32);
  EXPECT_EQ(*b32, *id);
  EXPECT_FALSE(NodeId::parse(kNodeA.substr(1)));
  // y = 2 is not on the curve.
  Bytes bad(32, 0);
  bad[0] = 2;
  EXPECT_FALSE(NodeId::from_bytes(bad));
}

TEST(SocketAddr, ParsePrintAndOrder) {
  auto a = SocketAddr::parse("127.0.0.1:33766");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->to_string(), "127.0.0.1:33766");
  auto b = SocketAddr::parse("[::1]:7");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->to_string(), "[::1]:7");
  EXPECT_LT(*a, *b);  // V4 before V6
  EXPECT_FALSE(SocketAddr::parse("127.0.0.1"));
  EXPECT_FALSE(SocketAddr::parse("127.0.0.1:65536"));
  EXPECT_FALSE(SocketAddr::parse("[::1:5"));
  auto mapped = SocketAddr::from_v6_mapped(a->to_v6_mapped(), a->port);
  EXPECT_EQ(mapped, *a);
}

TEST(BlobTicket, ParsesIrohVectorAndReencodesByteForByte) {
  auto t = BlobTicket::parse(kBlobTicket);
  ASSERT_TRUE(t) << t.error().to_string();
  EXPECT_EQ(t->node.node_id.to_string(), kNodeA);
  EXPECT_FALSE(t->node.relay_url.has_value());
  ASSERT_EQ(t->node.direct_addresses.size(), 1u);
  EXPECT_EQ(t->node.direct_addresses[0].to_string(), "127.0.0.1:33766");
  EXPECT_EQ(t->format, BlobFormat::kRaw);
  EXPECT_EQ(t->hash.to_hex(), kHiThere);
  EXPECT_EQ(hex_encode(t->encode_payload()), std::string("00") + std::string(kNodeA) + "000100" +
                                                 "7f000001e68702" + "00" + std::string(kHiThere));
  EXPECT_EQ(t->to_string(), kBlobTicket);
}

TEST(NodeAddr, RelayUrlIsParsedAndKept) {
  // The NodeAddr part of spec §11's "Write DocTicket with relay".
  std::string url = "https://use1-1.relay.iroh.network./";
  Bytes payload =
      hex(std::string(kNodeA) + "0123" + hex_encode(as_bytes(url)) + "01007f000001c3a702");
  PostcardReader r(payload);
  auto addr = NodeAddr::decode(r);
  ASSERT_TRUE(addr) << addr.error().to_string();
  ASSERT_TRUE(addr->relay_url);
  EXPECT_EQ(addr->relay_url->str(), url);
  EXPECT_TRUE(r.at_end());
  PostcardWriter w;
  addr->encode(w);
  EXPECT_EQ(w.data(), payload);

  NodeTicket nt{*addr};
  auto back = NodeTicket::parse(nt.to_string());
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, nt);
  EXPECT_TRUE(nt.to_string().starts_with("node"));
}

TEST(BlobTicket, SortsAddressesLikeBTreeSet) {
  BlobTicket t;
  t.node.node_id = *NodeId::parse(kNodeA);
  t.node.direct_addresses = {*SocketAddr::parse("[::1]:40545"),
                             *SocketAddr::parse("127.0.0.1:46439"),
                             *SocketAddr::parse("127.0.0.1:46439")};
  t.format = BlobFormat::kHashSeq;
  Bytes p = t.encode_payload();
  std::string h = hex_encode(p);
  // 00 ‖ id ‖ 00 ‖ 02 ‖ V4 ‖ V6 ‖ 01 ‖ hash (spec §11 HashSeq ticket layout).
  EXPECT_EQ(h.substr(66, 6 + 14 + 2 + 32 + 6),
            "000200"
            "7f000001e7ea02"
            "01"
            "00000000000000000000000000000001e1bc02");
  auto back = BlobTicket::parse(t.to_string());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->node.direct_addresses.size(), 2u);
  EXPECT_EQ(back->format, BlobFormat::kHashSeq);
}

TEST(BlobTicket, DecodeNormalizesAddressOrderLikeBTreeSet) {
  // Found by fuzz_ticket: duplicate / unsorted addresses on the wire.
  std::string p = "00" + std::string(kNodeA) + "00" + "03" + "007f000001e68702" + "0001020304" +
                  "05" + "007f000001e68702" + "00" + std::string(kHiThere);
  auto t = BlobTicket::decode_payload(hex(p));
  ASSERT_TRUE(t) << t.error().to_string();
  ASSERT_EQ(t->node.direct_addresses.size(), 2u);
  EXPECT_EQ(t->node.direct_addresses[0].to_string(), "1.2.3.4:5");
  auto again = BlobTicket::decode_payload(t->encode_payload());
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *t);
}

TEST(BlobTicket, RejectsMalformed) {
  EXPECT_FALSE(BlobTicket::parse("node" + std::string(kBlobTicket.substr(4))));
  EXPECT_FALSE(BlobTicket::parse("blob!!"));
  EXPECT_FALSE(BlobTicket::parse(kBlobTicket.substr(0, kBlobTicket.size() - 8)));
  EXPECT_FALSE(BlobTicket::parse("blob"));
  auto t = BlobTicket::parse(kBlobTicket);
  ASSERT_TRUE(t);
  Bytes p = t->encode_payload();
  p[0] = 1;  // unknown wire variant
  EXPECT_FALSE(BlobTicket::decode_payload(p));
}

RC_GTEST_PROP(Ticket, DecodeNeverCrashesAndRoundTrips, (std::vector<uint8_t> payload)) {
  auto t = BlobTicket::decode_payload(payload);
  if (t) {
    auto again = BlobTicket::decode_payload(t->encode_payload());
    RC_ASSERT(again.has_value());
    RC_ASSERT(*again == *t);
  }
  auto n = NodeTicket::decode_payload(payload);
  if (n) RC_ASSERT(NodeTicket::parse(n->to_string()).has_value());
}

}  // namespace
}  // namespace ferry::net
