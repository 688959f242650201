#include "docs/keys.h"

#include <gtest/gtest.h>

#include "core/encoding.h"

namespace ferry::docs {
namespace {

TEST(DocsKeys, StringFormsFromSpec) {
  auto ns =
      NamespaceSecret::parse("70ab1f9e45d6232e14cae76fe0e026eb08121d596a9e2ed9cf93b52e291f8604");
  ASSERT_TRUE(ns.has_value());
  EXPECT_EQ(ns->id().to_string(),
            "b7922d63c457977fe84ce808e2ea675948df7f486a645e7925f601468e5e4054");
  EXPECT_EQ(ns->id().fmt_short(), "b7922d63c4");
  EXPECT_EQ(ns->to_string(), "70ab1f9e45d6232e14cae76fe0e026eb08121d596a9e2ed9cf93b52e291f8604");
  std::string a42;
  for (int i = 0; i < 32; ++i) a42 += "42";
  auto author = Author::parse(a42);
  ASSERT_TRUE(author.has_value());
  EXPECT_EQ(author->id().to_string(),
            "2152f8d19b791d24453242e15f2eab6cb7cffa7b6a5ed30097960e069881db12");
  auto id = AuthorId::parse(author->id().to_string());
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(*id, author->id());
}

TEST(DocsKeys, ParseRejectsBadInput) {
  EXPECT_FALSE(NamespaceId::parse("b7922d63").has_value());  // too short
  // base32 is not accepted for docs ids (hex only).
  EXPECT_FALSE(
      NamespaceId::parse("26euv2lrnu4nfx5nb3cvijgkgipocjct2uprwow6w56qi5pntcga").has_value());
  EXPECT_FALSE(NamespaceSecret::parse(std::string(64, 'g')).has_value());
  // A y coordinate that is not on the curve: find one by trial.
  int rejected = 0;
  for (int i = 0; i < 32; ++i) {
    std::array<uint8_t, 32> b{};
    b[0] = static_cast<uint8_t>(i + 2);
    b[5] = 0x11;
    if (!crypto::ed25519_detail::decompresses(b)) {
      ++rejected;
      EXPECT_FALSE(AuthorId::parse(hex_encode(b)).has_value());
    }
  }
  EXPECT_GT(rejected, 0);
}

TEST(DocsKeys, CapabilityPostcardAndMerge) {
  auto ns =
      NamespaceSecret::parse("70ab1f9e45d6232e14cae76fe0e026eb08121d596a9e2ed9cf93b52e291f8604");
  ASSERT_TRUE(ns.has_value());
  Capability write(*ns);
  Bytes out;
  PostcardWriter w(out);
  write.encode(w);
  EXPECT_EQ(hex_encode(out),
            "0020"
            "70ab1f9e45d6232e14cae76fe0e026eb08121d596a9e2ed9cf93b52e291f8604");
  PostcardReader r(out);
  auto back = Capability::decode(r);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, write);

  Capability read(ns->id());
  Bytes out2;
  PostcardWriter w2(out2);
  read.encode(w2);
  EXPECT_EQ(hex_encode(out2),
            "01"
            "b7922d63c457977fe84ce808e2ea675948df7f486a645e7925f601468e5e4054");
  EXPECT_EQ(read.kind(), CapabilityKind::kRead);
  ASSERT_TRUE(read.merge(write).has_value());
  EXPECT_EQ(read.kind(), CapabilityKind::kWrite);
  Prng prng(5);
  EXPECT_FALSE(read.merge(Capability(NamespaceSecret::generate(prng))).has_value());

  // Malformed: bad tag, short seed, truncation.
  for (const char* bad : {"02", "001f", "0020aa", "01aa", ""}) {
    auto b = hex_decode(bad);
    PostcardReader rr(*b);
    EXPECT_FALSE(Capability::decode(rr).has_value()) << bad;
  }
}

}  // namespace
}  // namespace ferry::docs
