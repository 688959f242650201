#include "engine/doc_ticket.h"

#include "core/encoding.h"
#include "core/postcard.h"
#include "net/ticket.h"

namespace ferry::engine {
namespace {
constexpr std::string_view kPrefix = "doc";
// A NodeAddr is at least 32 (id) + 1 (relay) + 1 (count) bytes.
constexpr size_t kMinNodeAddrSize = 34;
}  // namespace

Bytes DocTicket::encode_payload() const {
  PostcardWriter w;
  w.variant(0);
  capability.encode(w);
  w.seq_len(nodes.size());
  for (const auto& n : nodes) n.encode(w);
  return w.take();
}

std::string DocTicket::to_string() const {
  return std::string(kPrefix) + base32_encode(encode_payload());
}

Result<DocTicket> DocTicket::decode_payload(ByteView payload) {
  PostcardReader r(payload);
  FERRY_ASSIGN(uint32_t v, r.variant(1));
  (void)v;
  FERRY_ASSIGN(auto cap, docs::Capability::decode(r));
  FERRY_ASSIGN(size_t n, r.seq_len(kMinNodeAddrSize));
  if (n == 0) return make_error(ErrorCode::kProtocol, "doc ticket without nodes");
  DocTicket t{std::move(cap), {}};
  for (size_t i = 0; i < n; ++i) {
    FERRY_ASSIGN(auto addr, net::NodeAddr::decode(r));
    t.nodes.push_back(std::move(addr));
  }
  return t;
}

Result<DocTicket> DocTicket::parse(std::string_view text) {
  if (text.size() > net::kMaxTicketLength) {
    return make_error(ErrorCode::kInvalidArgument, "ticket too long");
  }
  if (!text.starts_with(kPrefix)) {
    return make_error(ErrorCode::kInvalidArgument, "ticket does not start with \"doc\"");
  }
  auto payload = base32_decode(text.substr(kPrefix.size()));
  if (!payload) return tl::unexpected(payload.error().with_context("ticket"));
  return decode_payload(*payload);
}

}  // namespace ferry::engine
