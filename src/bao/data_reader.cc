#include "bao/data_reader.h"

#include <cstring>

namespace ferry::bao {

Status MemoryReader::read_at(uint64_t offset, MutableByteView out) const {
  if (offset > data_.size() || out.size() > data_.size() - offset) {
    return make_error(ErrorCode::kNotFound, "read beyond end of data");
  }
  if (!out.empty()) std::memcpy(out.data(), data_.data() + offset, out.size());
  return ok();
}

}  // namespace ferry::bao
