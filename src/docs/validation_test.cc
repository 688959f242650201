#include "docs/validation.h"

#include <gtest/gtest.h>

#include "docs/store_test_util.h"

namespace ferry::docs {
namespace {

struct Fixture {
  Prng prng{21};
  NamespaceSecret ns = NamespaceSecret::generate(prng);
  Author author = Author::generate(prng);
  SignedEntry make(std::string_view key, uint64_t len, const crypto::Hash& h, uint64_t ts) {
    return *SignedEntry::sign(
        ns, author,
        Entry{RecordIdentifier(ns.id(), author.id(), as_bytes(key)), Record{len, h, ts}});
  }
};

constexpr uint64_t kNow = 1'700'000'000'000'000;

TEST(DocsValidation, AcceptsValidEntry) {
  Fixture f;
  auto e = f.make("k", 3, testing::content_hash("abc"), kNow);
  EXPECT_FALSE(check_remote_entry(e, f.ns.id(), kNow, RemotePath::kSync, {}).has_value());
  EXPECT_FALSE(check_remote_entry(e, f.ns.id(), kNow, RemotePath::kGossip, {}).has_value());
}

TEST(DocsValidation, EachRejectionHasItsReason) {
  Fixture f;
  ValidationOptions opts;
  opts.max_key_size = 8;
  auto reason = [&](const SignedEntry& e, RemotePath p, const NamespaceId& ns) {
    auto r = check_remote_entry(e, ns, kNow, p, opts);
    return r ? std::optional<RejectReason>(r->reason) : std::nullopt;
  };
  auto ok_entry = f.make("k", 3, testing::content_hash("abc"), kNow);
  EXPECT_EQ(reason(f.make("123456789", 1, testing::content_hash("x"), kNow), RemotePath::kSync,
                   f.ns.id()),
            RejectReason::kKeyTooLarge);
  Prng p2(3);
  EXPECT_EQ(reason(ok_entry, RemotePath::kSync, NamespaceSecret::generate(p2).id()),
            RejectReason::kWrongNamespace);
  // len 0 with a non-empty hash: rejected on gossip, accepted on sync.
  auto inconsistent = f.make("k", 0, testing::content_hash("abc"), kNow);
  EXPECT_EQ(reason(inconsistent, RemotePath::kGossip, f.ns.id()), RejectReason::kInvalidEmptyEntry);
  EXPECT_EQ(reason(inconsistent, RemotePath::kSync, f.ns.id()), std::nullopt);
  auto bad_sig = ok_entry;
  bad_sig.entry.record.len = 4;
  EXPECT_EQ(reason(bad_sig, RemotePath::kSync, f.ns.id()), RejectReason::kBadSignature);
  auto r = check_remote_entry(bad_sig, f.ns.id(), kNow, RemotePath::kSync, opts);
  EXPECT_EQ(r->to_error().code(), ErrorCode::kCorrupt);
}

TEST(DocsValidation, TimestampTolerance) {
  Fixture f;
  ValidationOptions iroh;
  iroh.max_future_us = kIrohMaxFutureUs;
  auto at = [&](int64_t delta_us) {
    return f.make("t", 1, testing::content_hash("t"), kNow + delta_us);
  };
  // iroh's observed behaviour: +400/550 ms accepted, +800/1000 ms rejected.
  EXPECT_FALSE(check_remote_entry(at(400000), f.ns.id(), kNow, RemotePath::kSync, iroh));
  EXPECT_FALSE(check_remote_entry(at(550000), f.ns.id(), kNow, RemotePath::kSync, iroh));
  EXPECT_EQ(check_remote_entry(at(800000), f.ns.id(), kNow, RemotePath::kSync, iroh)->reason,
            RejectReason::kFutureTimestamp);
  // Ferry's default: 10 minutes.
  ValidationOptions def;
  EXPECT_FALSE(check_remote_entry(at(9 * 60'000'000LL), f.ns.id(), kNow, RemotePath::kSync, def));
  EXPECT_TRUE(check_remote_entry(at(11 * 60'000'000LL), f.ns.id(), kNow, RemotePath::kSync, def));
  // Past timestamps are fine; a huge now does not overflow.
  EXPECT_FALSE(check_remote_entry(at(-1'000'000'000), f.ns.id(), kNow, RemotePath::kSync, def));
  EXPECT_FALSE(check_remote_entry(at(0), f.ns.id(), UINT64_MAX, RemotePath::kSync, def));
}

}  // namespace
}  // namespace ferry::docs
