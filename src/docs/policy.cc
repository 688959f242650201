#include "docs/policy.h"

#include <algorithm>

#include "core/encoding.h"

namespace ferry::docs {

bool FilterKind::matches(ByteView key) const {
  if (kind == Kind::kExact) return std::equal(key.begin(), key.end(), bytes.begin(), bytes.end());
  return key.size() >= bytes.size() && std::equal(bytes.begin(), bytes.end(), key.begin());
}

std::string FilterKind::to_string() const {
  std::string out = kind == Kind::kPrefix ? "prefix:" : "exact:";
  std::string_view s = as_string_view(bytes);
  if (is_valid_utf8(s)) return out + "utf8:" + std::string(s);
  return out + "hex:" + hex_encode(bytes);
}

Result<FilterKind> FilterKind::parse(std::string_view text) {
  FilterKind f;
  if (text.starts_with("prefix:")) {
    f.kind = Kind::kPrefix;
    text.remove_prefix(7);
  } else if (text.starts_with("exact:")) {
    f.kind = Kind::kExact;
    text.remove_prefix(6);
  } else {
    return make_error(ErrorCode::kInvalidArgument, "filter must start with prefix: or exact:");
  }
  if (text.starts_with("utf8:")) {
    text.remove_prefix(5);
    f.bytes = to_bytes(text);
  } else if (text.starts_with("hex:")) {
    text.remove_prefix(4);
    auto b = hex_decode(text);
    if (!b) return tl::unexpected(b.error().with_context("filter"));
    f.bytes = std::move(*b);
  } else {
    return make_error(ErrorCode::kInvalidArgument, "filter value must start with utf8: or hex:");
  }
  return f;
}

void FilterKind::encode(PostcardWriter& w) const {
  w.variant(static_cast<uint32_t>(kind));
  w.bytes(bytes);
}

Result<FilterKind> FilterKind::decode(PostcardReader& r) {
  FERRY_ASSIGN(uint32_t tag, r.variant(2));
  FERRY_ASSIGN(ByteView b, r.bytes());
  return FilterKind{static_cast<Kind>(tag), Bytes(b.begin(), b.end())};
}

bool DownloadPolicy::should_download(ByteView key) const {
  bool any = std::any_of(filters.begin(), filters.end(),
                         [&](const FilterKind& f) { return f.matches(key); });
  return kind == Kind::kNothingExcept ? any : !any;
}

void DownloadPolicy::encode(PostcardWriter& w) const {
  w.variant(static_cast<uint32_t>(kind));
  w.seq_len(filters.size());
  for (const auto& f : filters) f.encode(w);
}

Result<DownloadPolicy> DownloadPolicy::decode(PostcardReader& r) {
  DownloadPolicy p;
  FERRY_ASSIGN(uint32_t tag, r.variant(2));
  p.kind = static_cast<Kind>(tag);
  // Each filter takes at least 2 bytes (tag, length).
  FERRY_ASSIGN(size_t n, r.seq_len(2));
  p.filters.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    FERRY_ASSIGN(auto f, FilterKind::decode(r));
    p.filters.push_back(std::move(f));
  }
  return p;
}

Bytes DownloadPolicy::to_bytes() const {
  Bytes out;
  PostcardWriter w(out);
  encode(w);
  return out;
}

Result<DownloadPolicy> DownloadPolicy::from_bytes(ByteView data) {
  PostcardReader r(data);
  FERRY_ASSIGN(auto p, decode(r));
  FERRY_TRY(r.expect_end());
  return p;
}

}  // namespace ferry::docs
