#include "crypto/ed25519.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "core/encoding.h"
#include "testing/seed.h"

namespace ferry::crypto {
namespace {

using namespace ed25519_detail;
using Arr32 = std::array<uint8_t, 32>;

Arr32 arr32(std::string_view hex) {
  auto b = hex_decode(hex);
  EXPECT_TRUE(b.has_value());
  Arr32 a{};
  std::copy_n(b->begin(), 32, a.begin());
  return a;
}

Arr32 filled(uint8_t v) {
  Arr32 a;
  a.fill(v);
  return a;
}

using ferry::testing::test_seed;

// little-endian 256-bit helpers for the constructed vectors.
constexpr Arr32 kL = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                      0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
                      0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};

Arr32 add_le(const Arr32& a, const Arr32& b) {
  Arr32 r;
  unsigned carry = 0;
  for (size_t i = 0; i < 32; ++i) {
    unsigned v = a[i] + b[i] + carry;
    r[i] = static_cast<uint8_t>(v);
    carry = v >> 8;
  }
  return r;
}

// k = SHA512(R ‖ A ‖ M) mod l, as both dalek and libsodium compute it.
Arr32 challenge(const Arr32& r, const Arr32& a, ByteView msg) {
  crypto_hash_sha512_state st;
  crypto_hash_sha512_init(&st);
  crypto_hash_sha512_update(&st, r.data(), 32);
  crypto_hash_sha512_update(&st, a.data(), 32);
  crypto_hash_sha512_update(&st, msg.data(), msg.size());
  unsigned char h[64];
  crypto_hash_sha512_final(&st, h);
  Arr32 k;
  crypto_core_ed25519_scalar_reduce(k.data(), h);
  return k;
}

Arr32 random_scalar() {
  unsigned char wide[64];
  randombytes_buf(wide, sizeof(wide));
  Arr32 s;
  crypto_core_ed25519_scalar_reduce(s.data(), wide);
  return s;
}

Arr32 base_mul(const Arr32& s) {
  Arr32 p;
  EXPECT_EQ(crypto_scalarmult_ed25519_base_noclamp(p.data(), s.data()), 0);
  return p;
}

// The clamped secret scalar a of a seed (RFC 8032 §5.1.5).
Arr32 secret_scalar(const SecretKey& sk) {
  unsigned char h[64];
  crypto_hash_sha512(h, sk.seed().data(), 32);
  h[0] &= 248;
  h[31] &= 127;
  h[31] |= 64;
  Arr32 a;
  std::copy_n(h, 32, a.begin());
  return a;
}

Signature make_sig(const Arr32& r, const Arr32& s) {
  std::array<uint8_t, 64> b;
  std::copy(r.begin(), r.end(), b.begin());
  std::copy(s.begin(), s.end(), b.begin() + 32);
  return Signature(b);
}

// A signature (R, S) with S = r + k*a for an arbitrary R bytes and nonce
// scalar r_scalar: verifies iff R == r_scalar*B (as bytes).
Signature forge(const SecretKey& sk, const Arr32& r_bytes, const Arr32& r_scalar, ByteView msg) {
  Arr32 k = challenge(r_bytes, sk.public_key().bytes(), msg);
  Arr32 ka, s;
  Arr32 a = secret_scalar(sk);
  crypto_core_ed25519_scalar_mul(ka.data(), k.data(), a.data());
  crypto_core_ed25519_scalar_add(s.data(), r_scalar.data(), ka.data());
  return make_sig(r_bytes, s);
}

// Non-canonical encoding y' + p (y' small) of a point that is not small order.
Arr32 non_canonical_point() {
  for (uint8_t y = 2; y < 19; ++y) {
    Arr32 e = filled(0xff);
    e[31] = 0x7f;
    e[0] = static_cast<uint8_t>(0xed + y);
    if (decompresses(e) && !is_small_order(e)) return e;
  }
  ADD_FAILURE() << "no non-canonical point found";
  return {};
}

TEST(Ed25519, SpecKeyVectors) {
  struct V {
    const char* seed;
    const char* pub;
  };
  const V vs[] = {
      {"0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
       "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664"},
      {"2122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f40",
       "e7f162a10bec559afea195e4dce84b69568d5d2cb0963eb446c0685e2b17f2f0"},
      {"4242424242424242424242424242424242424242424242424242424242424242",
       "2152f8d19b791d24453242e15f2eab6cb7cffa7b6a5ed30097960e069881db12"},
      {"4343434343434343434343434343434343434343434343434343434343434343",
       "22fc297792f0b6ffc0bfcfdb7edb0c0aa14e025a365ec0e342e86e3829cb74b6"},
      {"70ab1f9e45d6232e14cae76fe0e026eb08121d596a9e2ed9cf93b52e291f8604",
       "b7922d63c457977fe84ce808e2ea675948df7f486a645e7925f601468e5e4054"},
  };
  for (const auto& v : vs) {
    auto sk = SecretKey::parse_hex(v.seed);
    ASSERT_TRUE(sk.has_value());
    EXPECT_EQ(sk->public_key().to_hex(), v.pub);
    EXPECT_EQ(sk->to_hex(), v.seed);
    auto pk = PublicKey::parse(v.pub);
    ASSERT_TRUE(pk.has_value());
    EXPECT_EQ(*pk, sk->public_key());
  }
}

TEST(Ed25519, SpecEntrySignatureVerifies) {
  // §11: author 42×32 signed the canonical bytes of entry "hello".
  const std::string msg_hex =
      "b7922d63c457977fe84ce808e2ea675948df7f486a645e7925f601468e5e4054"
      "2152f8d19b791d24453242e15f2eab6cb7cffa7b6a5ed30097960e069881db12"
      "68656c6c6f0000000000000005"
      "d7894ae9716d38d2dfad0ec55424ca321ee12453d51f1b3adeb77d0475ed988c0006612cba0d0362";
  auto msg = *hex_decode(msg_hex);
  auto sig = Signature::from_bytes(*hex_decode(
      "9e2dad9ce5dfde0ab39417ed78d1306838d77be3ef60707005c7256650cd6beb3e3c700770edd5e76ade687c18"
      "829ddb7b075d61c485e1621c7ff922d27b700a"));
  ASSERT_TRUE(sig.has_value());
  auto author = SecretKey::from_seed(filled(0x42));
  EXPECT_TRUE(verify_strict(author.public_key(), msg, *sig).has_value());
  // Ed25519 is deterministic: we produce the same signature.
  EXPECT_EQ(author.sign(msg), *sig);
  msg.back() ^= 1;
  EXPECT_FALSE(verify_strict(author.public_key(), msg, *sig).has_value());
}

TEST(Ed25519, RandomSignVerifyRoundTrip) {
  Prng prng(test_seed());
  for (int i = 0; i < 40; ++i) {
    auto sk = SecretKey::generate(prng);
    Bytes msg(prng.below(200));
    for (auto& b : msg) b = static_cast<uint8_t>(prng.next());
    auto sig = sk.sign(msg);
    ASSERT_TRUE(verify_strict(sk.public_key(), msg, sig).has_value());
    // Any single flipped bit in the signature is rejected.
    auto bytes = sig.bytes();
    size_t bit = prng.below(512);
    bytes[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    EXPECT_FALSE(verify_strict(sk.public_key(), msg, Signature(bytes)).has_value());
    // Another key rejects it.
    auto other = SecretKey::generate(prng);
    EXPECT_FALSE(verify_strict(other.public_key(), msg, sig).has_value());
  }
  EXPECT_NE(SecretKey::generate().seed(), SecretKey::generate().seed());
}

TEST(Ed25519, ForgeHelperIsCorrect) {
  // The construction used below really makes valid signatures when R = r*B.
  auto sk = SecretKey::from_seed(filled(7));
  Arr32 r = random_scalar();
  auto msg = as_bytes("constructed");
  auto sig = forge(sk, base_mul(r), r, msg);
  EXPECT_TRUE(verify_strict(sk.public_key(), msg, sig).has_value());
}

TEST(Ed25519, RejectsNonCanonicalS) {
  auto sk = SecretKey::from_seed(filled(9));
  auto msg = as_bytes("s plus l");
  auto sig = sk.sign(msg);
  Arr32 r, s;
  std::copy_n(sig.bytes().begin(), 32, r.begin());
  std::copy_n(sig.bytes().begin() + 32, 32, s.begin());
  // S + l satisfies the group equation ([S+l]B == [S]B) but is not canonical.
  auto bad = make_sig(r, add_le(s, kL));
  auto st = verify_strict(sk.public_key(), msg, bad);
  ASSERT_FALSE(st.has_value());
  EXPECT_NE(st.error().message().find("S"), std::string::npos) << st.error().message();
  EXPECT_TRUE(is_canonical_scalar(s));
  Arr32 l_minus_1 = kL;
  l_minus_1[0] -= 1;
  EXPECT_TRUE(is_canonical_scalar(l_minus_1));
  EXPECT_FALSE(is_canonical_scalar(kL));
  EXPECT_FALSE(is_canonical_scalar(filled(0xff)));
}

TEST(Ed25519, RejectsIdentityPublicKey) {
  // With A = identity, (R = rB, S = r) satisfies [S]B = R + k·A for any message.
  Arr32 r = random_scalar();
  Arr32 identity{1};
  auto sig = make_sig(base_mul(r), r);
  auto st = verify_strict(PublicKey::from_array_unchecked(identity), as_bytes("m"), sig);
  ASSERT_FALSE(st.has_value());
  EXPECT_NE(st.error().message().find("small order"), std::string::npos);
}

TEST(Ed25519, RejectsOrderEightPublicKey) {
  // A = T of order 8: the equation holds when k ≡ 0 (mod 8); grind messages.
  Arr32 t = arr32("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a");
  EXPECT_TRUE(decompresses(t));
  Arr32 r = random_scalar();
  Arr32 big_r = base_mul(r);
  std::string msg;
  for (int i = 0; i < 1000; ++i) {
    msg = "grind " + std::to_string(i);
    Arr32 k = challenge(big_r, t, as_bytes(msg));
    // k mod 8 is the low 3 bits of the little-endian scalar.
    if ((k[0] & 7) == 0) break;
  }
  auto st = verify_strict(PublicKey::from_array_unchecked(t), as_bytes(msg), make_sig(big_r, r));
  ASSERT_FALSE(st.has_value());
  EXPECT_NE(st.error().message().find("small order"), std::string::npos);
}

TEST(Ed25519, SmallOrderSetIsComplete) {
  // Every point of order dividing 8 (all sign variants) is flagged, and
  // multiplying by 8 sends each to the identity (so the list is right).
  const char* ys[] = {"0000000000000000000000000000000000000000000000000000000000000000",
                      "0100000000000000000000000000000000000000000000000000000000000000",
                      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
                      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"};
  for (const char* y : ys) {
    for (uint8_t sign : {0x00, 0x80}) {
      Arr32 p = arr32(y);
      p[31] |= sign;
      EXPECT_TRUE(is_small_order(p)) << y;
      // 8·P via three doublings must be the identity.
      Arr32 q = p, q2;
      if (!decompresses(q)) continue;  // e.g. a sign bit on x = 0 may not decode
      for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(crypto_core_ed25519_add(q2.data(), q.data(), q.data()), 0);
        q = q2;
      }
      EXPECT_EQ(q, Arr32{1}) << y;
    }
  }
  auto sk = SecretKey::from_seed(filled(1));
  EXPECT_FALSE(is_small_order(sk.public_key().bytes()));
}

TEST(Ed25519, RejectsIdentityR) {
  // R = identity: S = k·a satisfies [S]B = R + k·A.
  auto sk = SecretKey::from_seed(filled(5));
  Arr32 identity{1}, zero{};
  auto msg = as_bytes("identity nonce");
  auto sig = forge(sk, identity, zero, msg);
  auto st = verify_strict(sk.public_key(), msg, sig);
  ASSERT_FALSE(st.has_value());
  EXPECT_NE(st.error().message().find("R has small order"), std::string::npos);
}

TEST(Ed25519, RejectsOrderEightR) {
  auto sk = SecretKey::from_seed(filled(6));
  Arr32 t = arr32("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05");
  auto sig = forge(sk, t, Arr32{}, as_bytes("x"));
  auto st = verify_strict(sk.public_key(), as_bytes("x"), sig);
  ASSERT_FALSE(st.has_value());
  EXPECT_NE(st.error().message().find("R has small order"), std::string::npos);
}

TEST(Ed25519, RejectsNonCanonicalEncodings) {
  Arr32 p_minus_1 = arr32("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
  Arr32 p = arr32("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
  EXPECT_TRUE(is_canonical_point_encoding(p_minus_1));
  EXPECT_FALSE(is_canonical_point_encoding(p));
  p[31] |= 0x80;
  EXPECT_FALSE(is_canonical_point_encoding(p));
  EXPECT_FALSE(is_canonical_point_encoding(filled(0xff)));

  // Identity encoded as y = p + 1: non-canonical (and small order).
  Arr32 id_nc = arr32("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
  EXPECT_TRUE(decompresses(id_nc));
  Arr32 r = random_scalar();
  auto st = verify_strict(PublicKey::from_array_unchecked(id_nc), as_bytes("m"),
                          make_sig(base_mul(r), r));
  EXPECT_FALSE(st.has_value());

  // A non-canonical encoding of a point of large order, as A and as R.
  Arr32 nc = non_canonical_point();
  EXPECT_FALSE(is_canonical_point_encoding(nc));
  auto sk = SecretKey::from_seed(filled(3));
  auto msg = as_bytes("nc");
  auto good = sk.sign(msg);
  st = verify_strict(PublicKey::from_array_unchecked(nc), msg, good);
  ASSERT_FALSE(st.has_value());
  EXPECT_NE(st.error().message().find("public key encoding is not canonical"), std::string::npos);
  auto sig = forge(sk, nc, Arr32{}, msg);
  st = verify_strict(sk.public_key(), msg, sig);
  ASSERT_FALSE(st.has_value());
  EXPECT_NE(st.error().message().find("R encoding is not canonical"), std::string::npos);

  // R = the identity encoded non-canonically with S = k·a satisfies the
  // group equation; only the encoding check can reject it.
  sig = forge(sk, id_nc, Arr32{}, msg);
  EXPECT_FALSE(verify_strict(sk.public_key(), msg, sig).has_value());
}

TEST(Ed25519, PublicKeyValidation) {
  auto sk = SecretKey::from_seed(filled(2));
  EXPECT_TRUE(PublicKey::from_bytes(sk.public_key().view()).has_value());
  EXPECT_FALSE(PublicKey::from_bytes(ByteView(sk.public_key().view()).first(31)).has_value());
  // Roughly half of all y values are not on the curve; find one.
  Prng prng(1);
  int rejected = 0;
  for (int i = 0; i < 64; ++i) {
    Arr32 b;
    for (auto& x : b) x = static_cast<uint8_t>(prng.next());
    b[31] &= 0x7f;
    if (!decompresses(b)) {
      ++rejected;
      EXPECT_FALSE(PublicKey::from_bytes(b).has_value());
      auto st = verify_strict(PublicKey::from_array_unchecked(b), as_bytes("m"), Signature());
      EXPECT_FALSE(st.has_value());
    }
  }
  EXPECT_GT(rejected, 10);
  EXPECT_FALSE(PublicKey::parse("zz").has_value());
  EXPECT_FALSE(SecretKey::parse_hex("00").has_value());
  EXPECT_FALSE(Signature::from_bytes(Bytes(63)).has_value());
}

}  // namespace
}  // namespace ferry::crypto
