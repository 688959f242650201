#include "net/ticket.h"

#include "core/encoding.h"
#include "core/postcard.h"

namespace ferry::net {
namespace {

constexpr std::string_view kNodePrefix = "node";
constexpr std::string_view kBlobPrefix = "blob";

Result<Bytes> decode_ticket_string(std::string_view text, std::string_view prefix) {
  if (text.size() > kMaxTicketLength) {
    return make_error(ErrorCode::kInvalidArgument, "ticket too long");
  }
  if (!text.starts_with(prefix)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "ticket does not start with \"" + std::string(prefix) + "\"");
  }
  auto decoded = base32_decode(text.substr(prefix.size()));
  if (!decoded) return tl::unexpected(decoded.error().with_context("ticket"));
  return std::move(*decoded);
}

Status expect_variant0(PostcardReader& r) {
  FERRY_ASSIGN(uint32_t v, r.variant(1));
  (void)v;
  return ok();
}

}  // namespace

Bytes NodeTicket::encode_payload() const {
  PostcardWriter w;
  w.variant(0);
  node.encode(w);
  return w.take();
}

std::string NodeTicket::to_string() const {
  return std::string(kNodePrefix) + base32_encode(encode_payload());
}

Result<NodeTicket> NodeTicket::decode_payload(ByteView payload) {
  PostcardReader r(payload);
  FERRY_TRY(expect_variant0(r));
  NodeTicket t;
  FERRY_ASSIGN(t.node, NodeAddr::decode(r));
  return t;
}

Result<NodeTicket> NodeTicket::parse(std::string_view text) {
  FERRY_ASSIGN(Bytes payload, decode_ticket_string(text, kNodePrefix));
  return decode_payload(payload);
}

Bytes BlobTicket::encode_payload() const {
  PostcardWriter w;
  w.variant(0);
  node.encode(w);
  w.variant(static_cast<uint32_t>(format));
  w.raw(hash.view());
  return w.take();
}

std::string BlobTicket::to_string() const {
  return std::string(kBlobPrefix) + base32_encode(encode_payload());
}

Result<BlobTicket> BlobTicket::decode_payload(ByteView payload) {
  PostcardReader r(payload);
  FERRY_TRY(expect_variant0(r));
  BlobTicket t;
  FERRY_ASSIGN(t.node, NodeAddr::decode(r));
  FERRY_ASSIGN(uint32_t format, r.variant(2));
  t.format = static_cast<BlobFormat>(format);
  FERRY_ASSIGN(auto hash, r.array<crypto::Hash::kSize>());
  t.hash = crypto::Hash(hash);
  return t;
}

Result<BlobTicket> BlobTicket::parse(std::string_view text) {
  FERRY_ASSIGN(Bytes payload, decode_ticket_string(text, kBlobPrefix));
  return decode_payload(payload);
}

}  // namespace ferry::net
