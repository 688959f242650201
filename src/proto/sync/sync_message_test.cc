#include "proto/sync/sync_message.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "core/encoding.h"
#include "proto/sync/compact_sync_message.h"
#include "reconcile/wire_entry.h"

namespace ferry::proto::sync {
namespace {

using reconcile::WireEntry;

TEST(SyncMessage, AbortNotFoundIsSixBytes) {
  Bytes payload = encode_sync_message<WireEntry>(Abort{AbortReason::kNotFound});
  auto framed = frame(payload);
  ASSERT_TRUE(framed);
  EXPECT_EQ(hex_encode(*framed), "000000020200");
  auto d = decode_sync_message<WireEntry>(payload);
  ASSERT_TRUE(d);
  EXPECT_EQ(std::get<Abort>(*d).reason, AbortReason::kNotFound);
}

TEST(SyncMessage, BadTagsAreProtocolErrors) {
  for (const Bytes& b : {Bytes{3}, Bytes{2, 3}, Bytes{}, Bytes{0, 1, 2}}) {
    auto d = decode_sync_message<WireEntry>(b);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code(), ErrorCode::kProtocol);
  }
}

// A codec whose message is the rest of the payload, to check the envelope
// on its own.
struct RawCodec {
  using Message = Bytes;
  static void encode(const Message& m, PostcardWriter& w) { w.raw(m); }
  static Result<Message> decode(PostcardReader& r) {
    ByteView rest = r.rest();
    return Bytes(rest.begin(), rest.end());
  }
};
static_assert(MessageCodec<RawCodec>);
static_assert(MessageCodec<RangerCodec<WireEntry>>);
static_assert(MessageCodec<CompactCodec<WireEntry>>);

// Init = 00 ‖ namespace ‖ message, Sync = 01 ‖ message, whatever the codec;
// both decode back to what was encoded.
RC_GTEST_PROP(Envelope, LayoutAndRoundTrip, (std::vector<uint8_t> message)) {
  NamespaceId ns;
  for (auto& b : ns) b = *rc::gen::arbitrary<uint8_t>();
  Bytes init = encode_envelope<RawCodec>(EnvelopeInit<Bytes>{ns, message});
  Bytes want_init = {0};
  append(want_init, ns);
  append(want_init, message);
  RC_ASSERT(init == want_init);
  Bytes sync = encode_envelope<RawCodec>(EnvelopeSync<Bytes>{message});
  Bytes want_sync = {1};
  append(want_sync, message);
  RC_ASSERT(sync == want_sync);
  auto d_init = decode_envelope<RawCodec>(init);
  RC_ASSERT(d_init.has_value());
  RC_ASSERT(*d_init == Envelope<Bytes>(EnvelopeInit<Bytes>{ns, message}));
  auto d_sync = decode_envelope<RawCodec>(sync);
  RC_ASSERT(d_sync.has_value());
  RC_ASSERT(*d_sync == Envelope<Bytes>(EnvelopeSync<Bytes>{message}));
}

// Abort carries no message: the same bytes in both dialects. The dialects
// differ only in what follows a message: iroh's decoder ignores it, the
// compact one rejects it.
TEST(Envelope, AbortIsDialectFreeAndTrailingBytesFollowTheDialect) {
  for (auto reason :
       {AbortReason::kNotFound, AbortReason::kAlreadySyncing, AbortReason::kInternalServerError}) {
    EXPECT_EQ(encode_sync_message<WireEntry>(Abort{reason}),
              encode_compact_sync_message<WireEntry>(Abort{reason}));
  }
  Bytes iroh = encode_sync_message<WireEntry>(Sync<WireEntry>{});
  Bytes compact = encode_compact_sync_message<WireEntry>(CompactSync<WireEntry>{});
  EXPECT_EQ(hex_encode(iroh), "0100");
  EXPECT_EQ(hex_encode(compact), "010000");
  iroh.push_back(7);
  compact.push_back(7);
  EXPECT_TRUE(decode_sync_message<WireEntry>(iroh));
  auto c = decode_compact_sync_message<WireEntry>(compact);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code(), ErrorCode::kProtocol);
}

TEST(FrameDecoder, SplitsFramesAcrossArbitraryChunks) {
  Bytes stream;
  for (int i = 0; i < 5; ++i) append(stream, *frame(Bytes(static_cast<size_t>(i * 100), 7)));
  FrameDecoder d;
  std::vector<size_t> sizes;
  for (uint8_t b : stream) {
    d.push(ByteView(&b, 1));
    auto f = d.next();
    ASSERT_TRUE(f);
    if (*f) sizes.push_back((*f)->size());
  }
  // A zero-length frame completes as soon as its header is in.
  EXPECT_EQ(sizes, (std::vector<size_t>{0, 100, 200, 300, 400}));
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(FrameDecoder, RejectsOversizedLengthPrefix) {
  FrameDecoder d(1000);
  Bytes hdr = {0, 0, 0x03, 0xe9};  // 1001
  d.push(hdr);
  auto f = d.next();
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code(), ErrorCode::kResourceExhausted);
  // iroh's 1 GiB limit by default.
  FrameDecoder big;
  Bytes huge = {0x40, 0x00, 0x00, 0x01};
  big.push(huge);
  EXPECT_FALSE(big.next());
  EXPECT_FALSE(frame(Bytes(11), 10));
}

}  // namespace
}  // namespace ferry::proto::sync
