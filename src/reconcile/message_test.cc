// Message encoding: round trips, exact layout, and hostile input.
#include "reconcile/message.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "core/encoding.h"
#include "reconcile/test_util.h"

namespace ferry::reconcile {
namespace {

Bytes gen_id() {
  auto ns = *rc::gen::element<uint8_t>(0, 1, 0xff);
  auto author = *rc::gen::arbitrary<uint8_t>();
  auto key = *rc::gen::container<std::vector<uint8_t>>(rc::gen::arbitrary<uint8_t>());
  return test_id(ns, author, key);
}

WireEntry gen_entry() {
  WireEntry e;
  e.id = gen_id();
  e.len = *rc::gen::arbitrary<uint64_t>();
  e.timestamp = *rc::gen::arbitrary<uint64_t>();
  auto h = *rc::gen::arbitrary<uint8_t>();
  std::array<uint8_t, 32> hb{};
  hb.fill(h);
  e.hash = crypto::Hash(hb);
  e.author_signature.fill(*rc::gen::arbitrary<uint8_t>());
  e.namespace_signature.fill(*rc::gen::arbitrary<uint8_t>());
  return e;
}

Message<WireEntry> gen_message() {
  Message<WireEntry> m;
  size_t n = *rc::gen::inRange<size_t>(0, 6);
  for (size_t i = 0; i < n; ++i) {
    Range r{gen_id(), gen_id()};
    if (*rc::gen::arbitrary<bool>()) {
      std::array<uint8_t, 32> fp{};
      fp.fill(*rc::gen::arbitrary<uint8_t>());
      m.parts.emplace_back(RangeFingerprint{r, Fingerprint(fp)});
    } else {
      RangeItem<WireEntry> item{r, {}, *rc::gen::arbitrary<bool>()};
      size_t nv = *rc::gen::inRange<size_t>(0, 4);
      for (size_t j = 0; j < nv; ++j) {
        item.values.emplace_back(gen_entry(),
                                 static_cast<ContentStatus>(*rc::gen::inRange<int>(0, 3)));
      }
      m.parts.emplace_back(std::move(item));
    }
  }
  return m;
}

RC_GTEST_PROP(MessageProperty, RoundTrips, ()) {
  auto m = gen_message();
  Bytes b = encode_message(m);
  PostcardReader r(b);
  auto d = decode_message<WireEntry>(r);
  RC_ASSERT(d.has_value());
  RC_ASSERT(r.at_end());
  RC_ASSERT(*d == m);
}

// Any prefix of a valid encoding is rejected, never crashes.
RC_GTEST_PROP(MessageProperty, TruncationIsAnError, ()) {
  auto m = gen_message();
  RC_PRE(!m.parts.empty());
  Bytes b = encode_message(m);
  size_t cut = *rc::gen::inRange<size_t>(0, b.size());
  auto d = decode_message<WireEntry>(ByteView(b).first(cut));
  RC_ASSERT(!d.has_value());
}

// Random garbage and random byte flips of valid messages never crash and,
// when they decode, re-encode to a message that decodes to the same value.
RC_GTEST_PROP(MessageProperty, GarbageNeverCrashes, ()) {
  Bytes b;
  if (*rc::gen::arbitrary<bool>()) {
    b = *rc::gen::container<std::vector<uint8_t>>(rc::gen::arbitrary<uint8_t>());
  } else {
    b = encode_message(gen_message());
    if (!b.empty()) {
      size_t flips = *rc::gen::inRange<size_t>(1, 4);
      for (size_t i = 0; i < flips; ++i) {
        b[*rc::gen::inRange<size_t>(0, b.size())] = *rc::gen::arbitrary<uint8_t>();
      }
    }
  }
  auto d = decode_message<WireEntry>(ByteView(b));
  if (d) {
    auto again = decode_message<WireEntry>(ByteView(encode_message(*d)));
    RC_ASSERT(again.has_value());
    RC_ASSERT(*again == *d);
  }
}

TEST(Message, ExactLayoutOfEmptyInit) {
  // From §11: Init with the empty fingerprint, message part only.
  Message<WireEntry> m;
  m.parts.emplace_back(RangeFingerprint{Range{Bytes(64, 0), Bytes(64, 0)}, Fingerprint::empty()});
  EXPECT_EQ(hex_encode(encode_message(m)),
            "010040" + std::string(128, '0') + "40" + std::string(128, '0') +
                "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262");
}

TEST(Message, HostileCountsAreRejectedCheaply) {
  // 2^40 parts announced in 6 bytes.
  Bytes b = {0x80, 0x80, 0x80, 0x80, 0x80, 0x20};
  auto d = decode_message<WireEntry>(ByteView(b));
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code(), ErrorCode::kProtocol);
}

TEST(Message, ShortRecordIdentifierIsProtocolError) {
  PostcardWriter w;
  w.seq_len(1);
  w.variant(0);
  w.bytes(Bytes(63, 1));
  w.bytes(Bytes(64, 1));
  w.raw(Fingerprint::empty().view());
  auto d = decode_message<WireEntry>(ByteView(w.data()));
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code(), ErrorCode::kProtocol);
}

TEST(Message, BadEnumTagsAreProtocolErrors) {
  Message<WireEntry> m;
  RangeItem<WireEntry> item{Range{Bytes(64, 0), Bytes(64, 0)}, {}, false};
  item.values.emplace_back(fake_entry(Bytes(32, 0), 1, "k", 1), ContentStatus::kMissing);
  m.parts.emplace_back(item);
  Bytes b = encode_message(m);
  Bytes bad_status = b;
  bad_status[bad_status.size() - 2] = 3;  // ContentStatus 3 does not exist
  EXPECT_FALSE(decode_message<WireEntry>(ByteView(bad_status)));
  Bytes bad_bool = b;
  bad_bool.back() = 2;
  EXPECT_FALSE(decode_message<WireEntry>(ByteView(bad_bool)));
  Bytes bad_part = b;
  bad_part[1] = 2;  // MessagePart variant 2
  EXPECT_FALSE(decode_message<WireEntry>(ByteView(bad_part)));
}

}  // namespace
}  // namespace ferry::reconcile
