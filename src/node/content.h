// NodeContent: the node's content fetching (ARCHITECTURE.md "The main data
// flow"): one downloader Scheduler + Driver whose transfers are verified
// /iroh-bytes/4 GETs (BlobTransport) into the blob store, the
// missing-content tracker (engine/content/) over the node's stores, the
// engine's ContentSink, and the one timer of both. Glue only: the tracker
// and the scheduler decide.
//
// Wiring (engine/content/README.md "What the node must call"): the engine's
// events are buffered by a TrackerSink and flushed from a posted task; the
// driver's intent outcomes go to the tracker (others are dropped: ticket
// fetches run their own getter); the timer fires at min(driver deadline,
// tracker deadline). Providers are dialed at the addresses the engine knows
// for the documents' peers.
//
// Threads: construct anywhere; every other call on the io thread.
// Lifetime: the stores outlive this object; bind() the driver before
// start(); shutdown() before the driver goes away.
#pragma once

#include <asio.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <optional>

#include "blobs/store.h"
#include "docs/store.h"
#include "downloader/driver.h"
#include "downloader/scheduler.h"
#include "engine/content/store_backend.h"
#include "engine/content/tracker.h"
#include "engine/content/tracker_sink.h"
#include "engine/content_sink.h"
#include "engine/engine.h"
#include "node/blob_transport.h"

namespace ferry::node {

struct ContentOptions {
  dl::Config downloader;
  engine::content::TrackerConfig tracker;
  uint64_t seed = 1;
};

class NodeContent final : public engine::ContentSink, private dl::IntentObserver {
 public:
  NodeContent(docs::Store& docs, blobs::Store& blobs, ContentOptions options = {});
  ~NodeContent() override;

  // Requires: the engine outlives this object's use of it (addresses).
  void bind(net::UdpDriver& driver, const engine::Engine& engine);
  // Loads the persisted missing set and queues it (tracker.start); the
  // documents' known peers join their download groups.
  Status start();
  void shutdown();

  // engine::ContentSink (called inside store observers: buffered).
  void on_remote_insert(const docs::NamespaceId& ns, const docs::SignedEntry& entry,
                        const crypto::PublicKey& from_node,
                        reconcile::ContentStatus content_status) override;
  void on_sync_finished(const docs::NamespaceId& ns, const crypto::PublicKey& peer) override;

  // A blob became complete by another path (import, ticket fetch).
  void on_blob_complete(const crypto::Hash& hash);
  // The document's policy was just stored.
  Status on_policy_changed(const docs::NamespaceId& ns);
  Result<std::vector<engine::content::MissingContent>> missing(const docs::NamespaceId& ns);

  // Called with every ContentReady (after the tracker queued it).
  void set_on_ready(std::function<void(const engine::content::ContentReady&)> f) {
    on_ready_ = std::move(f);
  }
  engine::content::ContentTracker& tracker() { return tracker_; }
  size_t connections() const { return transport_.connections(); }

 private:
  // dl::IntentObserver: outcomes are queued and fed to the tracker after the
  // driver call returns (the tracker may call the driver again).
  void on_progress(dl::IntentId, uint64_t, uint64_t, const dl::NodeId&) override {}
  void on_completed(dl::IntentId intent) override { outcomes_.push_back({intent, std::nullopt}); }
  void on_failed(dl::IntentId intent, ErrorCode code) override {
    outcomes_.push_back({intent, code});
  }

  void feed(const dl::Event& event);
  // Flushes buffered sink calls and intent outcomes, drains events, re-arms
  // the timer. Runs after every input.
  void settle();
  void schedule_settle();
  void arm_timer();
  std::optional<net::NodeAddr> address_of(const net::NodeId& node) const;

  docs::Store& docs_;
  blobs::Store& blobs_;
  dl::Scheduler scheduler_;
  BlobTransport transport_;
  dl::Driver driver_;
  engine::content::StoreBackend backend_;
  engine::content::DriverFetcher fetcher_;
  engine::content::ContentTracker tracker_;
  engine::content::TrackerSink sink_;
  net::UdpDriver* net_ = nullptr;
  const engine::Engine* engine_ = nullptr;
  std::optional<asio::steady_timer> timer_;
  Instant timer_at_ = Instant::max();
  std::deque<std::pair<dl::IntentId, std::optional<ErrorCode>>> outcomes_;
  std::function<void(const engine::content::ContentReady&)> on_ready_;
  bool settle_posted_ = false, shut_down_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ferry::node
