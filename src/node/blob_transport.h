// BlobTransport: the downloader's Transport (downloader/driver.h) over the
// node's QUIC endpoint: one /iroh-bytes/4 connection per provider node, each
// transfer one verified GET (proto::blobs::BlobsGetter) into the blob store,
// resuming a partial blob by asking only for the chunks it lacks.
// Holds no policy: every decision is the Scheduler's.
//
// Answers (Connected, DialFailed, ConnectionLost, TransferFinished,
// TransferFailed) are never given from inside a Transport call: they go to
// `feed` through a task posted on the io thread (the driver contract).
// Error mapping: kNotFound → FailureKind::kNotFound; kCorrupt → kAborted;
// anything else (connection trouble) → kNodeError.
// Threads: io thread only. Lifetime: UdpDriver and store outlive it; its
// connection handlers may outlive it (they hold a weak reference).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "blobs/store.h"
#include "downloader/driver.h"
#include "net/node_addr.h"
#include "net/udp_driver.h"
#include "proto/blobs/blobs_protocol.h"

namespace ferry::node {

namespace dl = ferry::downloader;

class BlobTransport final : public dl::Transport {
 public:
  // Where a node can be dialed (nullopt: unknown, the dial fails).
  using AddressBook = std::function<std::optional<net::NodeAddr>(const net::NodeId&)>;
  using Feed = std::function<void(const dl::Event&)>;

  BlobTransport(blobs::Store& store, AddressBook addresses, Feed feed)
      : store_(store), addresses_(std::move(addresses)), feed_(std::move(feed)) {}
  ~BlobTransport() override;

  // Requires: called once before the first connect().
  void bind(net::UdpDriver& driver) { driver_ = &driver; }
  // Closes every connection; later answers are dropped. Idempotent; call it
  // before the driver goes away.
  void shutdown();

  void connect(const dl::NodeId& node) override;
  void close(const dl::NodeId& node) override;
  void start_transfer(dl::TransferId transfer, const dl::NodeId& node,
                      const dl::Resource& resource) override;
  void cancel_transfer(dl::TransferId transfer, const dl::NodeId& node) override;

  size_t connections() const { return conns_.size(); }

 private:
  class Handler;
  struct Conn {
    uint64_t id = 0;
    std::shared_ptr<proto::blobs::BlobsGetter> getter;
    bool connected = false;
  };
  void on_connection_event(const dl::NodeId& node, uint64_t conn, bool handshake);
  void answer(dl::Event event);

  blobs::Store& store_;
  AddressBook addresses_;
  Feed feed_;
  net::UdpDriver* driver_ = nullptr;
  std::map<dl::NodeId, Conn> conns_;
  std::shared_ptr<BlobTransport*> self_ = std::make_shared<BlobTransport*>(this);
};

}  // namespace ferry::node
