// Download policy of a document (spec iroh-0.35-wire.md §6.1): which
// remotely inserted entries have their content fetched. Local only; stored
// per document as postcard, never sent on the wire.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/postcard.h"
#include "ferry/result.h"

namespace ferry::docs {

// Prefix(bytes) matches keys starting with bytes; Exact(bytes) matches the
// key equal to bytes. Matching looks at the entry key only, not the author.
struct FilterKind {
  enum class Kind : uint8_t { kPrefix = 0, kExact = 1 };
  Kind kind = Kind::kPrefix;
  Bytes bytes;

  static FilterKind prefix(ByteView p) { return {Kind::kPrefix, Bytes(p.begin(), p.end())}; }
  static FilterKind exact(ByteView k) { return {Kind::kExact, Bytes(k.begin(), k.end())}; }

  bool matches(ByteView key) const;

  // "prefix:utf8:<s>" / "exact:utf8:<s>" for valid UTF-8, else ":hex:<hex>".
  std::string to_string() const;
  // Parses the text form above (utf8 or hex). kInvalidArgument.
  static Result<FilterKind> parse(std::string_view text);

  void encode(PostcardWriter& w) const;
  static Result<FilterKind> decode(PostcardReader& r);

  bool operator==(const FilterKind&) const = default;
};

// NothingExcept(filters): download iff any filter matches.
// EverythingExcept(filters): download iff no filter matches.
// The default, EverythingExcept([]), downloads everything.
struct DownloadPolicy {
  enum class Kind : uint8_t { kNothingExcept = 0, kEverythingExcept = 1 };
  Kind kind = Kind::kEverythingExcept;
  std::vector<FilterKind> filters;

  bool should_download(ByteView key) const;

  void encode(PostcardWriter& w) const;
  static Result<DownloadPolicy> decode(PostcardReader& r);
  Bytes to_bytes() const;
  // Exactly one policy spanning `data`. kProtocol on malformed input.
  static Result<DownloadPolicy> from_bytes(ByteView data);

  bool operator==(const DownloadPolicy&) const = default;
};

}  // namespace ferry::docs
