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

void QuicConnection::write_datagrams(Instant now, std::vector<Bytes>& out, size_t max) {
  auto flush_pending = [&] {
    for (auto& p : pending_out_) out.push_back(std::move(p));
    pending_out_.clear();
  };
  flush_pending();
  if (state_ != State::kHandshaking && state_ != State::kEstablished) return;

  uint8_t buf[kMaxUdpPayload];
  size_t produced = 0;
  while (produced < max) {
    ngtcp2_path_storage ps;
    ngtcp2_path_storage_zero(&ps);
    ngtcp2_pkt_info pi{};
    bool conn_blocked = ngtcp2_conn_get_max_data_left(conn_) == 0;
    std::vector<int64_t> tried;
    ngtcp2_ssize nwrite = 0;
    for (;;) {
      Stream* s = nullptr;
      if (state_ == State::kEstablished && !streams_.empty()) {
        // Round robin: first stream after the cursor with something to send.
        auto it = streams_.upper_bound(rr_cursor_);
        for (size_t k = 0; k < streams_.size(); ++k, ++it) {
          if (it == streams_.end()) it = streams_.begin();
          if (std::find(tried.begin(), tried.end(), it->first) != tried.end()) continue;
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
        tried.push_back(s->id);
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
          }
        }
        if (s->fin_queued && s->sent + offered == s->queued) {
          flags |= NGTCP2_WRITE_STREAM_FLAG_FIN;
          fin_offered = true;
        }
      }
      ngtcp2_ssize ndatalen = -1;
      nwrite = ngtcp2_conn_writev_stream(conn_, &ps.path, &pi, buf, sizeof(buf), &ndatalen, flags,
                                         sid, vecs, nvec, ts(now));
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
      break;
    }
    if (nwrite < 0) {
      handle_error(static_cast<int>(nwrite), now);
      flush_pending();
      return;
    }
    if (nwrite == 0) break;
    out.emplace_back(buf, buf + nwrite);
    ++produced;
  }
  ngtcp2_conn_update_pkt_tx_time(conn_, ts(now));
}

}  // namespace ferry::net
