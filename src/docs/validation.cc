#include "docs/validation.h"

namespace ferry::docs {

std::string_view reject_reason_name(RejectReason r) {
  switch (r) {
    case RejectReason::kKeyTooLarge: return "key_too_large";
    case RejectReason::kWrongNamespace: return "wrong_namespace";
    case RejectReason::kInvalidEmptyEntry: return "invalid_empty_entry";
    case RejectReason::kFutureTimestamp: return "future_timestamp";
    case RejectReason::kBadSignature: return "bad_signature";
  }
  return "unknown";
}

Error Rejection::to_error() const {
  ErrorCode code =
      reason == RejectReason::kBadSignature ? ErrorCode::kCorrupt : ErrorCode::kInvalidArgument;
  return Error(code, std::string(reject_reason_name(reason)) + ": " + detail);
}

Status check_key_size(size_t key_size, const ValidationOptions& opts) {
  if (key_size > opts.max_key_size) {
    return make_error(ErrorCode::kInvalidArgument, "key too large: " + std::to_string(key_size) +
                                                       " bytes > maximum " +
                                                       std::to_string(opts.max_key_size));
  }
  return ok();
}

std::optional<Rejection> check_remote_entry(const SignedEntry& e, const NamespaceId& expected_ns,
                                            uint64_t now_us, RemotePath path,
                                            const ValidationOptions& opts) {
  if (auto st = check_key_size(e.key().size(), opts); !st) {
    return Rejection{RejectReason::kKeyTooLarge, st.error().message()};
  }
  if (e.namespace_id() != expected_ns) {
    return Rejection{RejectReason::kWrongNamespace, "entry for " + e.namespace_id().fmt_short() +
                                                        ", expected " + expected_ns.fmt_short()};
  }
  if (path == RemotePath::kGossip && !e.record().is_empty_consistent()) {
    return Rejection{RejectReason::kInvalidEmptyEntry, "len == 0 must go with the empty hash"};
  }
  // Saturating: now + tolerance must not wrap.
  uint64_t limit =
      now_us > UINT64_MAX - opts.max_future_us ? UINT64_MAX : now_us + opts.max_future_us;
  if (e.record().timestamp > limit) {
    return Rejection{RejectReason::kFutureTimestamp,
                     "timestamp " + std::to_string(e.record().timestamp) + " > now " +
                         std::to_string(now_us) + " + " + std::to_string(opts.max_future_us) +
                         " µs"};
  }
  if (auto st = e.verify(); !st)
    return Rejection{RejectReason::kBadSignature, st.error().message()};
  return std::nullopt;
}

}  // namespace ferry::docs
