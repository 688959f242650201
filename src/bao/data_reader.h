// DataReader: read-by-offset access to a blob's data or outboard, the only way
// the encoder touches storage. Implemented by the stores (files, memory);
// MemoryReader serves a byte view.
#pragma once

#include <cstdint>

#include "core/bytes.h"
#include "ferry/result.h"

namespace ferry::bao {

class DataReader {
 public:
  virtual ~DataReader() = default;
  // Fills `out` with the bytes at [offset, offset + out.size()).
  // Errors: whatever the source reports (kIo, kNotFound if the range is
  // beyond the source's end, ...); the encoder propagates them unchanged.
  [[nodiscard]] virtual Status read_at(uint64_t offset, MutableByteView out) const = 0;
};

// A DataReader over bytes in memory. Lifetime: `data` must outlive it.
class MemoryReader final : public DataReader {
 public:
  explicit MemoryReader(ByteView data) : data_(data) {}
  Status read_at(uint64_t offset, MutableByteView out) const override;

 private:
  ByteView data_;
};

}  // namespace ferry::bao
