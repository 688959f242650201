// BlobFetch: downloads what a blob ticket names into a store over a
// UdpDriver, verified (BlobsGetter), resuming a partial raw blob by asking
// only for the chunks it lacks. Reports progress periodically and the
// outcome once. On success the blob (or collection) is protected by the tag
// "get/<hex>".
//
// Everything runs on the driver's thread.
#pragma once

#include <asio.hpp>
#include <functional>
#include <memory>

#include "blobs/store.h"
#include "core/instant.h"
#include "net/ticket.h"
#include "net/udp_driver.h"
#include "proto/blobs/blobs_protocol.h"

namespace ferry::node {

struct FetchProgress {
  uint64_t received = 0;   // bytes received on the wire by this fetch
  uint64_t expected = 0;   // bytes still missing when it started (0: unknown)
  uint64_t blob_size = 0;  // size of the root blob (0: not known yet)
};

struct FetchResult {
  crypto::Hash hash;
  net::BlobFormat format = net::BlobFormat::kRaw;
  uint64_t size = 0;        // root blob size
  uint64_t received = 0;    // wire bytes this fetch received
  uint64_t had_before = 0;  // verified bytes of the root held before it
  bool already_complete = false;
};

struct FetchOptions {
  Duration progress_interval = std::chrono::milliseconds(100);
  // Fails with kTimeout when no byte arrives for this long.
  Duration idle_timeout = std::chrono::seconds(20);
};

class BlobFetch : public std::enable_shared_from_this<BlobFetch> {
 public:
  using ProgressFn = std::function<void(const FetchProgress&)>;
  using DoneFn = std::function<void(Result<FetchResult>)>;

  // Starts the fetch. `done` runs exactly once (possibly after cancel()),
  // never from inside start(). Requires: called on the driver's thread;
  // `driver` and `store` outlive the fetch's callbacks.
  static std::shared_ptr<BlobFetch> start(net::UdpDriver& driver, blobs::Store& store,
                                          const net::BlobTicket& ticket, FetchOptions options,
                                          ProgressFn on_progress, DoneFn done);
  // Closes the connection (the "interrupted" case); `done` gets kCancelled.
  void cancel();
  FetchProgress progress() const;
  // Drops the fetch without a callback (the owner is shutting down): no
  // reference to the getter or the callbacks remains. Requires: the io
  // thread is not running it concurrently (the io_context has stopped).
  void abandon();

 private:
  BlobFetch(net::UdpDriver& d, blobs::Store& s, net::BlobTicket t, FetchOptions o, ProgressFn p,
            DoneFn done);
  void begin();
  void tick();
  void finish(Result<FetchResult> r);
  void close_connection();

  net::UdpDriver& driver_;
  blobs::Store& store_;
  net::BlobTicket ticket_;
  FetchOptions options_;
  ProgressFn on_progress_;
  DoneFn done_;
  std::shared_ptr<proto::blobs::BlobsGetter> getter_;
  asio::steady_timer timer_;
  std::optional<uint64_t> conn_;
  FetchResult result_;
  uint64_t expected_ = 0, last_received_ = 0, final_received_ = 0;
  std::chrono::steady_clock::time_point last_change_;
  bool finished_ = false;
};

}  // namespace ferry::node
