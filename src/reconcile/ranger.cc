#include "reconcile/ranger.h"

namespace ferry::reconcile {

std::string_view reject_reason_name(RejectReason r) {
  switch (r) {
    case RejectReason::kWrongNamespace: return "wrong_namespace";
    case RejectReason::kBadSignature: return "bad_signature";
    case RejectReason::kFutureTimestamp: return "future_timestamp";
    case RejectReason::kKeyTooLarge: return "key_too_large";
    case RejectReason::kInvalidEntry: return "invalid_entry";
    case RejectReason::kNotNewer: return "not_newer";
  }
  return "unknown";
}

}  // namespace ferry::reconcile
