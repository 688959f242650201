// /iroh-bytes/4 on the QUIC endpoint: BlobsProvider serves a blobs::Store to
// any peer (register it on the AlpnRouter under kAlpn); BlobsGetter fetches
// from one provider connection into a Store, verifying every byte.
//
// Provider: one request per peer-opened bidi stream, read to FIN (at most
// kMaxRequestSize, else the stream is reset). The response is produced by a
// small pool of worker threads (store reads and hashing stay off the network
// thread) into a per-stream queue bounded at kMaxQueued bytes; the network
// thread moves it into the QUIC stream as flow control allows. A slow getter
// therefore stalls its worker instead of growing memory. A store that fails
// verification mid-blob gets the stream reset. Peer streams are bounded by
// the QUIC stream limit (100 per connection, re-credited on close).
//
// Getter: each fetch opens a stream, sends the request, feeds the response
// to a GetSession. At the first corrupt byte the connection is closed at
// once (the peer is cut off); nothing unverified reaches the store.
// Store writes happen on the network thread; a store that groups commits
// (the file store for small blobs) makes them durable on its own thread,
// and a fetch succeeds only once its blobs are durable (GetSession::
// when_durable, answer posted back to the network thread).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "blobs/store.h"
#include "net/udp_driver.h"
#include "proto/blobs/get_session.h"
#include "proto/blobs/provider.h"

namespace ferry::proto::blobs {

class BlobsProvider : public net::ProtocolHandler,
                      public std::enable_shared_from_this<BlobsProvider> {
 public:
  static constexpr size_t kMaxQueued = 1 << 20;

  // Requires: `store` outlives the provider; shutdown() is called before the
  // driver(s) it serves are destroyed.
  BlobsProvider(ferry::blobs::Store& store, unsigned workers = 2);
  ~BlobsProvider() override;

  void on_event(net::UdpDriver& driver, uint64_t conn, const net::ConnectionEvent& e) override;
  // Cancels every request and joins the workers. Idempotent.
  void shutdown();

  uint64_t requests_served() const { return served_; }
  uint64_t requests_refused() const { return refused_; }

 private:
  struct Job {
    std::mutex m;
    std::condition_variable cv;
    std::deque<Bytes> queue;
    size_t front_pos = 0;
    size_t queued = 0;
    bool producer_done = false, cancelled = false, drain_posted = false;
    std::optional<Error> error;
    bao::GetRequest request;
    net::UdpDriver* driver = nullptr;
    uint64_t conn = 0;
    int64_t stream = 0;
  };
  struct StreamState {
    Bytes request;
    std::shared_ptr<Job> job;
    bool finished = false;
  };
  void on_readable(net::UdpDriver& d, uint64_t conn, int64_t stream);
  void drain(net::UdpDriver& d, std::shared_ptr<Job> job);
  void worker_loop();
  void run_job(const std::shared_ptr<Job>& job);
  void post_drain(const std::shared_ptr<Job>& job);

  ferry::blobs::Store& store_;
  std::map<std::pair<uint64_t, int64_t>, StreamState> streams_;  // network thread only
  std::mutex pool_m_;
  std::condition_variable pool_cv_;
  std::deque<std::shared_ptr<Job>> pending_;
  std::vector<std::shared_ptr<Job>> running_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  uint64_t served_ = 0, refused_ = 0;
};

class BlobsGetter : public net::ProtocolHandler {
 public:
  using Callback = std::function<void(Status)>;
  // Requires: `store` outlives the getter.
  explicit BlobsGetter(ferry::blobs::Store& store) : store_(store) {}

  // Queues a request; `done` runs on the network thread with the outcome
  // (kCorrupt: the provider sent bad data and was cut off; kNotFound: it
  // lacks the blob; kProtocol/kTimeout: connection trouble; a store error:
  // the blobs could not be recorded). OK means every blob of the response
  // is durable in the store. Requires: the getter is (or will be) the
  // handler of a connection; the driver's io_context outlives the store.
  void fetch(bao::GetRequest request, Callback done);

  void on_event(net::UdpDriver& driver, uint64_t conn, const net::ConnectionEvent& e) override;
  bool connected() const { return connected_; }
  bool closed() const { return closed_; }
  uint64_t bytes_received() const { return bytes_; }

 private:
  struct Fetch {
    std::unique_ptr<GetSession> session;
    Callback done;
  };
  void start_pending(net::UdpDriver& d, uint64_t conn);
  void fail_all(const Error& e);

  ferry::blobs::Store& store_;
  std::deque<Fetch> pending_;
  std::map<int64_t, Fetch> active_;
  bool connected_ = false, closed_ = false;
  uint64_t bytes_ = 0;
  net::UdpDriver* driver_ = nullptr;
  uint64_t conn_ = 0;
};

}  // namespace ferry::proto::blobs
