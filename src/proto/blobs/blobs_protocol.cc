#include "proto/blobs/blobs_protocol.h"

namespace ferry::proto::blobs {

using net::ConnectionEvent;
using K = net::ConnectionEvent::Kind;

BlobsProvider::BlobsProvider(ferry::blobs::Store& store, unsigned workers) : store_(store) {
  for (unsigned i = 0; i < std::max(1u, workers); ++i) {
    workers_.emplace_back([this] { worker_loop(); });
  }
}

BlobsProvider::~BlobsProvider() {
  shutdown();
}

void BlobsProvider::shutdown() {
  {
    std::lock_guard lock(pool_m_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
    for (auto& job : pending_) job->cancelled = true;
    pending_.clear();
    for (auto& job : running_) {
      std::lock_guard jl(job->m);
      job->cancelled = true;
      job->cv.notify_all();
    }
  }
  pool_cv_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

void BlobsProvider::worker_loop() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(pool_m_);
      pool_cv_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      if (stopping_) return;
      job = pending_.front();
      pending_.pop_front();
      running_.push_back(job);
    }
    run_job(job);
    std::lock_guard lock(pool_m_);
    running_.erase(std::find(running_.begin(), running_.end(), job));
  }
}

void BlobsProvider::post_drain(const std::shared_ptr<Job>& job) {
  // Called with job->m held.
  if (job->drain_posted || job->cancelled) return;
  job->drain_posted = true;
  std::weak_ptr<BlobsProvider> self = weak_from_this();
  net::UdpDriver* d = job->driver;
  d->post([self, job, d] {
    if (auto p = self.lock()) p->drain(*d, job);
  });
}

void BlobsProvider::run_job(const std::shared_ptr<Job>& job) {
  auto sink = [&](ByteView bytes) -> Status {
    std::unique_lock lock(job->m);
    job->cv.wait(lock, [&] { return job->cancelled || job->queued < kMaxQueued; });
    if (job->cancelled) return make_error(ErrorCode::kCancelled, "request cancelled");
    job->queue.emplace_back(bytes.begin(), bytes.end());
    job->queued += bytes.size();
    post_drain(job);
    return ok();
  };
  Status st = serve_request(store_, job->request, sink);
  std::lock_guard lock(job->m);
  job->producer_done = true;
  if (!st) job->error = st.error();
  post_drain(job);
}

void BlobsProvider::drain(net::UdpDriver& d, std::shared_ptr<Job> job) {
  net::QuicConnection* c = d.connection(job->conn);
  std::unique_lock lock(job->m);
  job->drain_posted = false;
  if (!c) {
    job->cancelled = true;
    job->cv.notify_all();
    return;
  }
  while (!job->queue.empty()) {
    Bytes& front = job->queue.front();
    size_t size = front.size();
    // A whole piece moves into the stream's send queue without a copy.
    auto n = job->front_pos == 0 ? c->write_owned(job->stream, front)
                                 : c->write(job->stream, ByteView(front).subspan(job->front_pos));
    if (!n) {  // stream gone (peer stopped it)
      job->cancelled = true;
      job->cv.notify_all();
      return;
    }
    job->front_pos += *n;
    job->queued -= *n;
    if (job->front_pos < size) break;  // wait for kStreamWritable
    job->queue.pop_front();
    job->front_pos = 0;
  }
  job->cv.notify_all();
  if (job->queue.empty() && job->producer_done && !job->cancelled) {
    job->cancelled = true;  // finished: nothing more to drain
    if (job->error && job->error->code() != ErrorCode::kCancelled) {
      c->reset(job->stream, 1);  // stored data failed verification, or I/O
    } else {
      (void)c->write(job->stream, {}, true);
      ++served_;
    }
    streams_.erase({job->conn, job->stream});  // done: keep no per-request state
  }
}

void BlobsProvider::on_readable(net::UdpDriver& d, uint64_t conn, int64_t stream) {
  net::QuicConnection* c = d.connection(conn);
  if (!c) return;
  auto& st = streams_[{conn, stream}];
  if (st.finished) {
    // Data after the request: we only ever read one request.
    c->stop(stream, 2);
    return;
  }
  for (;;) {
    auto r = c->read(stream, kMaxRequestSize + 1 - std::min(st.request.size(), kMaxRequestSize));
    if (!r) {
      if (st.request.empty()) streams_.erase({conn, stream});  // stream already gone
      return;
    }
    append(st.request, r->data);
    if (st.request.size() > kMaxRequestSize || r->reset_code) {
      ++refused_;
      c->stop(stream, 0);
      c->reset(stream, 0);
      st.finished = true;
      return;
    }
    if (r->fin) break;
    if (r->data.empty()) return;
  }
  st.finished = true;
  auto req = decode_request(st.request);
  if (!req) {
    ++refused_;
    c->reset(stream, 0);
    return;
  }
  auto job = std::make_shared<Job>();
  job->request = std::move(*req);
  job->driver = &d;
  job->conn = conn;
  job->stream = stream;
  st.job = job;
  std::lock_guard lock(pool_m_);
  if (stopping_) return;
  pending_.push_back(job);
  pool_cv_.notify_one();
}

void BlobsProvider::on_event(net::UdpDriver& d, uint64_t conn, const ConnectionEvent& e) {
  switch (e.kind) {
    case K::kStreamOpened:
    case K::kStreamReadable: {
      net::QuicConnection* c = d.connection(conn);
      if (!c) return;
      if (!ngtcp2_is_bidi_stream(e.stream)) {  // we accept no uni streams
        c->stop(e.stream, 0);
        return;
      }
      auto it = streams_.find({conn, e.stream});
      if (it != streams_.end() && it->second.finished) {
        if (it->second.job) {
          // The getter stopped reading or reset: stop producing.
          auto r = c->read(e.stream);
          if (!r || r->reset_code) {
            std::lock_guard lock(it->second.job->m);
            it->second.job->cancelled = true;
            it->second.job->cv.notify_all();
          }
        }
        return;
      }
      on_readable(d, conn, e.stream);
      return;
    }
    case K::kStreamWritable: {
      auto it = streams_.find({conn, e.stream});
      if (it != streams_.end() && it->second.job) drain(d, it->second.job);
      return;
    }
    case K::kClosed: {
      for (auto it = streams_.lower_bound({conn, INT64_MIN});
           it != streams_.end() && it->first.first == conn;) {
        if (it->second.job) {
          std::lock_guard lock(it->second.job->m);
          it->second.job->cancelled = true;
          it->second.job->cv.notify_all();
        }
        it = streams_.erase(it);
      }
      return;
    }
    default: return;
  }
}

void BlobsGetter::fetch(bao::GetRequest request, Callback done) {
  Fetch f;
  f.session = std::make_unique<GetSession>(store_, std::move(request));
  f.done = std::move(done);
  if (closed_) {
    f.done(make_error(ErrorCode::kProtocol, "connection closed"));
    return;
  }
  pending_.push_back(std::move(f));
  if (connected_ && driver_) {
    start_pending(*driver_, conn_);
    driver_->flush();
  }
}

void BlobsGetter::start_pending(net::UdpDriver& d, uint64_t conn) {
  net::QuicConnection* c = d.connection(conn);
  if (!c) return;
  while (!pending_.empty()) {
    auto id = c->open_bidi();
    if (!id) return;  // wait for kStreamsAvailable
    Fetch f = std::move(pending_.front());
    pending_.pop_front();
    Bytes req = f.session->request_bytes();
    auto n = c->write(*id, req, true);
    if (!n || *n != req.size()) {
      f.done(make_error(ErrorCode::kInternal, "cannot send request"));
      continue;
    }
    active_.emplace(*id, std::move(f));
  }
}

void BlobsGetter::fail_all(const Error& e) {
  auto active = std::move(active_);
  auto pending = std::move(pending_);
  active_.clear();
  pending_.clear();
  for (auto& [id, f] : active) f.done(tl::unexpected(e));
  for (auto& f : pending) f.done(tl::unexpected(e));
}

void BlobsGetter::on_event(net::UdpDriver& d, uint64_t conn, const ConnectionEvent& e) {
  driver_ = &d;
  conn_ = conn;
  switch (e.kind) {
    case K::kHandshakeCompleted: connected_ = true; [[fallthrough]];
    case K::kStreamsAvailable: start_pending(d, conn); return;
    case K::kStreamReadable: {
      auto it = active_.find(e.stream);
      if (it == active_.end()) return;
      net::QuicConnection* c = d.connection(conn);
      if (!c) return;
      for (;;) {
        // Straight from the connection's receive queue into the decoder.
        GetSession& session = *it->second.session;
        bool session_failed = false;
        auto r = c->read_each(e.stream, 1 << 20, [&](ByteView piece) -> Status {
          bytes_ += piece.size();
          Status st = session.on_data(piece);
          session_failed = !st;
          return st;
        });
        if (!r && !session_failed) return;  // the stream is gone
        if (!r) {
          Status st = tl::unexpected(r.error());
          auto done = std::move(it->second.done);
          active_.erase(it);
          if (st.error().code() == ErrorCode::kCorrupt) {
            // Cut the provider off at once.
            c->close(1, "corrupt data", net::monotonic_now());
            done(st);
            fail_all(Error(ErrorCode::kCancelled, "connection closed after corrupt data"));
          } else {
            c->stop(e.stream, 0);
            done(st);
          }
          return;
        }
        if (r->reset_code) {
          auto done = std::move(it->second.done);
          active_.erase(it);
          done(make_error(ErrorCode::kProtocol, "provider reset the stream"));
          return;
        }
        if (r->fin) {
          Status st = session.on_finish();
          auto done = std::move(it->second.done);
          auto finished = std::move(it->second.session);
          active_.erase(it);
          if (!st || finished->commits_pending() == 0) return done(st);
          // Reported once the store's grouped commits are durable, back on
          // this thread (the io_context outlives the store's committer).
          finished->when_durable([io = &d.io(), done = std::move(done)](Status durable) mutable {
            asio::post(*io, [done = std::move(done), durable] { done(durable); });
          });
          return;
        }
        if (r->consumed == 0) return;
      }
    }
    case K::kClosed:
      closed_ = true;
      fail_all(e.error ? *e.error : Error(ErrorCode::kProtocol, "connection closed"));
      return;
    default: return;
  }
}

}  // namespace ferry::proto::blobs
