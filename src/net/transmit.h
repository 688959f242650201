// Transmit: what the sans-IO layers hand the UDP driver to send.
#pragma once

#include <algorithm>
#include <cstddef>

#include "core/bytes.h"
#include "net/node_addr.h"

namespace ferry::net {

// One datagram, or a GSO batch: several datagrams to the same address laid
// end to end, each `segment_size` bytes except the last, which may be
// shorter (the layout of Linux UDP_SEGMENT). segment_size == 0 means one
// datagram. A driver without GSO sends the segments one by one; they are
// independent datagrams on the wire either way.
struct Transmit {
  SocketAddr to;
  Bytes data;
  size_t segment_size = 0;

  size_t segments() const {
    if (segment_size == 0 || data.empty()) return 1;
    return (data.size() + segment_size - 1) / segment_size;
  }
  // Requires: i < segments().
  ByteView segment(size_t i) const {
    if (segment_size == 0) return data;
    size_t start = i * segment_size;
    return ByteView(data).subspan(start, std::min(segment_size, data.size() - start));
  }
};

}  // namespace ferry::net
