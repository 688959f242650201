// QuicConnection's send path: packetization of the streams' queued bytes
// (round robin over streams with something to send) into datagrams.
#include <algorithm>

#include "net/quic_connection.h"
#include "net/quic_internal.h"

namespace ferry::net {

using quic_internal::kMaxUdpPayload;
using quic_internal::ts;

namespace {

constexpr size_t kMaxVecs = 16;
constexpr size_t kMaxBytesPerOffer = 64 * 1024;
// Linux UDP_SEGMENT limits: at most 64 segments, and the whole batch must
// fit one IP packet's length field (65535 minus IPv6 + UDP headers; kept
// lower for margin).
constexpr size_t kMaxGsoSegments = 64;
constexpr size_t kMaxGsoBytes = 64000;

}  // namespace

bool QuicConnection::has_pending(const Stream& s, bool conn_blocked) const {
  if (s.send_closed || s.blocked) return false;
  if (s.sent < s.queued) return !conn_blocked;
  return s.fin_queued && !s.fin_sent;
}

void QuicConnection::advance_sent(Stream& s, ngtcp2_ssize n, bool fin_offered, uint64_t offered) {
  if (n < 0) return;
  s.sent += static_cast<uint64_t>(n);
  if (fin_offered && static_cast<uint64_t>(n) == offered) s.fin_sent = true;
}

ngtcp2_ssize QuicConnection::write_packet(Instant now, uint8_t* dest, size_t destlen) {
  ngtcp2_path_storage ps;
  ngtcp2_path_storage_zero(&ps);
  ngtcp2_pkt_info pi{};
  bool conn_blocked = ngtcp2_conn_get_max_data_left(conn_) == 0;
  tried_.clear();
  for (;;) {
    Stream* s = nullptr;
    if (state_ == State::kEstablished && !streams_.empty()) {
      // Round robin: first stream after the cursor with something to send.
      auto it = streams_.upper_bound(rr_cursor_);
      for (size_t k = 0; k < streams_.size(); ++k, ++it) {
        if (it == streams_.end()) it = streams_.begin();
        if (std::find(tried_.begin(), tried_.end(), it->first) != tried_.end()) continue;
        if (has_pending(it->second, conn_blocked)) {
          s = &it->second;
          break;
        }
      }
    }
    ngtcp2_vec vecs[kMaxVecs];
    size_t nvec = 0;
    uint64_t offered = 0;
    uint32_t flags = 0;
    int64_t sid = -1;
    bool fin_offered = false;
    if (s) {
      tried_.push_back(s->id);
      rr_cursor_ = s->id;
      sid = s->id;
      flags = NGTCP2_WRITE_STREAM_FLAG_MORE;
      if (!conn_blocked) {
        uint64_t pos = s->send_base;
        for (const auto& chunk : s->chunks) {
          uint64_t end = pos + chunk.size();
          if (end > s->sent && nvec < kMaxVecs && offered < kMaxBytesPerOffer) {
            uint64_t skip = s->sent > pos ? s->sent - pos : 0;
            vecs[nvec].base = const_cast<uint8_t*>(chunk.data()) + skip;
            vecs[nvec].len = static_cast<size_t>(chunk.size() - skip);
            offered += vecs[nvec].len;
            ++nvec;
          }
          pos = end;
          if (nvec == kMaxVecs || offered >= kMaxBytesPerOffer) break;
        }
      }
      if (s->fin_queued && s->sent + offered == s->queued) {
        flags |= NGTCP2_WRITE_STREAM_FLAG_FIN;
        fin_offered = true;
      }
    }
    ngtcp2_ssize ndatalen = -1;
    ngtcp2_ssize nwrite = ngtcp2_conn_writev_stream(conn_, &ps.path, &pi, dest, destlen, &ndatalen,
                                                    flags, sid, vecs, nvec, ts(now));
    if (s) advance_sent(*s, ndatalen, fin_offered, offered);
    if (nwrite == NGTCP2_ERR_WRITE_MORE) continue;
    if (nwrite == NGTCP2_ERR_STREAM_DATA_BLOCKED && s) {
      s->blocked = true;
      continue;
    }
    if ((nwrite == NGTCP2_ERR_STREAM_SHUT_WR || nwrite == NGTCP2_ERR_STREAM_NOT_FOUND) && s) {
      s->send_closed = true;
      continue;
    }
    return nwrite;
  }
}

void QuicConnection::write_datagrams(Instant now, std::vector<Transmit>& out, size_t max_datagrams,
                                     size_t max_segments) {
  for (auto& p : pending_out_) out.push_back({remote_, std::move(p)});
  pending_out_.clear();
  if (state_ != State::kHandshaking && state_ != State::kEstablished) return;

  // GSO batching (field guide §4): consecutive packets of one size share a
  // buffer; a shorter one ends the batch, a longer one starts the next.
  max_segments = std::clamp<size_t>(max_segments, 1, kMaxGsoSegments);
  const size_t capacity =
      max_segments == 1 ? kMaxUdpPayload : std::min(max_segments * kMaxUdpPayload, kMaxGsoBytes);
  Transmit batch{remote_, {}, 0};
  size_t used = 0, segments = 0, segment_size = 0;
  auto close_batch = [&] {
    if (segments > 0) {
      batch.data.resize(used);
      batch.segment_size = segments > 1 ? segment_size : 0;
      out.push_back(std::move(batch));
    }
    batch = Transmit{remote_, {}, 0};
    used = segments = segment_size = 0;
  };
  size_t produced = 0;
  while (produced < max_datagrams) {
    if (batch.data.size() < capacity) batch.data.resize(capacity);
    ngtcp2_ssize nwrite = write_packet(now, batch.data.data() + used, kMaxUdpPayload);
    if (nwrite < 0) {
      close_batch();
      handle_error(static_cast<int>(nwrite), now);
      for (auto& p : pending_out_) out.push_back({remote_, std::move(p)});
      pending_out_.clear();
      return;
    }
    if (nwrite == 0) break;
    ++produced;
    size_t n = static_cast<size_t>(nwrite);
    if (segments > 0 && n > segment_size) {
      // Longer than the batch's segments: it starts the next batch.
      Bytes packet(batch.data.begin() + static_cast<ptrdiff_t>(used),
                   batch.data.begin() + static_cast<ptrdiff_t>(used + n));
      close_batch();
      batch.data.resize(capacity);
      std::copy(packet.begin(), packet.end(), batch.data.begin());
    }
    if (segments == 0) segment_size = n;
    used += n;
    ++segments;
    if (n < segment_size || segments == max_segments || used + kMaxUdpPayload > capacity) {
      close_batch();
    }
  }
  close_batch();
  ngtcp2_conn_update_pkt_tx_time(conn_, ts(now));
}

}  // namespace ferry::net
