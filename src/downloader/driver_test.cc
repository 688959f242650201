// Driver: actions reach the Transport and the IntentObserver, events reach
// the scheduler; a whole download runs through the fakes.
#include "downloader/driver.h"

#include <gtest/gtest.h>

#include "downloader/fake_driver.h"

namespace ferry::downloader {
namespace {

NodeId node(uint8_t n) {
  NodeId id;
  id.bytes[0] = n;
  return id;
}
Resource blob(uint8_t n) {
  std::array<uint8_t, 32> b{};
  b[0] = n;
  return Resource{crypto::Hash(b), ResourceKind::kHashSeq};
}

TEST(Driver, RunsADownloadThroughTheFakes) {
  Scheduler scheduler(Config{}, 3);
  FakeTransport net;
  RecordingObserver obs;
  Driver driver(scheduler, net, obs);
  Instant now = Instant::from_nanos(5);

  IntentId id = driver.add_resource(blob(1), {}, {.nodes = {node(9)}}, now);
  ASSERT_EQ(net.dials.size(), 1u);
  EXPECT_EQ(net.dials[0], node(9));
  driver.feed(Connected{node(9)}, now);
  ASSERT_EQ(net.started.size(), 1u);
  EXPECT_EQ(net.started[0].resource, blob(1));
  TransferId t = net.started[0].transfer;
  driver.feed(TransferProgressed{t, 10, 20}, now);
  ASSERT_EQ(obs.progress.size(), 1u);
  EXPECT_EQ(obs.progress[0].intent, id);
  EXPECT_EQ(obs.progress[0].bytes, 10u);
  net.forget(t);
  driver.feed(TransferFinished{t}, now);
  ASSERT_EQ(obs.completed.size(), 1u);
  EXPECT_EQ(obs.completed[0], id);

  // The idle connection closes when the engine's timer fires.
  auto deadline = driver.deadline();
  ASSERT_TRUE(deadline);
  driver.feed(DeadlineReached{}, *deadline);
  ASSERT_EQ(net.closes.size(), 1u);
  EXPECT_EQ(net.closes[0], node(9));
}

TEST(Driver, CancelReachesTheTransportAndFailuresTheObserver) {
  Scheduler scheduler(Config{}, 3);
  FakeTransport net;
  RecordingObserver obs;
  Driver driver(scheduler, net, obs);
  Instant now;
  IntentId id = driver.add_resource(blob(1), {}, {.nodes = {node(1)}}, now);
  driver.feed(Connected{node(1)}, now);
  ASSERT_EQ(net.running.size(), 1u);
  EXPECT_TRUE(driver.cancel_intent(id, now));
  EXPECT_TRUE(net.running.empty());
  EXPECT_EQ(net.cancelled.size(), 1u);

  IntentId ff = driver.add_resource(blob(2), {.policy = FailurePolicy::fail_fast()}, {}, now);
  ASSERT_EQ(obs.failed.size(), 1u);
  EXPECT_EQ(obs.failed[0].first, ff);
  EXPECT_EQ(obs.failed[0].second, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace ferry::downloader
