#include "reconcile/fingerprint.h"

#include "crypto/blake3.h"

namespace ferry::reconcile {

const Fingerprint& Fingerprint::empty() {
  static const Fingerprint kEmpty(crypto::Hash::empty().bytes());
  return kEmpty;
}

}  // namespace ferry::reconcile
