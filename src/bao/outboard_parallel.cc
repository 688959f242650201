#include "bao/outboard_parallel.h"

#include <thread>

namespace ferry::bao {

Result<Outboard> compute_outboard_parallel(const DataReader&, uint64_t, unsigned) {
  return make_error(ErrorCode::kInternal, "not yet");
}

Outboard compute_outboard_parallel(ByteView data, unsigned) {
  return compute_outboard(data);
}

}  // namespace ferry::bao
