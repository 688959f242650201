#include "node/content.h"

namespace ferry::node {

namespace content = engine::content;

NodeContent::NodeContent(docs::Store& docs, blobs::Store& blobs, ContentOptions options)
    : docs_(docs),
      blobs_(blobs),
      scheduler_(options.downloader, options.seed),
      transport_(
          blobs, [this](const net::NodeId& node) { return address_of(node); },
          [this](const dl::Event& event) { feed(event); }),
      driver_(scheduler_, transport_, *this),
      backend_(docs, blobs),
      fetcher_(driver_),
      tracker_(backend_, fetcher_, options.tracker),
      sink_(tracker_) {}

NodeContent::~NodeContent() {
  shutdown();
}

void NodeContent::bind(net::UdpDriver& driver, const engine::Engine& engine) {
  net_ = &driver;
  engine_ = &engine;
  transport_.bind(driver);
  timer_.emplace(driver.io());
}

Status NodeContent::start() {
  Instant now = net::monotonic_now();
  Status st = tracker_.start(now);
  // The documents' known peers (from the state file) are their providers
  // until a sync says more: restarted missing content has somewhere to go.
  if (engine_) {
    for (const auto& ns : engine_->live().syncing_docs()) {
      for (const auto& peer : engine_->live().peers(ns)) {
        Status joined = tracker_.on_peer_joined(ns, dl::NodeId{peer.node_id.bytes()}, now);
        if (st && !joined) st = std::move(joined);
      }
    }
  }
  settle();
  return st;
}

void NodeContent::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  *alive_ = false;
  if (timer_) timer_->cancel();
  transport_.shutdown();
}

std::optional<net::NodeAddr> NodeContent::address_of(const net::NodeId& node) const {
  if (!engine_) return std::nullopt;
  for (const auto& ns : engine_->live().syncing_docs()) {
    for (auto& addr : engine_->live().peers(ns)) {
      if (addr.node_id == node) return addr;
    }
  }
  return std::nullopt;
}

void NodeContent::on_remote_insert(const docs::NamespaceId& ns, const docs::SignedEntry& entry,
                                   const crypto::PublicKey& from_node,
                                   reconcile::ContentStatus content_status) {
  sink_.on_remote_insert(ns, entry, from_node, content_status);
  schedule_settle();
}

void NodeContent::on_sync_finished(const docs::NamespaceId& ns, const crypto::PublicKey& peer) {
  sink_.on_sync_finished(ns, peer);
  schedule_settle();
}

void NodeContent::on_blob_complete(const crypto::Hash& hash) {
  if (shut_down_) return;
  (void)tracker_.on_blob_complete(hash, net::monotonic_now());
  settle();
}

Status NodeContent::on_policy_changed(const docs::NamespaceId& ns) {
  if (shut_down_) return ok();
  Status st = tracker_.on_policy_changed(ns, net::monotonic_now());
  settle();
  return st;
}

Result<std::vector<content::MissingContent>> NodeContent::missing(const docs::NamespaceId& ns) {
  return tracker_.missing(ns);
}

void NodeContent::feed(const dl::Event& event) {
  if (shut_down_) return;
  driver_.feed(event, net::monotonic_now());
  settle();
}

void NodeContent::schedule_settle() {
  if (settle_posted_ || !net_ || shut_down_) return;
  settle_posted_ = true;
  net_->post([this, alive = std::weak_ptr<bool>(alive_)] {
    auto a = alive.lock();
    if (!a || !*a) return;
    settle_posted_ = false;
    settle();
  });
}

void NodeContent::settle() {
  if (shut_down_) return;
  Instant now = net::monotonic_now();
  // Errors are the backend's (SQLite); the tracker stays consistent with
  // what was persisted and re-queues on its next trigger.
  (void)sink_.flush(now);
  while (!outcomes_.empty()) {
    auto [intent, code] = outcomes_.front();
    outcomes_.pop_front();
    if (code) {
      tracker_.on_intent_failed(intent, *code, now);
    } else {
      tracker_.on_intent_completed(intent, now);
    }
  }
  while (auto ready = tracker_.poll_event()) {
    if (on_ready_) on_ready_(*ready);
  }
  arm_timer();
}

void NodeContent::arm_timer() {
  if (!timer_) return;
  Instant at = Instant::max();
  if (auto d = driver_.deadline()) at = std::min(at, *d);
  if (auto d = tracker_.next_deadline()) at = std::min(at, *d);
  if (at == timer_at_) return;
  timer_at_ = at;
  timer_->cancel();
  if (at == Instant::max()) return;
  Duration delay = std::max(Duration::zero(), at - net::monotonic_now());
  timer_->expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(delay));
  timer_->async_wait([this, alive = std::weak_ptr<bool>(alive_)](const std::error_code& ec) {
    auto a = alive.lock();
    if (ec || !a || !*a) return;
    timer_at_ = Instant::max();
    Instant now = net::monotonic_now();
    driver_.feed(dl::DeadlineReached{}, now);
    (void)tracker_.on_deadline(now);
    settle();
  });
}

}  // namespace ferry::node
