#include "proto/sync/sync_message.h"

#include <gtest/gtest.h>

#include "core/encoding.h"
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
