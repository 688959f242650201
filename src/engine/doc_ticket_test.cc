// DocTicket against the real iroh 0.35 tickets of spec §11, and round trips.
#include "engine/doc_ticket.h"

#include <gtest/gtest.h>

#include "core/encoding.h"

namespace ferry::engine {
namespace {

constexpr char kWriteTicket[] =
    "docaaaca4fld6pelvrdfykmvz3p4dqcn2yiciovs2u6f3m47e5vfyur7bqeaf43kvror7tfj6kapcyrf2fjrotzah4fh"
    "ltjlpwx4drzcc5naslgiaabab7qaaab42dqe";
constexpr char kReadTicket[] =
    "docaaa3pernmpcfpf375bgoqchc5jtvssg7p5eguzc6pes7makgrzpeavabpg2vmlup4zkpsqdywejorkmlu6ib7bj24"
    "2k35v7a4oiqxlieszsaaaa";

TEST(DocTicket, ParsesAndReencodesIrohWriteTicket) {
  auto t = DocTicket::parse(kWriteTicket);
  ASSERT_TRUE(t) << t.error().to_string();
  ASSERT_EQ(t->capability.kind(), docs::CapabilityKind::kWrite);
  EXPECT_EQ(t->capability.secret()->to_string(),
            "70ab1f9e45d6232e14cae76fe0e026eb08121d596a9e2ed9cf93b52e291f8604");
  ASSERT_EQ(t->nodes.size(), 1u);
  ASSERT_EQ(t->nodes[0].direct_addresses.size(), 1u);
  EXPECT_EQ(t->nodes[0].direct_addresses[0].to_string(), "127.0.0.1:33766");
  EXPECT_EQ(t->to_string(), kWriteTicket);
}

TEST(DocTicket, ParsesAndReencodesIrohReadTicket) {
  auto t = DocTicket::parse(kReadTicket);
  ASSERT_TRUE(t) << t.error().to_string();
  ASSERT_EQ(t->capability.kind(), docs::CapabilityKind::kRead);
  EXPECT_EQ(t->capability.id().to_string(),
            "b7922d63c457977fe84ce808e2ea675948df7f486a645e7925f601468e5e4054");
  ASSERT_EQ(t->nodes.size(), 1u);
  EXPECT_TRUE(t->nodes[0].direct_addresses.empty());
  EXPECT_EQ(t->to_string(), kReadTicket);
}

TEST(DocTicket, WriteCapabilityPayloadLayout) {
  auto t = *DocTicket::parse(kWriteTicket);
  std::string hex = hex_encode(t.encode_payload());
  // 00 ‖ 00 20 secret ‖ 01 ‖ NodeAddr
  EXPECT_EQ(hex.substr(0, 6), "000020");
  EXPECT_EQ(hex.substr(6, 64), "70ab1f9e45d6232e14cae76fe0e026eb08121d596a9e2ed9cf93b52e291f8604");
  EXPECT_EQ(hex.substr(70, 2), "01");
}

TEST(DocTicket, RejectsBadInput) {
  EXPECT_FALSE(DocTicket::parse("blobaaaa"));
  EXPECT_FALSE(DocTicket::parse("doc!!!"));
  // No nodes: iroh refuses ("addressing info cannot be empty").
  auto t = *DocTicket::parse(kReadTicket);
  t.nodes.clear();
  auto r = DocTicket::parse(t.to_string());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kProtocol);
  // Truncations never crash and never succeed.
  auto payload = DocTicket::parse(kWriteTicket)->encode_payload();
  for (size_t n = 0; n < payload.size(); ++n) {
    EXPECT_FALSE(DocTicket::decode_payload(ByteView(payload).first(n))) << n;
  }
}

TEST(DocTicket, RoundTripsSeveralNodes) {
  auto t = *DocTicket::parse(kWriteTicket);
  net::NodeAddr second = t.nodes[0];
  second.direct_addresses = {net::SocketAddr::v4({10, 0, 0, 1}, 4433),
                             net::SocketAddr::v4({127, 0, 0, 1}, 9)};
  t.nodes.push_back(second);
  auto back = DocTicket::parse(t.to_string());
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, t);
}

}  // namespace
}  // namespace ferry::engine
