#include "docs/keys.h"

#include "core/encoding.h"

namespace ferry::docs {

template <typename Tag>
Result<PublicId<Tag>> PublicId<Tag>::parse(std::string_view text) {
  if (text.size() != 2 * kSize) {
    return make_error(ErrorCode::kInvalidArgument, "id must be 64 hex characters");
  }
  auto bytes = hex_decode(text);
  if (!bytes) return tl::unexpected(bytes.error().with_context("invalid id"));
  auto key = crypto::PublicKey::from_bytes(*bytes);
  if (!key) return tl::unexpected(key.error().with_context("invalid id"));
  return PublicId(key->bytes());
}

template <typename Tag>
std::string PublicId<Tag>::to_string() const {
  return hex_encode(bytes_);
}

template <typename Tag>
std::string PublicId<Tag>::fmt_short() const {
  return to_string().substr(0, 10);
}

template class PublicId<NamespaceTag>;
template class PublicId<AuthorTag>;

NamespaceId Capability::id() const {
  if (auto* s = std::get_if<NamespaceSecret>(&v_)) return s->id();
  return std::get<NamespaceId>(v_);
}

Status Capability::merge(const Capability& other) {
  if (other.id() != id()) {
    return make_error(ErrorCode::kInvalidArgument, "capabilities of different namespaces");
  }
  if (other.kind() == CapabilityKind::kWrite) v_ = other.v_;
  return ok();
}

void Capability::encode(PostcardWriter& w) const {
  if (auto* s = secret()) {
    w.variant(0);
    w.bytes(s->seed());  // SigningKey uses serialize_bytes: 0x20 ‖ seed
  } else {
    w.variant(1);
    w.raw(std::get<NamespaceId>(v_).view());
  }
}

Result<Capability> Capability::decode(PostcardReader& r) {
  FERRY_ASSIGN(uint32_t tag, r.variant(2));
  if (tag == 0) {
    FERRY_ASSIGN(ByteView seed, r.bytes(64));
    if (seed.size() != 32) return make_error(ErrorCode::kProtocol, "namespace secret: bad length");
    std::array<uint8_t, 32> s;
    std::copy(seed.begin(), seed.end(), s.begin());
    return Capability(NamespaceSecret::from_seed(s));
  }
  FERRY_ASSIGN(auto id, r.array<32>());
  return Capability(NamespaceId(id));
}

}  // namespace ferry::docs
