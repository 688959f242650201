// Helpers shared by the translation units of QuicConnection
// (quic_connection.cc, quic_callbacks.cc, quic_streams.cc, quic_send.cc).
// Internal to net/: include from nowhere else.
#pragma once

#include <ngtcp2/ngtcp2.h>

#include <cstddef>

#include "core/instant.h"

namespace ferry::net::quic_internal {

// Largest UDP payload we send (ngtcp2's max_tx_udp_payload_size); PMTUD
// grows packets from 1200 towards it when the socket sets Don't-Fragment.
inline constexpr size_t kMaxUdpPayload = 1472;

inline ngtcp2_tstamp ts(Instant now) {
  return static_cast<ngtcp2_tstamp>(now.nanos());
}

inline Instant from_ts(ngtcp2_tstamp t) {
  if (t == UINT64_MAX || t > static_cast<uint64_t>(INT64_MAX)) return Instant::max();
  return Instant::from_nanos(static_cast<int64_t>(t));
}

// The callback table for a client or server connection (quic_callbacks.cc).
ngtcp2_callbacks connection_callbacks(bool is_server);

}  // namespace ferry::net::quic_internal
