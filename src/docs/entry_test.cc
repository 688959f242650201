#include "docs/entry.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>

#include "core/encoding.h"
#include "crypto/blake3.h"
#include "testing/seed.h"

namespace ferry::docs {
namespace {

using nlohmann::json;

json load(const std::string& name) {
  std::ifstream f(std::string(FERRY_DOCS_TESTDATA) + "/" + name);
  return json::parse(f);
}

Bytes hex(std::string_view s) {
  auto b = hex_decode(s);
  EXPECT_TRUE(b.has_value()) << s;
  return b ? *b : Bytes{};
}

crypto::Hash hash_of(const std::string& s) {
  auto h = crypto::Hash::parse(s);
  EXPECT_TRUE(h.has_value()) << s;
  return *h;
}

std::string xor_hex(std::vector<crypto::Hash> fps) {
  auto acc = crypto::Hash::empty().bytes();
  for (const auto& fp : fps) {
    for (size_t i = 0; i < 32; ++i) acc[i] ^= fp.bytes()[i];
  }
  return hex_encode(acc);
}

Entry make_entry(const NamespaceId& ns, const AuthorId& a, std::string_view key, uint64_t len,
                 crypto::Hash h, uint64_t ts) {
  return Entry{RecordIdentifier(ns, a, as_bytes(key)), Record{len, h, ts}};
}

TEST(DocsEntry, HelloVectorByteForByte) {
  auto cap = load("iroh-0.35-captures.json");
  auto ns = *NamespaceSecret::parse(cap["ticket_write_capability"].get<std::string>());
  auto author = *Author::parse(cap["author_secret"].get<std::string>());
  ASSERT_EQ(ns.id().to_string(), cap["namespace_id"]);
  ASSERT_EQ(author.id().to_string(), cap["author_id"]);
  const auto& e0 = cap["entries"][0];
  Entry e =
      make_entry(ns.id(), author.id(), as_string_view(hex(e0["key"].get<std::string>())),
                 std::stoull(e0["len"].get<std::string>()), hash_of(e0["hash"].get<std::string>()),
                 std::stoull(e0["timestamp"].get<std::string>()));
  EXPECT_EQ(hex_encode(e.signing_bytes()),
            "b7922d63c457977fe84ce808e2ea675948df7f486a645e7925f601468e5e4054"
            "2152f8d19b791d24453242e15f2eab6cb7cffa7b6a5ed30097960e069881db12"
            "68656c6c6f0000000000000005"
            "d7894ae9716d38d2dfad0ec55424ca321ee12453d51f1b3adeb77d0475ed988c0006612cba0d0362");
  auto se = SignedEntry::sign(ns, author, e);
  ASSERT_TRUE(se.has_value());
  const std::string asig =
      "9e2dad9ce5dfde0ab39417ed78d1306838d77be3ef60707005c7256650cd6beb3e3c700770edd5e76ade687c18"
      "829ddb7b075d61c485e1621c7ff922d27b700a";
  const std::string nsig =
      "8ce71f607bc1a81f3da16dc0c8f93efd25f3087c32bc29426e19bb4b64ec13332afed214b70296f6162e144ff0"
      "4a94bf3d3d378fa4c398f1e7b41b2ce0ed460c";
  EXPECT_EQ(se->signature.author_signature.to_hex(), asig);
  EXPECT_EQ(se->signature.namespace_signature.to_hex(), nsig);
  EXPECT_EQ(hex_encode(se->to_bytes()),
            asig + nsig + "45" + ns.id().to_string() + author.id().to_string() + "68656c6c6f" +
                "05" + "d7894ae9716d38d2dfad0ec55424ca321ee12453d51f1b3adeb77d0475ed988c" +
                "e286b4d0cba59803");
  EXPECT_TRUE(se->verify().has_value());
  EXPECT_EQ(e.fingerprint().to_hex(),
            "e63c7e4c7435d8f1f8f26a8752766fb5f25d2ecef9a124b9f4ac80df3cb640f3");

  const auto& e1 = cap["entries"][1];
  Entry skip =
      make_entry(ns.id(), author.id(), as_string_view(hex(e1["key"].get<std::string>())),
                 std::stoull(e1["len"].get<std::string>()), hash_of(e1["hash"].get<std::string>()),
                 std::stoull(e1["timestamp"].get<std::string>()));
  EXPECT_EQ(skip.fingerprint().to_hex(),
            "a94f4220c5d0754c79ffcc7690084ca5b43020d6925a7a33a822d75b43c7d3fb");
  EXPECT_EQ(xor_hex({e.fingerprint(), skip.fingerprint()}),
            "e06075d5441c0c1b214deb1bf4a2ea59dda62bd1c63a4c3d9014c44e9b6ea16a");
}

TEST(DocsEntry, SyncCaptureEntriesDecodeVerifyAndResign) {
  auto cap = load("iroh-0.35-sync-capture.json");
  auto ns = *NamespaceSecret::parse(cap["ns_secret"].get<std::string>());
  ASSERT_EQ(ns.id().to_string(), cap["ns"]);
  std::string a42, a43;
  for (int i = 0; i < 32; ++i) a42 += "42", a43 += "43";
  auto author42 = *Author::parse(a42);
  auto author43 = *Author::parse(a43);
  for (const char* name : {"e1", "e2"}) {
    Bytes wire = hex(cap[name]["wire"].get<std::string>());
    auto se = SignedEntry::from_bytes(wire);
    ASSERT_TRUE(se.has_value()) << name << ": " << se.error().to_string();
    EXPECT_EQ(hex_encode(se->entry.signing_bytes()), cap[name]["canon"]);
    EXPECT_TRUE(se->verify().has_value()) << name;
    EXPECT_EQ(se->to_bytes(), wire);
    const Author& a = se->author() == author42.id() ? author42 : author43;
    auto resigned = SignedEntry::sign(ns, a, se->entry);
    ASSERT_TRUE(resigned.has_value());
    EXPECT_EQ(*resigned, *se) << name;
  }
  // e2 is a tombstone ("skip", len 0, empty hash).
  auto e2 = *SignedEntry::from_bytes(hex(cap["e2"]["wire"].get<std::string>()));
  EXPECT_TRUE(e2.record().is_empty());
  EXPECT_TRUE(e2.record().is_empty_consistent());

  // fp_all: node A's whole set (its two live entries and the tombstone e2).
  std::vector<crypto::Hash> fps;
  for (const auto& x : cap["entriesA"]) {
    auto aid = *AuthorId::parse(x["author"].get<std::string>());
    fps.push_back(make_entry(ns.id(), aid, x["key"].get<std::string>(),
                             std::stoull(x["len"].get<std::string>()),
                             hash_of(x["hash"].get<std::string>()),
                             std::stoull(x["ts"].get<std::string>()))
                      .fingerprint());
  }
  fps.push_back(e2.entry.fingerprint());
  ASSERT_EQ(fps.size(), cap["fp_count"].get<size_t>());
  EXPECT_EQ(xor_hex(fps), cap["fp_all"]);
}

TEST(DocsEntry, GossipPutCaptureDecodes) {
  auto cap = load("iroh-0.35-captures.json");
  Bytes content = hex(cap["gossip"][1]["content"].get<std::string>());
  ASSERT_EQ(content[0], 0);  // Op::Put
  auto se = SignedEntry::from_bytes(ByteView(content).subspan(1));
  ASSERT_TRUE(se.has_value());
  EXPECT_EQ(as_string_view(se->key()), "gossip/k");
  EXPECT_TRUE(se->verify().has_value());
  const auto& after = cap["entries_after"][0];
  EXPECT_EQ(se->record().len, std::stoull(after["len"].get<std::string>()));
  EXPECT_EQ(se->record().hash, hash_of(after["hash"].get<std::string>()));
  EXPECT_EQ(se->record().timestamp, std::stoull(after["timestamp"].get<std::string>()));
}

TEST(DocsEntry, VerifyNamesTheBadSignature) {
  Prng prng(11);
  auto ns = NamespaceSecret::generate(prng);
  auto author = Author::generate(prng);
  auto se = *SignedEntry::sign(
      ns, author, make_entry(ns.id(), author.id(), "k", 3, crypto::blake3(as_bytes("abc")), 7));
  ASSERT_TRUE(se.verify().has_value());
  auto bad = se;
  bad.entry.record.timestamp += 1;
  EXPECT_FALSE(bad.verify().has_value());
  bad = se;
  auto b = bad.signature.author_signature.bytes();
  b[3] ^= 1;
  bad.signature.author_signature = crypto::Signature(b);
  auto st = bad.verify();
  ASSERT_FALSE(st.has_value());
  EXPECT_NE(st.error().message().find("author signature"), std::string::npos);
  bad = se;
  std::swap(bad.signature.author_signature, bad.signature.namespace_signature);
  EXPECT_FALSE(bad.verify().has_value());
  // Signing with mismatched keys is refused.
  auto other = Author::generate(prng);
  EXPECT_FALSE(SignedEntry::sign(ns, other, se.entry).has_value());
}

TEST(DocsEntry, OrderAndValueCmp) {
  NamespaceId ns;
  AuthorId a;
  RecordIdentifier p(ns, a, as_bytes("a")), ext(ns, a, as_bytes("a/b")), b(ns, a, as_bytes("b")),
      empty(ns, a, {});
  EXPECT_LT(empty, p);
  EXPECT_LT(p, ext);
  EXPECT_LT(ext, b);
  EXPECT_EQ(RecordIdentifier().view().size(), 64u);
  auto h1 = crypto::blake3(as_bytes("1")), h2 = crypto::blake3(as_bytes("2"));
  Record r1{1, h1, 10}, r2{100, h2, 10}, r3{0, h1, 11};
  EXPECT_EQ(value_cmp(r1, r3), std::strong_ordering::less);
  EXPECT_EQ(value_cmp(r1, r2), h1 <=> h2);
  EXPECT_EQ(value_cmp(r1, Record{999, h1, 10}), std::strong_ordering::equal);  // len ignored
  EXPECT_TRUE(Record::tombstone(5).is_empty());
  EXPECT_FALSE((Record{0, h1, 5}).is_empty_consistent());
  EXPECT_FALSE((Record{3, crypto::Hash::empty(), 5}).is_empty_consistent());
}

TEST(DocsEntry, MalformedEncodingsAreErrors) {
  auto cap = load("iroh-0.35-sync-capture.json");
  Bytes wire = hex(cap["e1"]["wire"].get<std::string>());
  // Every truncation fails; never crashes.
  for (size_t n = 0; n < wire.size(); ++n) {
    EXPECT_FALSE(SignedEntry::from_bytes(ByteView(wire).first(n)).has_value()) << n;
  }
  // Trailing garbage is rejected by from_bytes, ignored by decode (postcard).
  Bytes longer = wire;
  longer.push_back(0);
  EXPECT_FALSE(SignedEntry::from_bytes(longer).has_value());
  PostcardReader r(longer);
  EXPECT_TRUE(SignedEntry::decode(r).has_value());
  // A RecordIdentifier of 63 bytes is a protocol error.
  Bytes short_id;
  PostcardWriter w(short_id);
  w.bytes(Bytes(63, 1));
  PostcardReader r2(short_id);
  auto id = RecordIdentifier::decode(r2);
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(id.error().code(), ErrorCode::kProtocol);
  // A non-canonical timestamp varint (a trailing zero group) decodes to the
  // same entry as the canonical one, as postcard does.
  {
    Bytes padded(wire.begin(), wire.end() - 1);
    ASSERT_LT(wire.back(), 0x80);
    padded.push_back(static_cast<uint8_t>(wire.back() | 0x80));
    padded.push_back(0);
    auto e = SignedEntry::from_bytes(padded);
    ASSERT_TRUE(e) << e.error().to_string();
    EXPECT_EQ(e->to_bytes(), wire);
  }
  // Overlong length varint / timestamp varint.
  Bytes overlong = hex(std::string(256, '0') + "ffffffffffffffffffff01");
  EXPECT_FALSE(SignedEntry::from_bytes(overlong).has_value());
  // Random inputs and random mutations of a valid entry never crash.
  Prng prng(ferry::testing::test_seed());
  for (int i = 0; i < 3000; ++i) {
    Bytes m = wire;
    int flips = 1 + static_cast<int>(prng.below(4));
    for (int f = 0; f < flips; ++f) m[prng.below(m.size())] = static_cast<uint8_t>(prng.next());
    m.resize(prng.below(m.size() + 8));
    auto r3 = SignedEntry::from_bytes(m);
    if (r3) {
      // Accepted bytes describe one entry, whose canonical encoding is no
      // longer and decodes to itself. (Like Rust's postcard, the reader takes
      // non-canonical varints such as 80 00 for 0, so the bytes may differ.)
      Bytes canonical = r3->to_bytes();
      EXPECT_LE(canonical.size(), m.size());
      auto again = SignedEntry::from_bytes(canonical);
      ASSERT_TRUE(again);
      EXPECT_EQ(again->to_bytes(), canonical);
    }
  }
}

}  // namespace
}  // namespace ferry::docs
