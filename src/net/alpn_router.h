// ALPN router: protocols register a handler under their ALPN; the endpoint
// offers exactly the registered ALPNs to incoming connections (TLS refuses
// any other with no_application_protocol), and each accepted connection's
// events go to the handler of the ALPN it negotiated.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "net/quic_connection.h"

namespace ferry::net {

class UdpDriver;

// Receives every event of the connections bound to it, on the driver's
// thread. Requires: implementations do not block.
class ProtocolHandler {
 public:
  virtual ~ProtocolHandler() = default;
  virtual void on_event(UdpDriver& driver, uint64_t conn, const ConnectionEvent& event) = 0;
};

class AlpnRouter {
 public:
  // Errors: kAlreadyExists if `alpn` is taken; kInvalidArgument if empty or
  // longer than 255 bytes (the TLS limit).
  Status add(std::string alpn, std::shared_ptr<ProtocolHandler> handler) {
    if (alpn.empty() || alpn.size() > 255) {
      return make_error(ErrorCode::kInvalidArgument, "ALPN must be 1..255 bytes");
    }
    if (!handlers_.emplace(std::move(alpn), std::move(handler)).second) {
      return make_error(ErrorCode::kAlreadyExists, "ALPN already registered");
    }
    return ok();
  }
  std::shared_ptr<ProtocolHandler> find(std::string_view alpn) const {
    auto it = handlers_.find(std::string(alpn));
    return it == handlers_.end() ? nullptr : it->second;
  }
  std::vector<std::string> alpns() const {
    std::vector<std::string> out;
    for (const auto& [a, h] : handlers_) out.push_back(a);
    return out;
  }

 private:
  std::map<std::string, std::shared_ptr<ProtocolHandler>> handlers_;
};

}  // namespace ferry::net
