#include "node/blob_transport.h"

#include "proto/blobs/get_session.h"

namespace ferry::node {
namespace {

dl::FailureKind failure_kind(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNotFound: return dl::FailureKind::kNotFound;
    case ErrorCode::kCorrupt: return dl::FailureKind::kAborted;
    default: return dl::FailureKind::kNodeError;
  }
}

}  // namespace

// The connection's handler: tells the transport about the handshake and the
// close, and passes every event to the getter (after the transport, so a
// transfer failing with its connection is reported as ConnectionLost only).
class BlobTransport::Handler final : public net::ProtocolHandler {
 public:
  Handler(std::weak_ptr<BlobTransport*> transport, dl::NodeId node,
          std::shared_ptr<proto::blobs::BlobsGetter> getter)
      : transport_(std::move(transport)), node_(node), getter_(std::move(getter)) {}

  void on_event(net::UdpDriver& driver, uint64_t conn, const net::ConnectionEvent& e) override {
    using K = net::ConnectionEvent::Kind;
    if (e.kind == K::kHandshakeCompleted || e.kind == K::kClosed) {
      if (auto t = transport_.lock(); t && *t) {
        (*t)->on_connection_event(node_, conn, e.kind == K::kHandshakeCompleted);
      }
    }
    getter_->on_event(driver, conn, e);
  }

 private:
  std::weak_ptr<BlobTransport*> transport_;
  dl::NodeId node_;
  std::shared_ptr<proto::blobs::BlobsGetter> getter_;
};

BlobTransport::~BlobTransport() {
  shutdown();
}

void BlobTransport::shutdown() {
  *self_ = nullptr;
  if (driver_) {
    for (auto& [node, c] : conns_) {
      if (auto* q = driver_->connection(c.id)) q->close(0, "shutdown", net::monotonic_now());
    }
    driver_->flush();
  }
  driver_ = nullptr;  // idempotent: the driver may be gone at destruction
  conns_.clear();
}

void BlobTransport::answer(dl::Event event) {
  if (!driver_) return;
  std::weak_ptr<BlobTransport*> weak = self_;
  driver_->post([weak, event = std::move(event)] {
    if (auto t = weak.lock(); t && *t) (*t)->feed_(event);
  });
}

void BlobTransport::connect(const dl::NodeId& node) {
  net::NodeId id(node.bytes);
  auto addr = addresses_(id);
  if (!addr || !driver_) return answer(dl::DialFailed{node});
  auto getter = std::make_shared<proto::blobs::BlobsGetter>(store_);
  auto handler = std::make_shared<Handler>(self_, node, getter);
  auto conn = driver_->connect(*addr, std::string(proto::blobs::kAlpn), handler);
  if (!conn) return answer(dl::DialFailed{node});
  conns_[node] = Conn{*conn, std::move(getter), false};
}

void BlobTransport::on_connection_event(const dl::NodeId& node, uint64_t conn, bool handshake) {
  auto it = conns_.find(node);
  if (it == conns_.end() || it->second.id != conn) return;  // closed by us: no answer
  if (handshake) {
    it->second.connected = true;
    return answer(dl::Connected{node});
  }
  bool was_connected = it->second.connected;
  conns_.erase(it);
  if (was_connected) return answer(dl::ConnectionLost{node});
  answer(dl::DialFailed{node});
}

void BlobTransport::close(const dl::NodeId& node) {
  auto it = conns_.find(node);
  if (it == conns_.end() || !driver_) return;
  uint64_t conn = it->second.id;
  conns_.erase(it);
  // Closed from a posted task, never from inside a getter's callback.
  driver_->post([d = driver_, conn] {
    if (auto* c = d->connection(conn)) c->close(0, "idle", net::monotonic_now());
  });
}

void BlobTransport::start_transfer(dl::TransferId transfer, const dl::NodeId& node,
                                   const dl::Resource& resource) {
  auto it = conns_.find(node);
  if (it == conns_.end()) return answer(dl::ConnectionLost{node});
  bao::GetRequest request;
  if (resource.kind == dl::ResourceKind::kBlob) {
    auto st = store_.status(resource.hash);
    if (!st) return answer(dl::TransferFailed{transfer, dl::FailureKind::kNodeError});
    auto missing = proto::blobs::missing_request(resource.hash, *st);
    if (!missing) return answer(dl::TransferFinished{transfer});
    request = *missing;
  } else {
    request = {resource.hash, bao::RangeSpecSeq::all()};
  }
  std::weak_ptr<BlobTransport*> weak = self_;
  uint64_t conn = it->second.id;
  it->second.getter->fetch(std::move(request), [weak, node, conn, transfer, resource](Status s) {
    auto t = weak.lock();
    if (!t || !*t) return;
    BlobTransport& self = **t;
    auto c = self.conns_.find(node);
    if (c == self.conns_.end() || c->second.id != conn) return;  // ConnectionLost instead
    if (!s) return self.answer(dl::TransferFailed{transfer, failure_kind(s.error().code())});
    if (resource.kind == dl::ResourceKind::kBlob) {
      auto st = self.store_.status(resource.hash);
      if (!st || !st->is_complete()) {
        return self.answer(dl::TransferFailed{transfer, dl::FailureKind::kAborted});
      }
    }
    self.answer(dl::TransferFinished{transfer});
  });
}

void BlobTransport::cancel_transfer(dl::TransferId, const dl::NodeId&) {
  // The scheduler ignores the late answer; the GET runs to its end (its bytes
  // are verified and kept, so nothing is wasted if the blob is asked again).
}

}  // namespace ferry::node
