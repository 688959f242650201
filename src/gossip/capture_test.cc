// The core replays the exchanges captured between real iroh 0.35 nodes and a
// raw peer C (spec iroh-0.35-gossip.md §8), with us in C's place: what we
// send must be byte for byte what C sent, and what the real nodes sent must
// have the effects they had on C.
#include <gtest/gtest.h>

#include <string>

#include "core/encoding.h"
#include "crypto/blake3.h"
#include "gossip/state.h"
#include "proto/gossip/frame.h"
#include "testing/seed.h"

namespace ferry::gossip {
namespace {

const std::string kT = "2711b83bbf146d0b86d73b81c135d8e592d641d19b4adb4b1098baedd1ac148e";
const std::string kA = "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664";
const std::string kB = "e7f162a10bec559afea195e4dce84b69568d5d2cb0963eb446c0685e2b17f2f0";
const std::string kC = "adc14011f82d1c56d956aa4f9d73d8858361a606048525e0d08c638dc75dd8c7";
const std::string kDataC = "0001007f000001afc303";
const std::string kRelay =
    "012368747470733a2f2f757365312d312e72656c61792e69726f682e6e6574776f726b2e2f";
const std::string kDataA = kRelay + "01007f000001aab802";
const std::string kDataB = kRelay + "01007f000001eca202";
// The Op::Put A gossiped for key "gossip/k" (iroh-0.35-captures.json).
const std::string kPut =
    "009b1188c6771fac40a6303182538236cb9da4f1135af3a38c8c4084d1c2b09c75ad3da2cf6adfc1ddfad44e8646"
    "9f03121887a0d71fe9757a52b7be3fc132af0671232a0a923f81ae4eed34c0a34e6bafd2fdbcbcb14fe8a2a7214e"
    "1370d0301aa70bf0c87b1345e40dd8d63e2512db849b9a993a19561629bcd2a9763de8260448b7922d63c457977f"
    "e84ce808e2ea675948df7f486a645e7925f601468e5e40542152f8d19b791d24453242e15f2eab6cb7cffa7b6a5e"
    "d30097960e069881db12676f737369702f6b0c314e30d1482512dad38f8cd80700086b77481b2814fac7b8de4ef0"
    "54d91f620bf3ced2d1cba59803";

std::array<uint8_t, 32> id(const std::string& hex) {
  auto b = *hex_decode(hex);
  std::array<uint8_t, 32> a{};
  std::copy(b.begin(), b.end(), a.begin());
  return a;
}

class Capture : public ::testing::Test {
 protected:
  Capture() : c_(id(kC), *hex_decode(kDataC), Config{}, ferry::testing::test_seed()) {}

  // Bodies we send to `to`, hex, in order; checks each fits a frame.
  std::vector<std::string> take(const std::string& to) {
    std::vector<std::string> out;
    while (auto a = c_.poll_action()) {
      actions_.push_back(*a);
      if (auto* s = std::get_if<SendMessage>(&*a); s && s->peer == id(to)) {
        EXPECT_TRUE(proto::gossip::encode_frame(s->message));
        out.push_back(hex_encode(proto::gossip::encode_message(s->message)));
      }
    }
    EXPECT_TRUE(c_.check_invariants());
    return out;
  }
  void recv(const std::string& from, const std::string& body_hex) {
    auto m = proto::gossip::decode_message(*hex_decode(body_hex));
    ASSERT_TRUE(m) << m.error().to_string();
    c_.on_message(id(from), *m, now_);
  }
  template <typename E>
  std::vector<E> events() {
    std::vector<E> out;
    for (const auto& a : actions_) {
      if (auto* e = std::get_if<EmitEvent>(&a)) {
        if (auto* x = std::get_if<E>(&e->event)) out.push_back(*x);
      }
    }
    actions_.clear();
    return out;
  }

  State c_;
  Instant now_ = Instant::from_nanos(5'000'000'000);
  std::vector<Action> actions_;
};

TEST_F(Capture, JoinHandshakeForwardJoinAndDisconnect) {
  // C -> A: Join(Some(C's AddrInfo)), 46 bytes.
  c_.join(id(kT), {id(kA)}, now_);
  EXPECT_EQ(take(kA), std::vector<std::string>{kT + "0000010a" + kDataC});
  // A -> C: Neighbor(High, relay + 127.0.0.1:39978); C answers Neighbor(High).
  recv(kA, kT + "000400012e" + kDataA);
  EXPECT_EQ(take(kA), std::vector<std::string>{kT + "000400010a" + kDataC});
  auto up = events<NeighborUp>();
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0].peer, id(kA));

  // A -> C: ForwardJoin{B + data, ttl 6}. With one neighbour, C takes B:
  // Neighbor(High) to B (a new connection), as the raw peer did.
  recv(kA, kT + "0001" + kB + "012e" + kDataB + "06");
  EXPECT_EQ(take(kB), std::vector<std::string>{kT + "000400010a" + kDataC});
  // B's Neighbor(High) reply changes nothing.
  recv(kB, kT + "000400012e" + kDataB);
  EXPECT_TRUE(take(kB).empty());
  EXPECT_TRUE(c_.membership(id(kT)).is_active(id(kB)));

  // B -> C (forwarded by B at 60 s): A's Shuffle{origin A, [C + data], ttl 5}.
  // C has two neighbours and no other to forward to: dropped.
  recv(kB, kT + "0002" + kA + "01" + kC + "010a" + kDataC + "05");
  EXPECT_TRUE(take(kB).empty());

  // Disconnect{1,1} from B: C answers Disconnect{1,0} (05 01 00).
  recv(kB, kT + "00050101");
  EXPECT_EQ(take(kB), std::vector<std::string>{kT + "00050100"});
  EXPECT_EQ(events<NeighborDown>().size(), 1u);
}

TEST_F(Capture, GossipPruneIHaveGraft) {
  c_.join(id(kT), {id(kA)}, now_);
  recv(kA, kT + "000400012e" + kDataA);
  (void)take(kA);
  (void)events<NeighborUp>();
  // B joins C directly too.
  recv(kB, kT + "000400002e" + kDataB);
  (void)take(kB);

  Bytes put = *hex_decode(kPut);
  auto put_id = hex_encode(crypto::blake3(put).bytes());
  // An 8-byte key: 235 + 8 bytes of Op (spec §5), varint length f3 01.
  ASSERT_EQ(put.size(), 243u);
  std::string len = "f301";
  // A -> C: Gossip, Swarm(0): delivered, forwarded to B at round 1.
  recv(kA, kT + "0100" + put_id + len + kPut + "0000");
  auto fwd = take(kB);
  ASSERT_EQ(fwd.size(), 1u);
  EXPECT_EQ(fwd[0], kT + "0100" + put_id + len + kPut + "0001");
  auto got = events<Received>();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].content, put);
  EXPECT_EQ(got[0].delivered_from, id(kA));
  EXPECT_EQ(got[0].scope, DeliveryScope::swarm(0));

  // The same from B with round 1: C prunes B (T 01 01, 34 bytes).
  recv(kB, kT + "0100" + put_id + len + kPut + "0001");
  EXPECT_EQ(take(kB), std::vector<std::string>{kT + "0101"});
  EXPECT_TRUE(events<Received>().empty());

  // A -> C: IHave[{id, 0}] for a message C lacks; 80 ms later C grafts it
  // from A: T 01 02 01 id 00.
  const std::string ihave_id = "9e93986d586a7b976f3eb608a877642407cb43d4d481603b276cb6f6b4cc317d";
  recv(kA, kT + "010301" + ihave_id + "00");
  Timer graft;
  bool armed = false;
  (void)take(kA);
  for (const auto& a : actions_) {
    if (auto* t = std::get_if<ScheduleTimer>(&a); t && t->timer.kind == Timer::Kind::kSendGraft) {
      EXPECT_EQ(t->at, now_ + 80ms);
      graft = t->timer;
      armed = true;
    }
  }
  ASSERT_TRUE(armed);
  c_.on_timer(graft, now_ + 80ms);
  EXPECT_EQ(take(kA), std::vector<std::string>{kT + "010201" + ihave_id + "00"});
}

}  // namespace
}  // namespace ferry::gossip
