#include "net/disco.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <sodium.h>

#include "core/encoding.h"

namespace ferry::net {
namespace {

TransactionId tx_1_to_12() {
  TransactionId tx{};
  for (int i = 0; i < 12; ++i) tx[i] = static_cast<uint8_t>(i + 1);
  return tx;
}

SecretKey key_of(uint8_t fill) {
  return *SecretKey::from_bytes(Bytes(32, fill));
}

TEST(DiscoCodec, MatchesUpstreamVectors) {
  // iroh v0.35.0 disco.rs tests (transport spec §4.2).
  DiscoPong pong{tx_1_to_12(), *SocketAddr::parse("2.3.4.5:1234")};
  EXPECT_EQ(hex_encode(encode_disco_message(pong)),
            "0200"
            "0102030405060708090a0b0c"
            "00"
            "00000000000000000000"
            "ffff02030405d204");
  EXPECT_EQ(hex_encode(encode_disco_message(DiscoCallMeMaybe{})), "0300");
  DiscoPing ping{tx_1_to_12(), key_of(7).public_key()};
  Bytes p = encode_disco_message(ping);
  EXPECT_EQ(p.size(), 46u);
  EXPECT_EQ(hex_encode(ByteView(p).first(14)), "01000102030405060708090a0b0c");
  for (const DiscoMessage& m :
       {DiscoMessage(ping), DiscoMessage(pong),
        DiscoMessage(
            DiscoCallMeMaybe{{*SocketAddr::parse("[::1]:9"), *SocketAddr::parse("1.2.3.4:80")}})}) {
    auto back = decode_disco_message(encode_disco_message(m));
    ASSERT_TRUE(back) << back.error().to_string();
    EXPECT_EQ(*back, m);
  }
}

TEST(DiscoCodec, RejectsMalformed) {
  EXPECT_FALSE(decode_disco_message(hex_decode("0301").value()));      // version 1
  EXPECT_FALSE(decode_disco_message(hex_decode("0900").value()));      // unknown type
  EXPECT_FALSE(decode_disco_message(hex_decode("0100aabb").value()));  // short ping
  EXPECT_FALSE(decode_disco_message(hex_decode("030001").value()));    // partial endpoint
  DiscoPong pong{tx_1_to_12(), *SocketAddr::parse("2.3.4.5:1234")};
  Bytes b = encode_disco_message(pong);
  b.push_back(0);
  EXPECT_FALSE(decode_disco_message(b));  // trailing bytes after a Pong
  DiscoPing ping{tx_1_to_12(), key_of(7).public_key()};
  Bytes pb = encode_disco_message(ping);
  pb.push_back(0xee);
  EXPECT_TRUE(decode_disco_message(pb));  // trailing bytes after a Ping are tolerated
  std::fill(pb.begin() + 14, pb.begin() + 46, 0);
  pb[14] = 2;  // not a curve point
  EXPECT_FALSE(decode_disco_message(pb));
}

TEST(DiscoCrypto, SealOpenRoundTripAndSizes) {
  auto a = key_of(1), b = key_of(2);
  DiscoCrypto ca(a), cb(b);
  DiscoPing ping{tx_1_to_12(), a.public_key()};
  auto sealed = ca.seal(b.public_key(), ping);
  ASSERT_TRUE(sealed);
  EXPECT_EQ(sealed->size(), 124u);
  EXPECT_TRUE(looks_like_disco(*sealed));
  auto opened = cb.open(*sealed);
  ASSERT_TRUE(opened) << opened.error().to_string();
  EXPECT_EQ(opened->sender, a.public_key());
  EXPECT_EQ(std::get<DiscoPing>(opened->message), ping);

  auto pong = cb.seal(a.public_key(), DiscoPong{tx_1_to_12(), *SocketAddr::parse("127.0.0.1:5")});
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->size(), 111u);
  EXPECT_TRUE(ca.open(*pong));

  // A third party cannot open it; a flipped bit fails authentication.
  DiscoCrypto cc(key_of(3));
  EXPECT_FALSE(cc.open(*sealed));
  Bytes tampered = *sealed;
  tampered[60] ^= 1;
  auto bad = cb.open(tampered);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kCorrupt);
}

TEST(DiscoCrypto, IsSecretboxXChaCha20OverX25519HChaCha) {
  // Rebuild the construction from the spec out of lower-level primitives and
  // check that it opens what DiscoCrypto sealed.
  auto a = key_of(4), b = key_of(5);
  DiscoCrypto ca(a);
  std::array<uint8_t, kDiscoNonceLen> nonce{};
  for (size_t i = 0; i < nonce.size(); ++i) nonce[i] = static_cast<uint8_t>(0xa0 + i);
  DiscoPing ping{tx_1_to_12(), a.public_key()};
  auto sealed = ca.seal_with_nonce(b.public_key(), ping, nonce);
  ASSERT_TRUE(sealed);
  EXPECT_TRUE(std::equal(nonce.begin(), nonce.end(), sealed->end() - kDiscoNonceLen));

  uint8_t pk[32], sk[64], b_x_secret[32], a_x_public[32], shared[32], key[32];
  crypto_sign_seed_keypair(pk, sk, b.seed().data());
  crypto_sign_ed25519_sk_to_curve25519(b_x_secret, sk);
  ASSERT_EQ(crypto_sign_ed25519_pk_to_curve25519(a_x_public, a.public_key().data()), 0);
  ASSERT_EQ(crypto_scalarmult(shared, b_x_secret, a_x_public), 0);
  uint8_t zero16[16] = {};
  crypto_core_hchacha20(key, zero16, shared, nullptr);
  ByteView boxed =
      ByteView(*sealed).subspan(kDiscoHeaderLen, sealed->size() - kDiscoHeaderLen - kDiscoNonceLen);
  Bytes plain(boxed.size() - 16);
  ASSERT_EQ(crypto_secretbox_xchacha20poly1305_open_easy(plain.data(), boxed.data(), boxed.size(),
                                                         nonce.data(), key),
            0);
  EXPECT_EQ(plain, encode_disco_message(ping));
}

TEST(DiscoClassify, NeverUsesTheFixedBit) {
  Bytes quic_short(40, 0x11);
  quic_short[0] = 0x01;  // greased: fixed bit clear, short header
  EXPECT_FALSE(looks_like_disco(quic_short));
  EXPECT_FALSE(looks_like_stun(quic_short));
  Bytes stun(20, 0);
  stun[4] = 0x21, stun[5] = 0x12, stun[6] = 0xa4, stun[7] = 0x42;
  EXPECT_TRUE(looks_like_stun(stun));
  Bytes magic_short(kDiscoMagic.begin(), kDiscoMagic.end());
  EXPECT_FALSE(looks_like_disco(magic_short));  // < 38 bytes
}

RC_GTEST_PROP(DiscoCodec, DecodeNeverCrashes, (std::vector<uint8_t> data)) {
  auto m = decode_disco_message(data);
  if (m) {
    auto again = decode_disco_message(encode_disco_message(*m));
    RC_ASSERT(again.has_value());
  }
  static DiscoCrypto crypto(key_of(9));
  Bytes d(kDiscoMagic.begin(), kDiscoMagic.end());
  append(d, data);
  (void)crypto.open(d);
}

}  // namespace
}  // namespace ferry::net
