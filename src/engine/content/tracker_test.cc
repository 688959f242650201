// One test per rule of tracker.h, against MemBackend and a recording Fetcher.
#include "engine/content/tracker.h"

#include <gtest/gtest.h>

#include "engine/content/mem_backend.h"
#include "engine/content/test_util.h"
#include "engine/content/tracker_sink.h"

namespace ferry::engine::content {
namespace {

using namespace testing;  // NOLINT
using reconcile::ContentStatus;

class TrackerTest : public ::testing::Test {
 protected:
  TrackerTest() { EXPECT_TRUE(tracker->start(now)); }
  void TearDown() override {
    auto st = tracker->check_invariants();
    EXPECT_TRUE(st) << st.error().to_string();
  }
  Status insert(const NamespaceId& ns, std::string_view key, const crypto::Hash& hash,
                ContentStatus status = ContentStatus::kComplete, uint8_t from = 1,
                uint64_t len = 10) {
    auto e = entry(ns, alice, key, hash, len);
    backend.put_entry(e);
    return tracker->on_remote_insert(ns, e, node_id(from), status, now);
  }
  std::vector<ContentReady> events() {
    std::vector<ContentReady> out;
    while (auto e = tracker->poll_event()) out.push_back(*e);
    return out;
  }
  void restart() {
    tracker = std::make_unique<ContentTracker>(backend, fetcher, config);
    ASSERT_TRUE(tracker->start(now));
  }

  MemBackend backend;
  RecordingFetcher fetcher;
  TrackerConfig config;
  std::unique_ptr<ContentTracker> tracker =
      std::make_unique<ContentTracker>(backend, fetcher, config);
  Instant now = Instant::from_nanos(1'000'000'000);
  NamespaceId doc = doc_id(1), doc2 = doc_id(2);
  AuthorId alice = author_id(1);
  crypto::Hash x = content("x"), y = content("y");
};

TEST_F(TrackerTest, WantedIncompleteInsertIsPersistedAndQueuedWithSenderAndDocHints) {
  ASSERT_TRUE(insert(doc, "k", x));
  EXPECT_TRUE(tracker->is_missing(doc, x));
  EXPECT_TRUE(tracker->is_queued(doc, x));
  ASSERT_EQ(fetcher.added.size(), 1u);
  const auto& a = fetcher.added[0];
  EXPECT_EQ(a.resource, (dl::Resource{x, dl::ResourceKind::kBlob}));
  EXPECT_EQ(a.hints.nodes, std::vector<dl::NodeId>{node_id(1)});
  EXPECT_EQ(a.hints.groups, std::vector<dl::GroupId>{dl::GroupId::doc(doc.bytes())});
  EXPECT_EQ(a.options.policy.mode, dl::FailurePolicy::Mode::kWait);
  EXPECT_EQ(backend.rows[doc].size(), 1u);
  EXPECT_EQ(backend.rows[doc].begin()->key, to_bytes("k"));
}

TEST_F(TrackerTest, SenderWithoutTheContentIsNoNodeHint) {
  ASSERT_TRUE(insert(doc, "k", x, ContentStatus::kMissing));
  ASSERT_TRUE(insert(doc2, "k", y, ContentStatus::kIncomplete));
  ASSERT_EQ(fetcher.added.size(), 2u);
  EXPECT_TRUE(fetcher.added[0].hints.nodes.empty());
  EXPECT_TRUE(fetcher.added[1].hints.nodes.empty());
  EXPECT_EQ(fetcher.added[0].hints.groups.size(), 1u);
}

TEST_F(TrackerTest, KeysThePolicyRejectsAreIgnored) {
  backend.policies[doc] = docs::DownloadPolicy{docs::DownloadPolicy::Kind::kNothingExcept,
                                               {docs::FilterKind::prefix(as_bytes("img/"))}};
  ASSERT_TRUE(insert(doc, "txt/a", x));
  EXPECT_FALSE(tracker->is_missing(doc, x));
  ASSERT_TRUE(insert(doc, "img/a", y));
  EXPECT_TRUE(tracker->is_missing(doc, y));
  EXPECT_EQ(fetcher.added.size(), 1u);
}

TEST_F(TrackerTest, EmptyEntriesAndDeletionMarkersAreNeverFetched) {
  ASSERT_TRUE(insert(doc, "tomb", crypto::Hash::empty(), ContentStatus::kComplete, 1, 0));
  ASSERT_TRUE(insert(doc, "emptyhash-len", crypto::Hash::empty(), ContentStatus::kComplete, 1, 5));
  ASSERT_TRUE(insert(doc, "len0", x, ContentStatus::kComplete, 1, 0));
  EXPECT_EQ(tracker->missing_count(), 0u);
  EXPECT_TRUE(fetcher.added.empty());
  EXPECT_TRUE(backend.rows.empty());
}

TEST_F(TrackerTest, CompleteBlobIsNotMissing) {
  backend.complete.insert(x);
  ASSERT_TRUE(insert(doc, "k", x));
  EXPECT_FALSE(tracker->is_missing(doc, x));
  EXPECT_TRUE(fetcher.added.empty());
}

TEST_F(TrackerTest, InsertOfHeldContentClearsItFromOtherDocuments) {
  ASSERT_TRUE(insert(doc, "k", x));
  backend.complete.insert(x);  // arrived without the tracker hearing of it
  ASSERT_TRUE(insert(doc2, "k", x));
  EXPECT_FALSE(tracker->is_missing(doc, x));
  EXPECT_FALSE(tracker->is_missing(doc2, x));
  EXPECT_EQ(events(), (std::vector<ContentReady>{{doc, x}}));
}

TEST_F(TrackerTest, QueuedHashGainsNodeHintsNotASecondIntent) {
  ASSERT_TRUE(insert(doc, "k", x, ContentStatus::kMissing, 1));
  ASSERT_TRUE(insert(doc, "k2", x, ContentStatus::kComplete, 2));
  ASSERT_TRUE(insert(doc, "k3", x, ContentStatus::kMissing, 3));
  EXPECT_EQ(fetcher.added.size(), 1u);
  ASSERT_EQ(fetcher.nodes.size(), 1u);
  EXPECT_EQ(fetcher.nodes[0].first, node_id(2));
  EXPECT_EQ(fetcher.nodes[0].second.resources,
            (std::vector<dl::Resource>{dl::Resource{x, dl::ResourceKind::kBlob}}));
  EXPECT_EQ(backend.rows[doc].size(), 3u);
}

TEST_F(TrackerTest, SuccessClearsEveryDocumentAndCancelsTheOtherIntents) {
  ASSERT_TRUE(insert(doc, "k", x));
  ASSERT_TRUE(insert(doc2, "other", x));
  ASSERT_TRUE(insert(doc2, "y", y));
  ASSERT_EQ(fetcher.added.size(), 3u);  // one intent per (document, hash)
  dl::IntentId first = fetcher.added[0].intent, second = fetcher.added[1].intent;
  EXPECT_TRUE(tracker->on_intent_completed(first, now));
  EXPECT_FALSE(tracker->is_missing(doc, x));
  EXPECT_FALSE(tracker->is_missing(doc2, x));
  EXPECT_TRUE(tracker->is_missing(doc2, y));
  EXPECT_EQ(fetcher.cancelled, std::vector<dl::IntentId>{second});
  auto ev = events();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].hash, x);
  EXPECT_NE(ev[0].ns, ev[1].ns);
  // The other intent's own completion is no longer the tracker's.
  EXPECT_FALSE(tracker->on_intent_completed(second, now));
  EXPECT_FALSE(tracker->on_intent_failed(dl::IntentId{999}, ErrorCode::kTimeout, now));
  EXPECT_EQ(backend.rows[doc2].size(), 1u);
}

TEST_F(TrackerTest, FailureParksThePairUntilTheRetryTime) {
  ASSERT_TRUE(insert(doc, "k", x));
  dl::IntentId id = fetcher.added[0].intent;
  EXPECT_TRUE(tracker->on_intent_failed(id, ErrorCode::kTimeout, now));
  EXPECT_TRUE(tracker->is_missing(doc, x));
  EXPECT_FALSE(tracker->is_queued(doc, x));
  ASSERT_EQ(tracker->next_deadline(), now + config.retry_after);
  ASSERT_TRUE(tracker->on_deadline(now + config.retry_after - Duration(1)));
  EXPECT_EQ(fetcher.added.size(), 1u);
  ASSERT_TRUE(tracker->on_deadline(now + config.retry_after));
  EXPECT_TRUE(tracker->is_queued(doc, x));
  EXPECT_EQ(fetcher.added.size(), 2u);
  EXPECT_TRUE(fetcher.added[1].hints.nodes.empty());
  EXPECT_FALSE(tracker->next_deadline().has_value());
}

TEST_F(TrackerTest, ANewReferenceRequeuesAParkedPairAtOnce) {
  ASSERT_TRUE(insert(doc, "k", x, ContentStatus::kMissing));
  ASSERT_TRUE(tracker->on_intent_failed(fetcher.added[0].intent, ErrorCode::kTimeout, now));
  ASSERT_TRUE(insert(doc, "k2", x, ContentStatus::kComplete, 4));
  EXPECT_TRUE(tracker->is_queued(doc, x));
  ASSERT_EQ(fetcher.added.size(), 2u);
  EXPECT_EQ(fetcher.added[1].hints.nodes, std::vector<dl::NodeId>{node_id(4)});
}

TEST_F(TrackerTest, AHashNoEntryPointsToAnyMoreIsDroppedNotRequeued) {
  ASSERT_TRUE(insert(doc, "k", x));
  ASSERT_TRUE(insert(doc, "j", y));
  ASSERT_TRUE(insert(doc, "j2", y));
  ASSERT_TRUE(tracker->on_intent_failed(fetcher.intent_for(x), ErrorCode::kTimeout, now));
  ASSERT_TRUE(tracker->on_intent_failed(fetcher.intent_for(y), ErrorCode::kTimeout, now));
  crypto::Hash z = content("z");
  ASSERT_TRUE(insert(doc, "k", z));                                     // overwrites k -> x
  backend.put_entry(entry(doc, alice, "j", crypto::Hash::empty(), 0));  // j deleted; j2 stays
  size_t before = fetcher.added.size();
  ASSERT_TRUE(tracker->on_sync_finished(doc, node_id(2), now));
  EXPECT_FALSE(tracker->is_missing(doc, x));
  EXPECT_TRUE(tracker->is_queued(doc, y));
  EXPECT_EQ(fetcher.added.size(), before + 1);  // y only
  auto listed = *tracker->missing(doc);
  ASSERT_EQ(listed.size(), 2u);  // y (j2) and z (k)
  for (const auto& m : listed) EXPECT_EQ(m.refs.size(), 1u);
}

TEST_F(TrackerTest, PeerJoinedAddsTheGroupMemberAndRequeuesParkedContent) {
  ASSERT_TRUE(insert(doc, "k", x));
  ASSERT_TRUE(insert(doc2, "k", y));
  ASSERT_TRUE(tracker->on_intent_failed(fetcher.added[0].intent, ErrorCode::kTimeout, now));
  ASSERT_TRUE(tracker->on_intent_failed(fetcher.added[1].intent, ErrorCode::kTimeout, now));
  ASSERT_TRUE(tracker->on_peer_joined(doc, node_id(7), now));
  ASSERT_EQ(fetcher.nodes.size(), 1u);
  EXPECT_EQ(fetcher.nodes[0].first, node_id(7));
  EXPECT_EQ(fetcher.nodes[0].second.groups,
            std::vector<dl::GroupId>{dl::GroupId::doc(doc.bytes())});
  EXPECT_TRUE(tracker->is_queued(doc, x));
  EXPECT_FALSE(tracker->is_queued(doc2, y));  // another document: still parked
  // The stale retry entry of the requeued pair does nothing when it is due.
  ASSERT_TRUE(tracker->on_deadline(now + config.retry_after));
  EXPECT_EQ(fetcher.added.size(), 4u);  // x again (peer), then y (retry)
}

TEST_F(TrackerTest, SyncFinishedRequeuesOrClearsWhatArrivedMeanwhile) {
  ASSERT_TRUE(insert(doc, "k", x));
  ASSERT_TRUE(insert(doc, "j", y));
  ASSERT_TRUE(tracker->on_intent_failed(fetcher.added[0].intent, ErrorCode::kTimeout, now));
  ASSERT_TRUE(tracker->on_intent_failed(fetcher.added[1].intent, ErrorCode::kTimeout, now));
  backend.complete.insert(y);
  ASSERT_TRUE(tracker->on_sync_finished(doc, node_id(3), now));
  EXPECT_TRUE(tracker->is_queued(doc, x));
  EXPECT_FALSE(tracker->is_missing(doc, y));
  EXPECT_EQ(events(), (std::vector<ContentReady>{{doc, y}}));
}

TEST_F(TrackerTest, PolicyChangeDropsUnwantedAndAddsNewlyWantedHeldEntries) {
  backend.policies[doc] = docs::DownloadPolicy{docs::DownloadPolicy::Kind::kNothingExcept,
                                               {docs::FilterKind::prefix(as_bytes("a/"))}};
  ASSERT_TRUE(insert(doc, "a/1", x));
  ASSERT_TRUE(insert(doc, "b/1", y));  // held, not wanted yet
  crypto::Hash z = content("z"), have = content("have");
  ASSERT_TRUE(insert(doc, "b/2", z));
  backend.complete.insert(have);
  ASSERT_TRUE(insert(doc, "b/3", have));  // held and complete
  backend.put_entry(entry(doc, alice, "b/tomb", crypto::Hash::empty(), 0));
  ASSERT_EQ(tracker->missing_count(), 1u);
  dl::IntentId x_intent = fetcher.added[0].intent;

  backend.policies[doc] = docs::DownloadPolicy{docs::DownloadPolicy::Kind::kEverythingExcept,
                                               {docs::FilterKind::prefix(as_bytes("a/"))}};
  ASSERT_TRUE(tracker->on_policy_changed(doc, now));
  EXPECT_FALSE(tracker->is_missing(doc, x));
  EXPECT_EQ(fetcher.cancelled, std::vector<dl::IntentId>{x_intent});
  EXPECT_TRUE(tracker->is_queued(doc, y));
  EXPECT_TRUE(tracker->is_queued(doc, z));
  EXPECT_EQ(tracker->missing_count(), 2u);
  EXPECT_EQ(backend.rows[doc].size(), 2u);
}

TEST_F(TrackerTest, PolicyChangeKeepsAHashThatAnotherWantedKeyStillReferences) {
  ASSERT_TRUE(insert(doc, "a/1", x));
  ASSERT_TRUE(insert(doc, "b/1", x));
  backend.policies[doc] = docs::DownloadPolicy{docs::DownloadPolicy::Kind::kEverythingExcept,
                                               {docs::FilterKind::exact(as_bytes("a/1"))}};
  ASSERT_TRUE(tracker->on_policy_changed(doc, now));
  EXPECT_TRUE(tracker->is_queued(doc, x));
  EXPECT_TRUE(fetcher.cancelled.empty());
  auto listed = *tracker->missing(doc);
  ASSERT_EQ(listed.size(), 1u);
  ASSERT_EQ(listed[0].refs.size(), 1u);
  EXPECT_EQ(listed[0].refs[0].second, to_bytes("b/1"));
}

TEST_F(TrackerTest, RestartQueuesThePersistedSetAgainstCurrentPolicyAndBlobs) {
  ASSERT_TRUE(insert(doc, "a", x));
  ASSERT_TRUE(insert(doc, "b", y));
  crypto::Hash z = content("z");
  ASSERT_TRUE(insert(doc2, "c", z));
  // While stopped: y arrived, doc2's policy turned to nothing.
  backend.complete.insert(y);
  backend.policies[doc2] = docs::DownloadPolicy{docs::DownloadPolicy::Kind::kNothingExcept, {}};
  fetcher = RecordingFetcher{};
  restart();
  EXPECT_TRUE(tracker->is_queued(doc, x));
  EXPECT_FALSE(tracker->is_missing(doc, y));
  EXPECT_FALSE(tracker->is_missing(doc2, z));
  ASSERT_EQ(fetcher.added.size(), 1u);
  EXPECT_EQ(fetcher.added[0].hints.groups, std::vector<dl::GroupId>{dl::GroupId::doc(doc.bytes())});
  EXPECT_EQ(events(), (std::vector<ContentReady>{{doc, y}}));
  EXPECT_TRUE(backend.rows.count(doc2) == 0);
}

TEST_F(TrackerTest, ListingGroupsReferencesByHash) {
  ASSERT_TRUE(insert(doc, "one", x));
  ASSERT_TRUE(insert(doc, "two", x));
  ASSERT_TRUE(insert(doc, "three", y));
  ASSERT_TRUE(tracker->on_intent_failed(fetcher.intent_for(y), ErrorCode::kTimeout, now));
  auto listed = *tracker->missing(doc);
  ASSERT_EQ(listed.size(), 2u);
  for (const auto& m : listed) {
    if (m.hash == x) {
      EXPECT_EQ(m.refs.size(), 2u);
      EXPECT_TRUE(m.queued);
    } else {
      EXPECT_EQ(m.hash, y);
      EXPECT_EQ(m.refs.size(), 1u);
      EXPECT_FALSE(m.queued);
    }
  }
  EXPECT_TRUE(tracker->missing(doc2)->empty());
}

TEST_F(TrackerTest, BlobCompletedElsewhereClearsAndCancels) {
  ASSERT_TRUE(insert(doc, "k", x));
  backend.complete.insert(x);
  ASSERT_TRUE(tracker->on_blob_complete(x, now));
  EXPECT_EQ(tracker->missing_count(), 0u);
  EXPECT_EQ(fetcher.cancelled.size(), 1u);
  EXPECT_EQ(events(), (std::vector<ContentReady>{{doc, x}}));
  ASSERT_TRUE(tracker->on_blob_complete(y, now));  // never missing: nothing
  EXPECT_TRUE(events().empty());
}

TEST_F(TrackerTest, AnnouncedContentHintsOrRequeues) {
  ASSERT_TRUE(insert(doc, "k", x, ContentStatus::kMissing));
  tracker->on_node_has(x, node_id(5), now);
  ASSERT_EQ(fetcher.nodes.size(), 1u);
  EXPECT_EQ(fetcher.nodes[0].first, node_id(5));
  ASSERT_TRUE(tracker->on_intent_failed(fetcher.added[0].intent, ErrorCode::kTimeout, now));
  tracker->on_node_has(x, node_id(6), now);
  ASSERT_EQ(fetcher.added.size(), 2u);
  EXPECT_EQ(fetcher.added[1].hints.nodes, std::vector<dl::NodeId>{node_id(6)});
  tracker->on_node_has(y, node_id(6), now);  // not missing: nothing
  EXPECT_EQ(fetcher.added.size(), 2u);
}

TEST_F(TrackerTest, BackendErrorsLeaveAConsistentState) {
  backend.fail_next = true;
  EXPECT_FALSE(insert(doc, "k", x));
  EXPECT_EQ(tracker->missing_count(), 0u);
  ASSERT_TRUE(insert(doc, "k", x));
  ASSERT_TRUE(tracker->on_intent_failed(fetcher.added[0].intent, ErrorCode::kTimeout, now));
  backend.fail_next = true;
  EXPECT_FALSE(tracker->on_sync_finished(doc, node_id(1), now));
  EXPECT_TRUE(tracker->is_missing(doc, x));
  ASSERT_TRUE(tracker->on_sync_finished(doc, node_id(1), now));
  EXPECT_TRUE(tracker->is_queued(doc, x));
}

TEST_F(TrackerTest, SinkBuffersEngineCallsUntilFlushed) {
  TrackerSink sink(*tracker);
  auto e = entry(doc, alice, "k", x);
  backend.put_entry(e);
  crypto::PublicKey peer = crypto::PublicKey::from_array_unchecked(node_id(9).bytes);
  sink.on_remote_insert(doc, e, peer, ContentStatus::kComplete);
  sink.on_sync_finished(doc, peer);
  EXPECT_EQ(tracker->missing_count(), 0u);
  ASSERT_TRUE(sink.flush(now));
  EXPECT_TRUE(sink.empty());
  EXPECT_TRUE(tracker->is_queued(doc, x));
  EXPECT_EQ(fetcher.added[0].hints.nodes, std::vector<dl::NodeId>{node_id(9)});
  ASSERT_EQ(fetcher.nodes.size(), 1u);  // the sync peer joined Doc(ns)
  EXPECT_EQ(fetcher.nodes[0].first, node_id(9));
}

}  // namespace
}  // namespace ferry::engine::content
