#include "node/fetch.h"

#include "proto/blobs/get_session.h"

namespace ferry::node {
namespace {

uint64_t verified_bytes(const blobs::BlobStatus& st) {
  uint64_t total = 0;
  for (const auto& r : st.verified.ranges()) {
    uint64_t end = std::min<uint64_t>(r.end * 1024, st.size);
    uint64_t start = std::min<uint64_t>(r.start * 1024, end);
    total += end - start;
  }
  return total;
}

}  // namespace

std::shared_ptr<BlobFetch> BlobFetch::start(net::UdpDriver& driver, blobs::Store& store,
                                            const net::BlobTicket& ticket, FetchOptions options,
                                            ProgressFn on_progress, DoneFn done) {
  std::shared_ptr<BlobFetch> f(
      new BlobFetch(driver, store, ticket, options, std::move(on_progress), std::move(done)));
  asio::post(driver.io(), [f] { f->begin(); });
  return f;
}

BlobFetch::BlobFetch(net::UdpDriver& d, blobs::Store& s, net::BlobTicket t, FetchOptions o,
                     ProgressFn p, DoneFn done)
    : driver_(d),
      store_(s),
      ticket_(std::move(t)),
      options_(o),
      on_progress_(std::move(p)),
      done_(std::move(done)),
      timer_(d.io()) {
  result_.hash = ticket_.hash;
  result_.format = ticket_.format;
}

void BlobFetch::begin() {
  if (finished_) return;
  auto st = store_.status(ticket_.hash);
  if (!st) return finish(tl::unexpected(st.error()));
  result_.had_before = verified_bytes(*st);
  result_.size = st->size;
  bao::GetRequest request;
  if (ticket_.format == net::BlobFormat::kRaw) {
    auto missing = proto::blobs::missing_request(ticket_.hash, *st);
    if (!missing) {
      result_.already_complete = true;
      return finish(result_);
    }
    request = *missing;
    if (st->size > 0) expected_ = st->size - result_.had_before;
  } else {
    request = {ticket_.hash, bao::RangeSpecSeq::all()};
  }
  getter_ = std::make_shared<proto::blobs::BlobsGetter>(store_);
  auto conn = driver_.connect(ticket_.node, std::string(proto::blobs::kAlpn), getter_);
  if (!conn) {
    return finish(tl::unexpected(
        conn.error().with_context("connecting to " + ticket_.node.node_id.short_hex())));
  }
  conn_ = *conn;
  // The getter's callback and the timer hold the fetch alive until done.
  auto self = shared_from_this();
  getter_->fetch(std::move(request), [self](Status s) {
    if (!s) return self->finish(tl::unexpected(s.error()));
    self->finish(self->result_);
  });
  last_change_ = std::chrono::steady_clock::now();
  tick();
}

FetchProgress BlobFetch::progress() const {
  FetchProgress p;
  p.received = getter_ ? getter_->bytes_received() : final_received_;
  p.expected = expected_;
  p.blob_size = result_.size;
  return p;
}

void BlobFetch::tick() {
  if (finished_) return;
  if (result_.size == 0) {
    // The size becomes known once the provider's header has been verified.
    auto st = store_.status(ticket_.hash);
    if (st && st->size > 0) {
      result_.size = st->size;
      if (ticket_.format == net::BlobFormat::kRaw) expected_ = st->size - result_.had_before;
    }
  }
  auto p = progress();
  auto now = std::chrono::steady_clock::now();
  if (p.received != last_received_) {
    last_received_ = p.received;
    last_change_ = now;
  } else if (now - last_change_ > options_.idle_timeout) {
    return finish(make_error(
        ErrorCode::kTimeout,
        "no data from the provider for " +
            std::to_string(
                std::chrono::duration_cast<std::chrono::seconds>(options_.idle_timeout).count()) +
            " s"));
  }
  if (on_progress_) on_progress_(p);
  timer_.expires_after(options_.progress_interval);
  timer_.async_wait([self = shared_from_this()](const std::error_code& ec) {
    if (!ec) self->tick();
  });
}

void BlobFetch::cancel() {
  auto self = shared_from_this();
  driver_.post([self] { self->finish(make_error(ErrorCode::kCancelled, "transfer interrupted")); });
}

void BlobFetch::abandon() {
  finished_ = true;
  timer_.cancel();
  getter_.reset();
  done_ = nullptr;
  on_progress_ = nullptr;
}

void BlobFetch::close_connection() {
  if (!conn_) return;
  uint64_t conn = *conn_;
  conn_.reset();
  // Closed from a posted task, never from inside the getter's callback. The
  // getter stays alive as the driver's handler of the connection; the task
  // must not own it (it may be destroyed after the store).
  driver_.post([this_driver = &driver_, conn] {
    if (auto* c = this_driver->connection(conn)) c->close(0, "done", net::monotonic_now());
  });
}

void BlobFetch::finish(Result<FetchResult> r) {
  if (finished_) return;
  finished_ = true;
  timer_.cancel();
  final_received_ = getter_ ? getter_->bytes_received() : 0;
  if (r) r->received = final_received_;
  if (r) {
    auto st = store_.status(ticket_.hash);
    if (st) {
      r->size = result_.size = st->size;
      if (expected_ == 0 && r->format == net::BlobFormat::kRaw && st->size >= r->had_before) {
        expected_ = st->size - r->had_before;
      }
    }
    if (r->format == net::BlobFormat::kRaw && (!st || !st->is_complete())) {
      r = make_error(ErrorCode::kProtocol,
                     "the provider ended the transfer before the blob was complete");
    }
  }
  if (r) {
    auto value = r->format == net::BlobFormat::kRaw ? blobs::HashAndFormat::raw(r->hash)
                                                    : blobs::HashAndFormat::hash_seq(r->hash);
    auto tagged = store_.set_tag("get/" + r->hash.to_hex(), value);
    if (!tagged) r = tl::unexpected(tagged.error());
  }
  close_connection();
  // The getter's pending callback holds this fetch: drop our reference so
  // the pair is freed with the connection (no cycle).
  getter_.reset();
  auto done = std::move(done_);
  if (on_progress_ && r) on_progress_(progress());
  if (done) done(std::move(r));
}

}  // namespace ferry::node
