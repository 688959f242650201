#include "bao/outboard.h"

namespace ferry::bao {

OutboardBuilder::OutboardBuilder(uint64_t size) : tree_(size) {}

Status OutboardBuilder::update(ByteView) {
  return make_error(ErrorCode::kInternal, "not yet");
}

Result<Outboard> OutboardBuilder::finish() {
  return make_error(ErrorCode::kInternal, "not yet");
}

void OutboardBuilder::flush_batch(bool) {}
void OutboardBuilder::add_group_cv(const crypto::Hash&) {}

Outboard compute_outboard(ByteView) {
  return {};
}

Outboard outboard_from_group_cvs(uint64_t, std::span<const crypto::Hash>) {
  return {};
}

}  // namespace ferry::bao
